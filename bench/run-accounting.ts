// What the emulator says a set of provisioning runs did, per product: live resources a finished run
// still owns (leaks), resources a run owned twice (duplicates), and successful create calls in the
// call log against the resources they made (replays: a ClientToken create answered with the same
// resource). Shared by the chaos harness and the faults test.
import type { CallRecord } from '../emulator/world';
import type { Product } from '../planner/types';

/**
 * Each product runs in a region of its own. The call log names the region of a call, not the run
 * that made it, and products share actions (ECS and ACK call CreateVpc; ACK and PAI-DLC quotes call
 * ECS DescribePrice): one region per product splits the log per product. A named region is a lock,
 * so a run never fails over out of it. (FC's region is in its endpoint's host name, which the
 * emulator's single endpoint cannot carry: its calls are told apart by product instead.)
 */
export const PRODUCT_REGION: Record<Product, string> = {
  ecs: 'cn-hangzhou',
  fc: 'cn-shanghai',
  ack: 'cn-beijing',
  pai: 'cn-shenzhen',
};

/** Emulated APIs only one acp product calls. */
const PRODUCT_OF_API: Record<string, Product> = { fc: 'fc', cs: 'ack', dlc: 'pai' };

/**
 * What a run of each product creates itself: the resource type and the create call that makes it.
 * Resources the cloud makes on its own (ACK nodes, DLC pods, FC instances) only count as leaks. The
 * Kubernetes Job goes to the cluster's API server, which the ACS call log does not record.
 */
export const PRODUCT_CREATES: Record<Product, { type: string; action?: string }[]> = {
  ecs: [
    { type: 'vpc', action: 'CreateVpc' },
    { type: 'vswitch', action: 'CreateVSwitch' },
    { type: 'security-group', action: 'CreateSecurityGroup' },
    { type: 'instance', action: 'RunInstances' },
  ],
  fc: [{ type: 'function', action: 'CreateFunction' }],
  ack: [
    { type: 'vpc', action: 'CreateVpc' },
    { type: 'vswitch', action: 'CreateVSwitch' },
    { type: 'cluster', action: 'CreateCluster' },
    { type: 'k8s-job' },
  ],
  pai: [{ type: 'dlc-job', action: 'CreateJob' }],
};

/** A row of GET /__emulator/resources. */
export interface ResourceRow {
  type: string;
  id: string;
  regionId: string;
  tags?: Record<string, string>;
}

/** A row of GET /__emulator/calls: the emulator's own call record, as far as the accounting reads it. */
export type CallRow = Pick<CallRecord, 'action' | 'product' | 'regionId' | 'code' | 'httpStatus' | 'at'>;

/** The acp product a call was made for (see PRODUCT_REGION). */
export function productOfCall(call: CallRow): Product | undefined {
  return (
    PRODUCT_OF_API[call.product] ??
    (Object.keys(PRODUCT_REGION) as Product[]).find((p) => PRODUCT_REGION[p] === call.regionId)
  );
}

/** The run a resource belongs to: its acp:workflow-id tag, or for a Kubernetes Job its cluster's. */
function ownerOf(ever: ResourceRow[]): (r: ResourceRow) => string | undefined {
  const clusterOwner = new Map(
    ever.filter((r) => r.type === 'cluster').map((r) => [r.id, r.tags?.['acp:workflow-id']]),
  );
  return (r) =>
    r.tags?.['acp:workflow-id'] ??
    // The emulator names a Job <cluster id>/<namespace>/<name>; its labels cannot hold a workflow id.
    (r.type === 'k8s-job' ? clusterOwner.get(r.id.split('/')[0] ?? '') : undefined);
}

export interface RunAccount {
  /** Live resources owned by a run that finished. */
  leaks: number;
  /** Distinct resources beyond one per (run, type, step). */
  duplicates: number;
  /** Successful create calls (the Kubernetes Job's create is not in the call log). */
  creates: number;
  /** Successful create calls beyond one per resource made: same-resource ClientToken replays. */
  createReplays: number;
}

/**
 * Leaks, duplicates and create accounting for one product's runs. `ever` is every resource the
 * emulator held (released ones too), `live` the ones still alive.
 */
export function accountRuns(
  product: Product,
  runs: { workflowId: string; finished: boolean }[],
  ever: ResourceRow[],
  live: ResourceRow[],
  calls: CallRow[],
): RunAccount {
  const owner = ownerOf(ever);
  const ids = new Set(runs.map((r) => r.workflowId));
  const finished = new Set(runs.filter((r) => r.finished).map((r) => r.workflowId));
  const leaks = live.filter((r) => finished.has(owner(r) ?? '')).length;
  const mine = ever.filter((r) => ids.has(owner(r) ?? ''));
  const perStep = new Map<string, number>();
  for (const r of mine) {
    // A Kubernetes Job has no acp:step tag (labels cannot hold one); a run makes one Job.
    const key = `${owner(r)}\n${r.type}\n${r.tags?.['acp:step'] ?? ''}`;
    perStep.set(key, (perStep.get(key) ?? 0) + 1);
  }
  let duplicates = 0;
  for (const n of perStep.values()) if (n > 1) duplicates += n - 1;
  let creates = 0;
  let createReplays = 0;
  for (const { type, action } of PRODUCT_CREATES[product]) {
    if (!action) continue;
    const made = mine.filter((r) => r.type === type).length;
    const ok = calls.filter(
      (c) => c.action === action && c.code === 'OK' && productOfCall(c) === product,
    ).length;
    creates += ok;
    createReplays += ok - made;
  }
  return { leaks, duplicates, creates, createReplays };
}
