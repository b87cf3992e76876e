// ACK for the planner: Kubernetes itself, first for containers, second for services; a one-shot
// script or training job pays a cluster fee and a 5–15 min cluster start for nothing it needs.
import type { ProductFacts } from './facts';

export const ack: ProductFacts = {
  id: 'ack',
  name: 'ACK',
  textNames: /(?<![\w.])ack(?![\w.])|容器服务|container service for kubernetes/,
  fieldAliases: [],
  runs: ['oneshot', 'service', 'training'],
  kubernetes: true,
  checkpoints: false,
  tieOrder: 3,
  fit(intent) {
    if (intent.kind === 'service') return { feasible: true, rank: 1 };
    if (intent.kind === 'training') {
      return {
        feasible: false,
        reason:
          'one-shot training: a cluster fee and a 5–15 min cluster start buy nothing PAI-DLC or ECS lacks',
      };
    }
    if (intent.containers) return { feasible: true, rank: 0 };
    return {
      feasible: false,
      reason: 'a one-shot script needs no Kubernetes: a cluster fee and a 5–15 min cluster start for nothing',
    };
  },
};
