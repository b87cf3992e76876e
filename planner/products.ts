// Which products may run the job (DESIGN §1 step 4). The tree only narrows: when more than one
// product remains, every one is quoted with real prices and the cheapest feasible wins (the skill's
// anti-bias rule — nobody is "obviously cheaper" from memory).
//
//   product named            → only that product (a lock: every fallback stays inside it)
//   Kubernetes named         → ACK
//   long-running service     → ECS, ACK          (FC and PAI-DLC run jobs, not services)
//   AI training              → PAI-DLC, FC (T4/A10, ≤ 24 h, within FC limits), ECS
//   containers (docker)      → ACK, ECS          (see note below)
//   otherwise                → ECS, + FC when it fits FC's limits
//
// Containers: DESIGN says "Kubernetes/containers → ACK". acp keeps ACK for both but also quotes ECS for
// a plain "run a docker container": nothing asks for orchestration, acp's docker template runs the
// image on one ECS instance, and a one-shot container should not be forced to pay a cluster fee and a
// 5–15 min cluster start. When the user says Kubernetes/k8s, ACK is the only candidate.

import { GPU_CATALOGUE } from './specs';
import { type Intent, PRODUCTS, type Product } from './types';

/** Function Compute 3.0 limits (CreateFunctionInput field docs; FC limits page). */
export const FC_LIMITS = {
  maxCpu: 16,
  minCpu: 0.05,
  cpuStep: 0.05,
  minMemoryMiB: 128,
  maxMemoryMiB: 32_768,
  memoryStepMiB: 64,
  /** Memory (GB) per vCPU must lie between 1 and 4. */
  minGiBPerCpu: 1,
  maxGiBPerCpu: 4,
  maxTimeoutSeconds: 86_400,
  /** Synchronous invocations are capped at 10 minutes; longer runs are invoked asynchronously. */
  maxSyncSeconds: 600,
} as const;

export interface FcFit {
  fits: boolean;
  reason?: string;
  /** vCPU for CreateFunction, adjusted to FC's 0.05 steps and ratio rule. */
  cpu: number;
  /** memorySize for CreateFunction, MiB, a multiple of 64. */
  memoryMiB: number;
  gpu?: { gpuType: 'fc.gpu.tesla.1' | 'fc.gpu.ampere.1'; gpuMemoryMiB: number };
  /** Function timeout, seconds (the expected run time, at most 86 400). */
  timeoutSeconds: number;
}

const ceilTo = (value: number, step: number) => Math.ceil(Math.round((value / step) * 1e6) / 1e6) * step;
const round2 = (n: number) => Math.round(n * 100) / 100;

/**
 * Whether Function Compute can run this intent, and the function size that does. Memory or vCPU is
 * raised (never lowered) to satisfy the 1–4 GB-per-vCPU rule; GPU functions get a whole card (16 GB
 * T4 or 24 GB A10), which FC also requires for idle-mode billing.
 */
