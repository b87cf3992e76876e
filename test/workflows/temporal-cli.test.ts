// Operators drive acp with the real `temporal` binary: start a run from JSON, find it by search
// attribute, read its status, confirm it by signal. No acp code on the caller's side.
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { after, before, test } from 'node:test';
import { promisify } from 'node:util';
import { cachedTemporalCliPath, findTemporalServer } from '../../client/temporal-server';
import { runResult } from '../support/run-result';
import { type Stack, startStack } from '../support/stack';

const run = promisify(execFile);
let stack: Stack;
let temporal: string;

before(async () => {
  stack = await startStack('cli');
  const source = findTemporalServer({ ...process.env, TEMPORAL_ADDRESS: '' });
  temporal = source.kind === 'binary' ? source.path : cachedTemporalCliPath();
});
after(async () => {
  await stack?.stop();
});

async function cli(...args: string[]): Promise<string> {
  const { stdout } = await run(
    temporal,
    [...args, '--address', stack.env.address, '--namespace', 'default'],
    {
      timeout: 30_000,
    },
  );
  return stdout;
}

test('temporal workflow start/list/query/signal drive a whole ECS run', async () => {
  const workflowId = `acp-cli-${process.pid}`;
  const input = JSON.stringify({
    product: 'ecs',
    script: { content: 'echo from-temporal-cli' },
    confirmTimeout: '5m',
  });
  await cli(
    'workflow',
    'start',
    '--type',
    'provision',
    '--task-queue',
    stack.taskQueue,
    '--workflow-id',
    workflowId,
    '--input',
    input,
  );

  // Wait until the run asks for a yes, as an operator would with `temporal workflow query`.
  let status: any;
  for (let i = 0; i < 200; i++) {
    status = JSON.parse(
      await cli('workflow', 'query', '--workflow-id', workflowId, '--type', 'status', '--output', 'json'),
    );
    if (status.queryResult?.[0]?.status === 'AWAITING_CONFIRMATION') break;
    await new Promise((r) => setTimeout(r, 250));
  }
  const awaiting = status.queryResult[0];
  assert.equal(awaiting.status, 'AWAITING_CONFIRMATION');
  assert.ok(awaiting.options.length > 0);

  // Visibility may lag a moment behind the upsert.
  let listed = '';
  for (let i = 0; i < 40 && !listed.includes(workflowId); i++) {
    listed = await cli(
      'workflow',
      'list',
      '--query',
      `AcpStatus="AWAITING_CONFIRMATION" AND WorkflowId="${workflowId}"`,
    );
    if (!listed.includes(workflowId)) await new Promise((r) => setTimeout(r, 250));
  }
  assert.match(listed, new RegExp(workflowId));

  await cli(
    'workflow',
    'signal',
    '--workflow-id',
    workflowId,
    '--name',
    'confirm',
    '--input',
    '{"by":"operator"}',
  );
  const result = await runResult(stack.env.client.workflow.getHandle(workflowId));
  assert.equal(result.status, 'SUCCEEDED', result.message);
  assert.equal(result.confirmation?.by, 'operator');
  assert.match(result.execution?.outputTail ?? '', /from-temporal-cli/);
  assert.deepEqual(result.leftBehind, []);

  const done = await cli(
    'workflow',
    'list',
    '--query',
    `AcpStatus="SUCCEEDED" AND WorkflowId="${workflowId}"`,
  );
  assert.match(done, new RegExp(workflowId));
});
