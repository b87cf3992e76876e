// acp's knowledge of instance types: which ECS families carry which GPU, the vCPU:memory families,
// and the defaults a request leaves out. The facts that decide a quote (stock, exact sizes, prices)
// come from the cloud at run time (DescribeInstanceTypes, DescribeAvailableResource, ListEcsSpecs);
// this catalogue maps an intent onto families and offers fallbacks when a spec is sold out.
//
// Sources: `sparecores` = SpareCores' crawl of Alibaba's instance types (github.com/SpareCores/
// sc-data-dumps, data/server/alicloud/*.json, dump of 2026-01-31);
// `naming` = derived from the family naming rule (large = 2 vCPU, xlarge = 4, Nxlarge = 4N; c 1:2,
// g 1:4, r 1:8 GiB per vCPU); `unverified` = from Alibaba's family pages as remembered, not checked
// against a copy here: the quote confirms or drops them.

import type { GpuModel, Intent, TaskKind } from './types';

export interface InstanceTypeFacts {
  type: string;
  cpu: number;
  memoryGiB: number;
  gpuAmount: number;
  /** As DescribeInstanceTypes spells it ("NVIDIA A10"); empty or absent for CPU types. */
  gpuSpec?: string;
  /** Memory of one GPU card, GiB. */
  gpuMemoryGiB?: number;
  source?: 'sparecores' | 'naming' | 'unverified';
}

/** Facts as the runtime has them: the shape `fitsIntent` reads. */
export type TypeFacts = Pick<InstanceTypeFacts, 'cpu' | 'memoryGiB' | 'gpuAmount' | 'gpuSpec'>;

export interface GpuFacts {
  model: GpuModel;
  /** Memory of one card, GiB (the smallest variant when a model comes in two). */
  memoryGiB: number;
  /** ECS instance families that carry this GPU. */
  ecsFamilies: string[];
  /** FC 3.0 GPU type, only for the GPUs Function Compute offers. */
  fcGpuType?: 'fc.gpu.tesla.1' | 'fc.gpu.ampere.1';
  /** vCPU and memory per card of the smallest type, for models with no catalogued type of a given count. */
  perCard: { cpu: number; memoryGiB: number };
}

export const GPU_MODELS: readonly GpuModel[] = ['T4', 'V100', 'A10', 'A100', 'P100', 'H800', 'L20'];

export const GPU_CATALOGUE: Record<GpuModel, GpuFacts> = {
  T4: {
    model: 'T4',
    memoryGiB: 16,
    ecsFamilies: ['gn6i'],
    fcGpuType: 'fc.gpu.tesla.1',
    perCard: { cpu: 4, memoryGiB: 15 },
  },
  V100: { model: 'V100', memoryGiB: 16, ecsFamilies: ['gn6v', 'gn6e'], perCard: { cpu: 8, memoryGiB: 32 } },
  A10: {
    model: 'A10',
    memoryGiB: 24,
    ecsFamilies: ['gn7i', 'ebmgn7i'],
    fcGpuType: 'fc.gpu.ampere.1',
    perCard: { cpu: 8, memoryGiB: 30 },
  },
  A100: {
    model: 'A100',
    memoryGiB: 40,
    ecsFamilies: ['gn7', 'ebmgn7', 'gn7e', 'ebmgn7e', 'ebmgn7ex'],
    perCard: { cpu: 12, memoryGiB: 94 },
  },
  P100: { model: 'P100', memoryGiB: 16, ecsFamilies: ['gn5'], perCard: { cpu: 4, memoryGiB: 30 } },
  // No catalogued ECS types: H800 is sold mainly through PAI Lingjun, L20 through newer gn8 families.
  // The quote finds types by GPU model from DescribeInstanceTypes / ListEcsSpecs.
  H800: { model: 'H800', memoryGiB: 80, ecsFamilies: [], perCard: { cpu: 16, memoryGiB: 128 } },
  L20: { model: 'L20', memoryGiB: 48, ecsFamilies: [], perCard: { cpu: 16, memoryGiB: 64 } },
};

const gpu = (
  type: string,
  cpu: number,
  memoryGiB: number,
  gpuAmount: number,
  model: GpuModel,
  gpuMemoryGiB: number,
  source: InstanceTypeFacts['source'],
): InstanceTypeFacts => ({
  type,
  cpu,
  memoryGiB,
  gpuAmount,
  gpuSpec: `NVIDIA ${model}`,
  gpuMemoryGiB,
  source,
});

