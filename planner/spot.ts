// Spot capacity (docs/spot.md): when a run asks for it, what a spot row is expected to cost once
// reclaims and their re-runs are counted, and where a reclaimed one-shot runs next. Pure decisions:
// the quote and the recovery loop in workflows/ call these, the bench drives them over simulated time.
import { failoverOrder, type Placement, placementKey } from './failover';
import { IntentError, type ProvisionRequest, type QuoteOption, type TaskKind } from './types';

/** Re-runs after reclaims, unless the request says otherwise (SkyPilot's default is unbounded). */
export const DEFAULT_SPOT_RECOVERIES = 3;
/** Reclaims a region may take before recovery leaves it for the next region (EAGER_NEXT_REGION). */
export const RECLAIMS_PER_REGION = 2;
/** SpotDuration 1 protects the first hour: runs expected to end within it ask for it. */
export const PROTECTED_MINUTES = 60;

/** "spot", "竞价", "抢占式" in the text ask for spot capacity; so does `spot: true`. */
const SPOT_WORDS = /(?<![\w-])spot(?![\w-])|竞价|抢占式/i;

/**
 * Whether the run asks for spot capacity. A long-running service cannot recover from a reclaim by
 * re-running, so `spot: true` on one is refused; the word alone in a service's text only warns.
 */
export function spotAsked(
  request: Pick<ProvisionRequest, 'spot'>,
  text: string | undefined,
  kind: TaskKind,
  warnings: string[],
): boolean {
  const explicit = request.spot === true;
  const inText = !!text && SPOT_WORDS.test(text);
  if (kind === 'service') {
    if (explicit)
      throw new IntentError(
        'spot',
        'a long-running service runs pay-as-you-go: a reclaimed spot instance would be an outage, and acp recovers only jobs that end; drop --spot',
      );
    if (inText)
      warnings.push(
        'services run pay-as-you-go; the word "spot" in the request was not taken as a request for spot capacity',
      );
    return false;
  }
  return explicit || inText;
}

/**
 * Reclaims per hour of running for DescribeSpotAdvice's release-rate class of the last 30 days. The
 * API gives a share of instances released, not a rate per hour; acp reads the class's upper bound as
 * the chance of a reclaim in each hour of running — a pessimistic reading, so the expected total errs
 * high (docs/spot.md).
 */
export function reclaimsPerHour(interruptRateDesc: string | undefined): number {
  const upper = /-(\d+(?:\.\d+)?)%/.exec(interruptRateDesc ?? '')?.[1];
  if (upper === undefined) return 0.1; // unknown: assume the worst published class short of 100 %
  return Math.min(0.3, Number(upper) / 100);
}

export interface SpotEstimate {
  /** Expected hours billed: the run, the work lost to reclaims, and each re-run's start-up. */
  expectedHours: number;
  expectedReclaims: number;
  expectedTotal: number;
}

/**
 * The expected cost of a spot run that restarts from the beginning after each reclaim. Reclaims
 * arrive at `perHour` while the script runs (none during a protected hour that covers the run); each
 * costs a new start (`restartMinutes`). With T hours of work and hazard λ, the expected number of
 * reclaims is e^{λT} − 1 and the expected running time (e^{λT} − 1)/λ.
 */
export function expectedSpotCost(input: {
  hourly: number;
  durationMinutes: number;
  perHour: number;
  restartMinutes: number;
  protectedHour?: boolean;
}): SpotEstimate {
  const hours = input.durationMinutes / 60;
  const λ = input.protectedHour && input.durationMinutes <= PROTECTED_MINUTES ? 0 : input.perHour;
  if (λ <= 0) {
    return { expectedHours: hours, expectedReclaims: 0, expectedTotal: round2(input.hourly * hours) };
  }
  const reclaims = Math.expm1(λ * hours);
  const running = reclaims / λ;
  const expectedHours = running + reclaims * (input.restartMinutes / 60);
  return {
    expectedHours,
    expectedReclaims: reclaims,
    expectedTotal: round2(input.hourly * expectedHours),
  };
}

const round2 = (n: number) => Math.round(n * 100) / 100;

/** How one attempt of a run ended. */
export type AttemptEnd = 'finished' | 'reclaimed' | 'failed' | 'stopped';

export interface AttemptRecord {
  /** 1-based. */
  n: number;
  product: string;
  regionId: string;
  zoneId?: string;
  spec: string;
  spot: boolean;
  /** CNY per hour it was billed at. */
  hourly: number;
  startedAt: string;
  endedAt?: string;
  /** CNY, unit price × time from its create to its end (or to now while it runs). */
  cost: number;
  ended?: AttemptEnd;
  /** Why it ended, in words: "reclaimed: OperationLocks Recycling (termination 10:05:00Z)". */
  reason?: string;
}

export interface RecoveryPolicy {
  maxRecoveries: number;
  budgetCny?: number;
  /** The person allowed a pay-as-you-go run when spot cannot finish the job. */
  fallback: boolean;
}

