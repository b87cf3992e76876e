// The orphan sweeper: runs whose workflow was terminated mid-run (so no compensation ran) leave
// resources behind; `acp gc` finds exactly those (and one with an unknown workflow), never a live
// run's, releases them in dependency order, and the same sweep runs from a Temporal Schedule.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import * as $Vpc from '@alicloud/vpc20160428';
import type { WorkflowHandle } from '@temporalio/client';
import { findOrphans, installGcSchedule, runGc } from '../../client/gc';
import type { GcSweepResult } from '../../workflows/gc';
import { type ProvisionResult, statusQuery, teardownSignal } from '../../workflows/messages';
import { provision } from '../../workflows/provision';
import { type Stack, startStack } from '../support/stack';

let stack: Stack;
before(async () => {
  stack = await startStack('gc');
});
after(async () => {
  await stack?.stop();
});

const prefix = `acp-gc-${process.pid}`;

async function startService(i: number) {
  const handle = await stack.env.client.workflow.start(provision, {
    taskQueue: stack.taskQueue,
    workflowId: `${prefix}-${i}`,
    args: [
      { product: 'ecs', service: true, script: { content: `echo service-${i}` }, skipConfirmation: true },
    ],
  });
  // Wait until the instance is up and the script ran: every resource of the run exists.
  const deadline = Date.now() + 90_000;
  for (;;) {
    const s: ProvisionResult = await handle.query(statusQuery);
    if (s.status === 'RUNNING' && s.execution?.exitCode === 0) return handle;
    if (Date.now() > deadline) throw new Error(`${handle.workflowId} is ${s.status}: ${s.message}`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

async function live(workflowIds: string[]): Promise<any[]> {
  const { resources } = await stack.admin('/__emulator/resources');
  return resources.filter((r: any) => workflowIds.includes(r.tags?.['acp:workflow-id']));
}

describe('acp gc', () => {
  test('finds every orphan of terminated and unknown workflows, releases them, spares live runs', async () => {
    const handles: WorkflowHandle<typeof provision>[] = [];
    for (let i = 0; i < 4; i++) handles.push(await startService(i));
    const [dead0, dead1, laterDead, alive] = handles;
    await dead0.terminate('simulated lost run');
    await dead1.terminate('simulated lost run');

    // A resource whose workflow Temporal never heard of (a run from a wiped server, say).
    const ghostId = `${prefix}-ghost`;
    const ghost = await stack.clients.vpc('cn-shanghai').createVpc(
      new $Vpc.CreateVpcRequest({
        regionId: 'cn-shanghai',
        cidrBlock: '10.0.0.0/16',
        tag: [
          new $Vpc.CreateVpcRequestTag({ key: 'acp:managed', value: 'true' }),
          new $Vpc.CreateVpcRequestTag({ key: 'acp:workflow-id', value: ghostId }),
        ],
      }),
    );
    assert.ok(ghost.body?.vpcId);

    const deadIds = [dead0.workflowId, dead1.workflowId, ghostId];
    const expected = (await live(deadIds)).map((r) => r.id).sort();
    assert.equal(expected.length, 9, 'two terminated runs × 4 resources + the ghost VPC');

    const orphans = await findOrphans(stack.env.client, stack.clients);
    const mine = orphans.filter((o) => o.workflowId?.startsWith(prefix));
    assert.deepEqual(mine.map((o) => o.id).sort(), expected, 'exactly the orphans, nothing of a live run');
    assert.ok(mine.some((o) => /TERMINATED/.test(o.reason)));
    assert.ok(mine.some((o) => /unknown to Temporal/.test(o.reason)));

    const lines: string[] = [];
    const report = await runGc({
      apply: true,
      client: stack.env.client,
      clients: stack.clients,
      print: (l) => lines.push(l),
    });
    assert.deepEqual(report.release?.failed, []);
    assert.deepEqual(await live(deadIds), [], 'every orphan was released');
    assert.equal((await live([laterDead.workflowId])).length, 4, 'a running run keeps its resources');
    assert.equal((await live([alive.workflowId])).length, 4);
    assert.ok(lines.some((l) => /orphan\(s\)/.test(l)));
    // Dependency order in the call log: every DeleteInstance before any DeleteSecurityGroup, etc.
    const { calls } = await stack.admin('/__emulator/calls');
    const order = ['DeleteInstance', 'DeleteSecurityGroup', 'DeleteVSwitch', 'DeleteVpc'];
    const lastOf = (a: string) => calls.map((c: any) => c.action).lastIndexOf(a);
    const firstOkOf = (a: string) => calls.findIndex((c: any) => c.action === a && c.code === 'OK');
    for (let i = 1; i < order.length; i++) {
      if (order[i] === 'DeleteVpc') continue; // the ghost VPC has no dependants and may go with the rest
      assert.ok(
        lastOf(order[i - 1]) < firstOkOf(order[i]) || firstOkOf(order[i]) < 0,
        `${order[i - 1]} before ${order[i]}`,
      );
    }

    // The same sweep from a Temporal Schedule (what `acp gc --schedule` installs).
    await laterDead.terminate('simulated lost run');
    const scheduleId = `${prefix}-schedule`;
    await installGcSchedule(stack.env.client, {
      scheduleId,
      regions: [],
      apply: true,
      every: '1h',
      taskQueue: stack.taskQueue,
    });
    const schedule = stack.env.client.schedule.getHandle(scheduleId);
    let sweep: GcSweepResult;
    let swept: unknown[];
    try {
      await schedule.trigger();
      let sweepId: string | undefined;
      for (let i = 0; i < 100 && !sweepId; i++) {
        const d = await schedule.describe();
        sweepId = d.info.recentActions[0]?.action.workflow.workflowId;
        if (!sweepId) await new Promise((r) => setTimeout(r, 200));
      }
      assert.ok(sweepId, 'the schedule started a sweep');
      sweep = await stack.env.client.workflow.getHandle(sweepId).result();
      swept = sweep.orphans.filter((o) => o.workflowId === laterDead.workflowId);
      assert.equal(swept.length, 4);
      assert.deepEqual(sweep.release?.failed, []);
      assert.deepEqual(await live([laterDead.workflowId]), []);
    } finally {
      await schedule.delete();
    }

    // The live run still releases its own resources.
    await alive.signal(teardownSignal, { by: 'gc-test' });
    assert.equal((await alive.result()).status, 'SUCCEEDED');
    const left = await live([...deadIds, laterDead.workflowId, alive.workflowId]);
    assert.deepEqual(left, []);
    console.log(
      `gc: runs=4 terminated=3 orphans=${mine.length}+${swept.length} (cli+schedule) released=${report.release?.released.length ?? 0}+${sweep.release?.released.length ?? 0} leaks=${left.length}`,
    );
  });
});
