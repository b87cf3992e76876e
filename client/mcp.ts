// `acp mcp`: acp as tools for an AI agent, over MCP on stdio. The agent may quote, start a run and
// follow it, but the yes that spends money belongs to a person (`acp confirm`, Slack, the Web UI,
// `temporal workflow signal`), as the skill acp grew from insisted. The one exception is the
// operator's: ACP_AGENT_APPROVAL_LIMIT lets the `approve` tool accept runs estimated below it, and
// the workflow records each such approval as `agent:<client name>`.
//
// stdout is the protocol channel: everything meant for a person goes to stderr.
import { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import { StdioServerTransport } from '@modelcontextprotocol/sdk/server/stdio.js';
import { EXIT, type ExitCode } from './exit-codes';
import { agentName, parseApprovalLimit } from './mcp/approval';
import { registerApproveTool } from './mcp/approve';
import { registerListTool } from './mcp/list';
import { registerLogsTool } from './mcp/logs';
import { registerProvisionTool } from './mcp/provision';
import { registerQuoteTool } from './mcp/quote';
import { registerRejectTool } from './mcp/reject';
import { AcpStack, type McpOptions } from './mcp/stack';
import { registerStatusTool } from './mcp/status';
import { registerTeardownTool } from './mcp/teardown';
import type { ToolContext } from './mcp/tool';

/** The MCP server with acp's tools (one module each in client/mcp/); `connect` it to a transport. */
export function createAcpMcpServer(options: McpOptions = {}): { server: McpServer; close(): Promise<void> } {
  const env = options.env ?? process.env;
  const notify = options.notify ?? ((line: string) => process.stderr.write(`acp mcp: ${line}\n`));
  const stack = new AcpStack(options, notify);
  const limit = parseApprovalLimit(env.ACP_AGENT_APPROVAL_LIMIT);
  if (limit.kind === 'invalid') notify(`${limit.why}; the approve tool refuses every run`);

  const server = new McpServer(
    { name: 'acp', version: '0.1.0' },
    {
      instructions:
        'acp provisions Alibaba Cloud compute (ECS, Function Compute, ACK, PAI-DLC) from a plain intent. ' +
        'Use `quote` to compare options (nothing is created) and `provision` to start a run: it waits for a ' +
        "person's confirmation, which you must ask the user for (never approve spending yourself). " +
        'Follow runs with `status` and `logs`; end services with `teardown`.',
    },
  );
  const ctx: ToolContext = {
    stack,
    env,
    simulate: Boolean(options.simulate),
    prefix: options.simulate ? '[SIMULATED] ' : '',
    limit,
    notify,
    agent: () => agentName(server.server.getClientVersion()?.name),
  };
  for (const register of [
    registerQuoteTool,
    registerProvisionTool,
    registerStatusTool,
    registerLogsTool,
    registerListTool,
    registerTeardownTool,
    registerRejectTool,
    registerApproveTool,
  ])
    register(server, ctx);
  return { server, close: () => stack.close() };
}

/** `acp mcp [--simulate]`: serves the tools on stdin/stdout until the client goes away. */
export async function mcpCommand(flags: { simulate?: boolean }): Promise<ExitCode> {
  // stdout carries the protocol; a stray console.log from any library must not corrupt it.
  console.log = console.error;
  console.info = console.error;
  console.debug = console.error;
  const simulate = Boolean(flags.simulate) || process.env.ACP_SIMULATE === '1';
  const { server, close } = createAcpMcpServer({ simulate });
  const transport = new StdioServerTransport();
  const closed = new Promise<void>((resolve) => {
    process.stdin.once('end', resolve);
    process.stdin.once('close', resolve);
    process.once('SIGTERM', resolve);
    process.once('SIGINT', resolve);
    transport.onclose = () => resolve();
  });
  await server.connect(transport);
  process.stderr.write(
    `acp mcp: serving on stdio${simulate ? ' (SIMULATED: an in-process emulator, no account)' : ''}\n`,
  );
  await closed;
  await close();
  await server.close().catch(() => undefined);
  return EXIT.ok;
}
