// Releasing vSwitches and VPCs, found by the Tag filter of DescribeVSwitches / DescribeVpcs. Right
// after the last instance or vSwitch in them went, Alibaba may still answer DependencyViolation for
// a while: retryable in the error table, so the release simply tries again.
import type { AlibabaClients } from '../clients';
import { alibabaCall } from '../errors';
import { sdk } from '../sdk';
import { MANAGED_TAG, type Owner, STEP_TAG, WORKFLOW_TAG } from '../tags';
import { managedResource, pages, type ReleaseKind, tagMap } from './kind';
import { releaseOne } from './retry';

const vpcTags = (t?: { tag?: { key?: string; value?: string }[] }) =>
  tagMap(
    t?.tag,
    (x) => x.key,
    (x) => x.value,
  );

const PAGE = 50;

/** VPCs carrying all these tags, all pages. */
export function vpcsTagged(clients: AlibabaClients, regionId: string, tags: Record<string, string>) {
  return pages(async (pageNumber) => {
    const r = await alibabaCall(`DescribeVpcs tagged ${Object.keys(tags).join(', ')} in ${regionId}`, () =>
      clients.vpc(regionId).describeVpcs(
        new sdk.vpc.DescribeVpcsRequest({
          regionId,
          pageNumber,
          pageSize: PAGE,
          tag: Object.entries(tags).map(([key, value]) => new sdk.vpc.DescribeVpcsRequestTag({ key, value })),
        }),
      ),
    );
    return { items: r.body?.vpcs?.vpc ?? [], total: r.body?.totalCount ?? 0 };
  });
}

/** vSwitches carrying all these tags, all pages. */
export function vSwitchesTagged(clients: AlibabaClients, regionId: string, tags: Record<string, string>) {
  return pages(async (pageNumber) => {
    const r = await alibabaCall(
      `DescribeVSwitches tagged ${Object.keys(tags).join(', ')} in ${regionId}`,
      () =>
        clients.vpc(regionId).describeVSwitches(
          new sdk.vpc.DescribeVSwitchesRequest({
            regionId,
            pageNumber,
            pageSize: PAGE,
            tag: Object.entries(tags).map(
              ([key, value]) => new sdk.vpc.DescribeVSwitchesRequestTag({ key, value }),
            ),
          }),
        ),
    );
    return { items: r.body?.vSwitches?.vSwitch ?? [], total: r.body?.totalCount ?? 0 };
  });
}

const MANAGED = { [MANAGED_TAG]: 'true' };
const ownedBy = (owner: Owner) => ({ [WORKFLOW_TAG]: owner.workflowId, [STEP_TAG]: owner.step });

export const vSwitch: ReleaseKind = {
  type: 'vswitch',
  product: 'vpc',
  stage: 2,
  async list(clients, regionId) {
    return (await vSwitchesTagged(clients, regionId, MANAGED)).flatMap((s) =>
      s.vSwitchId ? [managedResource(vSwitch, s.vSwitchId, regionId, vpcTags(s.tags))] : [],
    );
  },
  async findByOwner(clients, regionId, owner) {
    return (await vSwitchesTagged(clients, regionId, ownedBy(owner))).flatMap((s) =>
      s.vSwitchId ? [s.vSwitchId] : [],
    );
  },
  release(clients, regionId, id) {
    return releaseOne(`DeleteVSwitch ${id}`, () =>
      clients.vpc(regionId).deleteVSwitch(new sdk.vpc.DeleteVSwitchRequest({ regionId, vSwitchId: id })),
    );
  },
};

export const vpc: ReleaseKind = {
  type: 'vpc',
  product: 'vpc',
  stage: 3,
  async list(clients, regionId) {
    return (await vpcsTagged(clients, regionId, MANAGED)).flatMap((v) =>
      v.vpcId ? [managedResource(vpc, v.vpcId, regionId, vpcTags(v.tags))] : [],
    );
  },
  async findByOwner(clients, regionId, owner) {
    return (await vpcsTagged(clients, regionId, ownedBy(owner))).flatMap((v) => (v.vpcId ? [v.vpcId] : []));
  },
  release(clients, regionId, id) {
    return releaseOne(`DeleteVpc ${id}`, () =>
      clients.vpc(regionId).deleteVpc(new sdk.vpc.DeleteVpcRequest({ regionId, vpcId: id })),
    );
  },
};
