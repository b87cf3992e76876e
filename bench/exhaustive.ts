// The optimum acp is measured against, found without any of acp's code: its own official SDK clients,
// every instance type in every zone of every region, every product acp sells (ECS, FC, ACK, PAI-DLC),
// its own reading of "fits" and its own arithmetic. Nothing here imports planner/, workflows/ or
// activities/: if acp's planner is wrong, this search does not share the mistake.
//
// What "fits a job" means here, from Alibaba's documentation rather than from acp:
// - an instance type fits when it has at least the vCPUs and GiB asked for, and either no GPU (none
//   asked) or at least the asked number of cards of the asked GPU model; shared-core types
//   (DescribeInstanceTypes InstanceFamilyLevel "CreditEntryLevel": burstable t5/t6) do not fit a job
//   that keeps its CPU busy;
// - ECS: a type with stock in some zone of the region (DescribeAvailableResource, asked zone by zone),
//   priced by DescribePrice with the 40 GiB ESSD system disk every instance carries;
// - ACK: an ECS type of at least 2 vCPU and 4 GiB as the one node, plus the ACK Pro cluster fee;
// - PAI-DLC: a public-resource spec that ListEcsSpecs lists as available, billed job duration × DLC's
//   price of the spec: PAI's one published price (China site: ecs.g6.2xlarge in cn-shanghai, CNY
//   2.02/h, "DLC计费说明", help.aliyun.com/document_detail/171758), every other spec at its ECS
//   instance list price (no system disk) × the ratio that example shows (ECS lists it at CNY 2.00);
// - FC 3.0: one-shot jobs of at most 24 h, at most 16 vCPU and 32 GiB with 1–4 GiB per vCPU (vCPU in
//   0.05 steps, memory in 64 MiB steps), one whole T4 (16 GB) or A10 (24 GB) card for GPU jobs; the
//   cheapest such size, at FC's published unit prices (FC has no price API).
// Totals are hourly × minutes ÷ 60 rounded to the fen; FC adds its one request.
import Ecs, * as $Ecs from '@alicloud/ecs20140526';
import OpenApi, { $OpenApiUtil } from '@alicloud/openapi-core';
import * as $dara from '@darabonba/typescript';

export interface Job {
  cpu: number;
  memoryGiB: number;
  gpu?: { model: string; count: number };
  minutes: number;
  /**
   * What the job is (the decision tree, step 4 in docs/architecture.md): a script ends; training is an AI training job, the
   * only kind PAI-DLC is for; a service runs until stopped, which FC and PAI-DLC (jobs that end)
   * cannot host.
   */
  kind: 'script' | 'training' | 'service';
}

export type Product = 'ecs' | 'fc' | 'ack' | 'pai';

export interface Placement {
  product: Product;
  regionId: string;
  zoneIds: string[];
  spec: string;
  hourly: number;
  total: number;
}

export interface Target {
  endpoint: string;
  accessKeyId: string;
  accessKeySecret: string;
}

/** FC 3.0 China-site unit prices (Alibaba's compute-provision skill, references/fc.md, 2026-05-14). */
const FC_PRICE = {
  vcpuSecond: 0.00003167,
  gbSecond: 0.00000397,
  request: 0.0133 / 10_000,
  /** Active GPU, per GB of card memory per second (FC GPU billing notice, effective 2024-06-14). */
  gpuGbSecond: 0.00011,
};
/** Whole cards FC offers: T4 16 GB (fc.gpu.tesla.1), A10 24 GB (fc.gpu.ampere.1). */
const FC_CARDS: Record<string, number> = { T4: 16, A10: 24 };
/** PAI-DLC's published China-site price and the ECS list price of the same spec there. */
const DLC_PUBLISHED: Record<string, number> = { 'cn-shanghai/ecs.g6.2xlarge': 2.02 };
const DLC_EXAMPLE_ECS_LIST = 2.0;
/** ACK Pro cluster fee, CNY per hour (China site; Alibaba's compute-provision skill, 2026-05-14). */
const ACK_PRO_FEE = 0.64;
const SYSTEM_DISK = { category: 'cloud_essd', size: 40 };

