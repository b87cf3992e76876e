// What the cloud sells, where, and at what price: the look-ups every quote makes (docs/quotes.md).
// - ECS stock is always asked live, so a sold-out type is never offered: one DescribeAvailableResource
//   per region covers every zone and type, and quotes asking for the same region at the same moment
//   share that one call. PAI-DLC's pool (ListEcsSpecs) is kept a minute, its age shown: the job is
//   created only after ListEcsSpecs says the spec is available right then (activities/pai.ts). acp's
//   shared ACK clusters are one list for every region, kept a minute likewise.
// - Instance type facts and DescribePrice answers change rarely: they come from TTL caches shared by
//   every activity of the worker, refreshed in the background. Every price carries the moment the
//   cloud gave it, so the comparison shows its age.
// - A region's offers are every instance type that fits the shape (no cap: a bigger or other family
//   can be the cheapest), has stock in some zone, and has a price there.
// - `describeInstancePrice` (the re-quote before a paid create) always asks the cloud.
import { ApplicationFailure } from '@temporalio/common';
import { dlcHourlyPrice } from '../planner/pai-prices';
import { isBurstable, rankCandidateTypes } from '../planner/specs';
import { reclaimsPerHour } from '../planner/spot';
import type { Intent } from '../planner/types';
import type { ClusterRef } from './ack';
import type { AlibabaClients } from './clients';
import { alibabaCall } from './errors';
import { type DlcSpecInfo, listDlcSpecs } from './pai';
import { type Cached, TtlCache } from './price-cache';
import { sdk } from './sdk';

export interface InstanceTypeInfo {
  instanceTypeId: string;
  family: string;
  cpu: number;
  memoryGiB: number;
  gpuAmount: number;
  gpuSpec: string;
  gpuMemoryGiB: number;
}

export interface ZoneStock {
  zoneId: string;
  instanceType: string;
}

export interface InstancePrice {
  regionId: string;
  instanceType: string;
  /** CNY per hour, instance + system disk + bandwidth as DescribePrice itemises them. */
  hourly: number;
  currency: string;
  detail: { resource: string; price: number }[];
  /** ISO time the cloud gave this price (a cached price is as old as this says). */
  pricedAt: string;
}

/** What a quote needs of the intent to find the types that fit it. */
export type Shape = Pick<Intent, 'cpu' | 'memoryGiB' | 'gpu'>;

/** One DescribePrice question: pay-as-you-go, or spot in a zone with a protection period. */
export interface PriceQuery {
  regionId: string;
  instanceType: string;
  zoneId?: string;
  spot?: boolean;
  /** Spot protection period (SpotDuration): 1 hour or none; Alibaba's default is 1. */
  spotDuration?: 0 | 1;
}

/** DescribeSpotAdvice: the release rate of the last 30 days of a type in a zone. */
export interface SpotAdvice {
  zoneId: string;
  instanceType: string;
  /** "0-3%", "3-5%", "5-10%", "10-100%". */
  interruptRateDesc: string;
  /** Average spot price as a percentage of pay-as-you-go over 30 days. */
  averageSpotDiscount: number;
}

/** One type a region can sell now, priced. */
export interface Offer {
  instanceType: string;
  cpu: number;
  memoryGiB: number;
  gpuAmount: number;
  gpuSpec: string;
  /** Zones with stock, in the order the cloud lists them (ECS); empty for PAI-DLC's pool. */
  zones: string[];
  hourly: number;
  /** Where a derived price comes from (PAI-DLC: published, or ECS list × DLC's ratio). */
  priceNote?: string;
  /** ISO time of the oldest cached answer this offer rests on. */
  pricedAt: string;
  /**
   * ECS spot beside it (asked for the region's cheapest offers, docs/spot.md): the spot price in the
   * zone with the lowest release rate, then the deepest discount; zones in that order.
   */
  spot?: { hourly: number; zones: string[]; rate: string; spotDuration: 0 | 1; pricedAt: string };
  /** PAI-DLC spot as ListEcsSpecs states it: SpotStockStatus and NonProtectSpotDiscount. */
  dlcSpot?: { stock: boolean; discount?: number };
  /** ISO time the cloud stated this offer's stock, when it came from the (PAI-DLC) stock cache. */
  stockSeenAt?: string;
}

