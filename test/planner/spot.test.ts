// planner/spot.ts: when a run asks for spot, what a spot row is expected to cost with its re-runs,
// and where a reclaimed run goes next (the next zone, then — after two reclaims in a region — the
// next region), within the retry limit and the budget, with a pay-as-you-go fallback when allowed.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  type AttemptRecord,
  describeAttempt,
  expectedSpotCost,
  nextRecovery,
  reclaimsPerHour,
  spotAsked,
} from '../../planner/spot';
import { IntentError, type QuoteOption } from '../../planner/types';

const spot = (region: string, zones: string[], total = 10): QuoteOption => ({
  product: 'ecs',
  region,
  zone: zones[0],
  zones,
  spec: 'ecs.c7.large',
  unitPricePerHour: 0.1,
  durationMinutes: 120,
  estimatedTotal: total,
  readyInSeconds: 120,
  resources: [],
  cleanup: '',
  feasible: true,
  spot: true,
});
const payg: QuoteOption = { ...spot('cn-hangzhou', ['cn-hangzhou-k']), spot: undefined, estimatedTotal: 40 };

const reclaimed = (n: number, regionId: string, zoneId: string, cost = 1): AttemptRecord => ({
  n,
  product: 'ecs',
  regionId,
  zoneId,
  spec: 'ecs.c7.large',
  spot: true,
  hourly: 0.1,
  startedAt: '2026-01-01T00:00:00Z',
  cost,
  ended: 'reclaimed',
});

describe('spot', () => {
  const hz = spot('cn-hangzhou', ['cn-hangzhou-k', 'cn-hangzhou-j', 'cn-hangzhou-i']);
  const sh = spot('cn-shanghai', ['cn-shanghai-l']);
  const options = [hz, sh, payg];
  const policy = { maxRecoveries: 3, fallback: false };

  it('asked for by flag or by "spot"/"竞价" in the text; a service is refused or warned', () => {
    assert.equal(spotAsked({ spot: true }, undefined, 'oneshot', []), true);
    assert.equal(spotAsked({}, 'train on spot capacity', 'training', []), true);
    assert.equal(spotAsked({}, '用竞价实例跑 a.sh', 'oneshot', []), true);
    assert.equal(spotAsked({}, 'run the spot-checker', 'oneshot', []), false);
    assert.throws(() => spotAsked({ spot: true }, undefined, 'service', []), IntentError);
    const warnings: string[] = [];
    assert.equal(spotAsked({}, 'deploy nginx on spot', 'service', warnings), false);
    assert.match(warnings[0], /pay-as-you-go/);
  });

  it('the expected total counts re-runs; a protected hour that covers the run has none', () => {
    assert.equal(reclaimsPerHour('0-3%'), 0.03);
    assert.equal(reclaimsPerHour('10-100%'), 0.3);
    const calm = expectedSpotCost({ hourly: 1, durationMinutes: 240, perHour: 0.03, restartMinutes: 2 });
    const rough = expectedSpotCost({ hourly: 1, durationMinutes: 240, perHour: 0.3, restartMinutes: 2 });
    assert.ok(calm.expectedTotal > 4 && calm.expectedTotal < 4.3, String(calm.expectedTotal));
    assert.ok(rough.expectedTotal > calm.expectedTotal);
    assert.ok(Math.abs(rough.expectedReclaims - Math.expm1(1.2)) < 1e-9);
    const protectedRun = expectedSpotCost({
      hourly: 1,
      durationMinutes: 50,
      perHour: 0.3,
      restartMinutes: 2,
      protectedHour: true,
    });
    assert.equal(protectedRun.expectedReclaims, 0);
  });

  it('first reclaim: the next zone of the region; second: the next region', () => {
    const one = nextRecovery(hz, options, [reclaimed(1, 'cn-hangzhou', 'cn-hangzhou-k')], policy);
    assert.equal(one.kind, 'retry');
    assert.equal(one.kind === 'retry' && one.placement.zoneId, 'cn-hangzhou-j');
    const two = nextRecovery(
      hz,
      options,
      [reclaimed(1, 'cn-hangzhou', 'cn-hangzhou-k'), reclaimed(2, 'cn-hangzhou', 'cn-hangzhou-j')],
      policy,
    );
    assert.equal(two.kind === 'retry' && two.placement.regionId, 'cn-shanghai');
    assert.match(two.kind === 'retry' ? two.note : '', /moving to the next region/);
    // Recovery stays on spot: the pay-as-you-go option is never a retry target.
    assert.ok(two.kind === 'retry' && two.placement.option.spot);
  });

  it('beyond the limit, over the budget or out of capacity: a clear end, or the allowed fallback', () => {
    const attempts = [
      reclaimed(1, 'cn-hangzhou', 'cn-hangzhou-k'),
      reclaimed(2, 'cn-hangzhou', 'cn-hangzhou-j'),
    ];
    const limit = nextRecovery(hz, options, attempts, { maxRecoveries: 1, fallback: false });
    assert.deepEqual(limit.kind === 'give-up' && limit.code, 'SpotRecoveryLimit');
    assert.match(limit.kind === 'give-up' ? limit.message : '', /reclaimed 2 times; the limit is 1 re-run/);
    const budget = nextRecovery(hz, options, [reclaimed(1, 'cn-hangzhou', 'cn-hangzhou-k', 15)], {
      ...policy,
      budgetCny: 20,
    });
    assert.equal(budget.kind === 'give-up' && budget.code, 'SpotBudgetExhausted');
    const fallback = nextRecovery(hz, options, attempts, {
      maxRecoveries: 1,
      fallback: true,
      budgetCny: 100,
    });
    assert.equal(fallback.kind, 'fallback');
    assert.equal(fallback.kind === 'fallback' && fallback.option.spot, undefined);
    const dlc = { ...spot('cn-hangzhou', []), product: 'pai' as const, zone: undefined, zones: undefined };
    const gone = nextRecovery(
      dlc,
      [dlc],
      [{ ...reclaimed(1, 'cn-hangzhou', ''), zoneId: undefined, product: 'pai' }],
      policy,
    );
    assert.equal(gone.kind === 'give-up' && gone.code, 'SpotCapacityExhausted');
  });

  it('one line per attempt for the receipt', () => {
    assert.equal(
      describeAttempt({
        ...reclaimed(1, 'cn-hangzhou', 'cn-hangzhou-k', 0.1234),
        reason: 'OperationLocks Recycling',
      }),
      '#1 spot ecs.c7.large in cn-hangzhou-k · CNY 0.12 · reclaimed: OperationLocks Recycling',
    );
  });
});
