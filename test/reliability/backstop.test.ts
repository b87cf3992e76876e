// The cloud-side backstop: every ECS instance acp creates carries AutoReleaseTime (≥ 30 min ahead),
// so an instance whose workflow is lost (terminated: no compensation runs) is released by the cloud
// itself. The keep-alive call the workflow makes (ModifyInstanceAutoReleaseTime) moves it forward.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import * as $Ecs from '@alicloud/ecs20140526';
import { createEcsActivities } from '../../activities/ecs';
import { runGc } from '../../client/gc';
import { type ProvisionResult, statusQuery, teardownSignal } from '../../workflows/messages';
import { autoReleaseTime } from '../../workflows/products/ecs';
import { provision } from '../../workflows/provision';
import { runResult } from '../support/run-result';
import { type Stack, startStack } from '../support/stack';

let stack: Stack;
before(async () => {
  stack = await startStack('backstop');
});
after(async () => {
  await stack?.stop();
});

const MINUTE = 60_000;
let advancedMs = 0;

async function startService(id: string) {
  const handle = await stack.env.client.workflow.start(provision, {
    taskQueue: stack.taskQueue,
    workflowId: id,
    args: [{ product: 'ecs', service: true, script: { content: 'echo up' }, skipConfirmation: true }],
  });
  const deadline = Date.now() + 90_000;
  for (;;) {
    const s: ProvisionResult = await handle.query(statusQuery);
    const instance = s.resourcesCreated.find((r) => r.type === 'instance');
    if (s.status === 'RUNNING' && instance) return { handle, instance };
    if (Date.now() > deadline) throw new Error(`${id} is ${s.status}: ${s.message}`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

async function describeInstance(regionId: string, instanceId: string) {
  const r = await stack.clients
    .ecs(regionId)
    .describeInstances(
      new $Ecs.DescribeInstancesRequest({ regionId, instanceIds: JSON.stringify([instanceId]) }),
    );
  return r.body?.instances?.instance?.[0];
}

/** The emulated cloud's wall clock: real time plus every advance this test made. */
const cloudNow = () => Date.now() + advancedMs;

describe('cloud-side backstop', () => {
  test('a lost run’s instance is released by the cloud at its AutoReleaseTime; a kept-alive one is not', async () => {
    const lost = await startService(`acp-backstop-${process.pid}-lost`);
    const kept = await startService(`acp-backstop-${process.pid}-kept`);
    const info = await describeInstance(lost.instance.regionId, lost.instance.id);
    assert.ok(info?.autoReleaseTime, 'the instance carries AutoReleaseTime');
    const releaseAt = Date.parse(info.autoReleaseTime);
    const aheadMin = (releaseAt - cloudNow()) / MINUTE;
    assert.ok(aheadMin >= 30, `AutoReleaseTime is ${aheadMin.toFixed(1)} min ahead`);

    // The workflow is lost: terminate skips every compensation.
    await lost.handle.terminate('simulated: the acp side is gone');

    // The live run's keep-alive (the activity its workflow calls every 20 min) pushes its backstop
    // past the moment the lost one is due.
    const extendTo = autoReleaseTime(releaseAt + 3 * 60 * MINUTE, 0);
    await createEcsActivities(stack.clients).extendAutoReleaseTime({
      regionId: kept.instance.regionId,
      instanceId: kept.instance.id,
      autoReleaseTime: extendTo,
    });
    const keptInfo = await describeInstance(kept.instance.regionId, kept.instance.id);
    assert.equal(Date.parse(keptInfo?.autoReleaseTime ?? ''), Date.parse(extendTo));
    const { calls } = await stack.admin('/__emulator/calls');
    assert.ok(calls.some((c: any) => c.action === 'ModifyInstanceAutoReleaseTime' && c.code === 'OK'));

    // Two hours (or however far the backstop is) later, the cloud has released the lost instance.
    const advanceMs = Math.max(2 * 60 * MINUTE, releaseAt - cloudNow() + MINUTE);
    await stack.admin('/__emulator/clock', { method: 'POST', body: JSON.stringify({ advanceMs }) });
    advancedMs += advanceMs;
    const { resources } = await stack.admin('/__emulator/resources?all=1&type=instance');
    const lostRow = resources.find((r: any) => r.id === lost.instance.id);
    const keptRow = resources.find((r: any) => r.id === kept.instance.id);
    assert.ok(lostRow?.releasedAt !== undefined, `lost instance is ${lostRow?.status}`);
    assert.equal(keptRow?.releasedAt, undefined, 'the kept-alive instance is still up');

    // The rest of the lost run (SG, vSwitch, VPC cost nothing but clutter) is what `acp gc` is for.
    const gc = await runGc({
      apply: true,
      client: stack.env.client,
      clients: stack.clients,
      print: () => {},
    });
    assert.ok(gc.orphans.every((o) => o.workflowId === lost.handle.workflowId));
    assert.equal(
      gc.orphans.filter((o) => o.type === 'instance').length,
      0,
      'the cloud already took the instance',
    );
    await kept.handle.signal(teardownSignal, { by: 'backstop-test' });
    assert.equal((await runResult(kept.handle)).status, 'SUCCEEDED');
    const { resources: live } = await stack.admin('/__emulator/resources');
    assert.deepEqual(live, []);
    console.log(
      `backstop: autoReleaseAhead=${aheadMin.toFixed(0)}min advanced=${(advanceMs / MINUTE).toFixed(0)}min lostReleasedByCloud=1 keptAlive=1 gcOrphans=${gc.orphans.length} leaks=${live.length}`,
    );
  });
});
