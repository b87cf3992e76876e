// `acp slack`: the Slack app that turns a click on the comparison message (activities/slack.ts posts
// it) into the run's `confirm` / `reject` signal, carrying who clicked. Bolt's HTTP receiver checks
// every request's v0 signature and refuses (401) a bad one or one older than five minutes before any
// handler runs, so a forged or replayed click signals nothing. Slack's Request URL for
// interactivity is http(s)://<this host>:<port>/slack/events.
import { App, type BlockAction, type ButtonAction, LogLevel } from '@slack/bolt';
import type { WebClient } from '@slack/web-api';
import { Client, Connection, WorkflowNotFoundError } from '@temporalio/client';
import { APPROVE_ACTION, APPROVE_OPTION_ACTION, REJECT_ACTION, readButtonValue } from '../activities/slack';
import { confirmSignal, rejectSignal } from '../workflows/messages';
import { temporalConnectionOptions } from './temporal-server';

export interface SlackAppOptions {
  /** Port for Slack's requests; 0 picks a free one (see the returned `port`). */
  port: number;
  temporalAddress: string;
  namespace?: string;
  /** Not needed to signal a run (signals go to its workflow id); accepted so callers can pass their config. */
  taskQueue?: string;
  /** Default ACP_SLACK_SIGNING_SECRET. */
  signingSecret?: string;
  /** Default ACP_SLACK_BOT_TOKEN; used to mark the message as decided. Optional. */
  botToken?: string;
  /** Default ACP_SLACK_API_URL (Slack's Web API when unset). */
  slackApiUrl?: string;
}

export interface RunningSlackApp {
  port: number;
  stop(): Promise<void>;
}

const ACTIONS = new RegExp(`^(${APPROVE_ACTION}|${REJECT_ACTION}|${APPROVE_OPTION_ACTION}_\\d+)$`);

export async function startSlackApp(options: SlackAppOptions): Promise<RunningSlackApp> {
  const signingSecret = options.signingSecret ?? process.env.ACP_SLACK_SIGNING_SECRET;
  if (!signingSecret) {
    throw new Error(
      'ACP_SLACK_SIGNING_SECRET is not set: copy the Signing Secret from your Slack app\'s "Basic Information" page',
    );
  }
  const botToken = options.botToken ?? process.env.ACP_SLACK_BOT_TOKEN;
  const slackApiUrl = options.slackApiUrl ?? process.env.ACP_SLACK_API_URL;

  const connection = await Connection.connect(temporalConnectionOptions(options.temporalAddress));
  const temporal = new Client({ connection, namespace: options.namespace ?? 'default' });

  const app = new App({
    signingSecret,
    logLevel: LogLevel.WARN,
    ...(botToken
      ? {
          token: botToken,
          // No auth.test round trip at start-up: the token is only used to update the clicked message.
          tokenVerificationEnabled: false,
        }
      : { authorize: async () => ({}) }),
    ...(slackApiUrl ? { clientOptions: { slackApiUrl: withTrailingSlash(slackApiUrl) } } : {}),
  });

  app.action<BlockAction<ButtonAction>>(
    { type: 'block_actions', action_id: ACTIONS },
    async ({ ack, body, action, client, logger }) => {
      // Slack wants an answer within 3 s; the signal and the message update come after it.
      await ack();
      const value = readButtonValue(action.value);
      if (!value) {
        logger.warn(`ignoring a click without a run id: ${action.value}`);
        return;
      }
      const who = body.user.username ?? body.user.name;
      const by = `slack:${body.user.id}${who ? ` (${who})` : ''}`;
      const handle = temporal.workflow.getHandle(value.workflowId);
      const rejecting = action.action_id === REJECT_ACTION;
      try {
        if (rejecting) await handle.signal(rejectSignal, { by, reason: 'rejected in Slack' });
        else await handle.signal(confirmSignal, { by, ...(value.option ? { option: value.option } : {}) });
      } catch (err) {
        const text =
          err instanceof WorkflowNotFoundError
            ? `acp run ${value.workflowId} has already finished; nothing was changed.`
            : `acp could not reach run ${value.workflowId}: ${(err as Error).message}`;
        await tellClicker(client, body, text).catch((e) => logger.warn(String(e)));
        return;
      }
      const decided = rejecting
        ? `:x: Rejected by <@${body.user.id}>`
        : `:white_check_mark: Approved by <@${body.user.id}>${value.option ? ` (option ${value.option})` : ''}`;
      await markDecided(client, body, decided).catch((e) =>
        logger.warn(`could not update the message: ${e}`),
      );
    },
  );

  const server = await app.start(options.port);
  const address = server.address();
  const port = typeof address === 'object' && address ? address.port : options.port;
  return {
    port,
    async stop() {
      await app.stop();
      await connection.close();
    },
  };
}

/** Replaces the buttons with who decided, so nobody clicks a decided run again. */
async function markDecided(client: WebClient, body: BlockAction, decided: string): Promise<void> {
  const channel = body.channel?.id ?? body.container?.channel_id;
  const ts = body.message?.ts ?? body.container?.message_ts;
  if (!channel || !ts || !body.message) return;
  const blocks = ((body.message.blocks ?? []) as { type: string }[]).filter((b) => b.type !== 'actions');
  await client.chat.update({
    channel,
    ts,
    text: `${body.message.text ?? ''} — ${decided}`,
    blocks: [...blocks, { type: 'section', text: { type: 'mrkdwn', text: decided } }] as any,
  });
}

async function tellClicker(client: WebClient, body: BlockAction, text: string): Promise<void> {
  const channel = body.channel?.id ?? body.container?.channel_id;
  if (!channel) return;
  await client.chat.postEphemeral({ channel, user: body.user.id, text });
}

function withTrailingSlash(url: string): string {
  return url.endsWith('/') ? url : `${url}/`;
}
