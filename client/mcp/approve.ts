// The `approve` tool: an agent's yes, accepted only below the operator's ACP_AGENT_APPROVAL_LIMIT
// (approval.ts) and recorded as `agent:<client name>`; above it, the answer points at the channels
// where a person approves.
import type { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import { z } from 'zod';
import { approveUpdate } from '../../workflows/messages';
import { CliError, EXIT } from '../exit-codes';
import { cny } from '../render';
import { findProvisionRun, QUERY_TIMEOUT_MS, snapshot, withTimeout } from '../runs';
import { agentMayApprove } from './approval';
import { channelLines, humanChannels, webUiBase } from './channels';
import { ToolInputError } from './request';
import { guarded, idShape, MCP_VOICE, ok, type ToolContext, toolError } from './tool';

export function registerApproveTool(server: McpServer, ctx: ToolContext): void {
  server.registerTool(
    'approve',
    {
      title: 'Approve a run (only under the operator’s limit)',
      description:
        'Approves a run waiting for confirmation ON BEHALF OF AN AGENT. Refused unless the operator set ACP_AGENT_APPROVAL_LIMIT and the estimate is below it; the approval is recorded as agent:<your client name>. Above the limit, ask the user to approve through the channels the provision tool returned.',
      inputSchema: z
        .object({
          ...idShape,
          option: z
            .number()
            .int()
            .min(1, 'options are numbered from 1')
            .optional()
            .describe('The option number from the table (default: the recommended one)'),
        })
        .strict(),
      annotations: { destructiveHint: false, openWorldHint: true },
    },
    guarded(ctx, async ({ id, option }) => {
      const b = await ctx.stack.connect();
      const found = await findProvisionRun(b.temporal, id, 'approve', MCP_VOICE);
      const snap = await snapshot(found, MCP_VOICE);
      if (snap.kind === 'failed' || snap.status.status !== 'AWAITING_CONFIRMATION')
        throw new CliError(
          EXIT.badInput,
          `${id} is ${snap.kind === 'failed' ? snap.closed : snap.status.status}, not awaiting confirmation`,
          'see the status tool',
        );
      const s = snap.status;
      const n = option ?? (s.recommended !== undefined ? s.recommended + 1 : undefined);
      const chosen = n !== undefined ? s.options[n - 1] : undefined;
      if (n === undefined || !chosen || !chosen.feasible)
        throw new ToolInputError(
          'option',
          n === undefined
            ? 'there is no recommended option'
            : `option ${n} is not a feasible row of the table (1–${s.options.length})`,
          'name a numbered row of the options table',
        );
      const channels = humanChannels(id, {
        address: b.temporal.address,
        namespace: b.temporal.namespace,
        uiUrl: webUiBase(b.temporal.address, ctx.env),
        option: n,
      });
      const decision = agentMayApprove(ctx.limit, chosen.estimatedTotal);
      if (!decision.allowed) {
        return toolError(
          ctx.prefix,
          [
            `not approved: ${decision.why}.`,
            `Ask the user to approve option ${n} (≈ CNY ${cny(chosen.estimatedTotal)}) themselves, in one of:`,
            ...channelLines(channels),
          ].join('\n'),
          {
            workflowId: id,
            approved: false,
            option: n,
            estimatedCost: chosen.estimatedTotal,
            ...(ctx.limit.kind === 'limit' ? { approvalLimitCny: ctx.limit.limit.cny } : {}),
            reason: decision.why,
            approveAt: channels,
          },
        );
      }
      const by = ctx.agent();
      const plan = await withTimeout(
        found.handle.executeUpdate(approveUpdate, { args: [{ option: n, by }] }),
        QUERY_TIMEOUT_MS * 3,
        'the approve update',
      );
      ctx.notify(`${id}: option ${plan.option} approved by ${by} (${decision.why})`);
      return ok(ctx.prefix, {
        text: `approved option ${plan.option} of ${id} as ${by}: ${decision.why}. Follow it with the status and logs tools.`,
        structured: {
          workflowId: id,
          approved: true,
          option: plan.option,
          by: plan.by,
          estimatedCost: plan.choice.estimatedTotal,
          ...(ctx.limit.kind === 'limit' ? { approvalLimitCny: ctx.limit.limit.cny } : {}),
        },
      });
    }),
  );
}
