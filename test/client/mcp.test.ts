// `acp mcp` as an agent meets it: a real MCP client from the same SDK spawns `acp mcp --simulate` over
// stdio against the test's Temporal server (TEMPORAL_ADDRESS) and the server's in-process emulator.
// The agent quotes and proposes; a person confirms through the CLI; the agent's own `approve` is
// refused unless the operator's limit allows it, and then recorded as the agent's; bad input is a tool
// error naming the field, with nothing started and nothing created.
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { after, before, describe, test } from 'node:test';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StdioClientTransport } from '@modelcontextprotocol/sdk/client/stdio.js';
import { agentMayApprove, agentName, parseApprovalLimit } from '../../client/mcp/approval';
import { requestFromTool, ToolInputError } from '../../client/mcp/request';
import { acp, BIN, scrubbedEnv } from './spawn-acp';

const AGENT = 'acp-test-agent';

interface ToolResult {
  isError?: boolean;
  text: string;
  data: Record<string, any>;
}

interface McpSession {
  tools(): Promise<{ name: string; description?: string; inputSchema: any }[]>;
  call(name: string, args: Record<string, unknown>): Promise<ToolResult>;
  /** The in-process emulator's admin API (its address is on the server's stderr). */
  emulator(path: string): Promise<any>;
  stderr(): string;
  close(): Promise<void>;
}

async function startMcp(env: NodeJS.ProcessEnv = {}): Promise<McpSession> {
  const full: Record<string, string> = {};
  for (const [k, v] of Object.entries(scrubbedEnv(env))) if (v !== undefined) full[k] = v;
  const transport = new StdioClientTransport({
    command: process.execPath,
    args: [BIN, 'mcp', '--simulate'],
    env: full,
    stderr: 'pipe',
  });
  let stderr = '';
  transport.stderr?.on('data', (d) => {
    stderr += d;
  });
  const client = new Client({ name: AGENT, version: '1.0.0' });
  await client.connect(transport);
  return {
    tools: async () => (await client.listTools()).tools,
    async call(name, args) {
      const r = (await client.callTool({ name, arguments: args }, undefined, { timeout: 240_000 })) as {
        isError?: boolean;
        content: { type: string; text?: string }[];
        structuredContent?: Record<string, any>;
      };
      return {
        isError: r.isError,
        text: r.content.map((c) => c.text ?? '').join('\n'),
        data: r.structuredContent ?? {},
      };
    },
    async emulator(path) {
      const m = /emulator at (\S+) answers/.exec(stderr);
      assert.ok(m, `the server names its emulator on stderr:\n${stderr}`);
      return (await fetch(`http://${m[1]}${path}`)).json();
    },
    stderr: () => stderr,
    close: () => client.close(),
  };
}

/** Polls the status tool until the run is final. */
async function untilFinal(mcp: McpSession, id: string, ms = 150_000): Promise<Record<string, any>> {
  const deadline = Date.now() + ms;
  let last: ToolResult | undefined;
  while (Date.now() < deadline) {
    last = await mcp.call('status', { id });
    assert.ok(!last.isError, last.text);
    if (last.data.final) return last.data;
    await new Promise((r) => setTimeout(r, 500));
  }
  throw new Error(`${id} did not finish in ${ms} ms; last status:\n${last?.text}`);
}

function mustSucceed(r: ToolResult): ToolResult {
  assert.ok(!r.isError, r.text);
  return r;
}

