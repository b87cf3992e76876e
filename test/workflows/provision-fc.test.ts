// The provision workflow on Function Compute 3.0, end to end: a real Temporal server, the emulator
// (which runs the function's code for real), the official FC SDK. Given an intent and a cloud state,
// the user sees this status, this output, and no function left behind.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { Worker } from '@temporalio/worker';
import { parseIntent } from '../../planner';
import { type ProvisionResult, retrySignal, statusQuery } from '../../workflows/messages';
import { fc } from '../../workflows/products/fc';
import { expectNoDocument, runResult } from '../support/run-result';
import { type Stack, startStack } from '../support/stack';
import { workflowBundle } from '../support/temporal';
import { waitFor, waitForStatus } from '../support/waiting';

let stack: Stack;

before(async () => {
  stack = await startStack('fc');
});
after(async () => {
  await stack?.stop();
});

async function calls(): Promise<
  { action: string; code: string; httpStatus: number; regionId?: string; accessKeyId?: string }[]
> {
  return (await stack.admin('/__emulator/calls')).calls;
}

/** Every function this run created (released ones too), as the emulator keeps them. */
function functionsOf(workflowId: string) {
  return stack.emulator.world
    .list({ type: 'function', includeReleased: true })
    .filter((r) => r.tags['acp:workflow-id'] === workflowId);
}

/** How many times the run's script was started (one FC instance per attempt). */
function runsOf(workflowId: string): number {
  const names = new Set(functionsOf(workflowId).map((f) => f.data.functionName));
  return stack.emulator.world
    .list({ type: 'fc-instance', includeReleased: true })
    .filter((r) => names.has(r.data.functionName)).length;
}

/** The shared log projects in the emulated account (SLS), with their tags. */
async function logProjects(): Promise<any[]> {
  const { resources } = await stack.admin('/__emulator/resources?type=log-project');
  return resources;
}

async function faults(table: Record<string, unknown>): Promise<void> {
  await stack.admin('/__emulator/faults', { method: 'POST', body: JSON.stringify(table) });
}

function assertReleased(result: ProvisionResult) {
  assert.deepEqual(
    result.resourcesCreated.map((r) => r.type),
    ['function'],
  );
  assert.deepEqual(result.leftBehind, []);
  assert.deepEqual(
    result.resourcesReleased.map((r) => r.id),
    result.resourcesCreated.map((r) => r.id),
  );
}

