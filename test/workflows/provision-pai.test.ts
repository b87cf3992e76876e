// The provision workflow on PAI-DLC, end to end: a real Temporal server, the emulator, the generic
// openapi-core client acp uses for DLC. Given an intent and a cloud state, the user sees this status,
// this output, a job bounded by JobMaxRunningTimeMinutes, and zero resources left.
import assert from 'node:assert/strict';
import { after, afterEach, before, describe, test } from 'node:test';
import * as $Ecs from '@alicloud/ecs20140526';
import { dlcHourlyPrice } from '../../planner/pai-prices';
import { estimateTotal, minutesWithinBudget, roundFen } from '../../planner/pricing';
import type { ProvisionRequest } from '../../planner/types';
import { confirmSignal, type ProvisionResult, retrySignal } from '../../workflows/messages';
import { exitCodeOf, jobMaxRunningMinutes } from '../../workflows/products/pai';
import { quote } from '../../workflows/provision';
import { expectNoDocument, runResult } from '../support/run-result';
import { type Stack, startStack } from '../support/stack';
import { waitForStatus } from '../support/waiting';

let stack: Stack;
let n = 0;

before(async () => {
  stack = await startStack('pai');
});
after(async () => {
  await stack?.stop();
});
afterEach(async () => {
  await stack.admin('/__emulator/reset', { method: 'POST' });
});

async function quoteOnly(request: ProvisionRequest): Promise<ProvisionResult> {
  n += 1;
  const handle = await stack.env.client.workflow.start(quote, {
    taskQueue: stack.taskQueue,
    workflowId: `acp-test-pai-quote-${process.pid}-${n}`,
    args: [request],
  });
  return runResult(handle);
}

/** What the emulated cloud holds for a job acp created (also after DeleteJob). */
function jobInCloud(jobId: string) {
  const job = stack.emulator.world.get('dlc-job', jobId);
  assert.ok(job, `job ${jobId} was created in the cloud`);
  return { input: (job.data as any).input as Record<string, any>, releasedAt: job.releasedAt };
}

/** The spec's ECS instance price (DescribePrice, instance part), read with the stack's admin key. */
async function ecsInstancePrice(regionId: string, instanceType: string): Promise<number> {
  const r = await stack.adminClients.ecs(regionId).describePrice(
    new $Ecs.DescribePriceRequest({
      regionId,
      resourceType: 'instance',
      instanceType,
      priceUnit: 'Hour',
      period: 1,
      amount: 1,
    }),
  );
  const detail = r.body?.priceInfo?.price?.detailInfos?.detailInfo ?? [];
  return detail.find((d) => d.resource === 'instanceType')?.tradePrice ?? Number.NaN;
}

/** A DLC run in cn-hangzhou waiting for a yes, and the option it recommends. */
async function awaitingDlcRun(script: string) {
  const handle = await stack.startProvision({
    product: 'pai',
    region: 'cn-hangzhou',
    script: { content: script },
    confirmTimeout: '5m',
  });
  const awaiting = await waitForStatus(handle, 'AWAITING_CONFIRMATION');
  return { handle, best: awaiting.options[awaiting.recommended!]! };
}

async function faults(body: Record<string, unknown>) {
  await stack.admin('/__emulator/faults', { method: 'POST', body: JSON.stringify(body) });
}

