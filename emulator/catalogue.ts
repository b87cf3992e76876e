// The catalogue every product module reads: regions, zones, instance types, stock and prices.
// `defaultCatalogue()` is deterministic (the price table of catalogue-data.ts); `randomCatalogue(seed)`
// shuffles prices by ±30 % and stock per zone, so benchmarks can compare choices over many clouds.

import { defaultStock, INSTANCE_TYPES, REGION_IDS, REGIONS, type TypeRow } from './catalogue-data';
import { hashSeed, seededRng } from './rng';
import type { Catalogue, InstanceTypeFacts, RegionFacts } from './types';

export { PRICE_DATE, PRICE_SOURCE } from './catalogue-data';

/** Per-region id letters (i-bp1…), so ids look like the region they live in. */
export function regionIdCode(regionId: string): string {
  return REGIONS.find((r) => r.regionId === regionId)?.idCode ?? 'bp';
}

function familyOf(id: string): string {
  // ecs.gn7i-c8g1.2xlarge → ecs.gn7i; ecs.g7.large → ecs.g7
  const [prefix, rest] = [id.slice(0, 4), id.slice(4)];
  return prefix + rest.split('.')[0]!.split('-')[0]!;
}

function typeFacts(row: TypeRow): InstanceTypeFacts {
  return {
    instanceTypeId: row.id,
    family: familyOf(row.id),
    cpu: row.cpu,
    memoryGiB: row.memoryGiB,
    gpuAmount: row.gpuAmount ?? 0,
    gpuSpec: row.gpuSpec ?? '',
    gpuMemoryGiB: row.gpuMemoryGiB ?? 0,
  };
}

interface Shuffle {
  price(regionId: string, typeId: string, base: number): number;
  stock(zoneId: string, typeId: string, base: number): number;
}

function build(shuffle?: Shuffle): Catalogue {
  const instanceTypes = INSTANCE_TYPES.map(typeFacts);
  const prices = new Map<string, number>();
  const regions: RegionFacts[] = REGIONS.map((r) => {
    const col = REGION_IDS.indexOf(r.regionId as (typeof REGION_IDS)[number]);
    const sold = INSTANCE_TYPES.filter((t) => t.prices[col] !== null);
    for (const t of sold) {
      const base = t.prices[col]!;
      prices.set(`${r.regionId}/${t.id}`, shuffle ? shuffle.price(r.regionId, t.id, base) : base);
    }
    return {
      regionId: r.regionId,
      localName: r.localName,
      englishName: r.englishName,
      mainland: r.mainland,
      priceFactor: r.priceFactor,
      zones: r.zones.map((zoneId, i) => {
        const stock: Record<string, number> = {};
        for (const t of sold) {
          // GPU types only in the first gpuZones zones, bare metal only in the first: real GPU
          // capacity is concentrated in a few zones per region.
          if (t.gpuAmount && i >= r.gpuZones) continue;
          if (t.id.startsWith('ecs.ebm') && i > 0) continue;
          const base = defaultStock(t);
          stock[t.id] = shuffle ? shuffle.stock(zoneId, t.id, base) : base;
        }
        return { zoneId, stock };
      }),
    };
  });
  return {
    regions,
    instanceTypes,
    region: (regionId) => regions.find((r) => r.regionId === regionId),
    instanceType: (id) => instanceTypes.find((t) => t.instanceTypeId === id),
    hourlyPrice: (regionId, type) => prices.get(`${regionId}/${type}`),
  };
}

export function defaultCatalogue(): Catalogue {
  return build();
}

/**
 * A catalogue with every price multiplied by a factor in [0.7, 1.3] and every zone's stock drawn
 * again (a quarter of the (zone, type) pairs sold out), all from `seed`: the same seed always gives
 * the same cloud. With `promotions`, one (region, type) price in eight is also cut to 35–60 % of
 * its list price, as a regional promotion would: a larger size or another family then often
 * undercuts the smallest type that fits.
 */
export function randomCatalogue(seed: number, options: { promotions?: boolean } = {}): Catalogue {
  const draw = (key: string) => seededRng(hashSeed(`${seed}/${key}`))();
  const promotion = (regionId: string, typeId: string) =>
    options.promotions && draw(`promo/${regionId}/${typeId}`) < 0.125
      ? 0.35 + 0.25 * draw(`cut/${regionId}/${typeId}`)
      : 1;
  return build({
    price: (regionId, typeId, base) =>
      Math.round(base * (0.7 + 0.6 * draw(`p/${regionId}/${typeId}`)) * promotion(regionId, typeId) * 10000) /
      10000,
    stock: (zoneId, typeId, base) => {
      const r = draw(`s/${zoneId}/${typeId}`);
      return r < 0.25 ? 0 : Math.max(1, Math.round(base * r));
    },
  });
}
