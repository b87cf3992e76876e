// The backstop inside a live run: a service's instance gets AutoReleaseTime ≥ 30 min ahead and its
// workflow pushes it forward every 20 minutes of workflow time for as long as it lives. Crossing those
// minutes needs time skipping, which the dev server lacks; Temporal's own time-skipping test server
// (Maven Central, scripts/fetch-temporal-test-server.sh) runs this one file.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import * as $Ecs from '@alicloud/ecs20140526';
import { type ProvisionResult, statusQuery, teardownSignal } from '../../workflows/messages';
import { provision } from '../../workflows/provision';
import { runResult } from '../support/run-result';
import { type Stack, startStack } from '../support/stack';

const MINUTE = 60_000;
let stack: Stack;
before(async () => {
  stack = await startStack('backstop-live', {}, { timeSkipping: true });
});
after(async () => {
  await stack?.stop();
});

async function autoReleaseOf(regionId: string, instanceId: string): Promise<number> {
  const r = await stack.clients
    .ecs(regionId)
    .describeInstances(
      new $Ecs.DescribeInstancesRequest({ regionId, instanceIds: JSON.stringify([instanceId]) }),
    );
  return Date.parse(r.body?.instances?.instance?.[0]?.autoReleaseTime ?? '');
}

describe('cloud-side backstop in a live run', () => {
  test('a service crossing 50 minutes of workflow time has its AutoReleaseTime pushed forward', async () => {
    const handle = await stack.env.client.workflow.start(provision, {
      taskQueue: stack.taskQueue,
      workflowId: `acp-backstop-live-${process.pid}`,
      args: [{ product: 'ecs', service: true, script: { content: 'echo up' }, skipConfirmation: true }],
    });
    let instance: { id: string; regionId: string } | undefined;
    const deadline = Date.now() + 90_000;
    while (!instance) {
      const s: ProvisionResult = await handle.query(statusQuery);
      const found = s.resourcesCreated.find((r) => r.type === 'instance');
      if (s.status === 'RUNNING' && found) instance = found;
      else if (Date.now() > deadline) throw new Error(`still ${s.status}: ${s.message}`);
      else await new Promise((r) => setTimeout(r, 200));
    }
    const first = await autoReleaseOf(instance.regionId, instance.id);
    const startedAt = Date.now();
    const aheadMin = (first - startedAt) / MINUTE;
    assert.ok(aheadMin >= 30, `AutoReleaseTime starts ${aheadMin.toFixed(1)} min ahead`);

    // 50 minutes of workflow time pass in seconds; the workflow wakes every 20 minutes to extend.
    await stack.env.sleep('50m');
    const second = await autoReleaseOf(instance.regionId, instance.id);
    const { calls } = await stack.admin('/__emulator/calls');
    const extensions = calls.filter(
      (c: any) => c.action === 'ModifyInstanceAutoReleaseTime' && c.code === 'OK',
    ).length;
    assert.ok(extensions >= 2, `the backstop was extended ${extensions} times in 50 minutes`);
    assert.ok(
      second - first >= 35 * MINUTE,
      `AutoReleaseTime moved ${((second - first) / MINUTE).toFixed(0)} min forward`,
    );

    // The cloud's clock passes the original AutoReleaseTime: the live run's instance stays up.
    const advanceMs = first - Date.now() + 5 * MINUTE;
    await stack.admin('/__emulator/clock', { method: 'POST', body: JSON.stringify({ advanceMs }) });
    const { resources } = await stack.admin('/__emulator/resources?type=instance');
    assert.ok(
      resources.some((r: any) => r.id === instance.id),
      'the instance outlived its original AutoReleaseTime',
    );

    await handle.signal(teardownSignal, { by: 'backstop-live-test' });
    const result = await runResult(handle);
    assert.equal(result.status, 'SUCCEEDED', result.message);
    const { resources: live } = await stack.admin('/__emulator/resources');
    assert.deepEqual(live, []);
    console.log(
      `backstop-live: initialAhead=${aheadMin.toFixed(0)}min workflowTimeSkipped=50min extensions=${extensions} movedForward=${((second - first) / MINUTE).toFixed(0)}min cloudPassedOriginal=1 instanceAlive=1 leaks=${live.length}`,
    );
  });
});