const fen = (cny: number) => Math.round(Number((cny * 100).toFixed(6))) / 100;
const totalOf = (hourly: number, minutes: number) => fen((hourly * minutes) / 60);

interface TypeFacts {
  id: string;
  cpu: number;
  memoryGiB: number;
  gpus: number;
  gpuSpec: string;
  shared: boolean;
}

/** "NVIDIA A10" names the A10, "NVIDIA A100" does not. */
const gpuIs = (spec: string, model: string) =>
  new RegExp(`(^|[^A-Za-z0-9])${model}([^0-9]|$)`, 'i').test(spec);

function fits(t: Omit<TypeFacts, 'id' | 'shared'>, job: Job): boolean {
  if (t.cpu < job.cpu || t.memoryGiB < job.memoryGiB) return false;
  if (!job.gpu) return t.gpus === 0;
  return t.gpus >= job.gpu.count && gpuIs(t.gpuSpec, job.gpu.model);
}

export function clientsFor(target: Target) {
  const config = (regionId: string) =>
    new $OpenApiUtil.Config({
      accessKeyId: target.accessKeyId,
      accessKeySecret: target.accessKeySecret,
      endpoint: target.endpoint,
      protocol: 'http',
      regionId,
      readTimeout: 30_000,
      connectTimeout: 30_000,
    });
  const ecs = new Map<string, Ecs>();
  const dlc = new Map<string, OpenApi>();
  return {
    ecs: (regionId: string) =>
      ecs.get(regionId) ?? ecs.set(regionId, new Ecs(config(regionId))).get(regionId)!,
    dlc: (regionId: string) =>
      dlc.get(regionId) ?? dlc.set(regionId, new OpenApi(config(regionId))).get(regionId)!,
  };
}

type Clients = ReturnType<typeof clientsFor>;

async function instanceTypes(c: Clients): Promise<TypeFacts[]> {
  const out: TypeFacts[] = [];
  let token: string | undefined;
  do {
    const r = await c
      .ecs('cn-hangzhou')
      .describeInstanceTypes(
        new $Ecs.DescribeInstanceTypesRequest({ maxResults: 100, ...(token ? { nextToken: token } : {}) }),
      );
    for (const t of r.body?.instanceTypes?.instanceType ?? []) {
      if (!t.instanceTypeId) continue;
      out.push({
        id: t.instanceTypeId,
        cpu: t.cpuCoreCount ?? 0,
        memoryGiB: t.memorySize ?? 0,
        gpus: t.GPUAmount ?? 0,
        gpuSpec: t.GPUSpec ?? '',
        shared: t.instanceFamilyLevel === 'CreditEntryLevel',
      });
    }
    token = r.body?.nextToken || undefined;
  } while (token);
  return out;
}

/** Zone → types with stock, asking each zone on its own. */
async function stockByZone(c: Clients, regionId: string): Promise<Map<string, Set<string>>> {
  const zones = await c
    .ecs(regionId)
    .describeZones(new $Ecs.DescribeZonesRequest({ regionId, verbose: false }));
  const out = new Map<string, Set<string>>();
  for (const z of zones.body?.zones?.zone ?? []) {
    if (!z.zoneId) continue;
    const r = await c.ecs(regionId).describeAvailableResource(
      new $Ecs.DescribeAvailableResourceRequest({
        regionId,
        zoneId: z.zoneId,
        destinationResource: 'InstanceType',
        instanceChargeType: 'PostPaid',
      }),
    );
    const inStock = new Set<string>();
    for (const zone of r.body?.availableZones?.availableZone ?? []) {
      if (zone.zoneId !== z.zoneId || zone.status !== 'Available') continue;
      for (const res of zone.availableResources?.availableResource ?? [])
        for (const s of res.supportedResources?.supportedResource ?? [])
          if (s.value && s.status === 'Available') inStock.add(s.value);
    }
    out.set(z.zoneId, inStock);
  }
  return out;
}

