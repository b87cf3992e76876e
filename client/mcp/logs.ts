// The `logs` tool: the tail of a run's script output and its exit code.
import type { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import { z } from 'zod';
import { findRun, snapshot } from '../runs';
import { guarded, idShape, MCP_VOICE, ok, type ToolContext, toolError } from './tool';

export function registerLogsTool(server: McpServer, ctx: ToolContext): void {
  server.registerTool(
    'logs',
    {
      title: "The script's output",
      description: "The tail of the run's script output and its exit code (once it ran).",
      inputSchema: z.object(idShape).strict(),
      annotations: { readOnlyHint: true },
    },
    guarded(ctx, async ({ id }) => {
      const b = await ctx.stack.connect();
      const snap = await snapshot(await findRun(b.temporal, id, MCP_VOICE), MCP_VOICE);
      if (snap.kind === 'failed')
        return toolError(ctx.prefix, `${id} ended before running a script: ${snap.failure.message}`, {
          workflowId: id,
        });
      const s = snap.status;
      const output = s.execution?.outputTail ?? '';
      return ok(ctx.prefix, {
        text: s.execution
          ? `${id} ${s.status}${s.execution.exitCode !== undefined ? `, exit ${s.execution.exitCode}` : ''}\n${output}`
          : `${id} has not run its script yet (${s.status}: ${s.message})`,
        structured: {
          workflowId: id,
          status: s.status,
          ...(s.execution?.exitCode !== undefined ? { exitCode: s.execution.exitCode } : {}),
          output,
        },
      });
    }),
  );
}
