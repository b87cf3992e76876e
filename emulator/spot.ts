// Spot (preemptible) capacity in the emulated cloud: the spot price table beside the pay-as-you-go
// one, the release-rate classes DescribeSpotAdvice reports, the checks Alibaba makes on spot
// parameters, and reclaims — the notice (OperationLocks `Recycling`, the instance metadata item
// `instance/spot/termination-time`), then the release five minutes later, as the RunInstances
// SpotDuration reference documents ("Alibaba Cloud sends a notification through an ECS system event
// 5 minutes before the instance is reclaimed"). A PAI-DLC spot job's node is reclaimed the same way:
// its pods are evicted and the job fails. emulator/README.md lists the rules; docs/spot.md says how
// acp reads them.
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { ReclaimRule } from './faults';
import { hashSeed } from './rng';
import { int, str } from './rpc-params';
import { ApiError, type ApiRequest, type Handler, type Resource, type World } from './types';

/** From the notice (OperationLocks Recycling, termination-time) to the release. */
export const SPOT_NOTICE_MS = 5 * 60_000;
/** SpotDuration 1: the instance is not reclaimed for its first hour. */
export const SPOT_PROTECTION_MS = 60 * 60_000;
export const SPOT_STRATEGIES = ['NoSpot', 'SpotWithPriceLimit', 'SpotAsPriceGo'] as const;
/**
 * A protected hour (SpotDuration 1) costs more than no protection; Alibaba publishes no ratio, so the
 * emulator models 15 %.
 */
const PROTECTION_PREMIUM = 1.15;
/** Release-rate classes of DescribeSpotAdvice (InterruptRateDesc) and how often the model draws each. */
const RATE_CLASSES = [
  { desc: '0-3%', upTo: 0.6, low: 0, high: 3 },
  { desc: '3-5%', upTo: 0.8, low: 3, high: 5 },
  { desc: '5-10%', upTo: 0.95, low: 5, high: 10 },
  { desc: '10-100%', upTo: 1, low: 10, high: 30 },
] as const;

const draw = (key: string) => (hashSeed(key) % 10_000) / 10_000;
const round4 = (n: number) => Math.round(n * 10_000) / 10_000;

/**
 * Bare-metal types have no spot market in the emulator (a modelling choice: which types Alibaba sells
 * as spot is answered by DescribeAvailableResource with SpotStrategy, not published as a list).
 */
export function spotSupported(instanceType: string): boolean {
  return !/^ecs\.ebm/.test(instanceType);
}

/**
 * The spot price as a fraction of the pay-as-you-go list price: a stable draw in [0.15, 0.40] per
 * (region, type), ±10 % per zone, × the protected-hour premium for SpotDuration 1 (Alibaba's default).
 * Modelled: no public spot table was available; Alibaba's own API examples show the same range
 * (DescribeSpotPriceHistory: ecs.g5.large 0.036 vs 0.354 pay-as-you-go; DescribeSpotAdvice: 20 %).
 */
export function spotFactor(
  regionId: string,
  instanceType: string,
  zoneId?: string,
  spotDuration = 1,
): number {
  const base = 0.15 + 0.25 * draw(`spot/${regionId}/${instanceType}`);
  const zone = zoneId ? 0.9 + 0.2 * draw(`spot-zone/${zoneId}/${instanceType}`) : 1;
  return base * zone * (spotDuration === 1 ? PROTECTION_PREMIUM : 1);
}

/** CNY per hour of a spot instance (instance part), or undefined when the type is not sold there. */
export function spotHourly(
  world: World,
  regionId: string,
  instanceType: string,
  zoneId?: string,
  spotDuration = 1,
): number | undefined {
  const list = world.catalogue.hourlyPrice(regionId, instanceType);
  if (list === undefined || !spotSupported(instanceType)) return undefined;
  return round4(list * spotFactor(regionId, instanceType, zoneId, spotDuration));
}

/** The release rate of the last 30 days DescribeSpotAdvice reports for (zone, type): modelled. */
export function releaseRate(zoneId: string, instanceType: string): { desc: string; rate: number } {
  const d = draw(`spot-rate/${zoneId}/${instanceType}`);
  const cls = RATE_CLASSES.find((c) => d <= c.upTo) ?? RATE_CLASSES[0];
  const within = draw(`spot-rate-value/${zoneId}/${instanceType}`);
  return { desc: cls.desc, rate: Math.round((cls.low + (cls.high - cls.low) * within) * 10) / 10 };
}