export const GPU_TYPES: InstanceTypeFacts[] = [
  gpu('ecs.gn6i-c4g1.xlarge', 4, 15, 1, 'T4', 16, 'sparecores'),
  gpu('ecs.gn6i-c8g1.2xlarge', 8, 31, 1, 'T4', 16, 'unverified'),
  gpu('ecs.gn6i-c16g1.4xlarge', 16, 62, 1, 'T4', 16, 'unverified'),
  gpu('ecs.gn6i-c24g1.12xlarge', 48, 186, 2, 'T4', 16, 'unverified'),
  gpu('ecs.gn6i-c24g1.24xlarge', 96, 372, 4, 'T4', 16, 'unverified'),
  gpu('ecs.gn6v-c8g1.2xlarge', 8, 32, 1, 'V100', 16, 'sparecores'),
  gpu('ecs.gn6v-c8g1.8xlarge', 32, 128, 4, 'V100', 16, 'unverified'),
  gpu('ecs.gn6v-c8g1.16xlarge', 64, 256, 8, 'V100', 16, 'unverified'),
  gpu('ecs.gn7i-c8g1.2xlarge', 8, 30, 1, 'A10', 24, 'sparecores'),
  gpu('ecs.gn7i-c16g1.4xlarge', 16, 60, 1, 'A10', 24, 'sparecores'),
  gpu('ecs.gn7i-c32g1.8xlarge', 32, 188, 1, 'A10', 24, 'sparecores'),
  gpu('ecs.gn7i-2x.8xlarge', 32, 128, 2, 'A10', 24, 'unverified'),
  gpu('ecs.ebmgn7i.32xlarge', 128, 768, 4, 'A10', 24, 'sparecores'),
  gpu('ecs.gn7-c12g1.3xlarge', 12, 94, 1, 'A100', 40, 'sparecores'),
  gpu('ecs.ebmgn7.26xlarge', 104, 768, 8, 'A100', 40, 'sparecores'),
  gpu('ecs.ebmgn7e.32xlarge', 128, 1024, 8, 'A100', 80, 'sparecores'),
  gpu('ecs.ebmgn7ex.32xlarge', 128, 1024, 8, 'A100', 80, 'sparecores'),
  gpu('ecs.gn5-c4g1.xlarge', 4, 30, 1, 'P100', 16, 'unverified'),
];

/** vCPU:memory families (ECS guide: c for batch compute, g for web/middleware, r for databases). */
export const CPU_FAMILIES = [
  { letter: 'c', ratio: 2, families: ['c7', 'c8i'], use: 'compute-optimised, batch jobs' },
  { letter: 'g', ratio: 4, families: ['g7', 'g8i'], use: 'general purpose, web and services' },
  { letter: 'r', ratio: 8, families: ['r7'], use: 'memory-optimised, databases and caches' },
] as const;

export type CpuFamilyLetter = (typeof CPU_FAMILIES)[number]['letter'];

const SIZES: [string, number][] = [
  ['large', 2],
  ['xlarge', 4],
  ['2xlarge', 8],
  ['4xlarge', 16],
  ['8xlarge', 32],
  ['16xlarge', 64],
];

const FACT_CPU_TYPES = new Set([
  'ecs.c7.large',
  'ecs.c7.xlarge',
  'ecs.c7.2xlarge',
  'ecs.g7.large',
  'ecs.g7.xlarge',
  'ecs.g7.2xlarge',
  'ecs.g7.4xlarge',
  'ecs.r7.large',
  'ecs.r7.xlarge',
  'ecs.g8i.large',
  'ecs.g8i.xlarge',
  'ecs.g8i.2xlarge',
  'ecs.g8i.4xlarge',
  'ecs.c8i.large',
  'ecs.c8i.xlarge',
  'ecs.c8i.2xlarge',
  'ecs.c8i.4xlarge',
]);

export const CPU_TYPES: InstanceTypeFacts[] = CPU_FAMILIES.flatMap((f) =>
  f.families.flatMap((family) =>
    SIZES.map(([size, cpu]): InstanceTypeFacts => {
      const type = `ecs.${family}.${size}`;
      return {
        type,
        cpu,
        memoryGiB: cpu * f.ratio,
        gpuAmount: 0,
        source: FACT_CPU_TYPES.has(type) ? 'sparecores' : 'naming',
      };
    }),
  ),
);

