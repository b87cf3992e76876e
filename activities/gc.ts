// The orphan sweeper's I/O (DESIGN §3 `acp gc`, Karpenter's garbage collection): every resource
// tagged acp:managed=true in the given regions, found through the official SDKs' Tag filters, and its
// release in dependency order (instance → security group → vSwitch → VPC; NotFound = done).
// A resource is an orphan when the workflow named by its acp:workflow-id tag is closed or unknown to
// Temporal: a running workflow still owns (and will release) what it made.
import * as $Ecs from '@alicloud/ecs20140526';
import * as $Vpc from '@alicloud/vpc20160428';
import { Context } from '@temporalio/activity';
import type { Client } from '@temporalio/client';
import type { AlibabaClients } from './clients';
import { alibabaCall, describeSdkError, toFailure } from './errors';
import { MANAGED_TAG, SHARED_TAG, WORKFLOW_TAG } from './tags';

export type ManagedType = 'instance' | 'security-group' | 'vswitch' | 'vpc';

export interface ManagedResource {
  type: ManagedType;
  id: string;
  regionId: string;
  /** The acp:workflow-id tag; undefined when a resource carries acp:managed only. */
  workflowId?: string;
  tags: Record<string, string>;
}

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

/** Release order: what depends on a resource goes first. */
export const RELEASE_ORDER: ManagedType[] = ['instance', 'security-group', 'vswitch', 'vpc'];
const PAGE = 50;
const POLL_MS = 500;
const MAX_ATTEMPTS = 40;

const ecsTags = (t?: { tag?: { tagKey?: string; tagValue?: string }[] }) =>
  Object.fromEntries((t?.tag ?? []).map((x) => [x.tagKey ?? '', x.tagValue ?? '']));
const vpcTags = (t?: { tag?: { key?: string; value?: string }[] }) =>
  Object.fromEntries((t?.tag ?? []).map((x) => [x.key ?? '', x.value ?? '']));

/** Heartbeats when running as an activity; does nothing when `acp gc` calls this directly. */
function beat(details: unknown): void {
  try {
    Context.current().heartbeat(details);
  } catch {
    // not inside an activity
  }
}

const pause = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function pages<T>(fetch: (page: number) => Promise<{ items: T[]; total: number }>): Promise<T[]> {
  const out: T[] = [];
  for (let page = 1; ; page++) {
    const { items, total } = await fetch(page);
    out.push(...items);
    if (items.length === 0 || out.length >= total) return out;
  }
}

/** The regions this account can use (ECS DescribeRegions): where `acp gc` looks by default. */
export async function accountRegions(clients: AlibabaClients): Promise<string[]> {
  const r = await alibabaCall('DescribeRegions', () =>
    clients.ecs('cn-hangzhou').describeRegions(new $Ecs.DescribeRegionsRequest({ acceptLanguage: 'en-US' })),
  );
  return (r.body?.regions?.region ?? []).map((x) => x.regionId).filter((x): x is string => !!x);
}

