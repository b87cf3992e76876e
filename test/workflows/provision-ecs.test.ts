// The provision workflow on ECS, end to end: a real Temporal server, the emulator, the official SDKs.
// Given an intent and a cloud state, the user sees this status, this output, and zero resources left.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { Worker } from '@temporalio/worker';
import {
  confirmSignal,
  type ProvisionResult,
  rejectSignal,
  statusQuery,
  teardownSignal,
} from '../../workflows/messages';
import { expectNoDocument, runResult } from '../support/run-result';
import { type Stack, startStack } from '../support/stack';
import { workflowBundle } from '../support/temporal';
import { waitFor, waitForStatus } from '../support/waiting';

let stack: Stack;

before(async () => {
  stack = await startStack('ecs');
});
after(async () => {
  await stack?.stop();
});

describe('provision on ECS', () => {
  test('a one-shot script runs on the cheapest ECS option and everything is released', async () => {
    const handle = await stack.startProvision({
      product: 'ecs',
      script: { content: 'echo hello-acp' },
      skipConfirmation: true,
    });
    const result = await runResult(handle);
    assert.equal(result.status, 'SUCCEEDED', result.message);
    assert.equal(result.execution?.exitCode, 0);
    assert.match(result.execution?.outputTail ?? '', /hello-acp/);
    assert.equal(result.chosen?.product, 'ecs');
    const types = result.resourcesCreated.map((r) => r.type).sort();
    assert.deepEqual(types, ['instance', 'security-group', 'vpc', 'vswitch']);
    assert.deepEqual(result.leftBehind, []);
    assert.equal(result.resourcesReleased.length, result.resourcesCreated.length);
    assert.deepEqual(await stack.liveResources(handle.workflowId), []);
    // The cheapest feasible option is the recommended one, not the first found. Spot rows are shown
    // beside it but not chosen unless spot was asked for or only spot fits the budget (docs/spot.md).
    assert.ok(
      result.options.some((o) => o.spot && o.spotRisk),
      'spot rows are quoted with their risk',
    );
    const feasible = result.options.filter((o) => o.feasible && !o.spot);
    assert.ok(feasible.length > 1, 'several options were compared');
    assert.equal(
      result.options[result.recommended!].estimatedTotal,
      Math.min(...feasible.map((o) => o.estimatedTotal)),
    );
  });

  test('a script that exits 3 fails the run with its output, and everything is released', async () => {
    const handle = await stack.startProvision({
      product: 'ecs',
      script: { content: 'echo about-to-fail; exit 3' },
      skipConfirmation: true,
    });
    const result = await runResult(handle);
    assert.equal(result.status, 'FAILED');
    assert.equal(result.execution?.exitCode, 3);
    assert.equal(result.error?.code, 'ScriptFailed');
    assert.match(result.execution?.outputTail ?? '', /about-to-fail/);
    assert.deepEqual(result.leftBehind, []);
    assert.deepEqual(await stack.liveResources(handle.workflowId), []);
  });

  test('confirmation by signal from another client: the chosen option is created', async () => {
    const handle = await stack.startProvision({
      product: 'ecs',
      script: { content: 'echo confirmed-run' },
      confirmTimeout: '5m',
    });
    const awaiting = await waitForStatus(handle, 'AWAITING_CONFIRMATION');
    assert.ok(awaiting.options.length > 0);
    assert.deepEqual(await stack.liveResources(handle.workflowId), [], 'nothing exists before the yes');
    const other = stack.env.client.workflow.getHandle(handle.workflowId);
    await other.signal(confirmSignal, { option: 2, by: 'alice' });
    const result = await runResult(handle);
    assert.equal(result.status, 'SUCCEEDED', result.message);
    assert.equal(result.confirmation?.by, 'alice');
    assert.equal(result.confirmation?.option, 2);
    assert.equal(result.chosen?.spec, awaiting.options[1].spec);
  });

  test('a confirmation sent before the comparison is ready is kept, not dropped', async () => {
    const handle = await stack.startProvision({
      product: 'ecs',
      script: { content: 'echo early-yes' },
      confirmTimeout: '5m',
    });
    await handle.signal(confirmSignal, { by: 'eager-operator' });
    const result = await runResult(handle);
    assert.equal(result.status, 'SUCCEEDED', result.message);
    assert.equal(result.confirmation?.by, 'eager-operator');
  });

  test('rejection ends the run with nothing created', async () => {
    const handle = await stack.startProvision({
      product: 'ecs',
      script: { content: 'echo never' },
      confirmTimeout: '5m',
    });
    await waitForStatus(handle, 'AWAITING_CONFIRMATION');
    await handle.signal(rejectSignal, { reason: 'too expensive', by: 'bob' });
    const result = await runResult(handle);
    assert.equal(result.status, 'REJECTED');
    assert.deepEqual(result.resourcesCreated, []);
    assert.deepEqual(await stack.liveResources(handle.workflowId), []);
  });

  test('nobody confirms within the timeout: EXPIRED, nothing created', async () => {
    const handle = await stack.startProvision({
      product: 'ecs',
      script: { content: 'echo never' },
      confirmTimeout: '2s',
    });
    const result = await runResult(handle);
    assert.equal(result.status, 'EXPIRED');
    assert.deepEqual(result.resourcesCreated, []);
  });

  test('bad input fails the workflow with a message naming the field', async () => {
    const handle = await stack.startProvision({
      product: 'ecs',
      cpu: -4,
      script: { content: 'echo x' },
      skipConfirmation: true,
    });
    const failure = await expectNoDocument(handle);
    assert.equal(failure.code, 'InvalidIntent');
    assert.match(failure.message, /cpu/);
    assert.deepEqual(await stack.liveResources(handle.workflowId), []);
  });

  test('nothing fits the budget: OVER_BUDGET with the table and spot alternatives, nothing created', async () => {
    const handle = await stack.startProvision({
      product: 'ecs',
      cpu: 16,
      memoryGiB: 64,
      durationMinutes: 600,
      budget: { amount: 1, currency: 'CNY' },
      script: { content: 'echo too-dear' },
      skipConfirmation: true,
    });
    const result = await runResult(handle);
    assert.equal(result.status, 'OVER_BUDGET');
    assert.match(result.message, /over the budget/);
    assert.ok(
      result.options.some((o) => o.feasible && !o.spot),
      'the regular options are shown',
    );
    assert.ok(
      result.options.some((o) => o.spot),
      'spot prices are offered as alternatives',
    );
    assert.deepEqual(result.resourcesCreated, []);
    assert.deepEqual(await stack.liveResources(handle.workflowId), []);
  });

  test('the cheapest zone sold out: the next zone is used', async () => {
    const quote = await stack.startProvision({
      product: 'ecs',
      region: 'cn-hangzhou',
      script: { content: 'echo z' },
      confirmTimeout: '5m',
    });
    const awaiting = await waitForStatus(quote, 'AWAITING_CONFIRMATION');
    const best = awaiting.options[awaiting.recommended!];
    assert.ok((best.zones?.length ?? 0) > 1, 'the recommended spec has stock in several zones');
    await stack.admin('/__emulator/faults', {
      method: 'POST',
      body: JSON.stringify({
        soldOut: [{ regionId: best.region, zoneId: best.zones![0], instanceType: best.spec }],
      }),
    });
    try {
      await quote.signal(confirmSignal, {});
      const result = await runResult(quote);
      assert.equal(result.status, 'SUCCEEDED', result.message);
      assert.equal(result.chosen?.spec, best.spec);
      assert.equal(result.chosen?.zone, best.zones![1]);
      assert.ok(result.events.some((e) => /NoStock|NotOnSale/.test(e.message)));
      assert.deepEqual(await stack.liveResources(quote.workflowId), []);
    } finally {
      await stack.admin('/__emulator/reset', { method: 'POST' });
    }
  });

  test('a RunInstances whose response is lost is not duplicated on retry and is released', async () => {
    await stack.admin('/__emulator/calls', { method: 'DELETE' });
    await stack.admin('/__emulator/faults', {
      method: 'POST',
      body: JSON.stringify({ dropResponse: [{ action: 'RunInstances', count: 1, mode: 'reset' }] }),
    });
    try {
      const handle = await stack.startProvision({
        product: 'ecs',
        script: { content: 'echo once' },
        skipConfirmation: true,
      });
      const result = await runResult(handle);
      assert.equal(result.status, 'SUCCEEDED', result.message);
      const { calls } = await stack.admin('/__emulator/calls');
      const runs = calls.filter((c: any) => c.action === 'RunInstances');
      assert.ok(runs.length >= 2, 'the lost call was retried');
      const { resources } = await stack.admin('/__emulator/resources?all=1');
      const instances = resources.filter(
        (r: any) => r.type === 'instance' && r.tags?.['acp:workflow-id'] === handle.workflowId,
      );
      assert.equal(instances.length, 1, 'exactly one instance was ever created');
      assert.deepEqual(await stack.liveResources(handle.workflowId), []);
    } finally {
      await stack.admin('/__emulator/reset', { method: 'POST' });
    }
  });

  test('a service stays up until teardown, then is released', async () => {
    const handle = await stack.startProvision({
      product: 'ecs',
      service: true,
      script: { content: 'echo service-started' },
      skipConfirmation: true,
    });
    await waitForStatus(handle, 'RUNNING');
    const running = await waitFor(async () => {
      const s: ProvisionResult = await handle.query(statusQuery);
      return s.execution?.exitCode === 0 ? s : undefined;
    });
    assert.equal(running.status, 'RUNNING');
    assert.ok((await stack.liveResources(handle.workflowId)).some((r) => r.type === 'instance'));
    await handle.signal(teardownSignal, { by: 'carol' });
    const result = await runResult(handle);
    assert.equal(result.status, 'SUCCEEDED');
    assert.deepEqual(await stack.liveResources(handle.workflowId), []);
  });

  test('a service with a budget is released by the budget guard', async () => {
    // A big spec (≈ CNY 4/h) makes the smallest budget (one fen) run out within seconds.
    const handle = await stack.startProvision({
      product: 'ecs',
      service: true,
      cpu: 16,
      memoryGiB: 64,
      script: { content: 'echo serving' },
      budget: { amount: 0.01, currency: 'CNY' },
      durationMinutes: 0.05,
      skipConfirmation: true,
    });
    const result = await runResult(handle);
    assert.equal(result.status, 'SUCCEEDED', result.message);
    assert.ok(result.events.some((e) => /budget guard/.test(e.message)));
    assert.ok((result.accruedCost ?? 0) >= 0.01, `accrued ${result.accruedCost}`);
    assert.deepEqual(await stack.liveResources(handle.workflowId), []);
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
