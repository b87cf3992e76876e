// The order in which a confirmed option is tried when the cloud answers "sold out" (step 9
// in docs/architecture.md): the chosen spec in the other zones of its region, then the same spec in other regions
// of the same class, then the other quoted specs of the same product, cheapest first. A sold-out
// (region, zone, spec) is never tried twice in one run. Failover never leaves the chosen product.
import { regionClass } from './region';
import type { QuoteOption } from './types';

export interface Placement {
  regionId: string;
  zoneId?: string;
  spec: string;
  option: QuoteOption;
}

export function placementKey(p: { regionId: string; zoneId?: string; spec: string }): string {
  return `${p.regionId}/${p.zoneId ?? '-'}/${p.spec}`;
}

function placementsOf(option: QuoteOption): Placement[] {
  const zones =
    option.zones && option.zones.length > 0 ? option.zones : option.zone ? [option.zone] : [undefined];
  return zones.map((zoneId) => ({ regionId: option.region, zoneId, spec: option.spec, option }));
}

export function failoverOrder(
  chosen: QuoteOption,
  options: QuoteOption[],
  soldOut: ReadonlySet<string>,
): Placement[] {
  const sameProduct = options
    .filter((o) => o.product === chosen.product && o.feasible && o !== chosen)
    .sort((a, b) => a.estimatedTotal - b.estimatedTotal);
  const cls = regionClass(chosen.region);
  const sameSpecOtherRegions = sameProduct.filter(
    (o) => o.spec === chosen.spec && o.region !== chosen.region && regionClass(o.region) === cls,
  );
  const rest = sameProduct.filter((o) => !sameSpecOtherRegions.includes(o) && regionClass(o.region) === cls);
  const ordered = [chosen, ...sameSpecOtherRegions, ...rest].flatMap(placementsOf);
  const seen = new Set<string>();
  return ordered.filter((p) => {
    const key = placementKey(p);
    if (soldOut.has(key) || seen.has(key)) return false;
    seen.add(key);
    return true;
  });
}