export interface SpotRequest {
  strategy: (typeof SPOT_STRATEGIES)[number];
  spot: boolean;
  duration: number;
  priceLimit?: number;
}

/**
 * The spot parameters of a RunInstances (or DescribePrice) request, refused as Alibaba documents:
 * SpotPriceLimit and SpotDuration only with a spot strategy (they take effect only then; the emulator
 * refuses rather than silently ignoring them), SpotDuration 0 or 1, SpotWithPriceLimit needs its
 * limit and a limit at or above the current spot price, a spot instance needs a zone and pay-as-you-go.
 */
export function spotRequest(
  req: ApiRequest,
  world: World,
  at: {
    regionId: string;
    zoneId?: string;
    instanceType: string;
    chargeType?: string;
    /** DescribePrice: a price query names no limit. */
    priceQuery?: boolean;
  },
): SpotRequest {
  const strategy = (str(req, 'SpotStrategy') ?? 'NoSpot') as SpotRequest['strategy'];
  if (!SPOT_STRATEGIES.includes(strategy))
    throw new ApiError(400, 'InvalidSpotStrategy', 'The specified SpotStrategy is not valid.');
  const spot = strategy !== 'NoSpot';
  const rawLimit = str(req, 'SpotPriceLimit');
  const rawDuration = str(req, 'SpotDuration');
  if (rawDuration !== undefined && (!spot || !['0', '1'].includes(rawDuration)))
    throw new ApiError(400, 'InvalidSpotDuration', 'The specified SpotDuration is not valid.');
  if (rawLimit !== undefined && strategy !== 'SpotWithPriceLimit')
    throw new ApiError(400, 'InvalidSpotPriceLimit', 'The specified SpotPriceLimitis not valid.');
  const duration = int(req, 'SpotDuration', 1)!;
  if (!spot) return { strategy, spot, duration: 0 };
  const behavior = str(req, 'SpotInterruptionBehavior');
  if (behavior !== undefined && !['Terminate', 'Stop'].includes(behavior))
    throw new ApiError(
      400,
      'InvalidSpotInterruptionBehavior',
      'The specified SpotInterruptionBehavior is not valid.',
    );
  if (at.chargeType === 'PrePaid')
    throw new ApiError(400, 'InvalidSpotPrepaid', 'The specified Spot type is not support PrePay Instance.');
  if (!spotSupported(at.instanceType))
    throw new ApiError(
      403,
      'InvalidInstanceType.ValueNotSupported',
      `The specified InstanceType beyond the permitted range: ${at.instanceType} is not sold as a spot instance.`,
    );
  let priceLimit: number | undefined;
  if (strategy === 'SpotWithPriceLimit' && !at.priceQuery) {
    priceLimit = Number(rawLimit);
    if (rawLimit === undefined || !Number.isFinite(priceLimit) || priceLimit <= 0)
      throw new ApiError(400, 'InvalidSpotPriceLimit', 'The specified SpotPriceLimitis not valid.');
    const market = spotHourly(world, at.regionId, at.instanceType, at.zoneId, duration);
    if (market !== undefined && priceLimit < market)
      throw new ApiError(
        400,
        'InvalidSpotPriceLimit.LowerThanPublicPrice',
        `The specified parameter "spotPriceLimit" can't be lower than current public price (${market}).`,
      );
  }
  return { strategy, spot, duration, ...(priceLimit !== undefined ? { priceLimit } : {}) };
}

/** RunInstances refuses a spot instance without a zone (it would not know which market to bid in). */
export function requireSpotZone(req: ApiRequest): void {
  const strategy = str(req, 'SpotStrategy') ?? 'NoSpot';
  if (strategy !== 'NoSpot' && !str(req, 'ZoneId'))
    throw new ApiError(
      400,
      'InvalidSpotParam.EmptyZoneID',
      'The specified zoneid is empty when SpotStrategy is set.',
    );
}

// ---- DescribeSpotPriceHistory / DescribeSpotAdvice ----

const HOUR = 3_600_000;
const MAX_RANGE_MS = 30 * 24 * HOUR;
const HISTORY_PAGE = 1000;

function parseUtc(value: string | undefined, name: 'StartTime' | 'EndTime'): number | undefined {
  if (value === undefined) return undefined;
  const ms = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2})?Z$/.test(value) ? Date.parse(value) : Number.NaN;
  if (!Number.isFinite(ms))
    throw new ApiError(400, `InvalidParams.${name}`, `The specified ${name} is not valid.`);
  return ms;
}