/** DescribePrice of a type: the whole instance with its system disk, and the type's own line. */
async function describePrice(
  c: Clients,
  regionId: string,
  type: string,
): Promise<{ withDisk: number; typeOnly: number } | undefined> {
  try {
    const r = await c.ecs(regionId).describePrice(
      new $Ecs.DescribePriceRequest({
        regionId,
        resourceType: 'instance',
        instanceType: type,
        priceUnit: 'Hour',
        period: 1,
        amount: 1,
        internetMaxBandwidthOut: 0,
        systemDisk: new $Ecs.DescribePriceRequestSystemDisk(SYSTEM_DISK),
      }),
    );
    const price = r.body?.priceInfo?.price;
    if (price?.tradePrice === undefined) return undefined;
    const line = (price.detailInfos?.detailInfo ?? []).find((d) => d.resource === 'instanceType');
    return { withDisk: price.tradePrice, typeOnly: line?.tradePrice ?? price.tradePrice };
  } catch (err) {
    if ((err as { code?: string }).code === 'PriceNotFound') return undefined; // not sold here
    throw err;
  }
}

interface DlcSpec {
  type: string;
  cpu: number;
  memoryGiB: number;
  gpus: number;
  gpuSpec: string;
  available: boolean;
}

async function dlcSpecs(c: Clients, regionId: string, accelerator: 'CPU' | 'GPU'): Promise<DlcSpec[]> {
  const out: DlcSpec[] = [];
  for (let page = 1; ; page++) {
    const params = new $OpenApiUtil.Params({
      action: 'ListEcsSpecs',
      version: '2020-12-03',
      protocol: 'HTTPS',
      pathname: '/api/v1/ecsspecs',
      method: 'GET',
      authType: 'AK',
      style: 'ROA',
      reqBodyType: 'json',
      bodyType: 'json',
    });
    const query = {
      AcceleratorType: accelerator,
      PageNumber: String(page),
      PageSize: '50',
      RegionId: regionId,
    };
    const r = (await c
      .dlc(regionId)
      .callApi(params, new $OpenApiUtil.OpenApiRequest({ query }), new $dara.RuntimeOptions({}))) as {
      body?: { EcsSpecs?: Record<string, unknown>[]; TotalCount?: number };
    };
    const specs = r.body?.EcsSpecs ?? [];
    for (const s of specs)
      out.push({
        type: String(s.InstanceType),
        cpu: Number(s.Cpu ?? 0),
        memoryGiB: Number(s.Memory ?? 0),
        gpus: Number(s.Gpu ?? 0),
        gpuSpec: String(s.GpuType ?? ''),
        available: s.IsAvailable === true,
      });
    if (specs.length === 0 || out.length >= Number(r.body?.TotalCount ?? 0)) return out;
  }
}

/** The cheapest FC size for the job, or undefined when FC cannot run it. */
export function cheapestFunction(job: Job): { hourly: number; total: number; spec: string } | undefined {
  if (job.kind === 'service' || job.minutes > 24 * 60) return undefined;
  let gpuGb = 0;
  if (job.gpu) {
    const card = FC_CARDS[job.gpu.model.toUpperCase()];
    if (card === undefined || job.gpu.count !== 1) return undefined;
    gpuGb = card;
  }
  let best: { hourly: number; spec: string } | undefined;
  // vCPU in 0.05 steps from what was asked to 16; for each, the least memory that is enough and keeps
  // 1–4 GiB per vCPU (memory in 64 MiB steps, 128 MiB – 32 GiB).
  for (let steps = Math.ceil(job.cpu / 0.05 - 1e-9); steps <= 320; steps++) {
    const cpu = Math.max(0.05, steps * 0.05);
    const memMiB = Math.max(128, Math.ceil(Math.max(job.memoryGiB, cpu) * 16 - 1e-9) * 64);
    if (memMiB > 32_768 || memMiB / 1024 > cpu * 4) continue;
    const perSecond =
      cpu * FC_PRICE.vcpuSecond + (memMiB / 1024) * FC_PRICE.gbSecond + gpuGb * FC_PRICE.gpuGbSecond;
    const hourly = perSecond * 3600;
    if (!best || hourly < best.hourly)
      best = { hourly, spec: `${Number(cpu.toFixed(2))} vCPU ${memMiB} MiB` };
  }
  if (!best) return undefined;
  return { ...best, total: fen((best.hourly * job.minutes) / 60 + FC_PRICE.request) };
}