describe("the approval limit is the operator's", () => {
  test('unset, malformed, or not strictly above the estimate: refused', () => {
    assert.equal(agentMayApprove(parseApprovalLimit(undefined), 0.01).allowed, false);
    assert.equal(agentMayApprove(parseApprovalLimit(''), 0.01).allowed, false);
    assert.equal(agentMayApprove(parseApprovalLimit('plenty'), 0.01).allowed, false);
    assert.equal(agentMayApprove(parseApprovalLimit('20 CNY'), 20).allowed, false);
    assert.equal(agentMayApprove(parseApprovalLimit('20 CNY'), undefined).allowed, false);
  });
  test('below the limit, in CNY whatever the currency it was written in: allowed', () => {
    assert.equal(agentMayApprove(parseApprovalLimit('20 CNY'), 19.99).allowed, true);
    assert.equal(agentMayApprove(parseApprovalLimit('20'), 19.99).allowed, true);
    assert.equal(agentMayApprove(parseApprovalLimit('$3'), 21).allowed, true, '$3 ≈ CNY 21.60');
    assert.equal(agentMayApprove(parseApprovalLimit('$3'), 22).allowed, false);
  });
  test("the approver is the MCP client's name, marked as an agent", () => {
    assert.equal(agentName('claude-code'), 'agent:claude-code');
    assert.equal(agentName(undefined), 'agent:unknown');
    assert.equal(agentName('my agent\n'), 'agent:my-agent');
  });
});

describe('tool input → the workflow input', () => {
  test('the same validation as `acp quote`, never skipping the confirmation', () => {
    const r = requestFromTool({ intent: 'run it', script: 'echo hi', cpu: 4, gpu: 'A10:2', budget: '$50' });
    assert.deepEqual(r, {
      intent: 'run it',
      script: { content: 'echo hi' },
      cpu: 4,
      gpu: { model: 'A10', count: 2 },
      budget: { amount: 50, currency: 'USD' },
    });
    assert.equal('skipConfirmation' in r, false);
  });
  test('planner errors name the tool field', () => {
    const field = (input: Parameters<typeof requestFromTool>[0]) => {
      try {
        requestFromTool(input);
      } catch (err) {
        assert.ok(err instanceof ToolInputError, String(err));
        return err.field;
      }
      assert.fail('refused');
    };
    assert.equal(field({ script: 'echo x', gpu: 'Z9' }), 'gpu.model');
    assert.equal(field({ script: 'echo x', duration: 'forever' }), 'duration');
    assert.equal(field({ script: 'echo x', budget: 'lots' }), 'budget');
    assert.equal(field({ scriptPath: '/nonexistent/a.sh' }), 'scriptPath');
    assert.equal(field({ script: '# TODO' }), 'script');
  });
});

