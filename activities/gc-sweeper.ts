// What one product contributes to `acp gc` (activities/gc.ts): a way to list what it holds tagged
// acp:managed=true in a region, and a way to release one such resource that returns only once the
// resource is really gone, so whatever it was using (a security group, a vSwitch) can go next.
// Plus the retry and wait loops every product's release shares; they heartbeat when they run
// inside the `gcSweep` activity and work the same when `acp gc` calls them directly.
import { Context } from '@temporalio/activity';
import type { AlibabaClients } from './clients';
import { describeSdkError, toFailure } from './errors';
import { WORKFLOW_TAG } from './tags';

export type ManagedType =
  | 'instance'
  | 'security-group'
  | 'vswitch'
  | 'vpc'
  | 'function'
  | 'cluster'
  | 'k8s-job'
  | 'dlc-job'
  | 'oss-bucket';

/** The service whose API holds the resource: acp's product ids, plus vpc for the networks. */
export type GcProduct = 'ecs' | 'vpc' | 'fc' | 'ack' | 'pai' | 'oss';

export const PRODUCT_OF: Record<ManagedType, GcProduct> = {
  instance: 'ecs',
  'security-group': 'ecs',
  vswitch: 'vpc',
  vpc: 'vpc',
  function: 'fc',
  cluster: 'ack',
  'k8s-job': 'ack',
  'dlc-job': 'pai',
  'oss-bucket': 'oss',
};

export interface ManagedResource {
  product: GcProduct;
  type: ManagedType;
  /** The cloud id (a function's name; a Kubernetes Job as `<clusterId>/<namespace>/<name>`). */
  id: string;
  regionId: string;
  /** The acp:workflow-id tag; undefined when a resource carries acp:managed only. */
  workflowId?: string;
  tags: Record<string, string>;
}

export interface Sweeper {
  types: readonly ManagedType[];
  /** Everything of these types tagged acp:managed=true in the region, shared ones included. */
  list(clients: AlibabaClients, regionId: string): Promise<ManagedResource[]>;
  /** Releases one resource and resolves once it is gone; NotFound is 'gone'. */
  release(clients: AlibabaClients, r: ManagedResource): Promise<'released' | 'gone'>;
}

export function managedResource(
  type: ManagedType,
  id: string,
  regionId: string,
  tags: Record<string, string>,
): ManagedResource {
  const workflowId = tags[WORKFLOW_TAG];
  return { product: PRODUCT_OF[type], type, id, regionId, tags, ...(workflowId ? { workflowId } : {}) };
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

/** Heartbeats when running as an activity; does nothing when `acp gc` calls this directly. */
export function beat(details: unknown): void {
  try {
    Context.current().heartbeat(details);
  } catch {
    // not inside an activity
  }
}

export const pause = (ms: number) => new Promise((r) => setTimeout(r, ms));

const POLL_MS = 500;
const MAX_ATTEMPTS = 40;

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

/**
 * One release call, retried on transient answers (throttling, 5xx, DependencyViolation right after
 * what depended on it went) and on the product's own "not now" codes; NotFound is 'gone'.
 */
export async function releaseOne(
  operation: string,
  call: () => Promise<unknown>,
  alsoRetry: readonly string[] = [],
): Promise<'released' | 'gone'> {
  for (let attempt = 1; ; attempt++) {
    try {
      await call();
      return 'released';
    } catch (err) {
      const d = describeSdkError(err, operation);
      if (d.kind === 'not-found') return 'gone';
      const transient = d.kind === 'retryable' || alsoRetry.includes(d.code);
      if (!transient || attempt >= MAX_ATTEMPTS) throw toFailure(err, operation);
      beat({ retrying: operation, code: d.code });
      await pause(Math.min(POLL_MS * attempt, 3_000));
    }
  }
}

/**
 * Polls until `done()` says so, backing off up to `maxIntervalMs`; throws after `patienceMs` of
 * wall time. A look-up that fails transiently just counts as "not yet".
 */
export async function waitUntil(
  what: string,
  done: () => Promise<boolean>,
  patienceMs: number,
  maxIntervalMs = 3_000,
): Promise<void> {
  const deadline = Date.now() + patienceMs;
  let interval = POLL_MS;
  for (;;) {
    const ok = await done().catch((err) => {
      if (describeSdkError(err, what).kind === 'retryable') return false;
      throw err;
    });
    if (ok) return;
    if (Date.now() > deadline)
      throw new Error(`gave up after ${patienceMs / 60_000} min waiting for ${what}`);
    beat({ waitingFor: what });
    await pause(interval);
    interval = Math.min(interval * 2, maxIntervalMs);
  }
}
