// Spot rows of the comparison (docs/spot.md), beside the pay-as-you-go ones: for the cheapest
// placements of each region, the spot price from Alibaba's API, the interruption risk where the API
// gives it, and the expected total once reclaims and their re-runs are counted. Services get none:
// a reclaimed service is an outage, and acp recovers only jobs that end.
import { expectedSpotCost, PROTECTED_MINUTES, reclaimsPerHour } from '../../planner/spot';
import type { Intent, QuoteOption } from '../../planner/types';
import { api, described } from '../activity-options';

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

/**
 * ECS spot rows: one DescribeSpotAdvice per region (release rate per zone), the zones ordered by risk
 * then discount, and DescribePrice with SpotStrategy in the best zone (SpotDuration 1 when the run
 * fits in the protected hour, else 0: the cheaper market, since acp recovers).
 */
export async function ecsSpotRows(intent: Intent, options: QuoteOption[]): Promise<QuoteOption[]> {
  const candidates = spotCandidates(intent, options);
  if (candidates.length === 0) return [];
  const regions = [...new Set(candidates.map((o) => o.region))];
  const advice = new Map(
    await Promise.all(
      regions.map(
        async (regionId) =>
          [
            regionId,
            await described(api.describeSpotAdvice, `DescribeSpotAdvice: spot release rates in ${regionId}`, {
              regionId,
              instanceTypes: [...new Set(candidates.filter((o) => o.region === regionId).map((o) => o.spec))],
            }).catch(() => []),
          ] as const,
      ),
    ),
  );
  const spotDuration: 0 | 1 = intent.durationMinutes <= PROTECTED_MINUTES ? 1 : 0;
  const rows = await Promise.all(
    candidates.map(async (o) => {
      const known = (advice.get(o.region) ?? []).filter((a) => a.instanceType === o.spec);
      const zones = (o.zones ?? (o.zone ? [o.zone] : []))
        .map((zoneId) => ({ zoneId, a: known.find((k) => k.zoneId === zoneId) }))
        // No advice for a zone: Alibaba does not sell the type as spot there.
        .filter((z) => z.a !== undefined)
        .sort(
          (x, y) =>
            reclaimsPerHour(x.a!.interruptRateDesc) - reclaimsPerHour(y.a!.interruptRateDesc) ||
            x.a!.averageSpotDiscount - y.a!.averageSpotDiscount,
        );
      const best = zones[0];
      if (!best) return undefined;
      const price = await described(
        api.describeInstancePrice,
        `DescribePrice (spot, SpotDuration ${spotDuration}): ${o.spec} in ${best.zoneId}`,
        { regionId: o.region, zoneId: best.zoneId, instanceType: o.spec, spot: true, spotDuration },
      ).catch(() => undefined);
      if (!price) return undefined;
      return spotRow(intent, o, {
        hourly: price.hourly,
        rate: best.a!.interruptRateDesc,
        source: 'DescribeSpotAdvice',
        reclaimsPerHour: reclaimsPerHour(best.a!.interruptRateDesc),
        zone: best.zoneId,
        zones: zones.map((z) => z.zoneId),
        spotDuration,
      });
    }),
  );
  return rows.filter((r): r is QuoteOption => r !== undefined);
}
