import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  ACK_CLUSTER_FEE,
  accruedCost,
  chooseOption,
  estimateTotal,
  FC_UNIT_PRICES,
  fcEstimate,
  fcUnitPricePerHour,
  makeBudget,
  minutesWithinBudget,
  PUBLIC_TRAFFIC_PRICE,
  publicNetworkCost,
  publicTrafficCharge,
  type QuoteOption,
  requoteNeedsConfirmation,
  roundFen,
  sortOptions,
  toCny,
} from '../../planner';

/** An option whose unit price and total agree, as quotes make them (a total alone sets the price). */
const option = (over: Partial<QuoteOption>): QuoteOption => {
  const durationMinutes = over.durationMinutes ?? 120;
  const unitPricePerHour =
    over.unitPricePerHour ??
    (over.estimatedTotal !== undefined ? (over.estimatedTotal * 60) / durationMinutes : 10);
  return {
    product: 'ecs',
    region: 'ap-southeast-1',
    spec: 'ecs.gn7i-c8g1.2xlarge',
    readyInSeconds: 120,
    resources: [],
    cleanup: 'release',
    feasible: true,
    ...over,
    unitPricePerHour,
    durationMinutes,
    estimatedTotal: over.estimatedTotal ?? estimateTotal(unitPricePerHour, durationMinutes),
  };
};

describe('money arithmetic', () => {
  const totals: [number, number, number][] = [
    [11.2, 120, 22.4],
    [11.86, 120, 23.72],
    [0.4077, 5, 0.03],
    [9.5326, 90, 14.3],
    [1.005, 60, 1.01],
  ];
  for (const [unit, minutes, total] of totals) {
    it(`CNY ${unit}/h × ${minutes} min = CNY ${total}`, () =>
      assert.equal(estimateTotal(unit, minutes), total));
  }
  it('budget conversion: $50 at 7.2 = CNY 360; ¥300 stays 300', () => {
    assert.deepEqual(makeBudget(50, 'USD'), { amount: 50, currency: 'USD', cny: 360 });
    assert.deepEqual(makeBudget(300, 'CNY'), { amount: 300, currency: 'CNY', cny: 300 });
    assert.equal(toCny(10, 'USD', 7.1), 71);
  });
  it('accrued cost: CNY 11.2/h for 41 min 12 s', () =>
    assert.equal(accruedCost(11.2, (41 * 60 + 12) * 1000), 7.69));
  it('the budget buys whole minutes', () => assert.equal(minutesWithinBudget(11.2, 30), 160));
  it('rounds half away from zero', () => assert.equal(roundFen(0.125), 0.13));
});

describe('published prices', () => {
  it('FC unit prices carry source and date', () => {
    assert.match(FC_UNIT_PRICES.source, /fc\.md/);
    assert.match(FC_UNIT_PRICES.date, /^\d{4}-\d{2}-\d{2}$/);
    assert.ok(ACK_CLUSTER_FEE.source.includes('ack-pro-cluster-billing'));
  });
  it('FC 0.35 vCPU 512 MB for 10 s matches the skill worked example (CNY 0.00013)', () => {
    const perHour = fcUnitPricePerHour({ cpu: 0.35, memoryMiB: 512 });
    assert.ok(Math.abs((perHour / 3600) * 10 - 0.00013) < 0.00001);
  });
  it('FC A10 function: GPU dominates; one invocation adds the request fee', () => {
    const fit = {
      cpu: 8,
      memoryMiB: 30720,
      gpu: { gpuType: 'fc.gpu.ampere.1' as const, gpuMemoryMiB: 24576 },
    };
    const perHour = fcUnitPricePerHour(fit);
    assert.ok(perHour > 10 && perHour < 11, String(perHour));
    assert.equal(fcEstimate(fit, 120), roundFen(perHour * 2));
  });
});

