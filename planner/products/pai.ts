// PAI-DLC for the planner: made for AI training, so first for it and not compared for anything else.
// Named, it also runs a plain script; it never runs a service.
import type { ProductFacts } from './facts';

export const pai: ProductFacts = {
  id: 'pai',
  name: 'PAI-DLC',
  textNames: /(?<![\w.])pai(?:-dlc)?(?![\w.])|(?<![\w.])dlc(?![\w.])|人工智能平台/,
  fieldAliases: ['pai-dlc', 'dlc', 'pai dlc'],
  runs: ['oneshot', 'training'],
  kubernetes: false,
  checkpoints: true,
  tieOrder: 0,
  fit(intent) {
    if (intent.kind === 'training') return { feasible: true, rank: 0 };
    if (intent.kind === 'service') {
      return { feasible: false, reason: 'PAI-DLC runs training jobs that end, not long-running services' };
    }
    return { feasible: false, reason: 'PAI-DLC is for AI training; this is a plain script' };
  },
};