/** Every resource tagged acp:managed=true in these regions. Shared VPCs are never anyone's orphan. */
export async function listManagedResources(
  clients: AlibabaClients,
  regions: string[],
): Promise<ManagedResource[]> {
  const out: ManagedResource[] = [];
  const add = (type: ManagedType, id: string | undefined, regionId: string, tags: Record<string, string>) => {
    if (!id || tags[MANAGED_TAG] !== 'true' || tags[SHARED_TAG] === 'true') return;
    out.push({ type, id, regionId, tags, ...(tags[WORKFLOW_TAG] ? { workflowId: tags[WORKFLOW_TAG] } : {}) });
  };
  for (const regionId of regions) {
    try {
      await listRegion(regionId);
    } catch (err) {
      // A region this account cannot use holds nothing of ours.
      if ((err as { type?: string })?.type?.startsWith('InvalidRegionId')) continue;
      throw err;
    }
  }
  return out;

  async function listRegion(regionId: string): Promise<void> {
    const ecs = clients.ecs(regionId);
    const vpc = clients.vpc(regionId);
    const instances = await pages(async (pageNumber) => {
      const r = await alibabaCall(`DescribeInstances tagged ${MANAGED_TAG} in ${regionId}`, () =>
        ecs.describeInstances(
          new $Ecs.DescribeInstancesRequest({
            regionId,
            pageNumber,
            pageSize: PAGE,
            tag: [new $Ecs.DescribeInstancesRequestTag({ key: MANAGED_TAG, value: 'true' })],
          }),
        ),
      );
      return { items: r.body?.instances?.instance ?? [], total: r.body?.totalCount ?? 0 };
    });
    for (const i of instances) add('instance', i.instanceId, regionId, ecsTags(i.tags));
    const groups = await pages(async (pageNumber) => {
      const r = await alibabaCall(`DescribeSecurityGroups tagged ${MANAGED_TAG} in ${regionId}`, () =>
        ecs.describeSecurityGroups(
          new $Ecs.DescribeSecurityGroupsRequest({
            regionId,
            pageNumber,
            pageSize: PAGE,
            tag: [new $Ecs.DescribeSecurityGroupsRequestTag({ key: MANAGED_TAG, value: 'true' })],
          }),
        ),
      );
      return { items: r.body?.securityGroups?.securityGroup ?? [], total: r.body?.totalCount ?? 0 };
    });
    for (const g of groups) add('security-group', g.securityGroupId, regionId, ecsTags(g.tags));
    const vSwitches = await pages(async (pageNumber) => {
      const r = await alibabaCall(`DescribeVSwitches tagged ${MANAGED_TAG} in ${regionId}`, () =>
        vpc.describeVSwitches(
          new $Vpc.DescribeVSwitchesRequest({
            regionId,
            pageNumber,
            pageSize: PAGE,
            tag: [new $Vpc.DescribeVSwitchesRequestTag({ key: MANAGED_TAG, value: 'true' })],
          }),
        ),
      );
      return { items: r.body?.vSwitches?.vSwitch ?? [], total: r.body?.totalCount ?? 0 };
    });
    for (const s of vSwitches) add('vswitch', s.vSwitchId, regionId, vpcTags(s.tags));
    const vpcs = await pages(async (pageNumber) => {
      const r = await alibabaCall(`DescribeVpcs tagged ${MANAGED_TAG} in ${regionId}`, () =>
        vpc.describeVpcs(
          new $Vpc.DescribeVpcsRequest({
            regionId,
            pageNumber,
            pageSize: PAGE,
            tag: [new $Vpc.DescribeVpcsRequestTag({ key: MANAGED_TAG, value: 'true' })],
          }),
        ),
      );
      return { items: r.body?.vpcs?.vpc ?? [], total: r.body?.totalCount ?? 0 };
    });
    for (const v of vpcs) add('vpc', v.vpcId, regionId, vpcTags(v.tags));
  }
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

/** Retries a release on transient answers (throttling, 5xx, DependencyViolation right after a delete). */
async function releaseOne(operation: string, call: () => Promise<unknown>): Promise<'released' | 'gone'> {
  for (let attempt = 1; ; attempt++) {
    try {
      await call();
      return 'released';
    } catch (err) {
      const d = describeSdkError(err, operation);
      if (d.kind === 'not-found') return 'gone';
      if (d.kind !== 'retryable' || attempt >= MAX_ATTEMPTS) throw toFailure(err, operation);
      beat({ retrying: operation, code: d.code });
      await pause(Math.min(POLL_MS * attempt, 3_000));
    }
  }
}

async function waitInstanceGone(clients: AlibabaClients, r: ManagedResource): Promise<void> {
  for (let attempt = 1; attempt <= MAX_ATTEMPTS * 4; attempt++) {
    const found = await alibabaCall(`DescribeInstances ${r.id}`, () =>
      clients
        .ecs(r.regionId)
        .describeInstances(
          new $Ecs.DescribeInstancesRequest({ regionId: r.regionId, instanceIds: JSON.stringify([r.id]) }),
        ),
    ).catch((err) => {
      if (describeSdkError(err, 'DescribeInstances').kind === 'retryable') return undefined;
      throw err;
    });
    if (found && (found.body?.instances?.instance ?? []).length === 0) return;
    beat({ waitingFor: r.id });
    await pause(POLL_MS);
  }
  throw new Error(`instance ${r.id} was still there after its release`);
}

function releaseCallFor(clients: AlibabaClients, r: ManagedResource): () => Promise<unknown> {
  const { regionId, id } = r;
  switch (r.type) {
    case 'instance':
      return () =>
        clients.ecs(regionId).deleteInstance(new $Ecs.DeleteInstanceRequest({ instanceId: id, force: true }));
    case 'security-group':
      return () =>
        clients
          .ecs(regionId)
          .deleteSecurityGroup(new $Ecs.DeleteSecurityGroupRequest({ regionId, securityGroupId: id }));
    case 'vswitch':
      return () =>
        clients.vpc(regionId).deleteVSwitch(new $Vpc.DeleteVSwitchRequest({ regionId, vSwitchId: id }));
    case 'vpc':
      return () => clients.vpc(regionId).deleteVpc(new $Vpc.DeleteVpcRequest({ regionId, vpcId: id }));
  }
}

const OPERATION: Record<ManagedType, string> = {
  instance: 'DeleteInstance',
  'security-group': 'DeleteSecurityGroup',
  vswitch: 'DeleteVSwitch',
  vpc: 'DeleteVpc',
};

/** Releases resources in dependency order; one failure does not stop the others. */
export async function releaseManagedResources(
  clients: AlibabaClients,
  resources: ManagedResource[],
): Promise<GcRelease> {
  const report: GcRelease = { released: [], gone: [], failed: [] };
  for (const type of RELEASE_ORDER) {
    const batch = resources.filter((r) => r.type === type);
    await Promise.all(
      batch.map(async (r) => {
        try {
          const outcome = await releaseOne(`${OPERATION[type]} ${r.id}`, releaseCallFor(clients, r));
          // A security group cannot go until its instance is really gone.
          if (type === 'instance') await waitInstanceGone(clients, r);
          report[outcome].push(r);
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