describe('acp mcp: propose, a person approves, follow the run', () => {
  let mcp: McpSession;
  before(async () => {
    mcp = await startMcp({ ACP_AGENT_APPROVAL_LIMIT: undefined });
  });
  after(async () => {
    await mcp?.close();
  });

  test('the tools an agent sees', async () => {
    const tools = await mcp.tools();
    assert.deepEqual(tools.map((t) => t.name).sort(), [
      'approve',
      'list',
      'logs',
      'provision',
      'quote',
      'reject',
      'status',
      'teardown',
    ]);
    const provision = tools.find((t) => t.name === 'provision')!;
    assert.ok(provision.inputSchema.properties.cpu, 'structured fields like the CLI flags');
    assert.equal(provision.inputSchema.properties.skipConfirmation, undefined, 'no way to skip the yes');
    assert.match(provision.description ?? '', /do not approve it yourself/);
    assert.match(tools.find((t) => t.name === 'approve')!.description ?? '', /ACP_AGENT_APPROVAL_LIMIT/);
  });

  test('quote: the options table as structured content, nothing created', async () => {
    const r = mustSucceed(
      await mcp.call('quote', {
        intent: 'print a greeting',
        product: 'ecs',
        script: 'echo hello-from-quote',
        budget: '50 CNY',
      }),
    );
    assert.equal(r.data.status, 'SUCCEEDED', r.text);
    assert.equal(r.data.simulated, true);
    assert.ok(r.data.options.length > 0, 'options');
    const recommended = r.data.options.find((o: any) => o.recommended);
    assert.equal(recommended.option, r.data.recommended);
    assert.equal(recommended.product, 'ecs');
    assert.ok(recommended.estimatedTotal > 0);
    assert.match(r.text, /^\[SIMULATED\] quote acp-quote-[0-9a-f]+: option \d+: ecs /);
    assert.match(r.text, /Nothing was created/);
    assert.match(r.text, /← recommended/);
    const live = (await mcp.emulator('/__emulator/resources')) as { resources: unknown[] };
    assert.deepEqual(live.resources, [], 'a quote creates nothing');
  });

  test('provision → a human confirms with `acp confirm` → status until done → logs', async () => {
    const started = mustSucceed(
      await mcp.call('provision', { product: 'ecs', script: 'echo hello-mcp-run; echo second-line' }),
    );
    const id = started.data.workflowId as string;
    assert.match(id, /^acp-[0-9a-f]{8}$/);
    assert.equal(started.data.status, 'AWAITING_CONFIRMATION', started.text);
    assert.ok(started.data.recommended >= 1);
    assert.ok(started.data.options.length > 0);
    const where = started.data.approveAt;
    assert.match(where.cli, new RegExp(`acp confirm ${id}$`));
    assert.match(where.temporal, new RegExp(`temporal workflow signal .*--workflow-id ${id} --name confirm`));
    assert.match(where.webUi, new RegExp(`^http://.+/namespaces/default/workflows/${id}$`));
    assert.match(started.text, /waiting for a person to approve/);
    assert.match(started.text, new RegExp(`acp confirm ${id}`));

    // No limit configured: the agent's approve is refused and points to the people who can say yes.
    const refused = await mcp.call('approve', { id });
    assert.equal(refused.isError, true);
    assert.match(refused.text, /ACP_AGENT_APPROVAL_LIMIT/);
    assert.match(refused.text, new RegExp(`acp confirm ${id}`));
    assert.equal(refused.data.approved, false);
    assert.equal((await mcp.call('status', { id })).data.status, 'AWAITING_CONFIRMATION');

    // A person, in another terminal: the signal needs only Temporal, not the worker in the MCP server.
    const confirm = await acp(['confirm', id, '--by', 'alice']);
    assert.equal(confirm.code, 0, confirm.stderr);

    const done = await untilFinal(mcp, id);
    assert.equal(done.status, 'SUCCEEDED', done.message);
    assert.equal(done.confirmation.by, 'alice');
    assert.deepEqual(done.leftBehind, []);
    assert.ok(done.resourcesCreated.some((r: any) => r.type === 'instance'));

    const logs = mustSucceed(await mcp.call('logs', { id }));
    assert.equal(logs.data.exitCode, 0);
    assert.match(logs.data.output, /hello-mcp-run\n.*second-line/s);

    const listed = mustSucceed(await mcp.call('list', { limit: 100 }));
    assert.ok(
      listed.data.runs.some((r: any) => r.workflowId === id),
      `${id} is listed`,
    );
    assert.deepEqual(
      ((await mcp.emulator('/__emulator/resources')) as { resources: any[] }).resources.filter(
        (r) => r.tags?.['acp:workflow-id'] === id,
      ),
      [],
      'nothing of the run is live in the emulator',
    );
  });

  test('malformed input: a tool error naming the field; nothing started, nothing created', async () => {
    const baseline = {
      calls: ((await mcp.emulator('/__emulator/calls')) as { calls: unknown[] }).calls.length,
      resources: ((await mcp.emulator('/__emulator/resources')) as { resources: unknown[] }).resources.length,
    };
    const cases: [Record<string, unknown>, RegExp][] = [
      [{ script: 'echo x', cpu: -1 }, /\bcpu\b/],
      [{ script: 'echo x', product: 'gcp' }, /\bproduct\b/],
      [{ script: 'echo x', gpu: 'Z9' }, /\bgpu\b/],
      [{ script: 'echo x', budget: 'lots' }, /\bbudget\b/],
      [{ script: 'echo x', skipConfirmation: true }, /skipConfirmation/],
      [{ scriptPath: '/nonexistent/train.py' }, /\bscriptPath\b/],
    ];
    for (const [args, field] of cases) {
      const workflowId = `mcp-bad-${randomBytes(3).toString('hex')}`;
      const r = await mcp.call('provision', { ...args, workflowId });
      assert.equal(r.isError, true, `${JSON.stringify(args)} is refused`);
      assert.match(r.text, field, `${JSON.stringify(args)} names the field: ${r.text}`);
      const status = await mcp.call('status', { id: workflowId });
      assert.equal(status.isError, true);
      assert.match(status.text, new RegExp(`no run ${workflowId}`), 'no run was started');
    }
    const q = await mcp.call('quote', { intent: 'run it', cpu: 0 });
    assert.equal(q.isError, true);
    assert.match(q.text, /\bcpu\b/);
    assert.equal(
      ((await mcp.emulator('/__emulator/calls')) as { calls: unknown[] }).calls.length,
      baseline.calls,
      'no cloud call was made',
    );
    assert.equal(
      ((await mcp.emulator('/__emulator/resources')) as { resources: unknown[] }).resources.length,
      baseline.resources,
      'nothing was created',
    );
  });
});