export interface RegionOffers {
  regionId: string;
  /** The cheapest offers, cheapest first (as many as asked for: every fitting type was priced). */
  offers: Offer[];
  /** How many fitting types are in stock and priced in all. */
  offered: number;
  /** Types that fit the shape, smallest first, for the "no stock of …" message (when none is offered). */
  fitting: string[];
  /** Fitting types with no stock anywhere in the region (when none is offered). */
  soldOut: string[];
}

/** How many offers a look-up returns when the caller does not say: what a comparison shows. */
const OFFERS_RETURNED = 4;

/**
 * What the products' quotes want to know of a region: one look-up per region answers them all, so a
 * comparison of every product is one call per region and product need, made at once.
 */
export interface RegionNeeds {
  /** ECS offers for the job's shape; with `spot`, the cheapest `rows` offers also get a spot price. */
  ecs?: { shape: Shape; keep: number; spot?: { rows: number; spotDuration: 0 | 1 } };
  /** ECS types for an ACK node (a node has a floor of its own). */
  ackNodes?: { shape: Shape; keep: number };
  /** Whether an acp-shared ACK cluster runs there. */
  sharedCluster?: boolean;
  /** PAI-DLC public-resource offers. */
  dlc?: { shape: Shape; accelerator: 'CPU' | 'GPU'; keep: number };
}

export interface RegionFindings {
  regionId: string;
  ecs?: RegionOffers;
  ackNodes?: RegionOffers;
  /** null: looked, none runs. */
  sharedCluster?: ClusterRef | null;
  dlc?: RegionOffers;
  /** The needs this region could not answer, each with the Alibaba code and message that said no. */
  failed?: Partial<Record<keyof RegionNeeds, string>>;
}

/** What `lookUpRegions` found, and the regions to ask again one by one. */
export interface RegionsFound {
  found: RegionFindings[];
  again: string[];
}

/** The system disk acp creates with every instance, priced with it. */
export const SYSTEM_DISK = { category: 'cloud_essd', size: 40 };

export interface MarketOptions {
  /** How long a DescribePrice answer is served (0: never cached). */
  priceTtlMs: number;
  /** How long instance type facts are served. */
  typesTtlMs: number;
  /** How long a spot price is served (spot prices follow a market; 0: never cached). */
  spotPriceTtlMs?: number;
  /** How long PAI-DLC's public-pool stock (ListEcsSpecs) is served (0: asked on every quote). */
  dlcStockTtlMs?: number;
  /** How long the account's list of acp-shared ACK clusters is served (0: asked on every quote). */
  sharedClusterTtlMs?: number;
  now?: () => number;
}

export function marketOptionsFromEnv(env: NodeJS.ProcessEnv = process.env): MarketOptions {
  const seconds = (name: string, fallback: number) => {
    const v = env[name];
    if (v === undefined || v === '') return fallback * 1000;
    const n = Number(v);
    if (!Number.isFinite(n) || n < 0) throw new Error(`${name} must be a number of seconds ≥ 0, got ${v}`);
    return n * 1000;
  };
  return {
    priceTtlMs: seconds('ACP_PRICE_TTL_SECONDS', 3600),
    typesTtlMs: seconds('ACP_INSTANCE_TYPES_TTL_SECONDS', 6 * 3600),
    spotPriceTtlMs: seconds('ACP_SPOT_PRICE_TTL_SECONDS', 300),
    dlcStockTtlMs: seconds('ACP_DLC_STOCK_TTL_SECONDS', 60),
    sharedClusterTtlMs: seconds('ACP_SHARED_CLUSTER_TTL_SECONDS', 60),
  };
}

