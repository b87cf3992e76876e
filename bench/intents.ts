// The two intents the quote and optimality benchmarks use, what the skill baseline is given for each
// (the skill takes cores + memory, or an explicit instance type for GPU work), and the job the
// independent exhaustive search is given (bench/exhaustive.ts reads no acp code, so it gets the
// shape spelled out).
import type { ProvisionRequest } from '../planner/types';
import type { Job } from './exhaustive';

export interface BenchIntent {
  name: string;
  request: ProvisionRequest;
  skill: { cores?: number; memoryGiB?: number; instanceType?: string };
  job: Job;
}

export const GPU_INTENT: BenchIntent = {
  name: 'GPU 1× A10, 2 h training',
  request: {
    intent: 'fine-tune a model on 1x A10 for 2 hours',
    // The smallest A10 type's vCPU and memory, spelled out so every searcher is given the same job.
    cpu: 8,
    memoryGiB: 30,
    script: { content: 'import torch\nprint(torch.cuda.is_available())\ntrainer.train()\n' },
  },
  // The smallest A10 type: what a skill user names for one A10.
  skill: { instanceType: 'ecs.gn7i-c8g1.2xlarge' },
  job: { cpu: 8, memoryGiB: 30, gpu: { model: 'A10', count: 1 }, minutes: 120, kind: 'training' },
};

export const CPU_INTENT: BenchIntent = {
  name: 'CPU 8 vCPU 16 GiB, 1 h script',
  request: { cpu: 8, memoryGiB: 16, durationMinutes: 60, script: { content: 'echo crunching; sleep 1' } },
  skill: { cores: 8, memoryGiB: 16 },
  job: { cpu: 8, memoryGiB: 16, minutes: 60, kind: 'script' },
};

/** The 2 vCPU 4 GiB case: many families and sizes fit (the old 4-smallest rule never priced g6.large). */
export const CPU_SMALL_INTENT: BenchIntent = {
  name: 'CPU 2 vCPU 4 GiB, 30 min script',
  request: { cpu: 2, memoryGiB: 4, durationMinutes: 30, script: { content: 'echo small; sleep 1' } },
  skill: { cores: 2, memoryGiB: 4 },
  job: { cpu: 2, memoryGiB: 4, minutes: 30, kind: 'script' },
};

/** The planner's 5 mainland regions (what acp and the skill's _FALLBACK_REGIONS both use by default). */
export const REGIONS_5 = ['cn-hangzhou', 'cn-shanghai', 'cn-beijing', 'cn-shenzhen', 'cn-zhangjiakou'];
/** 5 mainland + the 3 nearest overseas regions the emulator sells in. */
export const REGIONS_8 = [...REGIONS_5, 'cn-hongkong', 'ap-southeast-1', 'ap-northeast-1'];