describe('acp mcp with ACP_AGENT_APPROVAL_LIMIT=1 CNY: the agent approves only below it', () => {
  let mcp: McpSession;
  before(async () => {
    mcp = await startMcp({ ACP_AGENT_APPROVAL_LIMIT: '1 CNY' });
  });
  after(async () => {
    await mcp?.close();
  });

  test('above the limit: refused, pointing to the human channels; the run still waits', async () => {
    const started = mustSucceed(
      await mcp.call('provision', {
        product: 'ecs',
        script: 'echo big-run',
        cpu: 16,
        memoryGiB: 64,
        duration: '10h',
      }),
    );
    const id = started.data.workflowId as string;
    assert.equal(started.data.status, 'AWAITING_CONFIRMATION', started.text);
    assert.ok(started.data.estimatedCost > 1, `a run above the limit (CNY ${started.data.estimatedCost})`);

    const r = await mcp.call('approve', { id });
    assert.equal(r.isError, true);
    assert.equal(r.data.approved, false);
    assert.match(r.text, /not below the agent approval limit of CNY 1\.00/);
    assert.match(r.text, new RegExp(`acp confirm ${id} --option \\d+`));
    assert.match(r.text, /Web UI: http/);
    const s = await mcp.call('status', { id });
    assert.equal(s.data.status, 'AWAITING_CONFIRMATION');
    assert.equal(s.data.confirmation, undefined, 'nobody approved it');

    const rejected = mustSucceed(await mcp.call('reject', { id, reason: 'too big for the agent' }));
    assert.equal(rejected.data.by, `agent:${AGENT}`);
    const done = await untilFinal(mcp, id);
    assert.equal(done.status, 'REJECTED');
    assert.deepEqual(done.resourcesCreated, []);
  });

  test('below the limit: approved, recorded as the agent, the run completes', async () => {
    const started = mustSucceed(
      await mcp.call('provision', { product: 'ecs', script: 'echo small-approved' }),
    );
    const id = started.data.workflowId as string;
    assert.equal(started.data.status, 'AWAITING_CONFIRMATION', started.text);
    assert.ok(started.data.estimatedCost < 1, `a run below the limit (CNY ${started.data.estimatedCost})`);

    const r = mustSucceed(await mcp.call('approve', { id }));
    assert.equal(r.data.approved, true);
    assert.equal(r.data.by, `agent:${AGENT}`);

    const done = await untilFinal(mcp, id);
    assert.equal(done.status, 'SUCCEEDED', done.message);
    assert.match(done.confirmation.by, /^agent:/);
    assert.equal(done.confirmation.by, `agent:${AGENT}`);
    assert.match((await mcp.call('logs', { id })).data.output, /small-approved/);
    assert.deepEqual(done.leftBehind, []);
  });
});
