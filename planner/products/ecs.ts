// ECS for the planner: the general fallback that runs every kind of work, first for plain scripts
// and services, after the specialised products for training and containers.
import type { ProductFacts } from './facts';

export const ecs: ProductFacts = {
  id: 'ecs',
  name: 'ECS',
  textNames: /(?<![\w.])ecs(?![\w.])|云服务器|云主机|elastic compute/,
  fieldAliases: [],
  runs: ['oneshot', 'service', 'training'],
  kubernetes: false,
  checkpoints: true,
  tieOrder: 1,
  fit(intent) {
    if (intent.kind === 'training') return { feasible: true, rank: 2 };
    if (intent.kind === 'oneshot' && intent.containers) return { feasible: true, rank: 1 };
    return { feasible: true, rank: 0 };
  },
};
