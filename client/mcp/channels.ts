// Where a person approves a run: every channel acp has, ready to paste into a chat with the user.
import { LOCAL_HOST, LOCAL_PORT, LOCAL_UI_PORT } from '../local-stack';

/** Where a person approves a run: every channel acp has, ready to paste. */
export interface HumanChannels {
  cli: string;
  temporal: string;
  webUi: string;
  slack?: string;
  reject: string;
}

export function humanChannels(
  workflowId: string,
  where: { address: string; namespace: string; uiUrl: string; option?: number },
  env: NodeJS.ProcessEnv = process.env,
): HumanChannels {
  const local = where.address === `${LOCAL_HOST}:${LOCAL_PORT}`;
  const prefix = local ? '' : `TEMPORAL_ADDRESS=${where.address} `;
  const ns = where.namespace === 'default' ? '' : ` --namespace ${where.namespace}`;
  const address = local ? '' : ` --address ${where.address}`;
  const option = where.option !== undefined ? ` --option ${where.option}` : '';
  const input = where.option !== undefined ? `{"option": ${where.option}}` : '{}';
  return {
    cli: `${prefix}npx acp confirm ${workflowId}${option}`,
    temporal: `temporal workflow signal${address}${ns} --workflow-id ${workflowId} --name confirm --input '${input}'`,
    webUi: `${where.uiUrl.replace(/\/$/, '')}/namespaces/${encodeURIComponent(where.namespace)}/workflows/${encodeURIComponent(workflowId)}`,
    ...(env.ACP_SLACK_BOT_TOKEN && env.ACP_SLACK_CHANNEL
      ? {
          slack: `the Approve / Reject buttons on the run's message in Slack channel ${env.ACP_SLACK_CHANNEL}`,
        }
      : {}),
    reject: `${prefix}npx acp reject ${workflowId}`,
  };
}

export function channelLines(c: HumanChannels): string[] {
  return [
    `  • ${c.cli}`,
    `  • ${c.temporal}`,
    ...(c.slack ? [`  • ${c.slack}`] : []),
    `  • Web UI: ${c.webUi}`,
  ];
}

/** The Web UI of the server at `address`: ACP_TEMPORAL_UI_URL, else the dev server's (gRPC port + 1000). */
export function webUiBase(address: string, env: NodeJS.ProcessEnv = process.env): string {
  if (env.ACP_TEMPORAL_UI_URL) return env.ACP_TEMPORAL_UI_URL;
  const m = /^(.*):(\d+)$/.exec(address);
  if (!m) return `http://localhost:${LOCAL_UI_PORT}`;
  const host = m[1] === LOCAL_HOST || m[1] === '0.0.0.0' ? 'localhost' : m[1];
  return `http://${host}:${Number(m[2]) + 1000}`;
}