describe('chooseOption', () => {
  it('cheapest feasible is chosen, not the first listed', () => {
    const options = [
      option({ product: 'ecs', estimatedTotal: 23.72 }),
      option({ product: 'fc', estimatedTotal: 27.42 }),
      option({ product: 'pai', estimatedTotal: 22.4 }),
    ];
    const sorted = sortOptions(options);
    const c = chooseOption(options, makeBudget(300, 'CNY'));
    assert.equal(sorted[c.recommended!].product, 'pai');
    assert.equal(c.withinBudget, true);
    assert.equal(c.outcome, 'recommended');
  });
  it('a cheaper but infeasible option is skipped', () => {
    const options = [
      option({ product: 'ack', estimatedTotal: 5, feasible: false, reason: 'cluster fee' }),
      option({ product: 'ecs', estimatedTotal: 20 }),
    ];
    const c = chooseOption(options);
    assert.equal(sortOptions(options)[c.recommended!].product, 'ecs');
  });
  it('over budget: nothing recommended, the reason names the cheapest and the budget', () => {
    const c = chooseOption(
      [option({ estimatedTotal: 400 }), option({ product: 'pai', estimatedTotal: 380 })],
      makeBudget(50, 'USD'),
    );
    assert.equal(c.recommended, undefined);
    assert.equal(c.withinBudget, false);
    assert.equal(c.outcome, 'over-budget');
    assert.match(c.reason, /pai.*CNY 380\.00, over the budget of CNY 360\.00/);
  });
  it('over budget with a cheaper smaller option: offered as an alternative, not chosen', () => {
    const options = [
      option({ estimatedTotal: 400 }),
      option({ spec: 'ecs.gn6i-c4g1.xlarge', estimatedTotal: 200, alternative: true }),
    ];
    const c = chooseOption(options, 360);
    const sorted = sortOptions(options);
    assert.equal(c.recommended, undefined);
    assert.deepEqual(
      c.alternatives!.map((i) => sorted[i].estimatedTotal),
      [200],
    );
    assert.match(c.reason, /cheaper alternatives within budget: #1 /);
  });
  it('a budget only spot fits: the spot option is recommended and the reason says so', () => {
    const options = [option({ estimatedTotal: 400 }), option({ estimatedTotal: 150, spot: true })];
    const c = chooseOption(options, 360);
    const sorted = sortOptions(options);
    assert.equal(sorted[c.recommended!].spot, true);
    assert.match(c.reason, /only spot fits the budget of CNY 360\.00.*pay-as-you-go would cost CNY 400\.00/);
  });
  it('spot asked for: the cheapest spot option wins over a cheaper-looking regular one', () => {
    const options = [option({ estimatedTotal: 20 }), option({ estimatedTotal: 30, spot: true })];
    const c = chooseOption(options, 100, [], { spot: true });
    assert.equal(sortOptions(options, [], { spot: true })[c.recommended!].spot, true);
    assert.match(c.reason, /spot was asked for/);
  });
  it('spot not asked for: its cheaper rows follow the pay-as-you-go ones, so row 1 is the pick', () => {
    const options = [
      option({ estimatedTotal: 20 }),
      option({ estimatedTotal: 10, spot: true }),
      option({ estimatedTotal: 25 }),
    ];
    assert.deepEqual(
      sortOptions(options).map((o) => [o.estimatedTotal, !!o.spot]),
      [
        [20, false],
        [25, false],
        [10, true],
      ],
    );
    assert.equal(chooseOption(options).recommended, 0);
    assert.deepEqual(
      sortOptions(options, [], { spot: true }).map((o) => o.estimatedTotal),
      [10, 20, 25],
    );
    assert.equal(chooseOption(options, undefined, [], { spot: true }).recommended, 0);
  });
  it('within budget, a regular option beats a cheaper spot one', () => {
    const options = [option({ estimatedTotal: 20 }), option({ estimatedTotal: 10, spot: true })];
    const c = chooseOption(options, 100);
    assert.equal(sortOptions(options)[c.recommended!].spot, undefined);
  });
  it('nothing feasible', () => {
    const c = chooseOption([option({ feasible: false, reason: 'NoStock everywhere' })]);
    assert.equal(c.outcome, 'none-feasible');
    assert.match(c.reason, /NoStock everywhere/);
  });
  it('order and choice use the exact total, not the one rounded to the fen', () => {
    // 30 minutes: 1.57 CNY/h → 0.785 (shown 0.79), 1.5698 CNY/h → 0.7849 (shown 0.78).
    const dearer = option({ product: 'fc', unitPricePerHour: 1.57, durationMinutes: 30 });
    const cheaper = option({ product: 'ecs', unitPricePerHour: 1.5698, durationMinutes: 30 });
    assert.equal(dearer.estimatedTotal, 0.79);
    assert.equal(cheaper.estimatedTotal, 0.78);
    const sorted = sortOptions([dearer, cheaper]);
    assert.deepEqual(
      sorted.map((o) => o.product),
      ['ecs', 'fc'],
    );
    assert.equal(sorted[chooseOption([dearer, cheaper]).recommended!].product, 'ecs');
    // Equal once rounded (both 0.24), different exactly: the cheaper one first whatever its name.
    const a = option({ region: 'cn-beijing', unitPricePerHour: 0.4701, durationMinutes: 30 });
    const b = option({ region: 'cn-zhangjiakou', unitPricePerHour: 0.47, durationMinutes: 30 });
    assert.equal(a.estimatedTotal, b.estimatedTotal);
    assert.equal(sortOptions([a, b])[0].region, 'cn-zhangjiakou');
  });
  it("at the same exact price, the region rule's order decides, not the alphabet", () => {
    const regions = ['cn-hangzhou', 'cn-shanghai', 'cn-beijing'];
    const at = (region: string) => option({ region, unitPricePerHour: 0.47, durationMinutes: 30 });
    const options = [at('cn-beijing'), at('cn-shanghai'), at('cn-hangzhou')];
    assert.deepEqual(
      sortOptions(options, regions).map((o) => o.region),
      regions,
    );
    assert.equal(
      sortOptions(options, regions)[chooseOption(options, undefined, regions).recommended!].region,
      'cn-hangzhou',
    );
  });
  it('sorting is deterministic on ties', () => {
    const a = option({ product: 'fc', estimatedTotal: 20 });
    const b = option({ product: 'ecs', estimatedTotal: 20 });
    assert.deepEqual(sortOptions([a, b]), sortOptions([b, a]));
  });
});

describe('requoteNeedsConfirmation: a rise above 10 % asks again', () => {
  const table: [number, number, boolean][] = [
    [22.4, 22.4, false],
    [22.4, 20, false],
    [100, 110, false],
    [100, 110.01, true],
    [22.4, 24.7, true],
    [10, 11, false],
    [0, 0.01, true],
  ];
  for (const [before, after, ask] of table) {
    it(`${before} → ${after}: ${ask ? 'ask' : 'proceed'}`, () =>
      assert.equal(requoteNeedsConfirmation(before, after), ask));
  }
});

// The public IP line (docs/network.md): pay-by-traffic has no hourly fee; the cap bounds an hour's
// traffic; the receipt charges the metered bytes at the per-GB price, to the fen.
describe('public network', () => {
  it('a service is capped at 10 Mbit/s: at most 4.19 GB, CNY 3.35 an hour', () => {
    const n = publicNetworkCost({ reason: 'service', fetches: [] });
    assert.equal(n.chargeType, 'PayByTraffic');
    assert.equal(n.maxBandwidthOutMbps, 10);
    assert.equal(n.cnyPerGbOut, PUBLIC_TRAFFIC_PRICE.cnyPerGbOut);
    assert.equal(n.maxCnyPerHour, 3.35);
    assert.match(n.source, /pay-by-traffic CNY 0\.80\/GB/);
    assert.equal(n.date, '2021-02-02');
  });
  it('a downloading job gets 100 Mbit/s: its downloads are inbound and free', () => {
    const n = publicNetworkCost({ reason: 'egress', fetches: ['pip install'] });
    assert.equal(n.maxBandwidthOutMbps, 100);
    assert.deepEqual(n.fetches, ['pip install']);
  });
  it('the receipt charges metered bytes per GB (2^30 bytes)', () => {
    const n = publicNetworkCost({ reason: 'service', fetches: [] });
    const charge = publicTrafficCharge(5 * 1024 ** 3, n);
    assert.deepEqual(
      { quantity: charge.quantity, unit: charge.unit, unitPrice: charge.unitPrice, cost: charge.cost },
      { quantity: 5, unit: 'GB', unitPrice: 0.8, cost: 4 },
    );
    const small = publicTrafficCharge(300, n);
    assert.ok(small.quantity > 0);
    assert.equal(small.cost, 0);
  });
});