/**
 * One price point per hour and zone. The emulated market is flat: every point is the price a spot
 * instance created now is billed (the last point is today's price).
 */
export function describeSpotPriceHistory(req: ApiRequest, world: World) {
  const regionId = str(req, 'RegionId');
  const region = regionId ? world.catalogue.region(regionId) : undefined;
  if (!region) throw new ApiError(400, 'InvalidParams.RegionId', 'The specified RegionId is not valid.');
  const network = str(req, 'NetworkType');
  if (!network)
    throw new ApiError(
      400,
      'MissingParameter',
      'The input parameter "NetworkType" that is mandatory for processing this request is not supplied.',
    );
  if (!['vpc', 'classic'].includes(network))
    throw new ApiError(400, 'InvalidParams.NetworkType', 'The specified NetworkType is not valid.');
  const type = str(req, 'InstanceType');
  if (!type)
    throw new ApiError(
      400,
      'MissingParameter',
      'The input parameter "InstanceType" that is mandatory for processing this request is not supplied.',
    );
  if (!world.catalogue.instanceType(type))
    throw new ApiError(400, 'InvalidParams.InstanceType', 'The specified InstanceType is not valid.');
  const io = str(req, 'IoOptimized');
  if (io !== undefined && !['optimized', 'none'].includes(io))
    throw new ApiError(400, 'InvalidParams.IoOptimized', 'The specified IoOptimized is not valid.');
  const os = str(req, 'OSType');
  if (os !== undefined && !['linux', 'windows'].includes(os))
    throw new ApiError(400, 'InvalidParams.OSType', 'The specified OSType is not valid.');
  const rawDuration = str(req, 'SpotDuration');
  if (rawDuration !== undefined && !['0', '1'].includes(rawDuration))
    throw new ApiError(400, 'InvalidSpotDuration', 'The specified SpotDuration is not valid.');
  const duration = rawDuration === undefined ? 1 : Number(rawDuration);
  const zoneId = str(req, 'ZoneId');
  if (zoneId && !region.zones.some((z) => z.zoneId === zoneId))
    throw new ApiError(400, 'InvalidZoneId.NotFound', 'The specified zone does not exist.');
  const offset = int(req, 'Offset', 0)!;
  if (!Number.isInteger(offset) || offset < 0)
    throw new ApiError(400, 'InvalidParams.Offset', 'The specified Offset is not valid.');
  const end = parseUtc(str(req, 'EndTime'), 'EndTime') ?? world.wallNow();
  const start = parseUtc(str(req, 'StartTime'), 'StartTime') ?? end - 3 * HOUR;
  if (start > end || end - start > MAX_RANGE_MS)
    throw new ApiError(
      400,
      'InvalidParams.StartTime',
      'The StartTime must be before EndTime and at most 30 days earlier.',
    );
  const list = world.catalogue.hourlyPrice(region.regionId, type);
  const zones = region.zones
    .filter((z) => !zoneId || z.zoneId === zoneId)
    .filter((z) => list !== undefined && spotSupported(type) && type in z.stock);
  const points: Record<string, unknown>[] = [];
  for (let t = Math.ceil(start / HOUR) * HOUR; t <= end; t += HOUR) {
    for (const z of zones) {
      points.push({
        ZoneId: z.zoneId,
        InstanceType: type,
        IoOptimized: io ?? 'optimized',
        NetworkType: network,
        Timestamp: new Date(t).toISOString().replace(/\.\d{3}Z$/, 'Z'),
        SpotPrice: spotHourly(world, region.regionId, type, z.zoneId, duration),
        OriginPrice: round4(list!),
      });
    }
  }
  const page = points.slice(offset, offset + HISTORY_PAGE);
  return {
    RequestId: req.requestId,
    Currency: 'CNY',
    NextOffset: offset + page.length < points.length ? offset + page.length : 0,
    SpotPrices: { SpotPriceType: page },
  };
}

