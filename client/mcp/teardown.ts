// The `teardown` tool: ends a long-running service run, releasing everything it created.
import type { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import { z } from 'zod';
import { teardownSignal } from '../../workflows/messages';
import { CliError, EXIT } from '../exit-codes';
import { findProvisionRun } from '../runs';
import { guarded, idShape, MCP_VOICE, ok, type ToolContext } from './tool';

export function registerTeardownTool(server: McpServer, ctx: ToolContext): void {
  server.registerTool(
    'teardown',
    {
      title: 'Release a long-running service',
      description:
        'Ends a long-running service run: everything it created is released. Recorded as done by this agent.',
      inputSchema: z.object({ ...idShape, reason: z.string().max(500).optional() }).strict(),
      annotations: { destructiveHint: true, idempotentHint: true },
    },
    guarded(ctx, async ({ id, reason }) => {
      const b = await ctx.stack.connect();
      const { handle, description } = await findProvisionRun(b.temporal, id, 'teardown', MCP_VOICE);
      if (description.status.name !== 'RUNNING')
        throw new CliError(EXIT.badInput, `${id} has already ended`, 'see the status tool');
      const by = ctx.agent();
      await handle.signal(teardownSignal, { by, ...(reason ? { reason } : {}) });
      return ok(ctx.prefix, {
        text: `teardown sent to ${id} as ${by}; it releases everything it created — follow it with the status tool`,
        structured: { workflowId: id, signal: 'teardown', by },
      });
    }),
  );
}