export interface Optimum {
  best?: Placement;
  byProduct: Partial<Record<Product, Placement>>;
  /** Every feasible placement found, to price any pick against. */
  all: Placement[];
  /** The instance types that fit the job, smallest first (fewest GPUs, vCPUs, GiB, then name). */
  fittingSmallestFirst: string[];
  /** Prices asked of the cloud. */
  priced: number;
}

/** The cheapest way any product can run the job in the given regions. */
export async function trueCheapest(target: Target, job: Job, regions: string[]): Promise<Optimum> {
  const c = clientsFor(target);
  const types = (await instanceTypes(c)).filter((t) => !t.shared);
  const byProduct: Partial<Record<Product, Placement>> = {};
  const all: Placement[] = [];
  const consider = (p: Placement) => {
    all.push(p);
    const cur = byProduct[p.product];
    if (!cur || p.total < cur.total) byProduct[p.product] = p;
  };
  let priced = 0;
  const nodeJob = { ...job, cpu: Math.max(job.cpu, 2), memoryGiB: Math.max(job.memoryGiB, 4) };
  for (const regionId of regions) {
    const stock = await stockByZone(c, regionId);
    const zonesOf = (type: string) => [...stock].filter(([, s]) => s.has(type)).map(([z]) => z);
    const prices = new Map<string, Awaited<ReturnType<typeof describePrice>>>();
    const priceOf = async (type: string) => {
      if (!prices.has(type)) {
        prices.set(type, await describePrice(c, regionId, type));
        priced += 1;
      }
      return prices.get(type);
    };
    for (const t of types) {
      const zoneIds = zonesOf(t.id);
      const asEcs = fits(t, job);
      const asNode = fits(t, nodeJob);
      if (zoneIds.length === 0 || (!asEcs && !asNode)) continue;
      const price = await priceOf(t.id);
      if (!price) continue;
      if (asEcs) {
        const hourly = price.withDisk;
        consider({
          product: 'ecs',
          regionId,
          zoneIds,
          spec: t.id,
          hourly,
          total: totalOf(hourly, job.minutes),
        });
      }
      if (asNode) {
        const hourly = price.withDisk + ACK_PRO_FEE;
        consider({
          product: 'ack',
          regionId,
          zoneIds,
          spec: t.id,
          hourly,
          total: totalOf(hourly, job.minutes),
        });
      }
    }
    if (job.kind === 'training') {
      for (const s of await dlcSpecs(c, regionId, job.gpu ? 'GPU' : 'CPU')) {
        if (!s.available || !fits({ ...s }, job)) continue;
        const price = await priceOf(s.type);
        if (!price) continue;
        const hourly =
          DLC_PUBLISHED[`${regionId}/${s.type}`] ??
          Math.round(
            ((price.typeOnly * DLC_PUBLISHED['cn-shanghai/ecs.g6.2xlarge']!) / DLC_EXAMPLE_ECS_LIST) * 10_000,
          ) / 10_000;
        consider({
          product: 'pai',
          regionId,
          zoneIds: [],
          spec: s.type,
          hourly,
          total: totalOf(hourly, job.minutes),
        });
      }
    }
  }
  const fc = cheapestFunction(job);
  if (fc && regions[0])
    consider({
      product: 'fc',
      regionId: regions[0],
      zoneIds: [],
      spec: fc.spec,
      hourly: fc.hourly,
      total: fc.total,
    });
  const best = Object.values(byProduct).sort((a, b) => a.total - b.total)[0];
  const fittingSmallestFirst = types
    .filter((t) => fits(t, job))
    .sort((a, b) => a.gpus - b.gpus || a.cpu - b.cpu || a.memoryGiB - b.memoryGiB || a.id.localeCompare(b.id))
    .map((t) => t.id);
  return { ...(best ? { best } : {}), byProduct, all, fittingSmallestFirst, priced };
}
