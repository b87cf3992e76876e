// The orphan sweeper's I/O (`acp gc`, Karpenter's garbage collection): every resource tagged
// acp:managed=true in the given regions, of every kind acp makes, and its release in dependency order
// through the same release path a run's saga takes (activities/release/).
// A resource is an orphan when the workflow named by its acp:workflow-id tag is closed or unknown to
// Temporal: a running workflow still owns (and will release) what it made. A resource tagged
// acp:shared=true (a VPC or cluster every run of a region reuses) is never anyone's orphan.

import { Context } from '@temporalio/activity';
import type { Client } from '@temporalio/client';
import type { AlibabaClients } from './clients';
import { alibabaCall } from './errors';
import { type ManagedResource, RELEASE_KINDS, RELEASE_STAGES, type ResourceKind } from './release';
import { sdk } from './sdk';
import { MANAGED_TAG, SHARED_TAG, WORKFLOW_TAG } from './tags';

export type { ManagedResource } from './release';

export interface Orphan extends ManagedResource {
  /** Why it is an orphan: the owning workflow's close status, or that Temporal does not know it. */
  reason: string;
}

export interface GcRelease {
  released: ManagedResource[];
  /** Already gone when acp came to release it. */
  gone: ManagedResource[];
  failed: (ManagedResource & { error: string })[];
}

/** Answers that mean "this product is not offered here": nothing of acp's can be there either. */
function notOfferedHere(err: unknown): boolean {
  const code = (err as { type?: string })?.type ?? '';
  // An unknown regional endpoint (FC, PAI-DLC) does not resolve at all.
  return code.startsWith('InvalidRegionId') || code === 'ENOTFOUND';
}

/** The regions this account can use (ECS DescribeRegions): where `acp gc` looks by default. */
export async function accountRegions(clients: AlibabaClients): Promise<string[]> {
  const r = await alibabaCall('DescribeRegions', () =>
    clients
      .ecs('cn-hangzhou')
      .describeRegions(new sdk.ecs.DescribeRegionsRequest({ acceptLanguage: 'en-US' })),
  );
  return (r.body?.regions?.region ?? []).map((x) => x.regionId).filter((x): x is string => !!x);
}

/** Every resource tagged acp:managed=true in these regions, minus the shared ones. */
export async function listManagedResources(
  clients: AlibabaClients,
  regions: string[],
): Promise<ManagedResource[]> {
  const seen = new Map<string, ManagedResource>();
  for (const regionId of regions) {
    for (const kind of Object.values(RELEASE_KINDS)) {
      let found: ManagedResource[];
      try {
        found = await kind.list(clients, regionId);
      } catch (err) {
        if (notOfferedHere(err)) continue;
        throw err;
      }
      for (const r of found) {
        if (r.tags[MANAGED_TAG] !== 'true' || r.tags[SHARED_TAG] === 'true') continue;
        // One address may answer for several regions (a function's ARN names its own): keep one.
        seen.set(`${r.type} ${r.regionId} ${r.id}`, r);
      }
    }
  }
  return [...seen.values()];
}

/** 'running', or why the workflow can no longer release what it made. */
export async function workflowState(client: Client, workflowId: string): Promise<'running' | string> {
  try {
    const d = await client.workflow.getHandle(workflowId).describe();
    return d.status.name === 'RUNNING' ? 'running' : `workflow ${workflowId} is ${d.status.name}`;
  } catch (err) {
    if ((err as Error)?.name === 'WorkflowNotFoundError')
      return `workflow ${workflowId} is unknown to Temporal`;
    throw err;
  }
}

/** The managed resources whose workflow is closed or unknown. */
export async function orphansAmong(client: Client, resources: ManagedResource[]): Promise<Orphan[]> {
  const states = new Map<string, string>();
  const out: Orphan[] = [];
  for (const r of resources) {
    if (!r.workflowId) {
      out.push({ ...r, reason: `tagged ${MANAGED_TAG} without ${WORKFLOW_TAG}` });
      continue;
    }
    if (!states.has(r.workflowId)) states.set(r.workflowId, await workflowState(client, r.workflowId));
    const state = states.get(r.workflowId)!;
    if (state !== 'running') out.push({ ...r, reason: state });
  }
  return out;
}

/** How many of each type, e.g. {instance: 2, vpc: 3}: the one-line summary of a sweep. */
export function countByType(resources: readonly ManagedResource[]): Partial<Record<ResourceKind, number>> {
  const out: Partial<Record<ResourceKind, number>> = {};
  for (const r of resources) out[r.type] = (out[r.type] ?? 0) + 1;
  return out;
}

/** Releases resources stage by stage (RELEASE_STAGES); one failure does not stop the others. */
export async function releaseManagedResources(
  clients: AlibabaClients,
  resources: ManagedResource[],
): Promise<GcRelease> {
  const report: GcRelease = { released: [], gone: [], failed: [] };
  for (const stage of RELEASE_STAGES) {
    const batch = resources.filter((r) => stage.includes(r.type));
    await Promise.all(
      batch.map(async (r) => {
        try {
          report[await RELEASE_KINDS[r.type].release(clients, r.regionId, r.id)].push(r);
        } catch (err) {
          report.failed.push({ ...r, error: err instanceof Error ? err.message : String(err) });
        }
      }),
    );
  }
  return report;
}

/** The sweeper as activities (the `gcSweep` workflow); the Temporal client is the worker's. */
export function createGcActivities(clients: AlibabaClients) {
  return {
    async findOrphanedResources(input: { regions?: string[] }): Promise<Orphan[]> {
      const regions = input.regions?.length ? input.regions : await accountRegions(clients);
      const managed = await listManagedResources(clients, regions);
      return orphansAmong(Context.current().client, managed);
    },
    async releaseOrphanedResources(input: { resources: ManagedResource[] }): Promise<GcRelease> {
      return releaseManagedResources(clients, input.resources);
    },
  };
}