describe('provision on PAI-DLC', () => {
  test('a one-shot script runs as a DLC job; the job is deleted and nothing is left', async () => {
    await stack.admin('/__emulator/calls', { method: 'DELETE' });
    const handle = await stack.startProvision({
      product: 'pai',
      script: { content: 'echo hello-acp' },
      skipConfirmation: true,
    });
    const result = await runResult(handle);
    assert.equal(result.status, 'SUCCEEDED', result.message);
    assert.equal(result.chosen?.product, 'pai');
    assert.equal(result.execution?.exitCode, 0);
    assert.match(result.execution?.outputTail ?? '', /hello-acp/);
    assert.deepEqual(
      result.resourcesCreated.map((r) => r.type),
      ['dlc-job'],
    );
    assert.deepEqual(result.leftBehind, []);
    assert.deepEqual(
      result.resourcesReleased.map((r) => r.id),
      result.resourcesCreated.map((r) => r.id),
    );
    assert.deepEqual(await stack.liveResources(handle.workflowId), []);

    const job = jobInCloud(result.resourcesCreated[0].id);
    assert.ok(job.releasedAt !== undefined, 'DeleteJob removed the job');
    assert.equal(job.input.UserCommand, 'echo hello-acp');
    assert.equal(job.input.JobSpecs[0].EcsSpec, result.chosen?.spec);
    assert.equal(job.input.JobSpecs[0].PodCount, 1);
    assert.match(job.input.JobSpecs[0].Image, /pytorch-training:.*cpu/);
    // No budget: 1.5 × the default 30-minute one-shot duration.
    assert.equal(job.input.JobMaxRunningTimeMinutes, 45);
    // DLC keeps custom tags in Settings.Tags (a map); CreateJob has no top-level Tags.
    assert.equal(job.input.Settings.Tags['acp:workflow-id'], handle.workflowId);
    assert.equal(job.input.Tags, undefined);
    // The cloud bills the job's pod at the DLC price acp quoted, not at the spec's ECS price.
    const pod = stack.emulator.world
      .list({ type: 'dlc-pod', includeReleased: true })
      .find((r) => r.data.jobId === result.resourcesCreated[0].id);
    assert.equal(pod?.hourlyPrice, result.chosen?.unitPricePerHour);
    assert.notEqual(
      pod?.hourlyPrice,
      stack.emulator.world.catalogue.hourlyPrice(result.chosen!.region, result.chosen!.spec),
    );

    // CreateJob has no ClientToken: acp looks the DisplayName up first.
    const { calls } = await stack.admin('/__emulator/calls');
    const dlc = calls.filter((c: any) => c.product === 'dlc').map((c: any) => c.action);
    assert.ok(dlc.indexOf('ListJobs') < dlc.indexOf('CreateJob'), dlc.join(' '));
    assert.ok(dlc.includes('ListEcsSpecs') && dlc.includes('GetPodLogs') && dlc.includes('DeleteJob'));
    // The cheapest feasible pay-as-you-go option is the recommended one (spot rows are shown beside
    // it, not chosen unless asked for: docs/spot.md).
    const feasible = result.options.filter((o) => o.feasible && !o.spot);
    assert.ok(feasible.length > 1, 'several specs were compared');
    assert.equal(
      result.options[result.recommended!].estimatedTotal,
      Math.min(...feasible.map((o) => o.estimatedTotal)),
    );
    assert.ok(feasible.every((o) => o.resources[0] === 'DLC job' && o.cleanup === 'StopJob + DeleteJob'));
  });

  test("training on one A10: PAI-DLC offers an A10 spec at DLC's price, above the same spec on ECS", async () => {
    const result = await quoteOnly({
      intent: 'fine-tune qwen-7b on one A10 for 2 hours under 300 CNY',
      gpu: { model: 'A10', count: 1 },
      script: { content: 'import torch\nprint(torch.__version__)\n' },
    });
    const pai = result.options.filter((o) => o.product === 'pai' && o.feasible && !o.spot);
    assert.ok(pai.length > 0, JSON.stringify(result.options.filter((o) => o.product === 'pai')));
    // Spot rows: DLC's price × ListEcsSpecs' NonProtectSpotDiscount, the risk DLC states.
    const spots = result.options.filter((o) => o.product === 'pai' && o.spot);
    assert.ok(spots.length > 0, 'PAI-DLC spot rows are quoted');
    for (const o of spots) {
      const twin = pai.find((p) => p.spec === o.spec && p.region === o.region)!;
      assert.ok(Math.abs(o.unitPricePerHour - twin.unitPricePerHour * o.spotDiscount!) < 1e-3);
      assert.equal(o.spotRisk?.source, 'ListEcsSpecs');
    }
    for (const o of pai) {
      assert.match(o.spec, /gn7i/);
      assert.match(o.specNote ?? '', /A10/);
      assert.ok(o.unitPricePerHour > 0);
      assert.equal(o.estimatedTotal, estimateTotal(o.unitPricePerHour, 120));
      assert.equal(o.readyInSeconds, 180);
      assert.equal(o.zone, undefined, 'DLC places the job; there is no zone to pick');
    }
    // DLC's own price: for the same spec and region, above the ECS instance's list price (PAI's
    // published ratio), and said so in the table.
    for (const o of pai) {
      const ecs = await ecsInstancePrice(o.region, o.spec);
      assert.equal(
        o.unitPricePerHour,
        dlcHourlyPrice({ instanceType: o.spec, regionId: o.region, ecsInstanceHourly: ecs, currency: 'CNY' })
          .hourly,
      );
      assert.ok(
        o.unitPricePerHour > ecs,
        `${o.spec} in ${o.region}: DLC ${o.unitPricePerHour} vs ECS ${ecs}`,
      );
      assert.match(o.specNote ?? '', /DLC's ratio|PAI price/);
    }
    assert.equal(result.status, 'SUCCEEDED', result.message);
    assert.deepEqual(await stack.liveResources(`acp-test-pai-quote-${process.pid}-${n}`), []);
  });

  test("ecs.g6.2xlarge in cn-shanghai is quoted at PAI's published CNY 2.02/h, above its ECS price", async () => {
    const result = await quoteOnly({
      product: 'pai',
      region: 'cn-shanghai',
      cpu: 8,
      memoryGiB: 32,
      script: { content: 'echo priced' },
    });
    const g6 = result.options.find((o) => o.product === 'pai' && o.spec === 'ecs.g6.2xlarge' && !o.spot);
    assert.ok(g6, JSON.stringify(result.options.map((o) => o.spec)));
    assert.equal(g6.unitPricePerHour, 2.02);
    assert.match(g6.specNote ?? '', /PAI price \(help\.aliyun\.com/);
    assert.ok(g6.unitPricePerHour > (await ecsInstancePrice('cn-shanghai', 'ecs.g6.2xlarge')));
  });

  test('a script that exits 3 fails the run with its output and the reason; the job is deleted', async () => {
    const handle = await stack.startProvision({
      product: 'pai',
      script: { content: 'echo about-to-fail; exit 3' },
      skipConfirmation: true,
    });
    const result = await runResult(handle);
    assert.equal(result.status, 'FAILED');
    assert.equal(result.error?.code, 'ScriptFailed');
    assert.equal(result.execution?.exitCode, 3);
    assert.match(result.execution?.outputTail ?? '', /about-to-fail/);
    assert.match(result.execution?.outputTail ?? '', /Failed: JobFailed/);
    assert.deepEqual(result.leftBehind, []);
    assert.equal(result.resourcesReleased.length, 1);
    assert.ok(jobInCloud(result.resourcesCreated[0].id).releasedAt !== undefined);
    assert.deepEqual(await stack.liveResources(handle.workflowId), []);
  });

  test('JobMaxRunningTimeMinutes is bounded by what the budget buys', async () => {
    const probe = await quoteOnly({ product: 'pai', script: { content: 'echo probe' }, durationMinutes: 60 });
    const cheapest = probe.options[probe.recommended!];
    // A budget that covers the expected hour but not the 90 minutes of headroom.
    const budget = roundFen(cheapest.unitPricePerHour * 1.2);
    const handle = await stack.startProvision({
      product: 'pai',
      script: { content: 'echo within-budget' },
      durationMinutes: 60,
      budget: { amount: budget, currency: 'CNY' },
      skipConfirmation: true,
    });
    const result = await runResult(handle);
    assert.equal(result.status, 'SUCCEEDED', result.message);
    const expected = minutesWithinBudget(result.chosen!.unitPricePerHour, result.intent!.budget!.cny);
    assert.ok(expected >= 60 && expected < 90, `budget buys ${expected} min`);
    assert.equal(jobMaxRunningMinutes(60, result.chosen!.unitPricePerHour, budget), expected);
    const job = jobInCloud(result.resourcesCreated[0].id);
    assert.equal(job.input.JobMaxRunningTimeMinutes, expected);
    assert.ok(result.events.some((e) => e.message.includes(`JobMaxRunningTimeMinutes ${expected}`)));
  });

  test('a sold-out spec is not offered; every fitting spec sold out makes PAI not feasible', async () => {
    const first = await quoteOnly({ product: 'pai', region: 'cn-hangzhou', script: { content: 'echo s' } });
    const best = first.options[first.recommended!];
    await faults({ soldOut: [{ regionId: 'cn-hangzhou', instanceType: best.spec }] });
    const second = await quoteOnly({ product: 'pai', region: 'cn-hangzhou', script: { content: 'echo s' } });
    assert.ok(second.options.every((o) => o.spec !== best.spec));
    assert.ok(second.options.some((o) => o.feasible));

    await faults({ soldOut: [{ regionId: 'cn-hangzhou' }] });
    const none = await quoteOnly({ product: 'pai', region: 'cn-hangzhou', script: { content: 'echo s' } });
    assert.equal(none.options.length, 1);
    assert.equal(none.options[0].feasible, false);
    assert.match(none.options[0].reason ?? '', /no stock/);
    assert.equal(none.status, 'OVER_BUDGET', 'nothing feasible: the run ends without creating anything');
  });

  test('a spec that sells out after the quote: no job is created for it, the next spec runs', async () => {
    const { handle, best } = await awaitingDlcRun('echo failed-over');
    await faults({ soldOut: [{ regionId: best.region, instanceType: best.spec }] });
    await handle.signal(confirmSignal, {});
    const result = await runResult(handle);
    assert.equal(result.status, 'SUCCEEDED', result.message);
    assert.notEqual(result.chosen?.spec, best.spec);
    assert.equal(result.chosen?.product, 'pai');
    assert.match(result.execution?.outputTail ?? '', /failed-over/);
    assert.ok(result.events.some((e) => /ResourceNotEnough/.test(e.message)));
    assert.equal(result.resourcesCreated.length, 1, 'the live stock check comes before CreateJob');
    assert.notEqual(jobInCloud(result.resourcesCreated[0].id).input.JobSpecs[0].EcsSpec, best.spec);
    assert.deepEqual(result.leftBehind, []);
    assert.deepEqual(await stack.liveResources(handle.workflowId), []);
  });

  test('a spec that sells out once its job is created: the queued job is stopped and the next spec runs', async () => {
    const { handle, best } = await awaitingDlcRun('echo failed-over');
    // The pool runs dry the moment a job for the spec exists: CreateJob's stock check passed, the job queues.
    const world = stack.emulator.world;
    const stockOf = world.stockOf.bind(world);
    const jobFor = () =>
      world
        .all()
        .some(
          (r) => r.type === 'dlc-job' && (r.data as any).ecsSpec === best.spec && r.regionId === best.region,
        );
    world.stockOf = (regionId, zoneId, type) =>
      regionId === best.region && type === best.spec && jobFor() ? 0 : stockOf(regionId, zoneId, type);
    try {
      await handle.signal(confirmSignal, {});
      const result = await runResult(handle);
      assert.equal(result.status, 'SUCCEEDED', result.message);
      assert.notEqual(result.chosen?.spec, best.spec);
      assert.match(result.execution?.outputTail ?? '', /failed-over/);
      assert.ok(result.events.some((e) => /ResourceNotEnough/.test(e.message)));
      assert.equal(result.resourcesCreated.length, 2, 'the queued job and the one that ran');
      assert.deepEqual(result.leftBehind, []);
      assert.equal(result.resourcesReleased.length, 2);
      const queued = jobInCloud(result.resourcesCreated[0].id);
      assert.equal(queued.input.JobSpecs[0].EcsSpec, best.spec);
      assert.ok(queued.releasedAt !== undefined);
      assert.deepEqual(await stack.liveResources(handle.workflowId), []);
    } finally {
      world.stockOf = stockOf;
    }
  });

  test('a job that outruns JobMaxRunningTimeMinutes is stopped by DLC: FAILED, released', async () => {
    // 2 expected minutes → a 3-minute limit; at emulator speed 600 that is 0.3 wall seconds.
    const handle = await stack.startProvision({
      product: 'pai',
      script: { content: 'echo started; sleep 20; echo never' },
      durationMinutes: 2,
      skipConfirmation: true,
    });
    const result = await runResult(handle);
    assert.equal(result.status, 'FAILED', result.message);
    assert.equal(result.error?.code, 'ScriptFailed');
    assert.equal(result.execution?.exitCode, 124);
    assert.match(result.execution?.outputTail ?? '', /JobMaxRunningTimeMinutes \(3\)/);
    assert.deepEqual(result.leftBehind, []);
    assert.deepEqual(await stack.liveResources(handle.workflowId), []);
  });

  test('cancelling a running job stops and deletes it, then the run ends cancelled', async () => {
    await stack.admin('/__emulator/calls', { method: 'DELETE' });
    const handle = await stack.startProvision({
      product: 'pai',
      script: { content: 'sleep 20' },
      durationMinutes: 600,
      skipConfirmation: true,
    });
    const running = await waitForStatus(handle, 'RUNNING');
    const jobId = running.resourcesCreated[0].id;
    await handle.cancel();
    assert.equal((await expectNoDocument(handle)).cancelled, true, 'the workflow ended cancelled');
    const { calls } = await stack.admin('/__emulator/calls');
    assert.ok(
      calls.some((c: any) => c.action === 'StopJob'),
      'StopJob before DeleteJob',
    );
    assert.ok(jobInCloud(jobId).releasedAt !== undefined);
    assert.deepEqual(await stack.liveResources(handle.workflowId), []);
  });

  test('the DLC job quota blocks the run; retry after it is raised succeeds', async () => {
    await faults({ quota: { 'dlc.instances': 0 } });
    const handle = await stack.startProvision({
      product: 'pai',
      script: { content: 'echo after-retry' },
      skipConfirmation: true,
    });
    const blocked = await waitForStatus(handle, 'BLOCKED');
    assert.match(blocked.blocked?.code ?? '', /QuotaExceed/);
    await faults({ quota: { 'dlc.instances': 1000 } });
    await handle.signal(retrySignal, { by: 'ops' });
    const result = await runResult(handle);
    assert.equal(result.status, 'SUCCEEDED', result.message);
    assert.match(result.execution?.outputTail ?? '', /after-retry/);
    assert.deepEqual(result.leftBehind, []);
    assert.deepEqual(await stack.liveResources(handle.workflowId), []);
  });

  test('a CreateJob whose response is lost is found by its DisplayName, not created twice', async () => {
    await stack.admin('/__emulator/calls', { method: 'DELETE' });
    await faults({ dropResponse: [{ action: 'CreateJob', count: 1, mode: 'reset' }] });
    const handle = await stack.startProvision({
      product: 'pai',
      script: { content: 'echo once' },
      skipConfirmation: true,
    });
    const result = await runResult(handle);
    assert.equal(result.status, 'SUCCEEDED', result.message);
    const { calls } = await stack.admin('/__emulator/calls');
    assert.equal(
      calls.filter((c: any) => c.action === 'CreateJob').length,
      1,
      'one CreateJob reached the cloud',
    );
    const { resources } = await stack.admin('/__emulator/resources?all=1');
    const jobs = resources.filter(
      (r: any) => r.type === 'dlc-job' && r.tags?.['acp:workflow-id'] === handle.workflowId,
    );
    assert.equal(jobs.length, 1);
    assert.deepEqual(await stack.liveResources(handle.workflowId), []);
  });
});

describe('PAI-DLC decisions', () => {
  test('JobMaxRunningTimeMinutes: 1.5 × the duration, capped by the budget', () => {
    assert.equal(jobMaxRunningMinutes(30, 2), 45);
    assert.equal(jobMaxRunningMinutes(25, 2), 38);
    assert.equal(jobMaxRunningMinutes(60, 10, 12), 72);
    assert.equal(jobMaxRunningMinutes(60, 10, 100), 90);
    assert.equal(jobMaxRunningMinutes(60, 10, 0.01), 1);
  });

  test('exit codes from what DLC reports', () => {
    assert.equal(exitCodeOf('Succeeded', 'Job has succeeded.'), 0);
    assert.equal(exitCodeOf('Failed', 'Job failed: pod dlc-worker-0 exited with code 3.'), 3);
    assert.equal(exitCodeOf('Failed', 'ImagePullBackOff'), 1);
    assert.equal(
      exitCodeOf('Stopped', 'Job is stopped because it ran longer than JobMaxRunningTimeMinutes (5).'),
      124,
    );
    assert.equal(exitCodeOf('Stopped', 'Job is stopped by user.'), 143);
  });
});
