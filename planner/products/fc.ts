// Function Compute 3.0 for the planner: its limits, the function size that runs an intent (or why
// none does), and its descriptor. FC runs invocations that end, within one function's size.
import { GPU_CATALOGUE } from '../specs';
import { type Intent, IntentError } from '../types';
import type { LockedRequest, ProductFacts } from './facts';

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

const MAX_MEMORY_GIB = FC_LIMITS.maxMemoryMiB / 1024;

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
      `FC functions have at most ${MAX_MEMORY_GIB} GiB of memory; this job asks for ${intent.memoryGiB} GiB`,
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

/** A request locked to FC must fit one function: the field to change when it does not. */
function lockConflict(request: LockedRequest): IntentError | undefined {
  const { gpu, cpu, memoryGiB, durationMinutes } = request;
  if (gpu && !GPU_CATALOGUE[gpu.model].fcGpuType) {
    return new IntentError('gpu.model', `Function Compute offers T4 and A10 GPUs, not ${gpu.model}`);
  }
  if (gpu && gpu.count > 1) return new IntentError('gpu.count', 'a Function Compute function gets one GPU');
  if (cpu > FC_LIMITS.maxCpu) {
    return new IntentError(
      'cpu',
      `Function Compute functions have at most ${FC_LIMITS.maxCpu} vCPU, not ${cpu}`,
    );
  }
  if (memoryGiB > MAX_MEMORY_GIB) {
    return new IntentError(
      'memoryGiB',
      `Function Compute functions have at most ${MAX_MEMORY_GIB} GiB, not ${memoryGiB}`,
    );
  }
  if (durationMinutes * 60 > FC_LIMITS.maxTimeoutSeconds) {
    return new IntentError('durationMinutes', 'a Function Compute invocation runs at most 24 h');
  }
  return undefined;
}

export const fc: ProductFacts = {
  id: 'fc',
  name: 'Function Compute',
  textNames: /function\s*compute|(?<![\w.])fc(?![\w.])|函数计算/,
  fieldAliases: ['function compute', 'functioncompute'],
  runs: ['oneshot', 'training'],
  kubernetes: false,
  checkpoints: false,
  tieOrder: 2,
  fit(intent) {
    const size = fcFit(intent);
    if (!size.fits) return { feasible: false, reason: size.reason ?? 'not a candidate for this kind of job' };
    // A container job runs its image where acp has Docker: an ECS instance or an ACK node.
    if (intent.kind === 'oneshot' && intent.containers) {
      return { feasible: false, reason: 'not a candidate for this kind of job' };
    }
    return { feasible: true, rank: 1 };
  },
  lockConflict,
};
