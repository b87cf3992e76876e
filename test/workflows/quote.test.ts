// The comparison (workflows/quote.ts, activities/market.ts) against the emulator through the real SDKs:
// a warm quote asks only for ECS stock, one call per region (PAI-DLC's pool stock is kept a minute and
// its age shown), and shows how old its cached prices are; a sold-out ECS type is never offered from a
// cache; the re-quote before a create asks the cloud and catches
// a price that rose; a burst of quotes stays inside Alibaba's flow control even when activities retry,
// and live calls at once are spaced by the client-side limiter where the cloud would throttle them.
import assert from 'node:assert/strict';
import { after, before, beforeEach, describe, test } from 'node:test';
import { Worker } from '@temporalio/worker';
import { cloudConfigFromEnv, createClients, staticCredential } from '../../activities/clients';
import { FlowControl } from '../../activities/flow-control';
import { createMarket, type MarketOptions, marketOptionsFromEnv } from '../../activities/market';
import type { ProvisionRequest } from '../../planner/types';
import { createAcpWorker } from '../../worker/worker';
import { confirmSignal, type ProvisionResult, rejectSignal, statusQuery } from '../../workflows/messages';
import { provision, quote } from '../../workflows/provision';
import { type Stack, startStack } from '../support/stack';
import { uniqueTaskQueue, workflowBundle } from '../support/temporal';
import { waitFor, waitForStatus } from '../support/waiting';

let stack: Stack;
let n = 0;
const MAINLAND = ['cn-hangzhou', 'cn-shanghai', 'cn-beijing', 'cn-shenzhen', 'cn-zhangjiakou'];

before(async () => {
  stack = await startStack('quote');
});
after(async () => {
  await stack?.stop();
});
beforeEach(async () => {
  await stack.admin('/__emulator/reset', { method: 'POST' });
});

const calls = async (): Promise<{ action: string; code: string; regionId?: string }[]> =>
  (await stack.admin('/__emulator/calls')).calls;
const clearCalls = () => stack.admin('/__emulator/calls', { method: 'DELETE' });
const faults = (table: Record<string, unknown>) =>
  stack.admin('/__emulator/faults', { method: 'POST', body: JSON.stringify(table) });

function quoteOn(taskQueue: string, request: ProvisionRequest): Promise<ProvisionResult> {
  n += 1;
  return stack.env.client.workflow.execute(quote, {
    taskQueue,
    workflowId: `acp-test-quote-${process.pid}-${n}`,
    args: [request],
  });
}

const ECS_2_4: ProvisionRequest = { product: 'ecs', cpu: 2, memoryGiB: 4, script: { content: 'echo q' } };

/** acp's SDK clients for the emulator, with their own flow control (none: no client-side limit). */
function emulatorClients(flowControl?: FlowControl) {
  return createClients({
    ...cloudConfigFromEnv(
      { ACP_ALIBABA_ENDPOINT: stack.emulator.endpoint },
      staticCredential(stack.emulator.accessKeyId, stack.emulator.accessKeySecret),
    ),
    timeoutMs: 10_000,
    ...(flowControl ? { flowControl } : {}),
  });
}

/** A worker of its own whose clients keep to `limits` and that caches no price: every quote asks. */
function cachelessWorker(limits: ConstructorParameters<typeof FlowControl>[0] = {}) {
  return ownWorker(limits, { priceTtlMs: 0, typesTtlMs: 3_600_000 });
}

/** A worker of its own with these clients' limits and cache lifetimes (the stack's keeps no DLC stock). */
async function ownWorker(
  limits: ConstructorParameters<typeof FlowControl>[0] = {},
  market: MarketOptions = marketOptionsFromEnv({}),
) {
  const flowControl = new FlowControl(limits);
  const clients = emulatorClients(flowControl);
  const taskQueue = uniqueTaskQueue('cacheless');
  const worker: Worker = await createAcpWorker({
    connection: stack.env.nativeConnection,
    taskQueue,
    clients,
    workflowBundle: await workflowBundle(),
    market,
  });
  const running = worker.run();
  return {
    taskQueue,
    flowControl,
    stop: async () => {
      worker.shutdown();
      await running;
    },
  };
}

/** The local activities a run ran, in the order its history recorded them. */
async function lookUpsIn(workflowId: string): Promise<string[]> {
  const { events } = await stack.env.client.workflow.getHandle(workflowId).fetchHistory();
  return (events ?? [])
    .map((e) => e.markerRecordedEventAttributes)
    .filter((m) => m?.markerName === 'core_local_activity')
    .map((m) => {
      const data = m?.details?.data?.payloads?.[0]?.data;
      return JSON.parse(Buffer.from(data ?? []).toString('utf8')).activity_type as string;
    });
}

