// Slack notifications: the comparison with Approve / Reject buttons when a run waits for a yes, then
// progress and the receipt in that message's thread. The bot token lives only here, in the worker's
// environment: the workflow sees the thread reference {channel, ts} and nothing else. Without the
// ACP_SLACK_* variables both activities do nothing, so runs without Slack are unchanged.

import type { Block, KnownBlock } from '@slack/web-api';
import { Context } from '@temporalio/activity';
import { ApplicationFailure } from '@temporalio/common';
import type { QuoteOption } from '../planner/types';
import type { RunStatus } from '../workflows/messages';

export interface SlackConfig {
  token: string;
  channel: string;
  /** Slack's Web API base URL; tests point it at a local stand-in. */
  apiUrl?: string;
}

/** Where a run's Slack conversation lives: the comparison message and its thread. */
export interface SlackThreadRef {
  channel: string;
  ts: string;
}

/** Button action ids; the Slack app (client/slack.ts) routes on them. */
export const APPROVE_ACTION = 'acp_approve';
export const APPROVE_OPTION_ACTION = 'acp_approve_option';
export const REJECT_ACTION = 'acp_reject';

/** What a button carries back to the app: which run and, for "Approve #N", which option. */
export interface ButtonValue {
  workflowId: string;
  option?: number;
}

/** A button's value back as the run and option it names; undefined for anything acp did not write. */
export function readButtonValue(raw: string | undefined): ButtonValue | undefined {
  try {
    const v = JSON.parse(raw ?? '');
    if (typeof v?.workflowId !== 'string') return undefined;
    return { workflowId: v.workflowId, ...(Number.isInteger(v.option) ? { option: v.option } : {}) };
  } catch {
    return undefined;
  }
}

/** Slack allows 25 elements in an actions block; two are Approve and Reject. */
const MAX_OPTION_BUTTONS = 10;
/** Slack refuses section text over 3000 characters. */
const MAX_SECTION_TEXT = 2900;

export function slackConfigFromEnv(env: NodeJS.ProcessEnv = process.env): SlackConfig | undefined {
  const token = env.ACP_SLACK_BOT_TOKEN;
  const channel = env.ACP_SLACK_CHANNEL;
  if (!token || !channel) return undefined;
  return { token, channel, ...(env.ACP_SLACK_API_URL ? { apiUrl: env.ACP_SLACK_API_URL } : {}) };
}

/** `config` is slackConfigFromEnv() in the worker; undefined turns both activities into no-ops. */
export function createSlackActivities(config: SlackConfig | undefined) {
  // The Web API client loads only when Slack is configured: most workers and every CLI run go without.
  const client = config
    ? new (require('@slack/web-api') as typeof import('@slack/web-api')).WebClient(config.token, {
        ...(config.apiUrl ? { slackApiUrl: withTrailingSlash(config.apiUrl) } : {}),
        timeout: 10_000,
        // Temporal's retry policy owns retries; the Web client's own would outlive the activity timeout.
        retryConfig: { retries: 0 },
        rejectRateLimitedCalls: true,
      })
    : undefined;

  /**
   * chat.postMessage has no idempotency key: a post whose response was lost, retried, would show
   * twice. Each post carries a key (this activity's run and id, the same on every attempt) in Slack's
   * message metadata, and a retry first looks for a message with that key and returns it.
   */
  async function post(args: {
    channel: string;
    text: string;
    blocks?: (Block | KnownBlock)[];
    thread_ts?: string;
  }): Promise<SlackThreadRef> {
    const { key, attempt } = postKey();
    try {
      if (attempt > 1) {
        const earlier = await alreadyPosted(args.channel, key, args.thread_ts);
        if (earlier) return { channel: args.channel, ts: earlier };
      }
      const r = await client!.chat.postMessage({
        ...args,
        metadata: { event_type: POST_EVENT, event_payload: { acp_key: key } },
      });
      return { channel: String(r.channel ?? args.channel), ts: String(r.ts) };
    } catch (err) {
      throw slackFailure(err);
    }
  }

  /** The ts of a message this post already made (in the channel, or in the thread), if any. */
  async function alreadyPosted(channel: string, key: string, threadTs?: string): Promise<string | undefined> {
    const page = threadTs
      ? await client!.conversations.replies({ channel, ts: threadTs, include_all_metadata: true, limit: 200 })
      : await client!.conversations.history({ channel, include_all_metadata: true, limit: 100 });
    const found = (page.messages ?? []).find(
      (m) =>
        (m as { metadata?: { event_payload?: { acp_key?: unknown } } }).metadata?.event_payload?.acp_key ===
        key,
    );
    return found?.ts;
  }

  return {
    /** Posts the comparison with Approve / Reject / "Approve #N" buttons; undefined without Slack. */
    async notifyAwaitingConfirmation(status: RunStatus): Promise<SlackThreadRef | undefined> {
      if (!config) return undefined;
      return post({
        channel: config.channel,
        text: comparisonText(status),
        blocks: comparisonBlocks(status),
      });
    },

    /** A progress line or the receipt, in the thread of the comparison message. */
    async postThread(ref: SlackThreadRef | undefined, text: string): Promise<void> {
      if (!config || !ref) return;
      await post({ channel: ref.channel, thread_ts: ref.ts, text });
    },
  };
}

