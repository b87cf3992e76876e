// What `quote` and `provision` answer once the comparison is ready: the options table, the
// recommendation and — for a run waiting for its yes — every channel where a person gives it.
import type { CallToolResult } from '@modelcontextprotocol/sdk/types.js';
import { renderOptionsTable } from '../render';
import type { Waited } from '../runs';
import { channelLines, humanChannels, webUiBase } from './channels';
import type { Backend } from './stack';
import { ok, optionRows, recommendation, type ToolContext, toolError } from './tool';

/** How long `quote` and `provision` wait for the comparison before answering "still quoting". */
export const COMPARISON_WAIT_MS = 180_000;
/** Feasible rows in a text answer (all of them are in the structured content). */
const TABLE_ROWS = 10;

/** The answer of quote/provision once the comparison is ready (or the run ended). */
export function comparisonAnswer(
  ctx: ToolContext,
  workflowId: string,
  waited: Waited | undefined,
  quoteOnly: boolean,
  b?: Backend,
): CallToolResult {
  if (!waited)
    return ok(ctx.prefix, {
      text: `${workflowId} is still quoting; ask again with the status tool`,
      structured: { workflowId, status: 'QUOTING' },
    });
  if (waited.kind === 'failed') {
    const f = waited.failure;
    if (f.code === 'InvalidIntent') {
      const field = f.field ?? 'intent';
      const sentence = f.message.startsWith(`${field}:`) ? f.message : `${field}: ${f.message}`;
      return toolError(
        ctx.prefix,
        `invalid input — ${sentence}. The run ${workflowId} ended; nothing was created.`,
        {
          workflowId,
          field,
          started: true,
          created: false,
        },
      );
    }
    return toolError(ctx.prefix, `${workflowId} failed: ${f.message}`, { workflowId, ...f });
  }
  const s = waited.status;
  const table = renderOptionsTable(s.options, s.recommended, {
    maxRows: TABLE_ROWS,
    intent: s.intent,
  }).join('\n');
  const base = {
    workflowId,
    status: s.status,
    message: s.message,
    ...(s.intent ? { intent: s.intent.summary } : {}),
    ...(s.region ? { region: s.region } : {}),
    options: optionRows(s),
    ...(s.recommended !== undefined ? { recommended: s.recommended + 1 } : {}),
    ...(s.estimatedCost !== undefined ? { estimatedCost: s.estimatedCost } : {}),
    currency: 'CNY',
    warnings: s.warnings,
  };
  if (quoteOnly) {
    return ok(ctx.prefix, {
      text: `quote ${workflowId}: ${recommendation(s)}. Nothing was created.\n${table}`,
      structured: base,
    });
  }
  if (s.status !== 'AWAITING_CONFIRMATION') {
    return ok(ctx.prefix, {
      text: `run ${workflowId} is ${s.status}: ${s.message}\n${table}`,
      structured: base,
    });
  }
  const channels = humanChannels(workflowId, {
    address: b!.temporal.address,
    namespace: b!.temporal.namespace,
    uiUrl: webUiBase(b!.temporal.address, ctx.env),
  });
  const simulatedNote = ctx.simulate
    ? ['This run lives in this MCP server (its cloud is emulated): it goes on only while the server runs.']
    : [];
  return ok(ctx.prefix, {
    text: [
      `run ${workflowId} is waiting for a person to approve ${recommendation(s)}. Nothing is created until they do.`,
      'Show the user the options and ask them to approve in one of:',
      ...channelLines(channels),
      `(another row: add --option N / "option": N; to decline: ${channels.reject})`,
      'Then follow the run with the status and logs tools.',
      ...simulatedNote,
      table,
    ].join('\n'),
    structured: { ...base, approveAt: channels },
  });
}