const feasibleRegions = (r: ProvisionResult) =>
  [...new Set(r.options.filter((o) => o.feasible).map((o) => o.region))].sort();

describe('the comparison', () => {
  test('a warm quote asks only for stock, one call per region, and its prices keep their age', async () => {
    const first = await quoteOn(stack.taskQueue, ECS_2_4);
    await clearCalls();
    const second = await quoteOn(stack.taskQueue, ECS_2_4);
    const asked = await calls();
    assert.deepEqual(
      asked.map((c) => c.action),
      MAINLAND.map(() => 'DescribeAvailableResource'),
    );
    assert.deepEqual(asked.map((c) => c.regionId).sort(), [...MAINLAND].sort());
    const priced = second.options.filter((o) => o.feasible);
    assert.ok(priced.length >= MAINLAND.length);
    for (const o of priced) {
      const twin = first.options.find((f) => f.region === o.region && f.spec === o.spec && f.spot === o.spot);
      assert.equal(
        o.pricedAt,
        twin?.pricedAt,
        `${o.spec} in ${o.region}: the cached price says when it was asked`,
      );
      assert.ok(Date.parse(o.pricedAt!) <= Date.now());
    }
  });

  test("a warm GPU quote asks only for ECS stock, one call per region; PAI-DLC's pool stock says its age", async () => {
    // ECS, PAI-DLC and FC are compared; every price, type fact and DLC price comes from the worker's
    // caches, and so does DLC's pool stock (ListEcsSpecs) within its minute.
    const GPU: ProvisionRequest = {
      intent: 'fine-tune a model on 1x A10 for 2 hours',
      cpu: 8,
      memoryGiB: 30,
      script: { content: 'import torch\ntrainer.train()\n' },
    };
    // A worker with the shipped cache lifetimes (the stack's keeps no DLC stock between tests).
    const w = await ownWorker();
    try {
      const first = await quoteOn(w.taskQueue, GPU);
      await clearCalls();
      const second = await quoteOn(w.taskQueue, GPU);
      const asked = await calls();
      assert.deepEqual(
        asked.map((c) => `${c.action} ${c.regionId}`).sort(),
        MAINLAND.map((r) => `DescribeAvailableResource ${r}`).sort(),
      );
      const products = new Set(second.options.filter((o) => o.feasible).map((o) => o.product));
      assert.ok(products.has('ecs') && products.has('pai'), [...products].join(', '));
      assert.deepEqual(
        second.options.map((o) => `${o.product} ${o.region} ${o.spec} ${o.estimatedTotal}`),
        first.options.map((o) => `${o.product} ${o.region} ${o.spec} ${o.estimatedTotal}`),
      );
      const dlcRows = second.options.filter((o) => o.feasible && o.product === 'pai');
      assert.ok(dlcRows.length > 0);
      for (const o of dlcRows) {
        const twin = first.options.find(
          (f) => f.product === 'pai' && f.region === o.region && f.spec === o.spec,
        );
        assert.ok(o.stockSeenAt, `${o.spec} in ${o.region} says when its stock was stated`);
        assert.equal(
          o.stockSeenAt,
          twin?.stockSeenAt,
          "the second quote shows the first one's stock, with its time",
        );
      }
      assert.ok(
        second.options.filter((o) => o.product !== 'pai').every((o) => o.stockSeenAt === undefined),
        'ECS stock is asked on every quote: no age to show',
      );
    } finally {
      await w.stop();
    }
  });

  test('a warm CPU quote of every product asks one stock call per region', async () => {
    const CPU: ProvisionRequest = {
      cpu: 8,
      memoryGiB: 16,
      durationMinutes: 60,
      script: { content: 'echo q' },
    };
    await quoteOn(stack.taskQueue, CPU);
    await clearCalls();
    const second = await quoteOn(stack.taskQueue, CPU);
    const asked = await calls();
    assert.deepEqual(
      asked.map((c) => `${c.action} ${c.regionId}`).sort(),
      MAINLAND.map((r) => `DescribeAvailableResource ${r}`).sort(),
    );
    assert.ok(new Set(second.options.map((o) => o.product)).size > 1, 'more than one product compared');
  });

  test('every region is asked in one look-up: one local activity in the history, each region in the table', async () => {
    const id = `acp-test-quote-one-${process.pid}`;
    const r = await stack.env.client.workflow.execute(quote, {
      taskQueue: stack.taskQueue,
      workflowId: id,
      args: [ECS_2_4],
    });
    assert.deepEqual(await lookUpsIn(id), ['lookUpRegions']);
    assert.deepEqual(feasibleRegions(r), [...MAINLAND].sort());
    // The same run replays from its history (the patch that chose this path is recorded).
    await Worker.runReplayHistory(
      { workflowBundle: await workflowBundle() },
      await stack.env.client.workflow.getHandle(id).fetchHistory(),
      id,
    );
  });

  test('a region the one look-up could not answer is asked again alone and still quoted', async () => {
    await quoteOn(stack.taskQueue, ECS_2_4); // prices cached: only the stock calls below
    // The first stock call of the next quote answers 503 (which region depends on who asks first).
    await faults({
      inject: [{ action: 'DescribeAvailableResource', code: 'ServiceUnavailable', status: 503, count: 1 }],
    });
    await clearCalls();
    const id = `acp-test-quote-again-${process.pid}`;
    const r = await stack.env.client.workflow.execute(quote, {
      taskQueue: stack.taskQueue,
      workflowId: id,
      args: [ECS_2_4],
    });
    assert.deepEqual(await lookUpsIn(id), ['lookUpRegions', 'lookUpRegion']);
    assert.deepEqual(feasibleRegions(r), [...MAINLAND].sort());
    const stock = (await calls()).filter((c) => c.action === 'DescribeAvailableResource');
    assert.equal(stock.length, MAINLAND.length + 1, 'the failed region asked once more, no other');
  });

  test("an ACK quote asks for acp's shared clusters once for every region; warm, only the stock", async () => {
    const ACK: ProvisionRequest = { ...ECS_2_4, product: 'ack' };
    const w = await ownWorker();
    try {
      await clearCalls();
      await quoteOn(w.taskQueue, ACK);
      const cold = await calls();
      // One DescribeClustersV1 without region_id lists the account's clusters everywhere.
      assert.deepEqual(
        cold.filter((c) => c.action === 'DescribeClustersV1').map((c) => c.action),
        ['DescribeClustersV1'],
      );
      await clearCalls();
      await quoteOn(w.taskQueue, ACK);
      const warm = await calls();
      // ECS and ACK nodes share the region's stock call; the cluster list is a minute old at most.
      assert.deepEqual(
        warm.map((c) => `${c.action} ${c.regionId}`).sort(),
        MAINLAND.map((r) => `DescribeAvailableResource ${r}`).sort(),
      );
    } finally {
      await w.stop();
    }
  });

  test('a PAI-DLC spec that sold out is not offered once its minute of stock is over', async () => {
    const GPU: ProvisionRequest = {
      product: 'pai',
      cpu: 8,
      memoryGiB: 30,
      gpu: { model: 'A10', count: 1 },
      durationMinutes: 120,
      region: 'cn-hangzhou',
      script: { content: 'python train.py' },
    };
    // The cacheless worker keeps no price, and no DLC stock either (its lifetime is at most a price's).
    const w = await cachelessWorker();
    try {
      const first = await quoteOn(w.taskQueue, GPU);
      const best = first.options[first.recommended!];
      assert.equal(best.product, 'pai');
      await faults({ soldOut: [{ regionId: 'cn-hangzhou', instanceType: best.spec }] });
      const second = await quoteOn(w.taskQueue, GPU);
      assert.ok(second.options.every((o) => !o.feasible || o.spec !== best.spec));
    } finally {
      await w.stop();
    }
  });

  test("PAI-DLC's pool stock is served for a minute with the time the cloud stated it, then asked again", async () => {
    let now = Date.parse('2026-12-03T06:00:00Z');
    const market = createMarket(emulatorClients(), {
      priceTtlMs: 3_600_000,
      typesTtlMs: 3_600_000,
      dlcStockTtlMs: 60_000,
      now: () => now,
    });
    const shape = { cpu: 8, memoryGiB: 30, gpu: { model: 'A10' as const, count: 1 } };
    const specCalls = async () => (await calls()).filter((c) => c.action === 'ListEcsSpecs').length;
    await clearCalls();
    const first = await market.dlcRegionOffers('cn-hangzhou', shape, 'GPU');
    const best = first.offers[0]!;
    assert.equal(best.stockSeenAt, '2026-12-03T06:00:00.000Z');
    await faults({ soldOut: [{ regionId: 'cn-hangzhou', instanceType: best.instanceType }] });
    now += 59_000;
    const within = await market.dlcRegionOffers('cn-hangzhou', shape, 'GPU');
    assert.equal(await specCalls(), 1, 'one ListEcsSpecs within the minute');
    assert.equal(within.offers[0]?.instanceType, best.instanceType, 'as the cloud stated it a minute ago');
    assert.equal(within.offers[0]?.stockSeenAt, '2026-12-03T06:00:00.000Z');
    now += 1_000;
    const after = await market.dlcRegionOffers('cn-hangzhou', shape, 'GPU');
    assert.equal(await specCalls(), 2, 'asked again once the minute is over');
    assert.ok(
      after.offers.every((o) => o.instanceType !== best.instanceType),
      'the sold-out spec is gone',
    );
    assert.equal(after.offers[0]?.stockSeenAt, '2026-12-03T06:01:00.000Z');
  });

  test('every type that fits is priced: a bigger, cheaper type wins over the smallest', async () => {
    // A promotion on g7.xlarge (4 vCPU 16 GiB) in Beijing makes it cheaper than any 2 vCPU 4 GiB type.
    const prices = stack.emulator.world.catalogue;
    const list = prices.hourlyPrice.bind(prices);
    prices.hourlyPrice = (regionId, type) =>
      regionId === 'cn-beijing' && type === 'ecs.g7.xlarge' ? 0.05 : list(regionId, type);
    const w = await cachelessWorker();
    try {
      const live = await quoteOn(w.taskQueue, { ...ECS_2_4, region: 'cn-beijing' });
      const best = live.options[live.recommended!];
      assert.equal(best.spec, 'ecs.g7.xlarge');
      assert.equal(best.region, 'cn-beijing');
    } finally {
      prices.hourlyPrice = list;
      await w.stop();
    }
  });

  test("a comparison of dozens of rows keeps the run's memo small: the first five and how many more", async () => {
    n += 1;
    const workflowId = `acp-test-quote-${process.pid}-${n}`;
    const result = await stack.env.client.workflow.execute(quote, {
      taskQueue: stack.taskQueue,
      workflowId,
      args: [{ cpu: 2, memoryGiB: 4, script: { content: 'echo q' } }],
    });
    assert.ok(result.options.length > 10, `${result.options.length} options`);
    const { memo } = await stack.env.client.workflow.getHandle(workflowId).describe();
    const options = (memo as { options: string[] }).options;
    assert.equal(options.length, 6);
    assert.match(
      options[5]!,
      new RegExp(`… ${result.options.length - 5} more \\(acp status lists them all\\)`),
    );
    const first = result.options[0]!;
    assert.equal(
      options[0],
      `${first.product} ${first.region} ${first.zone ?? '-'} ${first.spec} CNY ${first.estimatedTotal}`,
    );
    // Temporal's dev server and cluster warn above 2 KB of memo (limit.memoSize.warn).
    assert.ok(JSON.stringify(memo).length < 2048, `memo of ${JSON.stringify(memo).length} bytes`);
  });

  test('a type that sold out since the last quote is not offered: stock is never cached', async () => {
    const first = await quoteOn(stack.taskQueue, { ...ECS_2_4, region: 'cn-hangzhou' });
    const best = first.options[first.recommended!];
    await faults({ soldOut: [{ regionId: 'cn-hangzhou', instanceType: best.spec }] });
    const second = await quoteOn(stack.taskQueue, { ...ECS_2_4, region: 'cn-hangzhou' });
    assert.ok(second.options.some((o) => o.feasible));
    assert.ok(second.options.every((o) => o.spec !== best.spec));
  });

  test('the re-quote before the create asks the cloud: a price that rose since the quote asks again', async () => {
    // The quote is served from the cache the earlier quotes filled; the price then doubles.
    await quoteOn(stack.taskQueue, { ...ECS_2_4, region: 'cn-hangzhou' });
    n += 1;
    const handle = await stack.env.client.workflow.start(provision, {
      taskQueue: stack.taskQueue,
      workflowId: `acp-test-quote-${process.pid}-${n}`,
      args: [{ ...ECS_2_4, region: 'cn-hangzhou' }],
    });
    const waiting = await waitForStatus(handle, 'AWAITING_CONFIRMATION');
    const chosen = waiting.options[waiting.recommended!];
    const prices = stack.emulator.world.catalogue;
    const list = prices.hourlyPrice.bind(prices);
    // The chosen type's price rises 20 % after the quote (the total, disk included, by more than 10 %).
    prices.hourlyPrice = (regionId, type) =>
      (list(regionId, type) ?? 0) * (regionId === chosen.region && type === chosen.spec ? 1.2 : 1);
    try {
      await clearCalls();
      await handle.signal(confirmSignal, { by: 'test' });
      const again = await waitFor(async () => {
        const s = await handle.query(statusQuery);
        return s.status === 'AWAITING_CONFIRMATION' && /price rose/.test(s.message) ? s : undefined;
      });
      assert.match(again.message, /price rose from CNY .* to CNY/);
      assert.ok(
        (await calls()).some((c) => c.action === 'DescribePrice' && c.code === 'OK'),
        'the re-quote asked DescribePrice, not the cache',
      );
      assert.ok(again.options[again.recommended!].unitPricePerHour > chosen.unitPricePerHour);
      await handle.signal(rejectSignal, { by: 'test' });
      await waitForStatus(handle, 'REJECTED');
      const { resources } = await stack.admin('/__emulator/resources');
      assert.deepEqual(
        resources.filter(
          (r: { tags?: Record<string, string> }) => r.tags?.['acp:workflow-id'] === handle.workflowId,
        ),
        [],
        'nothing was created',
      );
      // The live answer is kept: the next quote, served from the cache, shows the new price.
      await clearCalls();
      const next = await quoteOn(stack.taskQueue, { ...ECS_2_4, region: 'cn-hangzhou' });
      assert.ok(!(await calls()).some((c) => c.action === 'DescribePrice'));
      const same = next.options.find((o) => o.spec === chosen.spec && o.region === chosen.region);
      assert.ok(same, `${chosen.spec} is still among the cheapest`);
      assert.ok(same.unitPricePerHour > chosen.unitPricePerHour);
    } finally {
      prices.hourlyPrice = list;
    }
  });
});

