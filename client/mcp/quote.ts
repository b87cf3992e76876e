// The `quote` tool: compares every product and region that fits, creating nothing.
import type { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import { z } from 'zod';
import { newWorkflowId, waitFor } from '../runs';
import { COMPARISON_WAIT_MS, comparisonAnswer } from './comparison';
import { requestFromTool, requestShape } from './request';
import { guarded, type ToolContext } from './tool';

export function registerQuoteTool(server: McpServer, ctx: ToolContext): void {
  server.registerTool(
    'quote',
    {
      title: 'Compare options and prices',
      description:
        'Quotes every product and region that fits the intent against the real price and stock APIs and returns the options table, cheapest feasible first, with the recommended row. Nothing is created.',
      inputSchema: z.object(requestShape).strict(),
      annotations: { readOnlyHint: true, openWorldHint: true },
    },
    guarded(ctx, async (input) => {
      const request = requestFromTool(input, { quote: true });
      const b = await ctx.stack.open();
      const workflowId = newWorkflowId('quote');
      const handle = await b.temporal.client.workflow.start('quote', {
        taskQueue: b.taskQueue,
        workflowId,
        args: [request],
        staticSummary: `acp quote (${ctx.agent()}): ${request.intent ?? request.product ?? 'script'}`.slice(
          0,
          200,
        ),
      });
      ctx.stack.started.add(workflowId);
      const waited = await waitFor(handle, () => false, COMPARISON_WAIT_MS);
      return comparisonAnswer(ctx, workflowId, waited, true);
    }),
  );
}
