// The orphan sweeper: runs of every product whose workflow was terminated mid-run (so no compensation
// ran) leave resources behind; `acp gc` finds exactly those (and one with an unknown workflow), of
// every product and each by its type, never a live run's nor a shared cluster, releases them in
// dependency order, and the same sweep runs from a Temporal Schedule.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import * as $Vpc from '@alicloud/vpc20160428';
import type { WorkflowHandle } from '@temporalio/client';
import { countByType } from '../../activities/gc';
import { findOrphans, installGcSchedule, runGc } from '../../client/gc';
import type { ProvisionRequest } from '../../planner/types';
import type { GcSweepResult } from '../../workflows/gc';
import { type ProvisionResult, statusQuery, teardownSignal } from '../../workflows/messages';
import { provision } from '../../workflows/provision';
import { runResult } from '../support/run-result';
import { createSharedCluster, type Stack, startStack } from '../support/stack';
import { waitFor } from '../support/waiting';

let stack: Stack;
before(async () => {
  stack = await startStack('gc');
});
after(async () => {
  await stack?.stop();
});

const prefix = `acp-gc-${process.pid}`;
/** What gc lists and releases; the emulator's ack-node, dlc-pod and fc-instance go with their parent. */
const SWEPT = ['instance', 'security-group', 'vswitch', 'vpc', 'function', 'cluster', 'dlc-job'];

type Handle = WorkflowHandle<typeof provision>;

/**
 * Starts a run and waits until `ready` says everything it creates exists; `lose` then terminates it
 * at once, mid-run, so no compensation ever runs (and the script cannot finish first).
 */