/** Slack answers `ok: false` with an error name; only rate limits and server trouble are worth a retry. */
function slackFailure(err: unknown): Error {
  const e = err as { code?: string; data?: { error?: string }; message?: string };
  const message = `Slack: ${e.data?.error ?? e.message ?? String(err)}`;
  if (e.code === 'slack_webapi_platform_error') {
    return ApplicationFailure.nonRetryable(message, `Slack.${e.data?.error ?? 'error'}`);
  }
  return ApplicationFailure.retryable(message, 'Slack.Unavailable');
}

/** Slack message metadata event type marking acp's posts (for the idempotency look-up). */
export const POST_EVENT = 'acp_post';

function postKey(): { key: string; attempt: number } {
  try {
    const info = Context.current().info;
    const run = info.workflowExecution;
    return {
      key: `${run?.workflowId}/${run?.runId}/${info.activityId}`,
      attempt: info.attempt,
    };
  } catch {
    return { key: `direct/${Date.now()}/${Math.random()}`, attempt: 1 }; // called outside an activity
  }
}

function withTrailingSlash(url: string): string {
  return url.endsWith('/') ? url : `${url}/`;
}

/** The fallback text (notifications, screen readers) of the comparison message. */
export function comparisonText(s: RunStatus): string {
  const rec = s.recommended !== undefined ? s.options[s.recommended] : undefined;
  return `acp run ${s.workflowId} is waiting for approval${
    rec ? `: ${rec.product} ${rec.spec} in ${rec.region}, ≈ CNY ${rec.estimatedTotal.toFixed(2)}` : ''
  }`;
}

/** The comparison as Block Kit: a header, the run's summary, the table, and the buttons. */
export function comparisonBlocks(s: RunStatus): KnownBlock[] {
  const value = (option?: number) =>
    JSON.stringify({ workflowId: s.workflowId, ...(option ? { option } : {}) } satisfies ButtonValue);
  const rec = s.recommended !== undefined ? s.options[s.recommended] : undefined;
  const facts = [
    s.intent ? `*Intent:* ${s.intent.summary}` : undefined,
    s.region ? `*Region:* ${s.region.region} — ${s.region.reason}` : undefined,
    s.message,
  ].filter(Boolean);
  const feasible = s.options.map((o, i) => ({ o, n: i + 1 })).filter(({ o }) => o.feasible);
  return [
    { type: 'header', text: { type: 'plain_text', text: `acp: approve ${s.workflowId}?`.slice(0, 150) } },
    { type: 'section', text: { type: 'mrkdwn', text: clip(facts.join('\n')) } },
    ...tableChunks(s.options, s.recommended).map(
      (chunk): KnownBlock => ({ type: 'section', text: { type: 'mrkdwn', text: `\`\`\`${chunk}\`\`\`` } }),
    ),
    {
      type: 'actions',
      block_id: 'acp_decision',
      elements: [
        {
          type: 'button',
          action_id: APPROVE_ACTION,
          style: 'primary',
          text: {
            type: 'plain_text',
            text: rec
              ? `Approve (#${s.recommended! + 1}, ≈ CNY ${rec.estimatedTotal.toFixed(2)})`
              : 'Approve',
          },
          value: value(),
        },
        {
          type: 'button',
          action_id: REJECT_ACTION,
          style: 'danger',
          text: { type: 'plain_text', text: 'Reject' },
          value: value(),
        },
        // Slack wants a unique action_id per element in a block, hence the suffix.
        ...feasible.slice(0, MAX_OPTION_BUTTONS).map(({ n }) => ({
          type: 'button' as const,
          action_id: `${APPROVE_OPTION_ACTION}_${n}`,
          text: { type: 'plain_text' as const, text: `Approve #${n}` },
          value: value(n),
        })),
      ],
    },
    {
      type: 'context',
      elements: [
        {
          type: 'mrkdwn',
          text: `Or \`acp confirm ${s.workflowId} --option N\` · \`temporal workflow signal -w ${s.workflowId} --name confirm\``,
        },
      ],
    },
  ];
}

/** The options table in fixed-width columns, split so no section exceeds Slack's limit. */
function tableChunks(options: QuoteOption[], recommended?: number): string[] {
  const header = ['#', 'product', 'region', 'zone', 'spec', 'CNY/h', 'est. total', 'ready in'];
  const rows = options.map((o, i) =>
    o.feasible
      ? [
          String(i + 1),
          o.product,
          o.region,
          o.zone ?? '—',
          `${o.spec}${o.spot ? ' (spot)' : ''}`,
          o.unitPricePerHour.toFixed(2),
          o.estimatedTotal.toFixed(2),
          `~${Math.ceil(o.readyInSeconds / 60)} min${i === recommended ? '  ← recommended' : ''}`,
        ]
      : ['', o.product, o.region, '—', '—', '—', '—', `not feasible: ${o.reason ?? ''}`],
  );
  const widths = header.map((h, c) => Math.max(h.length, ...rows.map((r) => (c < 7 ? r[c].length : 0))));
  const line = (r: string[]) =>
    r
      .map((cell, c) => (c < 7 ? cell.padEnd(widths[c]) : cell))
      .join('  ')
      .slice(0, 500);
  const chunks: string[] = [];
  let current = line(header);
  for (const r of rows) {
    const next = line(r);
    if (current.length + next.length + 1 > MAX_SECTION_TEXT - 6) {
      chunks.push(current);
      current = next;
    } else current += `\n${next}`;
  }
  chunks.push(current);
  return chunks;
}

function clip(text: string): string {
  return text.length > MAX_SECTION_TEXT ? `${text.slice(0, MAX_SECTION_TEXT - 1)}…` : text;
}