/** Release rate and average discount of the last 30 days, per zone and instance type (≤ 10 types). */
export function describeSpotAdvice(req: ApiRequest, world: World) {
  const regionId = str(req, 'RegionId');
  const region = regionId ? world.catalogue.region(regionId) : undefined;
  if (!region) throw new ApiError(404, 'Invalid.RegionId', 'The specified RegionId does not exist.');
  const types = Object.entries(req.query)
    .filter(([k]) => /^InstanceTypes\.\d+$/.test(k))
    .map(([, v]) => v);
  if (types.length > 10)
    throw new ApiError(400, 'Invalid.Param', 'At most 10 InstanceTypes can be specified.');
  const cores = int(req, 'Cores');
  const memory = str(req, 'Memory') !== undefined ? Number(str(req, 'Memory')) : undefined;
  if (types.length > 0 && (cores !== undefined || memory !== undefined))
    throw new ApiError(
      403,
      'InvalidParam.TypeAndCpuMem.Conflict',
      "The specified 'InstanceType' and 'Cores','Memory' are not blank at the same time.",
    );
  const zoneId = str(req, 'ZoneId');
  const zones = region.zones.filter((z) => !zoneId || z.zoneId === zoneId);
  const AvailableSpotZone = zones.map((z) => ({
    ZoneId: z.zoneId,
    AvailableSpotResources: {
      AvailableSpotResource: Object.keys(z.stock)
        .filter((t) => spotSupported(t) && world.catalogue.hourlyPrice(region.regionId, t) !== undefined)
        .filter((t) => types.length === 0 || types.includes(t))
        .filter((t) => {
          const f = world.catalogue.instanceType(t)!;
          return (cores === undefined || f.cpu === cores) && (memory === undefined || f.memoryGiB === memory);
        })
        .map((t) => {
          const r = releaseRate(z.zoneId, t);
          return {
            InstanceType: t,
            InterruptionRate: r.rate,
            InterruptRateDesc: r.desc,
            AverageSpotDiscount: Math.max(1, Math.round(spotFactor(region.regionId, t, z.zoneId, 0) * 100)),
          };
        }),
    },
  }));
  return { RequestId: req.requestId, RegionId: region.regionId, AvailableSpotZones: { AvailableSpotZone } };
}

// ---- reclaims ----

export interface SpotTarget {
  product: 'ecs' | 'dlc';
  regionId: string;
  zoneId?: string;
  instanceType: string;
}

function matches(rule: ReclaimRule, t: SpotTarget): boolean {
  return (
    (rule.product ?? t.product) === t.product &&
    (!rule.regionId || rule.regionId === t.regionId) &&
    (!rule.zoneId || rule.zoneId === t.zoneId) &&
    (!rule.instanceType || rule.instanceType === t.instanceType)
  );
}

/** The first reclaim rule for a new spot resource (its count is used up), or undefined. */
export function takeReclaimRule(world: World, target: SpotTarget): ReclaimRule | undefined {
  const rules = world.faults.reclaim;
  const i = rules.findIndex((r) => matches(r, target) && (r.count === undefined || r.count > 0));
  if (i < 0) return undefined;
  const rule = rules[i]!;
  if (rule.count !== undefined) {
    const left = rule.count - 1;
    world.faults.reclaim =
      left > 0 ? rules.map((r, j) => (j === i ? { ...r, count: left } : r)) : rules.filter((_, j) => j !== i);
  }
  return rule;
}

/** Where a script on the instance finds its metadata (the runner passes it as ACP_SPOT_METADATA_DIR). */
export function metadataDir(instanceId: string): string {
  return join(tmpdir(), `acp-emulator-metadata-${instanceId}`);
}

/**
 * What a script on a spot instance gets to find its metadata: ACP_SPOT_METADATA_DIR holds
 * `instance/spot/termination-time` once a reclaim is noticed (the path of Alibaba's metadata item
 * under http://100.100.100.200/latest/meta-data/), as a file because the runner has no metadata server.
 */
export function spotScriptEnv(world: World, instanceId: string): Record<string, string> {
  const instance = world.get('instance', instanceId);
  if (!instance?.data.spotStrategy || instance.data.spotStrategy === 'NoSpot') return {};
  return { ACP_SPOT_METADATA_DIR: metadataDir(instanceId) };
}

/** The instance's `instance/spot/termination-time`, or undefined while no reclaim is scheduled. */
export function terminationTime(instance: Resource): string | undefined {
  const at = instance.data.recycling?.terminationTime as number | undefined;
  return at === undefined ? undefined : new Date(at).toISOString().replace(/\.\d{3}Z$/, 'Z');
}

/**
 * Reclaims a spot instance now: it is locked `Recycling`, its metadata carries the termination time,
 * and `release` runs SPOT_NOTICE_MS later. A protected instance (SpotDuration 1) is reclaimed no
 * earlier than the end of its protected hour. Returns false for an instance that is not spot or gone.
 */
