// "Inspect and retry" (docs/operators.md) with the real `temporal` binary: a BLOCKED run resumes with
// the `retry` signal (what the Web UI's "Send a Signal" sends), and a failed run re-run from a reset
// point, with what it creates counted per workflow id in the emulator.
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { promisify } from 'node:util';
import { cachedTemporalCliPath, findTemporalServer } from '../../client/temporal-server';
import type { ProvisionResult } from '../../workflows/messages';
import { runResult } from '../support/run-result';
import { type Stack, startStack } from '../support/stack';

const run = promisify(execFile);
let stack: Stack;
let temporal: string;

before(async () => {
  stack = await startStack('inspect');
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

async function startRun(workflowId: string, input: object): Promise<void> {
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
    JSON.stringify(input),
  );
}

async function queryStatus(workflowId: string): Promise<ProvisionResult> {
  const out = await cli(
    'workflow',
    'query',
    '--workflow-id',
    workflowId,
    '--type',
    'status',
    '--output',
    'json',
  );
  return JSON.parse(out).queryResult[0];
}

async function waitForStatus(workflowId: string, status: string): Promise<ProvisionResult> {
  for (let i = 0; ; i++) {
    const s = await queryStatus(workflowId);
    if (s.status === status) return s;
    if (i > 240) throw new Error(`${workflowId} is ${s.status} (${s.message}), wanted ${status}`);
    await new Promise((r) => setTimeout(r, 250));
  }
}

/** Every resource the emulator ever held for this workflow id, released ones included. */
async function everCreated(workflowId: string, type: string): Promise<any[]> {
  const { resources } = await stack.admin('/__emulator/resources?all=1');
  return resources.filter((r: any) => r.type === type && r.tags?.['acp:workflow-id'] === workflowId);
}

test('a BLOCKED run (quota) resumes with `temporal workflow signal --name retry` once the quota is raised', async () => {
  const workflowId = `acp-inspect-blocked-${process.pid}`;
  await stack.admin('/__emulator/faults', {
    method: 'POST',
    body: JSON.stringify({ quota: { 'ecs.instances': 0 } }),
  });
  try {
    await startRun(workflowId, {
      product: 'ecs',
      script: { content: 'echo resumed' },
      skipConfirmation: true,
    });
    const blocked = await waitForStatus(workflowId, 'BLOCKED');
    assert.match(blocked.blocked?.code ?? '', /QuotaExceed/);
    // The operator reads the next step in the status (and the Web UI's memo), fixes the quota…
    assert.match(blocked.message, /quota/i);
    await stack.admin('/__emulator/faults', {
      method: 'POST',
      body: JSON.stringify({ quota: { 'ecs.instances': 1000 } }),
    });
    // …and sends the signal the Web UI's "Send a Signal" would send.
    await cli(
      'workflow',
      'signal',
      '--workflow-id',
      workflowId,
      '--name',
      'retry',
      '--input',
      '{"by":"ops"}',
    );
    const result: ProvisionResult = await runResult(stack.env.client.workflow.getHandle(workflowId));
    assert.equal(result.status, 'SUCCEEDED', result.message);
    assert.match(result.execution?.outputTail ?? '', /resumed/);
    assert.equal((await everCreated(workflowId, 'instance')).length, 1);
    assert.deepEqual(await stack.liveResources(workflowId), []);
  } finally {
    await stack.admin('/__emulator/reset', { method: 'POST' });
  }
});

// Re-running a failed run from a reset point: the reset run keeps the workflow id but gets a new run
// id, and ClientTokens carry the run id (activities/tags.ts), so it creates fresh resources instead of
// being handed the ones the first run already released — and still never duplicates within a run.
test('a failed, released run reset to FirstWorkflowTask runs again cleanly: new resources, each created once, all released', async () => {
  const workflowId = `acp-inspect-reset-${process.pid}`;
  const dir = mkdtempSync(join(tmpdir(), 'acp-reset-'));
  const scriptFile = join(dir, 'job.sh');
  try {
    // The script fails until its author fixes it: the kind of failure a re-run should fix. (A script
    // runs in the instance's own machine and cannot see files of the machine acp runs on, so the fix
    // is in the script, which the re-run reads again.)
    writeFileSync(scriptFile, 'echo input-missing; exit 3\n');
    await startRun(workflowId, { product: 'ecs', script: { path: scriptFile }, skipConfirmation: true });
    const failed: ProvisionResult = await runResult(stack.env.client.workflow.getHandle(workflowId));
    assert.equal(failed.status, 'FAILED');
    assert.equal(failed.execution?.exitCode, 3);
    assert.deepEqual(await stack.liveResources(workflowId), [], 'the failed run released everything');
    const firstVpc = failed.resourcesCreated.find((r) => r.type === 'vpc');
    assert.ok(firstVpc, 'the first run created its own VPC');

    writeFileSync(scriptFile, 'echo input-found\n');
    await cli(
      'workflow',
      'reset',
      '--workflow-id',
      workflowId,
      '--type',
      'FirstWorkflowTask',
      '--reason',
      'input fixed; run again',
    );
    const rerun: ProvisionResult = await runResult(stack.env.client.workflow.getHandle(workflowId));
    assert.equal(rerun.status, 'SUCCEEDED', rerun.message);
    assert.match(rerun.execution?.outputTail ?? '', /input-found/);
    const secondVpc = rerun.resourcesCreated.find((r) => r.type === 'vpc');
    assert.notEqual(secondVpc?.id, firstVpc.id, 'the re-run made its own VPC');

    // Two runs, one VPC and one instance each: nothing was created twice within a run.
    assert.equal((await everCreated(workflowId, 'vpc')).length, 2);
    assert.equal((await everCreated(workflowId, 'instance')).length, 2);
    assert.deepEqual(await stack.liveResources(workflowId), []);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
