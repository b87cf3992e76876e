// The two intents the quote and optimality benchmarks use, and what the skill baseline is given for
// each (the skill takes cores + memory, or an explicit instance type for GPU work).
import type { ProvisionRequest } from '../planner/types';

export interface BenchIntent {
  name: string;
  request: ProvisionRequest;
  skill: { cores?: number; memoryGiB?: number; instanceType?: string };
}

export const GPU_INTENT: BenchIntent = {
  name: 'GPU 1× A10, 2 h training',
  request: {
    intent: 'fine-tune a model on 1x A10 for 2 hours',
    script: { content: 'import torch\nprint(torch.cuda.is_available())\ntrainer.train()\n' },
  },
  // The smallest A10 type: what a skill user names for one A10.
  skill: { instanceType: 'ecs.gn7i-c8g1.2xlarge' },
};

export const CPU_INTENT: BenchIntent = {
  name: 'CPU 8 vCPU 16 GiB, 1 h script',
  request: { cpu: 8, memoryGiB: 16, durationMinutes: 60, script: { content: 'echo crunching; sleep 1' } },
  skill: { cores: 8, memoryGiB: 16 },
};

/** The planner's 5 mainland regions (what acp and the skill's _FALLBACK_REGIONS both use by default). */
export const REGIONS_5 = ['cn-hangzhou', 'cn-shanghai', 'cn-beijing', 'cn-shenzhen', 'cn-zhangjiakou'];
/** 5 mainland + the 3 nearest overseas regions the emulator sells in. */
export const REGIONS_8 = [...REGIONS_5, 'cn-hongkong', 'ap-southeast-1', 'ap-northeast-1'];
