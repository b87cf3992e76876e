// The `list` tool: acp runs on the Temporal server, from their search attributes.
import type { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import { z } from 'zod';
import { STATUSES } from '../../workflows/messages';
import { cny } from '../render';
import { listRuns, runsQuery } from '../runs';
import { guarded, ok, type ToolContext } from './tool';

export function registerListTool(server: McpServer, ctx: ToolContext): void {
  server.registerTool(
    'list',
    {
      title: 'Runs on the Temporal server',
      description: 'acp runs, newest first, with status, product, region, estimate and budget (CNY).',
      inputSchema: z
        .object({
          status: z.enum(STATUSES).optional().describe('Only runs in this status'),
          limit: z.number().int().min(1).max(500).optional().describe('At most this many (default 50)'),
        })
        .strict(),
      annotations: { readOnlyHint: true },
    },
    guarded(ctx, async ({ status, limit = 50 }) => {
      const b = await ctx.stack.connect();
      const query = runsQuery(status);
      const runs = (await listRuns(b.temporal.client, query, limit)).map((r) => ({
        workflowId: r.workflowId,
        status: r.status,
        product: r.product,
        region: r.region,
        estimatedCost: r.estimatedCost,
        budget: r.budget,
        startTime: r.startTime.toISOString(),
      }));
      const lines = runs.map(
        (r) =>
          `${r.workflowId}  ${r.status}${r.product ? `  ${r.product}` : ''}${r.region ? `  ${r.region}` : ''}${r.estimatedCost !== undefined ? `  CNY ${cny(r.estimatedCost)}` : ''}`,
      );
      return ok(ctx.prefix, {
        text: runs.length === 0 ? 'no runs match' : lines.join('\n'),
        structured: { query, runs },
      });
    }),
  );
}
