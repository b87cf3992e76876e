// The `status` tool: where a run stands, from its result once it ended or its status query.
import type { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import { z } from 'zod';
import { TERMINAL_STATUSES } from '../../workflows/messages';
import { closedStatus, findRun, snapshot } from '../runs';
import { guarded, idShape, MCP_VOICE, ok, optionRows, statusText, type ToolContext } from './tool';

export function registerStatusTool(server: McpServer, ctx: ToolContext): void {
  server.registerTool(
    'status',
    {
      title: 'Where a run stands',
      description:
        'Status of a run: its step (AWAITING_CONFIRMATION, RUNNING, SUCCEEDED…), the options, who confirmed, resources created and released, exit code, estimated and accrued cost.',
      inputSchema: z.object(idShape).strict(),
      annotations: { readOnlyHint: true },
    },
    guarded(ctx, async ({ id }) => {
      const b = await ctx.stack.connect();
      const snap = await snapshot(await findRun(b.temporal, id, MCP_VOICE), MCP_VOICE);
      if (snap.kind === 'failed') {
        const status = closedStatus(snap);
        return ok(ctx.prefix, {
          text: `${id} ${status}: ${snap.failure.code ? `${snap.failure.code}: ` : ''}${snap.failure.message}`,
          structured: { workflowId: id, status, final: true, error: snap.failure },
        });
      }
      const s = snap.status;
      return ok(ctx.prefix, {
        text: statusText(s),
        structured: {
          ...(s as unknown as Record<string, unknown>),
          final: TERMINAL_STATUSES.includes(s.status),
          options: optionRows(s),
          ...(s.recommended !== undefined ? { recommended: s.recommended + 1 } : {}),
        },
      });
    }),
  );
}