export function fcFit(intent: Intent): FcFit {
  let cpu = round2(Math.max(FC_LIMITS.minCpu, ceilTo(intent.cpu, FC_LIMITS.cpuStep)));
  let memoryMiB = Math.max(FC_LIMITS.minMemoryMiB, ceilTo(intent.memoryGiB * 1024, FC_LIMITS.memoryStepMiB));
  const timeoutSeconds = Math.min(FC_LIMITS.maxTimeoutSeconds, Math.ceil(intent.durationMinutes * 60));
  const result = (fits: boolean, reason?: string): FcFit => {
    const gpuFacts = intent.gpu ? GPU_CATALOGUE[intent.gpu.model] : undefined;
    const gpu =
      gpuFacts?.fcGpuType !== undefined
        ? { gpuType: gpuFacts.fcGpuType, gpuMemoryMiB: gpuFacts.memoryGiB * 1024 }
        : undefined;
    return { fits, reason, cpu, memoryMiB, timeoutSeconds, ...(gpu ? { gpu } : {}) };
  };

  if (intent.kind === 'service') {
    return result(false, 'Function Compute runs invocations of at most 24 h, not long-running services');
  }
  if (intent.durationMinutes * 60 > FC_LIMITS.maxTimeoutSeconds) {
    return result(
      false,
      `an FC invocation runs at most 24 h; this job is expected to take ${fmtHours(intent.durationMinutes)}`,
    );
  }
  if (intent.gpu) {
    if (!GPU_CATALOGUE[intent.gpu.model].fcGpuType) {
      return result(
        false,
        `FC GPU functions offer T4 (fc.gpu.tesla.1) and A10 (fc.gpu.ampere.1), not ${intent.gpu.model}`,
      );
    }
    if (intent.gpu.count > 1) {
      return result(
        false,
        `an FC function gets one GPU; this job asks for ${intent.gpu.count}× ${intent.gpu.model}`,
      );
    }
  }
  if (intent.cpu > FC_LIMITS.maxCpu) {
    return result(
      false,
      `FC functions have at most ${FC_LIMITS.maxCpu} vCPU; this job asks for ${intent.cpu}`,
    );
  }
  if (memoryMiB > FC_LIMITS.maxMemoryMiB) {
    return result(
      false,
      `FC functions have at most 32 GiB of memory; this job asks for ${intent.memoryGiB} GiB`,
    );
  }
  // Bring memory/vCPU into 1..4 GB per vCPU by raising whichever side is short.
  if (memoryMiB / 1024 < cpu * FC_LIMITS.minGiBPerCpu) {
    memoryMiB = ceilTo(cpu * 1024 * FC_LIMITS.minGiBPerCpu, FC_LIMITS.memoryStepMiB);
  }
  if (memoryMiB / 1024 > cpu * FC_LIMITS.maxGiBPerCpu) {
    cpu = round2(ceilTo(memoryMiB / 1024 / FC_LIMITS.maxGiBPerCpu, FC_LIMITS.cpuStep));
  }
  if (cpu > FC_LIMITS.maxCpu || memoryMiB > FC_LIMITS.maxMemoryMiB) {
    return result(false, 'no FC size satisfies both the vCPU/memory asked for and the 1–4 GB per vCPU rule');
  }
  return result(true);
}

function fmtHours(minutes: number): string {
  return `${Math.round((minutes / 60) * 10) / 10} h`;
}

/** The products to quote for this intent, in the order the tree names them. */
export function candidateProducts(intent: Intent): Product[] {
  if (intent.product) return [intent.product];
  if (intent.kubernetes) return ['ack'];
  if (intent.kind === 'service') return ['ecs', 'ack'];
  if (intent.kind === 'training') return fcFit(intent).fits ? ['pai', 'fc', 'ecs'] : ['pai', 'ecs'];
  if (intent.containers) return ['ack', 'ecs'];
  return fcFit(intent).fits ? ['ecs', 'fc'] : ['ecs'];
}

/**
 * Why a product is not a candidate, for the "not feasible: why" rows of the comparison; undefined
 * when it is one.
 */
export function whyNot(product: Product, intent: Intent): string | undefined {
  if (candidateProducts(intent).includes(product)) return undefined;
  if (intent.product) return `you asked for ${intent.product}; acp stays inside the product you name`;
  if (intent.kubernetes) return 'you asked for Kubernetes; only ACK runs it';
  switch (product) {
    case 'fc':
      return fcFit(intent).reason ?? 'not a candidate for this kind of job';
    case 'pai':
      return intent.kind === 'service'
        ? 'PAI-DLC runs training jobs that end, not long-running services'
        : 'PAI-DLC is for AI training; this is a plain script';
    case 'ack':
      return intent.kind === 'training'
        ? 'one-shot training: a cluster fee and a 5–15 min cluster start buy nothing PAI-DLC or ECS lacks'
        : 'a one-shot script needs no Kubernetes: a cluster fee and a 5–15 min cluster start for nothing';
    case 'ecs':
      return 'not a candidate for this job';
  }
}

/** Every product with its place in the decision: the candidates, and why each other one is not. */
export function productDecisions(
  intent: Intent,
): { product: Product; candidate: boolean; reason?: string }[] {
  const candidates = candidateProducts(intent);
  return PRODUCTS.map((product) =>
    candidates.includes(product)
      ? { product, candidate: true }
      : { product, candidate: false, reason: whyNot(product, intent) },
  );
}
