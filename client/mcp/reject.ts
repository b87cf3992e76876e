// The `reject` tool: withdraws a run that waits for approval; nothing is created.
import type { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import { z } from 'zod';
import { rejectSignal } from '../../workflows/messages';
import { CliError, EXIT } from '../exit-codes';
import { findProvisionRun, recordedStatus } from '../runs';
import { guarded, idShape, MCP_VOICE, ok, type ToolContext } from './tool';

export function registerRejectTool(server: McpServer, ctx: ToolContext): void {
  server.registerTool(
    'reject',
    {
      title: 'Withdraw a run waiting for approval',
      description:
        'Declines a run that waits for confirmation (for example one started with the wrong request); nothing is created.',
      inputSchema: z.object({ ...idShape, reason: z.string().max(500).optional() }).strict(),
      annotations: { destructiveHint: false, idempotentHint: true },
    },
    guarded(ctx, async ({ id, reason }) => {
      const b = await ctx.stack.connect();
      const { handle, description } = await findProvisionRun(b.temporal, id, 'reject', MCP_VOICE);
      const recorded = recordedStatus(description);
      if (description.status.name !== 'RUNNING' || (recorded && recorded !== 'AWAITING_CONFIRMATION'))
        throw new CliError(
          EXIT.badInput,
          `${id} is ${recorded ?? description.status.name}, not awaiting confirmation`,
          'see the status tool',
        );
      const by = ctx.agent();
      await handle.signal(rejectSignal, { by, ...(reason ? { reason } : {}) });
      return ok(ctx.prefix, {
        text: `rejected ${id} as ${by}; nothing is created`,
        structured: { workflowId: id, signal: 'reject', by },
      });
    }),
  );
}
