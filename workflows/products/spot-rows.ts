// Spot rows of the comparison (docs/spot.md), beside the pay-as-you-go ones: for the cheapest
// placements of each region, the spot price from Alibaba's API (found by the region look-up,
// activities/market.ts), the interruption risk where the API gives it, and the expected total once
// reclaims and their re-runs are counted. Services get none:
// a reclaimed service is an outage, and acp recovers only jobs that end.
import { expectedSpotCost } from '../../planner/spot';
import type { Intent, QuoteOption } from '../../planner/types';

/** Spot rows per region: the cheapest pay-as-you-go placements of each region get one. */
export const SPOT_ROWS_PER_REGION = 2;

/** The cheapest regular options of each region, the ones that get a spot row. */
export function spotCandidates(intent: Intent, options: QuoteOption[]): QuoteOption[] {
  if (intent.kind === 'service') return [];
  const byRegion = new Map<string, QuoteOption[]>();
  for (const o of options.filter((x) => x.feasible && !x.spot && !x.alternative)) {
    byRegion.set(o.region, [...(byRegion.get(o.region) ?? []), o]);
  }
  return [...byRegion.values()].flatMap((rows) =>
    [...rows].sort((a, b) => a.estimatedTotal - b.estimatedTotal).slice(0, SPOT_ROWS_PER_REGION),
  );
}

/** A spot row from its regular twin: its price, the risk, the expected total with recovery overhead. */
export function spotRow(
  intent: Intent,
  o: QuoteOption,
  spot: {
    hourly: number;
    /** The risk as the API states it ("0-3%", "WithStock"), and which API said it. */
    rate: string;
    source: string;
    reclaimsPerHour: number;
    zone?: string;
    zones?: string[];
    spotDuration?: 0 | 1;
    spotDiscount?: number;
  },
): QuoteOption {
  const estimate = expectedSpotCost({
    hourly: spot.hourly,
    durationMinutes: intent.durationMinutes,
    perHour: spot.reclaimsPerHour,
    restartMinutes: o.readyInSeconds / 60,
    protectedHour: spot.spotDuration === 1,
  });
  const runTotal = Math.round(spot.hourly * (intent.durationMinutes / 60) * 100) / 100;
  const risk =
    spot.spotDuration === 1
      ? 'protected 1 h'
      : `reclaims ${spot.rate}${spot.source === 'DescribeSpotAdvice' ? '/30 d' : ''}`;
  return {
    ...o,
    ...(spot.zone ? { zone: spot.zone } : {}),
    ...(spot.zones ? { zones: spot.zones } : {}),
    spot: true,
    ...(spot.spotDuration !== undefined ? { spotDuration: spot.spotDuration } : {}),
    ...(spot.spotDiscount !== undefined ? { spotDiscount: spot.spotDiscount } : {}),
    specNote: `${o.specNote ?? ''} · spot, ${risk}`.replace(/^ · /, ''),
    unitPricePerHour: spot.hourly,
    estimatedTotal: estimate.expectedTotal,
    spotRisk: {
      rate: spot.spotDuration === 1 ? 'protected 1 h' : spot.rate,
      source: spot.source,
      expectedReclaims: Math.round(estimate.expectedReclaims * 100) / 100,
      runTotal,
    },
    resources: o.resources.map((r) => (r.startsWith('instance ') ? `spot ${r}` : r)),
  };
}
