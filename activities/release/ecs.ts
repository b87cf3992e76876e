// Releasing ECS instances and security groups. Both are found by the Tag filter of their Describe
// call. An instance goes with force (an orphan's may still be running; IncorrectInstanceStatus while
// it is still Pending is retried) and counts as released only once DescribeInstances no longer shows
// it: its security group and vSwitch refuse deletion until then.
import type { AlibabaClients } from '../clients';
import { alibabaCall } from '../errors';
import { sdk } from '../sdk';
import { MANAGED_TAG, type Owner, STEP_TAG, WORKFLOW_TAG } from '../tags';
import { type ManagedResource, managedResource, pages, type ReleaseKind, tagMap } from './kind';
import { gaveUp, releaseOne, waitUntil } from './retry';

const PAGE = 50;
/** Released instances leave DescribeInstances within a minute or two. */
const INSTANCE_PATIENCE_MS = 10 * 60_000;

const ecsTags = (t?: { tag?: { tagKey?: string; tagValue?: string }[] }) =>
  tagMap(
    t?.tag,
    (x) => x.tagKey,
    (x) => x.tagValue,
  );

/** Tag filters for one (workflow, step), or for everything acp manages. */
function tagFilter(owner?: Owner): { key: string; value: string }[] {
  return owner
    ? [
        { key: WORKFLOW_TAG, value: owner.workflowId },
        { key: STEP_TAG, value: owner.step },
      ]
    : [{ key: MANAGED_TAG, value: 'true' }];
}

function instancesTagged(clients: AlibabaClients, regionId: string, owner?: Owner) {
  return pages(async (pageNumber) => {
    const r = await alibabaCall(
      `DescribeInstances tagged ${owner ? owner.step : MANAGED_TAG} in ${regionId}`,
      () =>
        clients.ecs(regionId).describeInstances(
          new sdk.ecs.DescribeInstancesRequest({
            regionId,
            pageNumber,
            pageSize: PAGE,
            tag: tagFilter(owner).map((t) => new sdk.ecs.DescribeInstancesRequestTag(t)),
          }),
        ),
    );
    return { items: r.body?.instances?.instance ?? [], total: r.body?.totalCount ?? 0 };
  });
}

function securityGroupsTagged(clients: AlibabaClients, regionId: string, owner?: Owner) {
  return pages(async (pageNumber) => {
    const r = await alibabaCall(
      `DescribeSecurityGroups tagged ${owner ? owner.step : MANAGED_TAG} in ${regionId}`,
      () =>
        clients.ecs(regionId).describeSecurityGroups(
          new sdk.ecs.DescribeSecurityGroupsRequest({
            regionId,
            pageNumber,
            pageSize: PAGE,
            tag: tagFilter(owner).map((t) => new sdk.ecs.DescribeSecurityGroupsRequestTag(t)),
          }),
        ),
    );
    return { items: r.body?.securityGroups?.securityGroup ?? [], total: r.body?.totalCount ?? 0 };
  });
}

const ids = (xs: { id?: string }[]) => xs.map((x) => x.id).filter((x): x is string => !!x);

export const instance: ReleaseKind = {
  type: 'instance',
  product: 'ecs',
  stage: 0,
  async list(clients, regionId) {
    const out: ManagedResource[] = [];
    for (const i of await instancesTagged(clients, regionId))
      if (i.instanceId) out.push(managedResource(instance, i.instanceId, regionId, ecsTags(i.tags)));
    return out;
  },
  async findByOwner(clients, regionId, owner) {
    return ids((await instancesTagged(clients, regionId, owner)).map((i) => ({ id: i.instanceId })));
  },
  async release(clients, regionId, id) {
    const outcome = await releaseOne(`DeleteInstance ${id}`, () =>
      clients
        .ecs(regionId)
        .deleteInstance(new sdk.ecs.DeleteInstanceRequest({ instanceId: id, force: true })),
    );
    const what = `instance ${id} to be gone`;
    const gone = await waitUntil(
      what,
      async () => {
        const found = await alibabaCall(`DescribeInstances ${id}`, () =>
          clients
            .ecs(regionId)
            .describeInstances(
              new sdk.ecs.DescribeInstancesRequest({ regionId, instanceIds: JSON.stringify([id]) }),
            ),
        );
        return (found.body?.instances?.instance ?? []).length === 0;
      },
      INSTANCE_PATIENCE_MS,
    );
    if (!gone) throw gaveUp(what, INSTANCE_PATIENCE_MS);
    return outcome;
  },
};

export const securityGroup: ReleaseKind = {
  type: 'security-group',
  product: 'ecs',
  stage: 1,
  async list(clients, regionId) {
    const out: ManagedResource[] = [];
    for (const g of await securityGroupsTagged(clients, regionId))
      if (g.securityGroupId)
        out.push(managedResource(securityGroup, g.securityGroupId, regionId, ecsTags(g.tags)));
    return out;
  },
  async findByOwner(clients, regionId, owner) {
    return ids(
      (await securityGroupsTagged(clients, regionId, owner)).map((g) => ({ id: g.securityGroupId })),
    );
  },
  release(clients, regionId, id) {
    return releaseOne(`DeleteSecurityGroup ${id}`, () =>
      clients
        .ecs(regionId)
        .deleteSecurityGroup(new sdk.ecs.DeleteSecurityGroupRequest({ regionId, securityGroupId: id })),
    );
  },
};