export function reclaimInstance(world: World, instance: Resource, release: () => void): boolean {
  if (instance.releasedAt !== undefined || instance.data.recycling) return false;
  if (!instance.data.spotStrategy || instance.data.spotStrategy === 'NoSpot') return false;
  const protectedUntil =
    instance.data.spotDuration === 1 ? instance.createdAt + SPOT_PROTECTION_MS - SPOT_NOTICE_MS : 0;
  if (world.now() < protectedUntil) {
    world.schedule(protectedUntil, () => reclaimInstance(world, instance, release));
    return true;
  }
  const at = world.now() + SPOT_NOTICE_MS;
  instance.data.recycling = { noticeAt: world.now(), terminationTime: world.wallNow() + SPOT_NOTICE_MS };
  try {
    const dir = join(metadataDir(instance.id), 'instance', 'spot');
    mkdirSync(dir, { recursive: true });
    writeFileSync(join(dir, 'termination-time'), `${terminationTime(instance)}\n`);
  } catch {
    // the file is a courtesy to scripts; the API (OperationLocks) is what acp reads
  }
  world.schedule(at, () => {
    release();
    rmSync(metadataDir(instance.id), { recursive: true, force: true });
  });
  return true;
}

/**
 * Arms the fault table's reclaim for a new spot instance: `afterMs` (emulated) after it is Running.
 * `runningAfterMs` is when the lifecycle makes it Running; a later boot is waited for.
 */
export function armInstanceReclaim(
  world: World,
  instance: Resource,
  runningAfterMs: number,
  release: () => void,
): void {
  const d = instance.data;
  if (!d.spotStrategy || d.spotStrategy === 'NoSpot') return;
  const rule = takeReclaimRule(world, {
    product: 'ecs',
    regionId: instance.regionId,
    zoneId: d.zoneId,
    instanceType: d.instanceType,
  });
  if (!rule) return;
  const fire = () => {
    if (instance.releasedAt !== undefined) return;
    if (instance.status !== 'Running') {
      world.schedule(world.now() + 10_000, fire);
      return;
    }
    const since = (d.startTime as number | undefined) ?? world.now();
    if (world.now() < since + (rule.afterMs ?? 60_000)) {
      world.schedule(since + (rule.afterMs ?? 60_000), fire);
      return;
    }
    reclaimInstance(world, instance, release);
  };
  world.schedule(instance.createdAt + runningAfterMs + (rule.afterMs ?? 60_000), fire);
}

/** The spot parameters of a DLC JobSpec, refused as the DLC reference documents them. */
export function dlcSpotSpec(spec: Record<string, any>): {
  spot: boolean;
  discountLimit?: number;
  priceLimit?: number;
} {
  const use = spec.UseSpotInstance === true;
  const s = spec.SpotSpec as Record<string, unknown> | undefined;
  if (!use && !s) return { spot: false };
  const invalid = (m: string) => new ApiError(400, 'InvalidParameter', m);
  if (!s) throw invalid('JobSpecs.SpotSpec is required when UseSpotInstance is true.');
  if (s.SpotStrategy !== 'SpotWithPriceLimit')
    throw invalid('JobSpecs.SpotSpec.SpotStrategy must be SpotWithPriceLimit.');
  const discount = s.SpotDiscountLimit === undefined ? undefined : Number(s.SpotDiscountLimit);
  const price = s.SpotPriceLimit === undefined ? undefined : Number(s.SpotPriceLimit);
  if ((discount === undefined) === (price === undefined))
    throw invalid('JobSpecs.SpotSpec: specify exactly one of SpotDiscountLimit and SpotPriceLimit.');
  if (discount !== undefined && !(discount > 0 && discount <= 1))
    throw invalid('JobSpecs.SpotSpec.SpotDiscountLimit must be in (0, 1].');
  if (price !== undefined && !(price > 0))
    throw invalid('JobSpecs.SpotSpec.SpotPriceLimit must be positive.');
  if (!use) throw invalid('JobSpecs.UseSpotInstance must be true with a SpotSpec.');
  return {
    spot: true,
    ...(discount !== undefined ? { discountLimit: discount } : {}),
    ...(price !== undefined ? { priceLimit: price } : {}),
  };
}

/** DLC's NonProtectSpotDiscount of a spec: the fraction of its price a spot node costs. */
export function dlcSpotDiscount(regionId: string, instanceType: string): number {
  return Math.max(0.01, Math.round(spotFactor(regionId, instanceType, undefined, 0) * 100) / 100);
}

export const spotActions: Record<string, Handler> = {
  DescribeSpotPriceHistory: (req, world) => ({ body: describeSpotPriceHistory(req, world) }),
  DescribeSpotAdvice: (req, world) => ({ body: describeSpotAdvice(req, world) }),
};