/** A price the cloud will not give (not sold in the region, unknown type): remembered like a price. */
interface NoPrice {
  unavailable: string;
}
type PriceAnswer = (Omit<InstancePrice, 'pricedAt'> & { note?: string }) | NoPrice;

const iso = (ms: number) => new Date(ms).toISOString();

export function createMarket(clients: AlibabaClients, options: MarketOptions = marketOptionsFromEnv()) {
  const now = options.now ?? Date.now;
  const types = new TtlCache<InstanceTypeInfo[]>({ ttlMs: options.typesTtlMs, now });
  const prices = new TtlCache<PriceAnswer>({ ttlMs: options.priceTtlMs, now });
  const spotTtlMs = Math.min(options.spotPriceTtlMs ?? 300_000, options.priceTtlMs);
  const spotPrices = new TtlCache<PriceAnswer>({ ttlMs: spotTtlMs, now });
  /** DescribeSpotAdvice is a 30-day statistic: it keeps as long as a price. */
  const spotAdvice = new TtlCache<SpotAdvice[]>({ ttlMs: options.priceTtlMs, now });
  // Background refresh: entries read within their TTL are renewed before they expire.
  prices.refreshEvery(Math.max(1_000, Math.min(options.priceTtlMs / 4, 300_000)));
  spotPrices.refreshEvery(Math.max(1_000, spotTtlMs / 4));
  const stockInFlight = new Map<string, Promise<ZoneStock[]>>();
  // Never refreshed in the background: a stock answer nobody asks for is a call no quote needs.
  const dlcTtlMs = Math.min(options.dlcStockTtlMs ?? 60_000, options.priceTtlMs);
  const dlcStock = new TtlCache<DlcSpecInfo[]>({ ttlMs: dlcTtlMs, refreshAfterMs: dlcTtlMs, now });
  const clusterTtlMs = Math.min(options.sharedClusterTtlMs ?? 60_000, options.priceTtlMs);
  const sharedClusters = new TtlCache<ClusterRef[]>({
    ttlMs: clusterTtlMs,
    refreshAfterMs: clusterTtlMs,
    now,
  });
  const ecs = (regionId: string) => clients.ecs(regionId);

  async function fetchInstanceTypes(): Promise<InstanceTypeInfo[]> {
    const out: InstanceTypeInfo[] = [];
    let nextToken: string | undefined;
    do {
      const r = await alibabaCall('DescribeInstanceTypes', () =>
        ecs('cn-hangzhou').describeInstanceTypes(
          new sdk.ecs.DescribeInstanceTypesRequest({ maxResults: 1600, ...(nextToken ? { nextToken } : {}) }),
        ),
      );
      for (const t of r.body?.instanceTypes?.instanceType ?? []) {
        if (!t.instanceTypeId) continue;
        out.push({
          instanceTypeId: t.instanceTypeId,
          family: t.instanceTypeFamily ?? '',
          cpu: t.cpuCoreCount ?? 0,
          memoryGiB: t.memorySize ?? 0,
          gpuAmount: t.GPUAmount ?? 0,
          gpuSpec: t.GPUSpec ?? '',
          gpuMemoryGiB: t.GPUMemorySize ?? 0,
        });
      }
      nextToken = r.body?.nextToken || undefined;
    } while (nextToken);
    return out;
  }

  async function fetchZoneStock(regionId: string): Promise<ZoneStock[]> {
    const r = await alibabaCall(`DescribeAvailableResource in ${regionId}`, () =>
      ecs(regionId).describeAvailableResource(
        new sdk.ecs.DescribeAvailableResourceRequest({
          regionId,
          destinationResource: 'InstanceType',
          instanceChargeType: 'PostPaid',
          ioOptimized: 'optimized',
        }),
      ),
    );
    const out: ZoneStock[] = [];
    for (const zone of r.body?.availableZones?.availableZone ?? []) {
      if (!zone.zoneId || zone.status !== 'Available') continue;
      for (const res of zone.availableResources?.availableResource ?? []) {
        for (const s of res.supportedResources?.supportedResource ?? []) {
          if (s.value && s.status === 'Available') out.push({ zoneId: zone.zoneId, instanceType: s.value });
        }
      }
    }
    return out;
  }

  async function fetchPrice(input: PriceQuery): Promise<Omit<InstancePrice, 'pricedAt'>> {
    const r = await alibabaCall(`DescribePrice ${input.instanceType} in ${input.regionId}`, () =>
      ecs(input.regionId).describePrice(
        new sdk.ecs.DescribePriceRequest({
          regionId: input.regionId,
          resourceType: 'instance',
          instanceType: input.instanceType,
          ...(input.zoneId ? { zoneId: input.zoneId } : {}),
          priceUnit: 'Hour',
          period: 1,
          amount: 1,
          internetChargeType: 'PayByTraffic',
          internetMaxBandwidthOut: 0,
          systemDisk: new sdk.ecs.DescribePriceRequestSystemDisk(SYSTEM_DISK),
          spotStrategy: input.spot ? 'SpotAsPriceGo' : 'NoSpot',
          ...(input.spot && input.spotDuration !== undefined ? { spotDuration: input.spotDuration } : {}),
        }),
      ),
    );
    const price = r.body?.priceInfo?.price;
    if (price?.tradePrice === undefined)
      throw new Error(`DescribePrice returned no TradePrice for ${input.instanceType}`);
    return {
      regionId: input.regionId,
      instanceType: input.instanceType,
      hourly: price.tradePrice,
      currency: price.currency ?? 'CNY',
      detail: (price.detailInfos?.detailInfo ?? []).map((d) => ({
        resource: d.resource ?? '',
        price: d.tradePrice ?? 0,
      })),
    };
  }

  /** A refusal that will not change by asking again (PriceNotFound, an unknown type) is an answer too. */
  const priceAnswer = (input: PriceQuery) => async () => {
    try {
      return await fetchPrice(input);
    } catch (err) {
      if (err instanceof ApplicationFailure && err.nonRetryable) return { unavailable: err.message };
      throw err;
    }
  };

  async function price(input: PriceQuery, live = false): Promise<Cached<PriceAnswer>> {
    const cache = input.spot ? spotPrices : prices;
    const key = input.spot
      ? `${input.regionId}/${input.zoneId ?? '-'}/${input.instanceType}/spot${input.spotDuration ?? ''}`
      : `${input.regionId}/${input.instanceType}`;
    return live ? cache.fetchLive(key, priceAnswer(input)) : cache.get(key, priceAnswer(input));
  }

  async function fetchSpotAdvice(regionId: string): Promise<SpotAdvice[]> {
    // No type filter: one call answers every type of the region, so one cached answer serves all.
    const r = await alibabaCall(`DescribeSpotAdvice in ${regionId}`, () =>
      ecs(regionId).describeSpotAdvice(new sdk.ecs.DescribeSpotAdviceRequest({ regionId })),
    );
    const out: SpotAdvice[] = [];
    for (const z of r.body?.availableSpotZones?.availableSpotZone ?? []) {
      for (const a of z.availableSpotResources?.availableSpotResource ?? []) {
        if (!z.zoneId || !a.instanceType) continue;
        out.push({
          zoneId: z.zoneId,
          instanceType: a.instanceType,
          interruptRateDesc: a.interruptRateDesc ?? '',
          averageSpotDiscount: a.averageSpotDiscount ?? 100,
        });
      }
    }
    return out;
  }

  /**
   * The spot side of an offer: of its zones, those where Alibaba sells it as spot, ordered by release
   * rate then discount; the price in the best one. Undefined when spot is not sold or not priced.
   */
  async function spotOf(
    regionId: string,
    offer: Offer,
    advice: SpotAdvice[],
    spotDuration: 0 | 1,
  ): Promise<Offer['spot']> {
    const zones = offer.zones
      .map((zoneId) => ({
        zoneId,
        a: advice.find((k) => k.zoneId === zoneId && k.instanceType === offer.instanceType),
      }))
      .filter((z): z is { zoneId: string; a: SpotAdvice } => z.a !== undefined)
      .sort(
        (x, y) =>
          reclaimsPerHour(x.a.interruptRateDesc) - reclaimsPerHour(y.a.interruptRateDesc) ||
          x.a.averageSpotDiscount - y.a.averageSpotDiscount,
      );
    const best = zones[0];
    if (!best) return undefined;
    const answer = await price({
      regionId,
      instanceType: offer.instanceType,
      zoneId: best.zoneId,
      spot: true,
      spotDuration,
    }).catch(() => undefined);
    if (!answer || 'unavailable' in answer.value) return undefined;
    return {
      hourly: answer.value.hourly,
      zones: zones.map((z) => z.zoneId),
      rate: best.a.interruptRateDesc,
      spotDuration,
      pricedAt: iso(answer.fetchedAt),
    };
  }

  const asPrice = (answer: Cached<PriceAnswer>, what: string): InstancePrice => {
    if ('unavailable' in answer.value)
      throw ApplicationFailure.nonRetryable(answer.value.unavailable, 'PriceNotFound', { what });
    return { ...answer.value, pricedAt: iso(answer.fetchedAt) };
  };

  /** Stock of every type in every zone of a region, asked once for every quote waiting on it now. */
  function zoneStock(regionId: string): Promise<ZoneStock[]> {
    let pending = stockInFlight.get(regionId);
    if (!pending) {
      pending = fetchZoneStock(regionId).finally(() => stockInFlight.delete(regionId));
      stockInFlight.set(regionId, pending);
    }
    return pending;
  }

  async function instanceTypes(): Promise<InstanceTypeInfo[]> {
    return (await types.get('all', fetchInstanceTypes)).value;
  }

  /**
   * The public pool's specs and their stock, at most a minute old (docs/quotes.md), shared by quotes
   * asking at once. A stale "available" creates nothing: CreateJob asks the spec's stock again first.
   */
  function specsOf(regionId: string, accelerator: 'CPU' | 'GPU'): Promise<Cached<DlcSpecInfo[]>> {
    return dlcStock.get(`${regionId}/${accelerator}`, () => listDlcSpecs(clients, regionId, accelerator));
  }

  /**
   * PAI-DLC's price of one node of a public-resource spec, per hour: DLC's own (planner/pai-prices.ts:
   * PAI's published price, else the spec's ECS instance list price × DLC's ratio to ECS), from the
   * instance part of the spec's DescribePrice (a DLC node has no ECS system disk). The one place the
   * PAI price source is read.
   */
  async function dlcSpecPrice(regionId: string, spec: string, live = false): Promise<Cached<PriceAnswer>> {
    const answer = await price({ regionId, instanceType: spec }, live);
    if ('unavailable' in answer.value) return answer;
    const ecs = answer.value;
    const dlc = dlcHourlyPrice({
      instanceType: spec,
      regionId,
      ecsInstanceHourly: ecs.detail.find((d) => d.resource === 'instanceType')?.price ?? ecs.hourly,
      currency: ecs.currency === 'USD' ? 'USD' : 'CNY',
    });
    return { ...answer, value: { ...ecs, hourly: dlc.hourly, note: dlc.note } };
  }

  const offerOf = (
    t: { instanceType: string; cpu: number; memoryGiB: number; gpuAmount: number; gpuSpec: string },
    zones: string[],
    answer: Cached<PriceAnswer>,
  ): Offer | undefined =>
    'unavailable' in answer.value
      ? undefined
      : {
          instanceType: t.instanceType,
          cpu: t.cpu,
          memoryGiB: t.memoryGiB,
          gpuAmount: t.gpuAmount,
          gpuSpec: t.gpuSpec,
          zones,
          hourly: answer.value.hourly,
          ...(answer.value.note ? { priceNote: answer.value.note } : {}),
          pricedAt: iso(answer.fetchedAt),
        };

  /** The cheapest `keep` offers; the names behind an empty answer only when there is nothing to offer. */
  const answer = (
    regionId: string,
    priced: (Offer | undefined)[],
    fitting: string[],
    soldOut: string[],
    keep: number,
  ): RegionOffers => {
    const offers = priced.filter((o): o is Offer => o !== undefined).sort((a, b) => a.hourly - b.hourly);
    return {
      regionId,
      offers: offers.slice(0, keep),
      offered: offers.length,
      fitting: offers.length === 0 ? fitting : [],
      soldOut: offers.length === 0 ? soldOut : [],
    };
  };

  return {
    instanceTypes,
    zoneStock,
    /**
     * ECS (and ACK node) offers of one region: every fitting type in stock, priced; with `spot`, the
     * cheapest `rows` also priced as spot (the release rates asked beside the stock).
     */
    async regionOffers(
      regionId: string,
      shape: Shape,
      keep = OFFERS_RETURNED,
      spot?: { rows: number; spotDuration: 0 | 1 },
    ): Promise<RegionOffers> {
      const [all, stock, advice] = await Promise.all([
        instanceTypes(),
        zoneStock(regionId),
        spot
          ? spotAdvice
              .get(regionId, () => fetchSpotAdvice(regionId))
              .then(
                (a) => a.value,
                () => [] as SpotAdvice[],
              )
          : [],
      ]);
      // Burstable types are left out: a job that runs flat out would crawl at their baseline.
      const fitting = rankCandidateTypes(
        all.filter((t) => !isBurstable(t.instanceTypeId)),
        shape,
      );
      const zonesOf = (type: string) => [
        ...new Set(stock.filter((s) => s.instanceType === type).map((s) => s.zoneId)),
      ];
      const inStock = fitting
        .map((t) => ({ t, zones: zonesOf(t.instanceTypeId) }))
        .filter((x) => x.zones.length);
      const offers = await Promise.all(
        inStock.map(async ({ t, zones }) => {
          const answer = await price({ regionId, instanceType: t.instanceTypeId });
          return offerOf({ ...t, instanceType: t.instanceTypeId }, zones, answer);
        }),
      );
      const found = answer(
        regionId,
        offers,
        fitting.map((t) => t.instanceTypeId),
        fitting.filter((t) => zonesOf(t.instanceTypeId).length === 0).map((t) => t.instanceTypeId),
        keep,
      );
      if (spot) {
        await Promise.all(
          found.offers.slice(0, spot.rows).map(async (o) => {
            const side = await spotOf(regionId, o, advice, spot.spotDuration);
            if (side) o.spot = side;
          }),
        );
      }
      return found;
    },
    /** PAI-DLC offers of one region: every fitting public-resource spec that is available, priced. */
    async dlcRegionOffers(
      regionId: string,
      shape: Shape,
      accelerator: 'CPU' | 'GPU',
      keep = OFFERS_RETURNED,
    ): Promise<RegionOffers> {
      const { value: specs, fetchedAt } = await specsOf(regionId, accelerator);
      const fitting = rankCandidateTypes(specs, shape);
      const offers = await Promise.all(
        fitting
          .filter((s) => s.available)
          .map(async (s) => {
            const o = offerOf(s, [], await dlcSpecPrice(regionId, s.instanceType));
            return (
              o && {
                ...o,
                dlcSpot: {
                  stock: s.spotStock,
                  ...(s.spotDiscount !== undefined ? { discount: s.spotDiscount } : {}),
                },
                stockSeenAt: iso(fetchedAt),
              }
            );
          }),
      );
      return answer(
        regionId,
        offers,
        fitting.map((s) => s.instanceType),
        fitting.filter((s) => !s.available).map((s) => s.instanceType),
        keep,
      );
    },
    /**
     * acp's shared ACK cluster in a region (null: none), from one list of the account's clusters in
     * every region, at most a minute old and shared by the regions of a quote asking at once. A
     * cluster gone since is caught by the run's live check before it uses it.
     */
    async sharedClusterIn(regionId: string, list: () => Promise<ClusterRef[]>): Promise<ClusterRef | null> {
      const { value } = await sharedClusters.get('all', list);
      return value.find((c) => c.regionId === regionId) ?? null;
    },
    /** A price asked of the cloud now, whatever the cache holds (and kept for the next quote). */
    async livePrice(input: PriceQuery): Promise<InstancePrice> {
      return asPrice(await price(input, true), `${input.instanceType} in ${input.regionId}`);
    },
    async liveDlcSpecPrice(regionId: string, spec: string): Promise<InstancePrice> {
      return asPrice(await dlcSpecPrice(regionId, spec, true), `${spec} in ${regionId}`);
    },
  };
}