describe('provision on Function Compute', () => {
  test('a one-shot script (expected 30 min) runs as an async invocation in task mode with no retries, its output read back from SLS; the function and its config are deleted, the log project kept', async () => {
    await stack.admin('/__emulator/calls', { method: 'DELETE' });
    const handle = await stack.startProvision({
      product: 'fc',
      script: { content: 'echo hello-acp; echo to-stderr >&2' },
      skipConfirmation: true,
    });
    const result = await runResult(handle);
    assert.equal(result.status, 'SUCCEEDED', result.message);
    assert.equal(result.chosen?.product, 'fc');
    assert.equal(result.execution?.exitCode, 0);
    // FC shipped the function's lines to Simple Log Service; acp read them back with GetLogs.
    assert.equal(result.execution?.outputTail, 'hello-acp\nto-stderr\n');
    assertReleased(result);
    const [project] = await logProjects();
    assert.match(project?.id ?? '', /^acp-logs-\d+-cn-hangzhou$/);
    assert.deepEqual(project?.tags, { 'acp:managed': 'true', 'acp:shared': 'true' });
    assert.deepEqual(result.kept, [
      { type: 'log-project', id: project.id, regionId: 'cn-hangzhou', reused: true },
    ]);
    const [fn] = functionsOf(handle.workflowId);
    assert.deepEqual(fn?.data.input.logConfig, {
      project: project.id,
      logstore: 'function-output',
      enableRequestMetrics: false,
      enableInstanceMetrics: false,
      logBeginRule: 'None',
    });
    assert.equal(fn?.data.input.role, undefined, 'FC writes with its service-linked role, no function role');
    assert.deepEqual(await stack.liveResources(handle.workflowId), []);
    const actions = (await calls()).map((c) => c.action);
    assert.ok(actions.includes('GetAsyncTask'), 'a 30-minute job is polled, not held on one socket');
    assert.ok(
      actions.indexOf('PutAsyncInvokeConfig') < actions.indexOf('InvokeFunction'),
      'the async config is set before the invocation',
    );
    assert.ok(actions.indexOf('DeleteAsyncInvokeConfig') < actions.indexOf('DeleteFunction'));
    assert.ok(actions.includes('GetLogs'), 'the output came from SLS');
    assert.ok(
      actions.indexOf('GetRole') < actions.indexOf('CreateProject') &&
        actions.indexOf('CreateIndex') < actions.indexOf('CreateFunction'),
      'the role is checked and the log project made before the function',
    );
    assert.equal(runsOf(handle.workflowId), 1);
    // One FC row, priced from the published table, in the region the planner chose.
    assert.equal(result.options.length, 1);
    assert.equal(result.options[0].product, 'fc');
    assert.equal(result.options[0].region, result.region?.region);
    assert.equal(result.options[0].cleanup, 'DeleteFunction');
    assert.ok((result.options[0].estimatedTotal ?? 0) > 0);
  });

  test('a run expected to take at most a minute is one synchronous invocation', async () => {
    await stack.admin('/__emulator/calls', { method: 'DELETE' });
    const handle = await stack.startProvision({
      product: 'fc',
      durationMinutes: 1,
      script: { content: 'echo quick-sync; echo to-stderr >&2' },
      skipConfirmation: true,
    });
    const result = await runResult(handle);
    assert.equal(result.status, 'SUCCEEDED', result.message);
    assert.match(result.execution?.outputTail ?? '', /quick-sync/);
    assert.match(result.execution?.outputTail ?? '', /to-stderr/);
    const actions = (await calls()).map((c) => c.action);
    assert.equal(actions.filter((a) => a === 'InvokeFunction').length, 1);
    assert.ok(!actions.includes('GetAsyncTask'));
    assert.deepEqual(await stack.liveResources(handle.workflowId), []);
  });

  test("a T4 job gets a GPU function: custom-container on FC's PyTorch image (fc.gpu.tesla.1, a whole 16 GB card) and runs", async () => {
    const handle = await stack.startProvision({
      product: 'fc',
      gpu: { model: 'T4', count: 1 },
      durationMinutes: 1,
      script: { content: 'echo on-a-gpu-function' },
      skipConfirmation: true,
    });
    const result = await runResult(handle);
    assert.equal(result.status, 'SUCCEEDED', result.message);
    assert.match(result.chosen?.spec ?? '', /^fc\.gpu\.tesla\.1 /);
    assert.match(result.chosen?.specNote ?? '', /16 GB GPU memory/);
    assert.match(result.execution?.outputTail ?? '', /on-a-gpu-function/);
    const [fn] = functionsOf(handle.workflowId);
    assert.equal(fn?.data.input.runtime, 'custom-container');
    assert.equal(
      fn?.data.input.customContainerConfig.image,
      `registry.${result.region?.region}.aliyuncs.com/serverless_devs/pytorch:22.12-py3`,
    );
    assert.equal(fn?.data.input.code, undefined, 'a container function has no code package');
    assert.deepEqual(fn?.data.input.gpuConfig, { gpuMemorySize: 16_384, gpuType: 'fc.gpu.tesla.1' });
    assertReleased(result);
    assert.deepEqual(await stack.liveResources(handle.workflowId), []);
  });

  test('a run in ap-southeast-1 creates its function there (the endpoint names the region)', async () => {
    await stack.admin('/__emulator/calls', { method: 'DELETE' });
    const handle = await stack.startProvision({
      product: 'fc',
      region: 'ap-southeast-1',
      durationMinutes: 1,
      script: { content: 'echo in-singapore' },
      skipConfirmation: true,
    });
    const result = await runResult(handle);
    assert.equal(result.status, 'SUCCEEDED', result.message);
    assert.equal(result.chosen?.region, 'ap-southeast-1');
    assert.deepEqual(
      functionsOf(handle.workflowId).map((f) => f.regionId),
      ['ap-southeast-1'],
    );
    assert.equal(result.resourcesCreated[0]?.regionId, 'ap-southeast-1');
    const fcCalls = (await calls()).filter(
      (c) => c.action === 'CreateFunction' || c.action === 'InvokeFunction',
    );
    assert.ok(fcCalls.length >= 2);
    assert.ok(
      fcCalls.every((c) => c.regionId === 'ap-southeast-1'),
      JSON.stringify(fcCalls),
    );
    assert.match(result.execution?.outputTail ?? '', /in-singapore/);
  });

  test('an async script that exits 3 fails the run with exit code 3 and its output, ran once, and the function is deleted', async () => {
    await stack.admin('/__emulator/calls', { method: 'DELETE' });
    const handle = await stack.startProvision({
      product: 'fc',
      script: { content: 'echo about-to-fail; exit 3' },
      skipConfirmation: true,
    });
    const result = await runResult(handle);
    assert.equal(result.status, 'FAILED');
    assert.equal(result.error?.code, 'ScriptFailed');
    assert.equal(result.execution?.exitCode, 3, 'the exact code, from the exit line in the log');
    assert.equal(result.execution?.outputTail, 'about-to-fail\n');
    assertReleased(result);
    assert.deepEqual(await stack.liveResources(handle.workflowId), []);
    const invokes = (await calls()).filter((c) => c.action === 'InvokeFunction');
    assert.equal(invokes.length, 1, 'invoked once');
    assert.equal(runsOf(handle.workflowId), 1, 'FC did not retry it (maxAsyncRetryAttempts 0)');
    assert.equal((await logProjects()).length, 1, 'every run in the region shares one log project');
  });

  test('the lines of a running async job reach the status query as FC logs them', async () => {
    const handle = await stack.startProvision({
      product: 'fc',
      durationMinutes: 120, // a 4 h function timeout: 24 s on the emulated clock
      script: { content: 'echo first-line; sleep 6; echo second-line' },
      skipConfirmation: true,
    });
    const seen = await waitFor(async () => {
      const s: ProvisionResult = await handle.query(statusQuery);
      const tail = s.execution?.outputTail ?? '';
      return /first-line/.test(tail) ? s : undefined;
    }, 30_000);
    assert.equal(seen.status, 'RUNNING');
    assert.doesNotMatch(seen.execution?.outputTail ?? '', /second-line/, 'seen while the script still ran');
    const result = await runResult(handle);
    assert.equal(result.status, 'SUCCEEDED', result.message);
    assert.equal(result.execution?.outputTail, 'first-line\nsecond-line\n');
  });

  test("without FC's service-linked role an async run is BLOCKED naming the role to create; after it exists, retry completes", async () => {
    await stack.admin('/__emulator/roles/AliyunServiceRoleForFC', { method: 'DELETE' });
    try {
      const handle = await stack.startProvision({
        product: 'fc',
        script: { content: 'echo after-the-role' },
        skipConfirmation: true,
      });
      const blocked = await waitForStatus(handle, 'BLOCKED');
      assert.equal(blocked.blocked?.code, 'EntityNotExist.Role');
      assert.match(blocked.blocked?.message ?? '', /AliyunServiceRoleForFC/);
      assert.match(
        blocked.blocked?.nextStep ?? '',
        /CreateServiceLinkedRole --ServiceName fc\.aliyuncs\.com/,
      );
      assert.deepEqual(
        await stack.liveResources(handle.workflowId),
        [],
        'no function before the role exists',
      );
      await stack.admin('/__emulator/roles', {
        method: 'POST',
        body: JSON.stringify({ roleName: 'AliyunServiceRoleForFC', trustedServices: ['fc.aliyuncs.com'] }),
      });
      await handle.signal(retrySignal, { by: 'ram-admin' });
      const result = await runResult(handle);
      assert.equal(result.status, 'SUCCEEDED', result.message);
      assert.equal(result.execution?.outputTail, 'after-the-role\n');
      assertReleased(result);
    } finally {
      await stack.admin('/__emulator/reset', { method: 'POST' });
    }
  });

  test('a function that outlives its timeout is a failed run (x-fc-error-type), and is deleted', async () => {
    // Expected 30 s → a 60 s function timeout on the emulated clock; the script sleeps far longer.
    const handle = await stack.startProvision({
      product: 'fc',
      durationMinutes: 0.5,
      script: { content: 'echo started; sleep 60; echo never-printed' },
      skipConfirmation: true,
    });
    const result = await runResult(handle);
    assert.equal(result.status, 'FAILED');
    assert.equal(result.error?.code, 'ScriptFailed');
    assert.notEqual(result.execution?.exitCode, 0);
    assert.match(result.execution?.outputTail ?? '', /timed out/);
    assert.doesNotMatch(result.execution?.outputTail ?? '', /never-printed/);
    assertReleased(result);
    assert.deepEqual(await stack.liveResources(handle.workflowId), []);
  });

  for (const [what, request, why] of [
    ['a long-running service', { service: true }, /not long-running services/],
    ['32 vCPU', { cpu: 32 }, /at most 16 vCPU/],
  ] as const) {
    test(`FC locked, ${what}: the run fails saying why, nothing created, no fallback to ECS`, async () => {
      const handle = await stack.startProvision({
        product: 'fc',
        ...request,
        script: { content: 'echo never' },
        skipConfirmation: true,
      });
      assert.match((await expectNoDocument(handle)).message, why);
      assert.deepEqual(
        await stack.liveResources(handle.workflowId),
        [],
        'nothing at all was created for this run (no function, no ECS instance)',
      );
    });
  }

  test('the FC quote is one row in the chosen region, or one not-feasible row with the reason', async () => {
    const intent = parseIntent({ product: 'fc', cpu: 2, memoryGiB: 4, script: { content: 'echo x' } });
    const feasible = await fc.quote({ product: 'fc', intent, regions: ['cn-hangzhou', 'cn-shanghai'] });
    assert.deepEqual(
      feasible.map((o) => [o.region, o.spec, o.feasible]),
      [['cn-hangzhou', '2 vCPU 4 GB', true]],
    );
    // A 20 vCPU job cannot be asked for with the FC lock (the planner refuses it), but an unlocked
    // intent can still reach the FC quote: it answers with the reason instead of a price.
    const big = parseIntent({ cpu: 20, memoryGiB: 40, script: { content: 'echo x' } });
    const [row] = await fc.quote({ product: 'fc', intent: big, regions: ['cn-hangzhou'] });
    assert.equal(row.feasible, false);
    assert.match(row.reason ?? '', /at most 16 vCPU/);
  });

  test('the FC quota is exhausted: BLOCKED with what to raise; retry after raising it succeeds', async () => {
    await faults({ quota: { 'fc.instances': 0 } });
    try {
      const handle = await stack.startProvision({
        product: 'fc',
        durationMinutes: 1, // sync: the output comes back with the answer
        script: { content: 'echo after-retry' },
        skipConfirmation: true,
      });
      const blocked = await waitForStatus(handle, 'BLOCKED');
      assert.equal(blocked.blocked?.code, 'LimitExceeded');
      assert.match(blocked.blocked?.nextStep ?? '', /Function Compute quota/);
      assert.deepEqual(await stack.liveResources(handle.workflowId), []);
      await faults({ quota: { 'fc.instances': 1000 } });
      await handle.signal(retrySignal, { by: 'ops' });
      const result = await runResult(handle);
      assert.equal(result.status, 'SUCCEEDED', result.message);
      assert.match(result.execution?.outputTail ?? '', /after-retry/);
      assertReleased(result);
      assert.deepEqual(await stack.liveResources(handle.workflowId), []);
    } finally {
      await stack.admin('/__emulator/reset', { method: 'POST' });
    }
  });

  test('a CreateFunction whose response is lost is retried, the same function reused, then deleted', async () => {
    await stack.admin('/__emulator/calls', { method: 'DELETE' });
    await faults({ dropResponse: [{ action: 'CreateFunction', count: 1, mode: 'reset' }] });
    try {
      const handle = await stack.startProvision({
        product: 'fc',
        script: { content: 'echo once' },
        skipConfirmation: true,
      });
      const result = await runResult(handle);
      assert.equal(result.status, 'SUCCEEDED', result.message);
      const creates = (await calls()).filter((c) => c.action === 'CreateFunction');
      assert.ok(creates.length >= 2, 'the lost call was retried');
      assert.ok(creates.some((c) => c.code === 'FunctionAlreadyExists'));
      const { resources } = await stack.admin('/__emulator/resources?all=1');
      const functions = resources.filter(
        (r: any) => r.type === 'function' && r.tags?.['acp:workflow-id'] === handle.workflowId,
      );
      assert.equal(functions.length, 1, 'exactly one function was ever created');
      assertReleased(result);
      assert.deepEqual(await stack.liveResources(handle.workflowId), []);
    } finally {
      await stack.admin('/__emulator/reset', { method: 'POST' });
    }
  });

  test('every history recorded above replays without nondeterminism', async () => {
    const histories = [];
    for (const workflowId of stack.started) {
      histories.push({
        workflowId,
        history: await stack.env.client.workflow.getHandle(workflowId).fetchHistory(),
      });
    }
    let replayed = 0;
    for await (const r of Worker.runReplayHistories({ workflowBundle: await workflowBundle() }, histories)) {
      assert.equal(r.error, undefined, `${r.workflowId}: ${r.error?.message}`);
      replayed += 1;
    }
    assert.equal(replayed, stack.started.length);
  });
});