export type RecoveryStep =
  | { kind: 'retry'; placement: Placement; note: string }
  | { kind: 'fallback'; option: QuoteOption; note: string }
  | {
      kind: 'give-up';
      code: 'SpotRecoveryLimit' | 'SpotBudgetExhausted' | 'SpotCapacityExhausted';
      message: string;
    };

/** The placement key of an attempt, to skip reclaimed capacity. */
export function attemptKey(a: Pick<AttemptRecord, 'regionId' | 'zoneId' | 'spec'>): string {
  return placementKey({ regionId: a.regionId, zoneId: a.zoneId, spec: a.spec });
}

const money = (n: number) => `CNY ${n.toFixed(2)}`;

/**
 * What to do after a reclaim (SkyPilot's EAGER_NEXT_REGION, adapted): never the reclaimed
 * (zone, spec) again; the next zone of the failover order while the region has had fewer than
 * RECLAIMS_PER_REGION reclaims, else the next region; at most `maxRecoveries` re-runs, and only
 * while what was spent plus the next attempt's estimate stays within the budget. When spot cannot go
 * on and the person allowed it, the cheapest pay-as-you-go option of the product that fits what is
 * left of the budget.
 */
export function nextRecovery(
  chosen: QuoteOption,
  options: QuoteOption[],
  attempts: AttemptRecord[],
  policy: RecoveryPolicy,
  soldOut: ReadonlySet<string> = new Set(),
): RecoveryStep {
  const reclaimed = attempts.filter((a) => a.ended === 'reclaimed');
  const spent = attempts.reduce((s, a) => s + a.cost, 0);
  const left = policy.budgetCny === undefined ? Infinity : policy.budgetCny - spent;
  type GiveUp = Extract<RecoveryStep, { kind: 'give-up' }>['code'];
  const fallback = (why: string, code: GiveUp): RecoveryStep => {
    const payg = options
      .filter((o) => o.product === chosen.product && o.feasible && !o.spot && !o.alternative)
      .filter((o) => o.estimatedTotal <= left)
      .sort((a, b) => a.estimatedTotal - b.estimatedTotal)[0];
    if (policy.fallback && payg)
      return {
        kind: 'fallback',
        option: payg,
        note: `${why}; falling back to pay-as-you-go (${payg.spec} in ${payg.zone ?? payg.region}) as allowed at confirmation`,
      };
    return {
      kind: 'give-up',
      code,
      message: `${why}${policy.fallback ? '; no pay-as-you-go option fits what is left of the budget' : ''}`,
    };
  };
  if (reclaimed.length > policy.maxRecoveries) {
    return fallback(
      `reclaimed ${reclaimed.length} times; the limit is ${policy.maxRecoveries} re-run${policy.maxRecoveries === 1 ? '' : 's'}`,
      'SpotRecoveryLimit',
    );
  }
  const perRegion = new Map<string, number>();
  for (const a of reclaimed) perRegion.set(a.regionId, (perRegion.get(a.regionId) ?? 0) + 1);
  // A product without zones (PAI-DLC) has one market per region: one reclaim is enough to move on.
  const zoned = chosen.zone !== undefined;
  const leaveRegion = (r: string) => (perRegion.get(r) ?? 0) >= (zoned ? RECLAIMS_PER_REGION : 1);
  const skip = new Set([...soldOut, ...reclaimed.map(attemptKey)]);
  const sameKind = options.filter((o) => !!o.spot === !!chosen.spot);
  const next = failoverOrder(chosen, sameKind, skip).find((p) => !leaveRegion(p.regionId));
  if (!next)
    return fallback(
      'no more spot capacity to recover on in the quoted zones and regions',
      'SpotCapacityExhausted',
    );
  const estimate = next.option.estimatedTotal;
  if (estimate > left) {
    return fallback(
      `budget: spent ${money(spent)} of ${money(policy.budgetCny ?? 0)}; another attempt is expected to cost ${money(estimate)}`,
      'SpotBudgetExhausted',
    );
  }
  const last = reclaimed[reclaimed.length - 1];
  const where = next.zoneId ?? next.regionId;
  const note =
    last && next.regionId !== last.regionId
      ? `re-running in ${where}: ${last.regionId} reclaimed ${perRegion.get(last.regionId)} time${perRegion.get(last.regionId) === 1 ? '' : 's'}, moving to the next region`
      : `re-running in ${where}, the next zone of the failover order`;
  return { kind: 'retry', placement: next, note };
}

/** One line per attempt, the same in the CLI receipt, Slack and the Web UI. */
export function describeAttempt(a: AttemptRecord): string {
  const how = a.ended ? `${a.ended}${a.reason && a.ended !== 'finished' ? `: ${a.reason}` : ''}` : 'running';
  return `#${a.n} ${a.spot ? 'spot' : 'pay-as-you-go'} ${a.spec} in ${a.zoneId ?? a.regionId} · CNY ${a.cost.toFixed(2)} · ${how}`;
}