/** PAI-DLC public resource group specs are ECS instance types; these are the ones acp asks for. */
export const PAI_DLC_SPECS: string[] = [
  'ecs.c6.large',
  'ecs.c6.xlarge',
  'ecs.g6.xlarge',
  ...GPU_TYPES.filter((t) => !t.type.startsWith('ecs.ebm') || t.gpuAmount === 8).map((t) => t.type),
];

export const CATALOGUE: InstanceTypeFacts[] = [...CPU_TYPES, ...GPU_TYPES];

export function instanceTypeFacts(type: string): InstanceTypeFacts | undefined {
  return CATALOGUE.find((t) => t.type === type);
}

/** "ecs.gn7i-c8g1.2xlarge" → family "gn7i"; "ecs.g7.xlarge" → "g7". */
export function familyOfType(type: string): string {
  const body = type.replace(/^ecs\./, '').split('.')[0];
  return body.split('-')[0];
}

/** Default expected run time by task kind, minutes. Training depends on the model (see below). */
export const DEFAULT_DURATION_MINUTES: Record<TaskKind, number> = {
  // A one-shot script (build, data job, test run): half an hour. ECS bills > 4 vCPU per second,
  // so over-estimating only raises the quote, never the bill.
  oneshot: 30,
  // A service runs until teardown or TTL; it is quoted for one day.
  service: 24 * 60,
  // Training with no model named: two hours, the ECS guide's low end for model training (1–24 h).
  training: 120,
};

/**
 * GPU and run time a fine-tune of a model of this size needs when the user names neither. It assumes
 * a parameter-efficient fine-tune (LoRA/QLoRA) on one node — the common case for "fine-tune qwen-7b" —
 * and is a starting point the user overrides with "on 8 A100s" or "for 6 hours".
 */
export const MODEL_SIZE_DEFAULTS: {
  maxB: number;
  gpu: { model: GpuModel; count: number };
  minutes: number;
}[] = [
  { maxB: 1.5, gpu: { model: 'T4', count: 1 }, minutes: 60 },
  { maxB: 8, gpu: { model: 'A10', count: 1 }, minutes: 120 },
  { maxB: 14, gpu: { model: 'A100', count: 1 }, minutes: 240 },
  { maxB: 34, gpu: { model: 'A100', count: 4 }, minutes: 480 },
  { maxB: Number.POSITIVE_INFINITY, gpu: { model: 'A100', count: 8 }, minutes: 720 },
];

export function modelSizeDefaults(sizeB: number): (typeof MODEL_SIZE_DEFAULTS)[number] {
  return MODEL_SIZE_DEFAULTS.find((d) => sizeB <= d.maxB)!;
}

/** vCPU and memory to ask for when the user names only a GPU: its smallest type with that many cards. */
export function gpuShape(model: GpuModel, count: number): { cpu: number; memoryGiB: number; type?: string } {
  const smallest = rankTypes(
    GPU_TYPES.filter((t) => gpuModelOf(t.gpuSpec) === model && t.gpuAmount === count),
  )[0];
  if (smallest) return { cpu: smallest.cpu, memoryGiB: smallest.memoryGiB, type: smallest.type };
  const per = GPU_CATALOGUE[model].perCard;
  return { cpu: per.cpu * count, memoryGiB: per.memoryGiB * count };
}

/** Default vCPU/memory by kind when neither is given and no GPU is named. */
export const DEFAULT_SHAPE: Record<TaskKind, { cpu: number; memoryGiB: number }> = {
  oneshot: { cpu: 2, memoryGiB: 4 },
  service: { cpu: 2, memoryGiB: 4 },
  training: { cpu: 4, memoryGiB: 16 },
};

/** The GPU model a DescribeInstanceTypes/ListEcsSpecs GPU spec names ("NVIDIA A10", "Tesla-V100-16G"). */
export function gpuModelOf(gpuSpec: string | undefined): GpuModel | undefined {
  if (!gpuSpec) return undefined;
  const s = gpuSpec.toUpperCase();
  // Longest names first so "A100" is not read as "A10".
  for (const m of [...GPU_MODELS].sort((a, b) => b.length - a.length)) {
    if (new RegExp(`(^|[^A-Z0-9])${m}([^0-9]|$)`).test(s)) return m;
  }
  return undefined;
}