describe("Alibaba's flow control, under a burst", () => {
  /** DescribePrice lowered to 20 per second in the emulator, so a burst would overflow it. */
  const LIMIT = { 'ecs:DescribePrice': { limit: 20, windowMs: 1000 } };
  const BIG: ProvisionRequest = {
    product: 'ecs',
    region: 'cn-hangzhou',
    cpu: 8,
    memoryGiB: 32,
    script: { content: 'echo burst' },
  };

  async function burst(taskQueue: string, count: number): Promise<ProvisionResult[]> {
    return Promise.all(Array.from({ length: count }, () => quoteOn(taskQueue, BIG)));
  }

  test('60 quotes at once, every price asked, 5xx forcing retries: no call is throttled, every quote complete', async () => {
    await faults({ flowControl: LIMIT, errorRate: 0.05, seed: 3 });
    const w = await cachelessWorker({ limits: LIMIT });
    try {
      await clearCalls();
      const results = await burst(w.taskQueue, 60);
      const asked = await calls();
      const prices = asked.filter((c) => c.action === 'DescribePrice');
      // More calls than one window allows (quotes at once share a call in flight, so how many more
      // depends on the machine's pace): unspaced, they would overflow it.
      assert.ok(prices.length > LIMIT['ecs:DescribePrice'].limit, `${prices.length} DescribePrice calls`);
      assert.ok(asked.some((c) => c.code === 'InternalError' || c.code === 'ServiceUnavailable'));
      assert.deepEqual(
        asked.filter((c) => /Throttling/.test(c.code)),
        [],
      );
      for (const r of results) {
        assert.equal(r.status, 'SUCCEEDED', r.message);
        assert.ok(r.options.some((o) => o.feasible));
        assert.ok(r.options.every((o) => !/Throttling/.test(o.reason ?? '')));
      }
    } finally {
      await w.stop();
    }
  });

  test('100 live DescribePrice calls at once: spaced by the limiter none is throttled, unspaced the cloud throttles', async () => {
    await faults({ flowControl: LIMIT });
    const ask = (flowControl: FlowControl) => {
      const market = createMarket(emulatorClients(flowControl), { priceTtlMs: 0, typesTtlMs: 0 });
      return Promise.allSettled(
        Array.from({ length: 100 }, () =>
          market.livePrice({ regionId: 'cn-hangzhou', instanceType: 'ecs.g7.large' }),
        ),
      );
    };
    await clearCalls();
    // The client keeps to half the cloud's window here: on a loaded machine, calls spaced when they
    // leave can bunch up on arrival, and the cloud counts arrivals (acp retries a throttle anyway).
    const spaced = await ask(
      new FlowControl({ limits: { 'ecs:DescribePrice': { limit: 10, windowMs: 1000 } } }),
    );
    assert.ok(spaced.every((r) => r.status === 'fulfilled'));
    assert.deepEqual(
      (await calls()).filter((c) => c.code !== 'OK'),
      [],
    );
    await clearCalls();
    const unspaced = await ask(new FlowControl({ limits: {} }));
    assert.ok(unspaced.some((r) => r.status === 'rejected' && /Throttling\.User/.test(String(r.reason))));
    assert.ok((await calls()).some((c) => c.code === 'Throttling.User'));
  });
});