export type Market = ReturnType<typeof createMarket>;

/**
 * The quote's look-ups as activities. `lookUpRegion` answers every product's needs of one region at
 * once, `lookUpRegions` those of every region of a comparison; a need the cloud refuses for good
 * (RAM, a region not open to the account) is reported as failed so the other products still quote; a
 * transient error fails the look-up, which is retried.
 */
export function createMarketActivities(
  market: Market,
  clusters: { sharedAckClusters(): Promise<ClusterRef[]> },
) {
  const activities = {
    async lookUpRegion(input: { regionId: string; needs: RegionNeeds }): Promise<RegionFindings> {
      const { regionId, needs } = input;
      const found: RegionFindings = { regionId };
      const asks: [keyof RegionNeeds, Promise<unknown>][] = [];
      if (needs.ecs)
        asks.push(['ecs', market.regionOffers(regionId, needs.ecs.shape, needs.ecs.keep, needs.ecs.spot)]);
      if (needs.ackNodes)
        asks.push(['ackNodes', market.regionOffers(regionId, needs.ackNodes.shape, needs.ackNodes.keep)]);
      if (needs.sharedCluster)
        asks.push(['sharedCluster', market.sharedClusterIn(regionId, clusters.sharedAckClusters)]);
      if (needs.dlc)
        asks.push([
          'dlc',
          market.dlcRegionOffers(regionId, needs.dlc.shape, needs.dlc.accelerator, needs.dlc.keep),
        ]);
      const settled = await Promise.allSettled(asks.map(([, ask]) => ask));
      let transient: unknown;
      settled.forEach((r, i) => {
        const need = asks[i]![0];
        if (r.status === 'fulfilled') {
          (found as unknown as Record<string, unknown>)[need] = r.value ?? null;
        } else if (r.reason instanceof ApplicationFailure && r.reason.nonRetryable) {
          found.failed = { ...found.failed, [need]: r.reason.message };
        } else {
          transient ??= r.reason;
        }
      });
      if (transient) throw transient;
      return found;
    },
    /**
     * Every region of a comparison in one activity, asked at once (docs/quotes.md): a region that
     * failed for a reason that may pass is named in `again`, for the workflow to ask it alone.
     */
    async lookUpRegions(input: { regionIds: string[]; needs: RegionNeeds }): Promise<RegionsFound> {
      const settled = await Promise.allSettled(
        input.regionIds.map((regionId) => activities.lookUpRegion({ regionId, needs: input.needs })),
      );
      const out: RegionsFound = { found: [], again: [] };
      settled.forEach((r, i) => {
        if (r.status === 'fulfilled') out.found.push(r.value);
        else out.again.push(input.regionIds[i]!);
      });
      return out;
    },
    /** One price asked of the cloud now: the re-quote before a paid create. */
    async describeInstancePrice(input: PriceQuery) {
      return market.livePrice(input);
    },
    /** A PAI-DLC spec's price asked now: the re-quote before CreateJob. */
    async describeDlcSpecPrice(input: { regionId: string; spec: string }) {
      return market.liveDlcSpecPrice(input.regionId, input.spec);
    },
  };
  return activities;
}
