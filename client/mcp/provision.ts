// The `provision` tool: starts a run that waits for a person's yes before it creates anything.
import type { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import { WorkflowExecutionAlreadyStartedError, type WorkflowHandle } from '@temporalio/client';
import { z } from 'zod';
import { newWorkflowId, waitFor } from '../runs';
import { COMPARISON_WAIT_MS, comparisonAnswer } from './comparison';
import { requestFromTool, requestShape, ToolInputError } from './request';
import { guarded, type ToolContext } from './tool';

export function registerProvisionTool(server: McpServer, ctx: ToolContext): void {
  server.registerTool(
    'provision',
    {
      title: 'Start a run (a person approves it)',
      description:
        'Starts a provisioning run: it quotes, then WAITS for a person to approve the recommended option before anything is created. Returns the run id, the recommendation, the options table and where the user can approve it (acp confirm, temporal workflow signal, Slack, Web UI). Ask the user to approve; do not approve it yourself. Then follow it with `status` and `logs`.',
      inputSchema: z
        .object({
          ...requestShape,
          confirmTimeout: z
            .string()
            .optional()
            .describe('How long the run waits for a yes before it expires (default "30m")'),
          workflowId: z
            .string()
            .regex(/^[\w.-]{1,200}$/, 'letters, digits, ".", "_" and "-" only')
            .optional()
            .describe('The run id (default acp-<8 hex>)'),
        })
        .strict(),
      annotations: { destructiveHint: false, openWorldHint: true },
    },
    guarded(ctx, async ({ workflowId: requestedId, ...input }) => {
      const request = requestFromTool(input);
      const b = await ctx.stack.open();
      const workflowId = requestedId ?? newWorkflowId('run');
      let handle: WorkflowHandle;
      try {
        handle = await b.temporal.client.workflow.start('provision', {
          taskQueue: b.taskQueue,
          workflowId,
          args: [request],
          staticSummary: `acp run (${ctx.agent()}): ${request.intent ?? request.product ?? 'script'}`.slice(
            0,
            200,
          ),
        });
      } catch (err) {
        if (err instanceof WorkflowExecutionAlreadyStartedError)
          throw new ToolInputError(
            'workflowId',
            `a run with id ${workflowId} already exists`,
            'pick another workflowId, or follow it with the status tool',
            true,
          );
        throw err;
      }
      ctx.stack.started.add(workflowId);
      const waited = await waitFor(
        handle,
        (s) => s.status !== 'PARSING' && s.status !== 'QUOTING',
        COMPARISON_WAIT_MS,
      );
      return comparisonAnswer(ctx, workflowId, waited, false, b);
    }),
  );
}