async function startRun(
  name: string,
  request: ProvisionRequest,
  ready: (s: ProvisionResult) => boolean,
  lose = false,
): Promise<Handle> {
  const handle = await stack.env.client.workflow.start(provision, {
    taskQueue: stack.taskQueue,
    workflowId: `${prefix}-${name}`,
    args: [{ ...request, skipConfirmation: true }],
  });
  const deadline = Date.now() + 120_000;
  for (;;) {
    const s: ProvisionResult = await handle.query(statusQuery);
    if (ready(s)) {
      if (lose) await handle.terminate('simulated lost run');
      return handle;
    }
    if (Date.now() > deadline || ['FAILED', 'SUCCEEDED', 'BLOCKED'].includes(s.status))
      throw new Error(`${handle.workflowId} is ${s.status}: ${s.message}`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

/** Running, with resources of each of these types created. */
const runningWith =
  (...types: string[]) =>
  (s: ProvisionResult) =>
    s.status === 'RUNNING' && types.every((t) => s.resourcesCreated.some((r) => r.type === t));

const service = (i: number, lose: boolean) =>
  startRun(
    `ecs-${i}`,
    { product: 'ecs', service: true, script: { content: `echo service-${i}` } },
    (s) => s.status === 'RUNNING' && s.execution?.exitCode === 0,
    lose,
  );

/** Live emulator resources tagged with one of these workflow ids. */
async function live(workflowIds: string[]): Promise<any[]> {
  return (await stack.liveResources()).filter((r: any) => workflowIds.includes(r.tags?.['acp:workflow-id']));
}

/** A cluster every ACK run of the region may share: acp:managed + acp:shared, no workflow. */
describe('acp gc', () => {
  test('finds the orphans of every product, releases them in order, spares live runs and shared clusters', async () => {
    // Runs of every product, each lost mid-run; two ECS services stay up for now.
    const [ecs, fc, ack, pai] = await Promise.all([
      Promise.all([0, 1, 2, 3].map((i) => service(i, i < 2))),
      startRun(
        'fc',
        { product: 'fc', durationMinutes: 120, script: { content: 'echo fc-up; sleep 10' } },
        runningWith('function'),
        true,
      ),
      startRun(
        'ack',
        { product: 'ack', script: { content: 'echo ack-up; sleep 10' } },
        runningWith('vpc', 'vswitch', 'cluster'),
        true,
      ),
      // Still running when gc comes: its release must stop it before deleting it.
      startRun(
        'pai',
        { product: 'pai', durationMinutes: 600, script: { content: 'echo pai-up; sleep 45' } },
        runningWith('dlc-job'),
        true,
      ),
    ]);
    const [dead0, dead1, laterDead, alive] = ecs;
    const ackCluster = (await ack.query(statusQuery)).resourcesCreated.find((r) => r.type === 'cluster')!;

    // A later ACK run finds a shared cluster and runs its Job there; the cluster is never an orphan,
    // the Job it leaves behind is.
    const sharedId = await createSharedCluster(stack, ackCluster.regionId);
    const onShared = await startRun(
      'ack-shared',
      { product: 'ack', script: { content: 'echo on-shared; sleep 10' } },
      runningWith('k8s-job'),
      true,
    );
    const sharedJob = (await onShared.query(statusQuery)).resourcesCreated.find((r) => r.type === 'k8s-job')!;
    assert.ok(sharedJob.id.startsWith(`${sharedId}/`), 'the second ACK run used the shared cluster');

    const terminated = [dead0, dead1, fc, ack, pai, onShared];

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

    const deadIds = [...terminated.map((h) => h.workflowId), ghostId];
    const left = (await live(deadIds)).filter((r) => SWEPT.includes(r.type));
    // FC's API names a function by its name; the emulator's row carries its functionId.
    const functionName = (await fc.query(statusQuery)).resourcesCreated.find(
      (r) => r.type === 'function',
    )!.id;
    const expected = [...left.map((r) => (r.type === 'function' ? functionName : r.id)), sharedJob.id].sort();
    assert.deepEqual(
      [...new Set(left.map((r) => r.type))].sort(),
      ['cluster', 'dlc-job', 'function', 'instance', 'security-group', 'vpc', 'vswitch'],
      'every product left something behind',
    );

    const orphans = await findOrphans(stack.env.client, stack.clients);
    const mine = orphans.filter((o) => o.workflowId?.startsWith(prefix));
    assert.deepEqual(mine.map((o) => o.id).sort(), expected, 'exactly the orphans, nothing of a live run');
    const byType = countByType(mine);
    assert.deepEqual(byType, {
      instance: 2,
      'security-group': 2,
      vswitch: 3,
      vpc: 4,
      function: 1,
      cluster: 1,
      'k8s-job': 1,
      'dlc-job': 1,
    });
    const productOf = Object.fromEntries(mine.map((o) => [o.type, o.product]));
    assert.deepEqual(productOf, {
      instance: 'ecs',
      'security-group': 'ecs',
      vswitch: 'vpc',
      vpc: 'vpc',
      function: 'fc',
      cluster: 'ack',
      'k8s-job': 'ack',
      'dlc-job': 'pai',
    });
    assert.ok(!orphans.some((o) => o.id === sharedId), 'a shared cluster is never an orphan');
    assert.ok(mine.some((o) => /TERMINATED/.test(o.reason)));
    assert.ok(mine.some((o) => /unknown to Temporal/.test(o.reason)));

    await stack.admin('/__emulator/calls', { method: 'DELETE' });
    const lines: string[] = [];
    const report = await runGc({
      apply: true,
      client: stack.env.client,
      clients: stack.clients,
      print: (l) => lines.push(l),
    });
    assert.deepEqual(report.release?.failed, []);
    assert.ok(
      lines.some((l) => /^orphan +fc +function +acp-/.test(l)),
      'each line names product and type',
    );
    assert.ok(lines.some((l) => /orphan\(s\) in \d+ region\(s\): .*1 dlc-job/.test(l)));

    // An FC invocation already running when its function went finishes on its own (it is billed per
    // use and ends at the latest at the function timeout); nothing else of those runs is left.
    const rest = await live(deadIds);
    assert.deepEqual(
      rest.filter((r) => r.type !== 'fc-instance'),
      [],
      'every orphan and what hung off it was released',
    );
    await waitFor(async () => ((await live(deadIds)).length === 0 ? true : undefined));
    const jobs = (await stack.liveResources()).filter((r) => r.type === 'k8s-job');
    assert.ok(!jobs.some((r) => r.id === sharedJob.id), 'the Job on the shared cluster was deleted');
    assert.ok(
      (await stack.liveResources()).some((r) => r.type === 'cluster' && r.id === sharedId),
      'the shared cluster stays',
    );
    // The async FC run's log project (SLS, shared by every run of the region) is nobody's orphan.
    const logProjects = (await stack.liveResources()).filter((r) => r.type === 'log-project');
    assert.deepEqual(
      logProjects.map((r) => [r.tags?.['acp:managed'], r.tags?.['acp:shared']]),
      [['true', 'true']],
      'the shared log project stays',
    );
    assert.ok(!orphans.some((o) => o.id === logProjects[0]!.id), 'and is never listed as an orphan');
    assert.equal((await live([laterDead.workflowId])).length, 4, 'a running run keeps its resources');
    assert.equal((await live([alive.workflowId])).length, 4);

    // Dependency order in the call log: compute before what it sits in.
    const { calls } = await stack.admin('/__emulator/calls');
    const lastOf = (a: string) => calls.map((c: any) => c.action).lastIndexOf(a);
    const firstOkOf = (a: string) => calls.findIndex((c: any) => c.action === a && c.code === 'OK');
    for (const [before, then] of [
      ['DeleteInstance', 'DeleteSecurityGroup'],
      ['DeleteSecurityGroup', 'DeleteVSwitch'],
      ['DeleteCluster', 'DeleteVSwitch'],
      ['StopJob', 'DeleteJob'],
    ]) {
      assert.ok(lastOf(before) >= 0 && firstOkOf(then) >= 0, `${before} and ${then} were called`);
      assert.ok(lastOf(before) < firstOkOf(then), `${before} before ${then}`);
    }
    assert.ok(calls.some((c: any) => c.action === 'DeleteFunction' && c.code === 'OK'));

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
    assert.equal((await runResult(alive)).status, 'SUCCEEDED');
    const leaks = await live([...deadIds, laterDead.workflowId, alive.workflowId]);
    assert.deepEqual(leaks, []);
    const released = (report.release?.released.length ?? 0) + (report.release?.gone.length ?? 0);
    console.log(
      `gc: runs=${terminated.length + 2} terminated=${terminated.length + 1} orphans=${mine.length}+${swept.length} (cli+schedule) byType=${JSON.stringify(byType)} released=${released}+${sweep.release?.released.length ?? 0} leaks=${leaks.length}`,
    );
  });
});
