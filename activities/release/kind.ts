// One release path per kind of resource acp makes (docs/architecture.md): a run's saga undoes its
// creates through these modules, and `acp gc` releases orphans through the very same ones, as
// Karpenter's garbage collector calls the same Delete as normal termination. A kind says how to list
// what acp holds of it in a region, how to find what one (workflow, step) made when the create's
// answer was lost, and how to release one resource: `release` resolves only once the resource is
// really gone, so whatever it was using (a security group, a vSwitch) can go next.
import type { AlibabaClients } from '../clients';
import { type Owner, WORKFLOW_TAG } from '../tags';

/** Every kind of resource acp creates and releases; `RELEASE_KINDS` has one module for each. */
export type ResourceKind =
  | 'instance'
  | 'security-group'
  | 'vswitch'
  | 'vpc'
  | 'function'
  | 'cluster'
  | 'k8s-job'
  | 'k8s-configmap'
  | 'dlc-job'
  | 'oss-bucket';

/**
 * What a run may record beyond what it releases: the region's SLS log project FC runs log to (kept,
 * shared), and 'unknown' for an undo that failed, whose label stands in for the id.
 */
export type RecordedKind = ResourceKind | 'log-project' | 'unknown';

/** The service whose API holds the resource: acp's product ids, plus vpc for the networks. */
export type GcProduct = 'ecs' | 'vpc' | 'fc' | 'ack' | 'pai' | 'oss';

export interface ManagedResource {
  product: GcProduct;
  type: ResourceKind;
  /** The cloud id (a function's name; a Kubernetes object as `<clusterId>/<namespace>/<name>`). */
  id: string;
  regionId: string;
  /** The acp:workflow-id tag; undefined when a resource carries acp:managed only. */
  workflowId?: string;
  tags: Record<string, string>;
}

/** What a saga's undo names: the id when its create answered, else the owner tags to find it by. */
export interface ReleaseTarget extends Owner {
  regionId: string;
  /** Known id; when absent the resource is looked up by its workflow and step tags. */
  id?: string;
}

export interface ReleaseOutcome {
  ids: string[];
  outcome: 'released' | 'gone';
}

export interface ReleaseKind {
  type: ResourceKind;
  product: GcProduct;
  /**
   * When `acp gc` may release it: everything of one stage goes before the next starts. Compute (0)
   * holds security groups (1), which hold vSwitches (2), which hold VPCs (3).
   */
  stage: 0 | 1 | 2 | 3;
  /** Everything of this kind tagged acp:managed=true in the region, shared ones included. */
  list(clients: AlibabaClients, regionId: string): Promise<ManagedResource[]>;
  /** The ids one (workflow, step) made: how an undo finds a resource whose create answer was lost. */
  findByOwner(clients: AlibabaClients, regionId: string, owner: Owner): Promise<string[]>;
  /** Releases one resource and resolves once it is gone; already gone is 'gone'. */
  release(clients: AlibabaClients, regionId: string, id: string): Promise<'released' | 'gone'>;
}

export function managedResource(
  kind: Pick<ReleaseKind, 'type' | 'product'>,
  id: string,
  regionId: string,
  tags: Record<string, string>,
): ManagedResource {
  const workflowId = tags[WORKFLOW_TAG];
  return {
    product: kind.product,
    type: kind.type,
    id,
    regionId,
    tags,
    ...(workflowId ? { workflowId } : {}),
  };
}

/** Tag lists as maps, whatever the product calls the fields (TagKey, Key, key …). */
export function tagMap<T>(
  tags: readonly T[] | undefined,
  key: (t: T) => string | undefined,
  value: (t: T) => string | undefined,
): Record<string, string> {
  const out: Record<string, string> = {};
  for (const t of tags ?? []) {
    const k = key(t);
    if (k) out[k] = value(t) ?? '';
  }
  return out;
}

/** PageNumber/PageSize listings: every page until the total is reached. */
export async function pages<T>(
  fetch: (page: number) => Promise<{ items: T[]; total: number }>,
): Promise<T[]> {
  const out: T[] = [];
  for (let page = 1; ; page++) {
    const { items, total } = await fetch(page);
    out.push(...items);
    if (items.length === 0 || out.length >= total) return out;
  }
}