export interface FamilyChoice {
  /** 'gn' for GPU families, otherwise the vCPU:memory family letter. */
  letter: CpuFamilyLetter | 'gn';
  families: string[];
  /** GiB per vCPU the family offers (CPU families only). */
  ratio?: number;
  description: string;
}

/** The ECS families that fit an intent: the GPU's families, or c/g/r by memory per vCPU. */
export function familyFor(intent: Pick<Intent, 'cpu' | 'memoryGiB' | 'gpu'>): FamilyChoice {
  if (intent.gpu) {
    const g = GPU_CATALOGUE[intent.gpu.model];
    return {
      letter: 'gn',
      families: g.ecsFamilies,
      description: `GPU ${g.model} (${g.ecsFamilies.join(', ') || 'by GPU model'})`,
    };
  }
  const perCpu = intent.memoryGiB / intent.cpu;
  const f = CPU_FAMILIES.find((x) => perCpu <= x.ratio) ?? CPU_FAMILIES[CPU_FAMILIES.length - 1];
  return {
    letter: f.letter,
    families: [...f.families],
    ratio: f.ratio,
    description: `${f.letter} 1:${f.ratio} (${f.use})`,
  };
}

/**
 * A type fits when it has at least the vCPU and memory asked for and the right GPU: the named model
 * with at least that many cards, or no GPU at all when none was asked for (nobody pays for an idle GPU).
 */
export function fitsIntent(t: TypeFacts, intent: Pick<Intent, 'cpu' | 'memoryGiB' | 'gpu'>): boolean {
  if (t.cpu < intent.cpu || t.memoryGiB < intent.memoryGiB) return false;
  if (!intent.gpu) return t.gpuAmount === 0;
  return t.gpuAmount >= intent.gpu.count && gpuModelOf(t.gpuSpec) === intent.gpu.model;
}

/**
 * Burstable (shared-core) families (ecs.t5, ecs.t6, …) throttle a busy CPU to a baseline: a job that
 * runs flat out would crawl, so acp never offers them.
 */
export function isBurstable(type: string): boolean {
  return /^ecs\.t\d/.test(type);
}

function rankTypes<T extends TypeFacts & { type?: string; instanceType?: string }>(types: T[]): T[] {
  return [...types].sort(
    (a, b) =>
      a.gpuAmount - b.gpuAmount ||
      a.cpu - b.cpu ||
      a.memoryGiB - b.memoryGiB ||
      (a.type ?? a.instanceType ?? '').localeCompare(b.type ?? b.instanceType ?? ''),
  );
}

/** The types that fit, smallest first (fewest GPUs, then vCPU, then memory, then name). */
export function rankCandidateTypes<T extends TypeFacts & { type?: string; instanceType?: string }>(
  types: T[],
  intent: Pick<Intent, 'cpu' | 'memoryGiB' | 'gpu'>,
): T[] {
  return rankTypes(types.filter((t) => fitsIntent(t, intent)));
}

/**
 * Catalogued types smaller than `type` in its family (or with its GPU model), the next smaller first —
 * the "downgrade" step after zones and regions are exhausted, and the over-budget alternative. With an
 * intent, only those that still fit it.
 */
export function smallerSpecs(
  type: string,
  intent?: Pick<Intent, 'cpu' | 'memoryGiB' | 'gpu'>,
): InstanceTypeFacts[] {
  const t = instanceTypeFacts(type);
  if (!t) return [];
  const model = gpuModelOf(t.gpuSpec);
  return rankTypes(
    CATALOGUE.filter(
      (c) =>
        c.type !== type &&
        // Same family for CPU types (g7 → smaller g7); same GPU model across families for GPU types.
        (model ? gpuModelOf(c.gpuSpec) === model : familyOfType(c.type) === familyOfType(type)) &&
        c.gpuAmount <= t.gpuAmount &&
        c.cpu <= t.cpu &&
        c.memoryGiB <= t.memoryGiB &&
        (c.cpu < t.cpu || c.memoryGiB < t.memoryGiB || c.gpuAmount < t.gpuAmount) &&
        (!intent || fitsIntent(c, intent)),
    ),
  ).reverse();
}

/** Other catalogued types that fit the intent, smallest first: where to go when `type` is sold out. */
export function alternativeSpecs(
  type: string,
  intent: Pick<Intent, 'cpu' | 'memoryGiB' | 'gpu'>,
): InstanceTypeFacts[] {
  return rankCandidateTypes(
    CATALOGUE.filter((c) => c.type !== type),
    intent,
  );
}
