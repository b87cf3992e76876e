// Teardown always wins (real Temporal, the emulator, the official SDKs): a service whose command
// never returns — a foreground server — ends when `teardown` arrives, not at its command timeout
// (24 h on a real cloud). The command is stopped on the cloud (ECS StopInvocation; the ACK Job is
// deleted, which kills its pod), and everything the run made is released. Cancelling a running
// one-shot stops its command and releases too.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import * as $Ecs from '@alicloud/ecs20140526';
import { type ProvisionResult, statusQuery, teardownSignal } from '../../workflows/messages';
import { expectNoDocument, runResult } from '../support/run-result';
import { type Stack, startStack } from '../support/stack';
import { waitFor } from '../support/waiting';

let stack: Stack;

before(async () => {
  stack = await startStack('teardown');
});
after(async () => {
  await stack?.stop();
});

async function liveOf(workflowId: string): Promise<unknown[]> {
  const { resources } = await stack.admin('/__emulator/resources');
  return resources.filter((r: any) => r.tags?.['acp:workflow-id'] === workflowId || r.type === 'k8s-job');
}

/** Waits until the run is RUNNING and has seen its command under way (not finished). */
function commandRunning(handle: { query: any }): Promise<ProvisionResult> {
  return waitFor(async () => {
    const s: ProvisionResult = await handle.query(statusQuery);
    return s.status === 'RUNNING' && s.execution?.startedAt && s.execution.exitCode === undefined
      ? s
      : undefined;
  }, 120_000);
}

/** What Cloud Assistant says about the run's command on its instance. */
async function invocationOn(instanceId: string, regionId: string) {
  const r = await stack.adminClients
    .ecs(regionId)
    .describeInvocations(new $Ecs.DescribeInvocationsRequest({ regionId, instanceId }));
  return r.body?.invocations?.invocation?.[0];
}

// A day of expected run time: the command timeout is then far beyond the test (≥ 2 min of wall time
// even at the emulator's speed), so only the teardown can end these runs.
const LONG = 24 * 60;

/** A foreground Python HTTP server: it never returns on its own. */
const FOREGROUND_SERVER = [
  'import http.server',
  'server = http.server.HTTPServer(("127.0.0.1", 0), http.server.SimpleHTTPRequestHandler)',
  'print("serving on port", server.server_address[1], flush=True)',
  'server.serve_forever()',
  '',
].join('\n');

describe('teardown always wins', () => {
  test('ECS: a foreground server is stopped (StopInvocation) and everything is released', async () => {
    await stack.admin('/__emulator/calls', { method: 'DELETE' });
    const handle = await stack.startProvision({
      product: 'ecs',
      service: true,
      durationMinutes: LONG,
      script: { content: FOREGROUND_SERVER, name: 'serve.py' },
      skipConfirmation: true,
    });
    const running = await commandRunning(handle);
    const instance = running.resourcesCreated.find((r) => r.type === 'instance')!;
    assert.equal((await invocationOn(instance.id, instance.regionId))?.invocationStatus, 'Running');

    await handle.signal(teardownSignal, { by: 'dave', reason: 'done testing' });
    const result = await runResult(handle);
    assert.equal(result.status, 'SUCCEEDED', result.message);
    assert.match(result.message, /torn down by dave/);
    assert.equal(result.error, undefined);
    assert.ok(result.execution?.finishedAt, 'the run records when the command ended');
    assert.deepEqual(result.leftBehind, []);
    assert.deepEqual(await liveOf(handle.workflowId), []);

    const { calls } = await stack.admin('/__emulator/calls');
    const stop = calls.findIndex((c: any) => c.action === 'StopInvocation' && c.code === 'OK');
    const release = calls.findIndex((c: any) => c.action === 'DeleteInstance');
    assert.ok(stop >= 0, 'StopInvocation was called');
    assert.ok(stop < release, 'the command is stopped before the instance is released');
    // The process itself ended: Cloud Assistant reports it terminated by the stop.
    const inv = await invocationOn(instance.id, instance.regionId);
    assert.equal(inv?.invokeInstances?.invokeInstance?.[0]?.invocationStatus, 'Terminated');
    assert.equal(inv?.invocationStatus, 'Stopped');
  });

  test('ACK: a foreground command is stopped by deleting its Job, then the cluster goes', async () => {
    const handle = await stack.startProvision({
      product: 'ack',
      service: true,
      durationMinutes: LONG,
      script: { content: 'echo up; while true; do sleep 1; done' },
      skipConfirmation: true,
    });
    const running = await commandRunning(handle);
    const clusterId = running.resourcesCreated.find((r) => r.type === 'cluster')!.id;
    await handle.signal(teardownSignal, { by: 'erin' });
    const result = await runResult(handle);
    assert.equal(result.status, 'SUCCEEDED', result.message);
    assert.match(result.message, /torn down by erin/);
    const released = result.resourcesReleased.map((r) => r.type);
    for (const type of ['k8s-job', 'k8s-configmap', 'cluster', 'vswitch', 'vpc'] as const)
      assert.ok(released.includes(type), `${type} released`);
    assert.deepEqual(result.leftBehind, []);
    assert.deepEqual(await liveOf(handle.workflowId), []);
    assert.ok(stack.emulator.world.get('cluster', clusterId)?.releasedAt !== undefined);
  });

  test('a one-shot torn down mid-run fails as TornDown, stopped and released', async () => {
    const handle = await stack.startProvision({
      product: 'ecs',
      durationMinutes: LONG,
      script: { content: 'echo working; sleep 100000' },
      skipConfirmation: true,
    });
    await commandRunning(handle);
    await handle.signal(teardownSignal, { by: 'frank' });
    const result = await runResult(handle);
    assert.equal(result.status, 'FAILED', result.message);
    assert.equal(result.error?.code, 'TornDown');
    assert.match(result.error?.message ?? '', /teardown requested by frank before the script finished/);
    assert.deepEqual(result.leftBehind, []);
    assert.deepEqual(await liveOf(handle.workflowId), []);
  });

  test('cancelling a running one-shot stops its command and still releases everything', async () => {
    await stack.admin('/__emulator/calls', { method: 'DELETE' });
    const handle = await stack.startProvision({
      product: 'ecs',
      durationMinutes: LONG,
      script: { content: 'echo long-job; sleep 100000' },
      skipConfirmation: true,
    });
    const running = await commandRunning(handle);
    const instance = running.resourcesCreated.find((r) => r.type === 'instance')!;
    await handle.cancel();
    assert.equal((await expectNoDocument(handle)).cancelled, true, 'the workflow ended cancelled');
    const { calls } = await stack.admin('/__emulator/calls');
    assert.ok(calls.some((c: any) => c.action === 'StopInvocation' && c.code === 'OK'));
    assert.deepEqual(await liveOf(handle.workflowId), []);
    const inv = await invocationOn(instance.id, instance.regionId);
    assert.equal(inv?.invokeInstances?.invokeInstance?.[0]?.invocationStatus, 'Terminated');
  });
});
