// `acp gc` for ECS and VPC: instances, security groups, vSwitches and VPCs tagged acp:managed=true,
// found with the Tag filter of each Describe call, released with force (an orphan's instance may
// still be running). An instance release waits until DescribeInstances no longer shows it: its
// security group and vSwitch refuse deletion until then.
import * as $Ecs from '@alicloud/ecs20140526';
import * as $Vpc from '@alicloud/vpc20160428';
import type { AlibabaClients } from './clients';
import { alibabaCall } from './errors';
import {
  type ManagedResource,
  managedResource,
  pages,
  releaseOne,
  type Sweeper,
  tagMap,
  waitUntil,
} from './gc-sweeper';
import { MANAGED_TAG } from './tags';

const PAGE = 50;
/** Released instances leave DescribeInstances within a minute or two. */
const INSTANCE_PATIENCE_MS = 10 * 60_000;

const ecsTags = (t?: { tag?: { tagKey?: string; tagValue?: string }[] }) =>
  tagMap(
    t?.tag,
    (x) => x.tagKey,
    (x) => x.tagValue,
  );
const vpcTags = (t?: { tag?: { key?: string; value?: string }[] }) =>
  tagMap(
    t?.tag,
    (x) => x.key,
    (x) => x.value,
  );

async function list(clients: AlibabaClients, regionId: string): Promise<ManagedResource[]> {
  const ecs = clients.ecs(regionId);
  const vpc = clients.vpc(regionId);
  const out: ManagedResource[] = [];
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
  for (const i of instances)
    if (i.instanceId) out.push(managedResource('instance', i.instanceId, regionId, ecsTags(i.tags)));
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
  for (const g of groups)
    if (g.securityGroupId)
      out.push(managedResource('security-group', g.securityGroupId, regionId, ecsTags(g.tags)));
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
  for (const s of vSwitches)
    if (s.vSwitchId) out.push(managedResource('vswitch', s.vSwitchId, regionId, vpcTags(s.tags)));
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
  for (const v of vpcs) if (v.vpcId) out.push(managedResource('vpc', v.vpcId, regionId, vpcTags(v.tags)));
  return out;
}

async function release(clients: AlibabaClients, r: ManagedResource): Promise<'released' | 'gone'> {
  const { regionId, id } = r;
  switch (r.type) {
    case 'instance': {
      const outcome = await releaseOne(`DeleteInstance ${id}`, () =>
        clients.ecs(regionId).deleteInstance(new $Ecs.DeleteInstanceRequest({ instanceId: id, force: true })),
      );
      await waitUntil(
        `instance ${id} to be gone`,
        async () => {
          const found = await clients
            .ecs(regionId)
            .describeInstances(
              new $Ecs.DescribeInstancesRequest({ regionId, instanceIds: JSON.stringify([id]) }),
            );
          return (found.body?.instances?.instance ?? []).length === 0;
        },
        INSTANCE_PATIENCE_MS,
      );
      return outcome;
    }
    case 'security-group':
      return releaseOne(`DeleteSecurityGroup ${id}`, () =>
        clients
          .ecs(regionId)
          .deleteSecurityGroup(new $Ecs.DeleteSecurityGroupRequest({ regionId, securityGroupId: id })),
      );
    case 'vswitch':
      return releaseOne(`DeleteVSwitch ${id}`, () =>
        clients.vpc(regionId).deleteVSwitch(new $Vpc.DeleteVSwitchRequest({ regionId, vSwitchId: id })),
      );
    case 'vpc':
      return releaseOne(`DeleteVpc ${id}`, () =>
        clients.vpc(regionId).deleteVpc(new $Vpc.DeleteVpcRequest({ regionId, vpcId: id })),
      );
    default:
      throw new Error(`the ECS/VPC sweeper does not release ${r.type} ${id}`);
  }
}

export const ecsSweeper: Sweeper = {
  types: ['instance', 'security-group', 'vswitch', 'vpc'],
  list,
  release,
};
