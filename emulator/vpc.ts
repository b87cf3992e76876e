// VPC 2016-04-28 (RPC): VPCs and vSwitches with their asynchronous Pending → Available lifecycle,
// ClientToken idempotency, tags, quotas and the DependencyViolation family on delete (including
// the short window after DeleteVSwitch during which DeleteVpc still sees the vSwitch).
import { VPC_AFTER_VSWITCH_SETTLE_MS, VPC_AVAILABLE_AFTER_MS, VSWITCH_AVAILABLE_AFTER_MS } from './lifecycle';
import { isoSeconds, matchesTags, page, required, str, tags, vpcTags } from './rpc-params';
import {
  ApiError,
  type ApiRequest,
  type Handler,
  type ProductModule,
  type RegionFacts,
  type Resource,
  type World,
} from './types';

const VSWITCHES_PER_VPC = 150;

function requireRegion(req: ApiRequest, world: World): RegionFacts {
  const regionId = required(req, 'RegionId');
  const region = world.catalogue.region(regionId);
  if (!region)
    throw new ApiError(400, 'InvalidRegionId.NotFound', 'Specified value of "regionId" is not supported.');
  return region;
}

interface Cidr {
  base: number;
  mask: number;
}

function parseCidr(text: string): Cidr | undefined {
  const m = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})\/(\d{1,2})$/.exec(text);
  if (!m) return undefined;
  const octets = m.slice(1, 5).map(Number);
  const mask = Number(m[5]);
  if (octets.some((o) => o > 255) || mask > 32) return undefined;
  const base = octets.reduce((a, o) => ((a << 8) | o) >>> 0, 0);
  const netmask = mask === 0 ? 0 : (~0 << (32 - mask)) >>> 0;
  if ((base & netmask) >>> 0 !== base) return undefined;
  return { base, mask };
}

const contains = (outer: Cidr, inner: Cidr) =>
  inner.mask >= outer.mask && (inner.base & ((~0 << (32 - outer.mask)) >>> 0)) >>> 0 === outer.base;
const overlaps = (a: Cidr, b: Cidr) => contains(a, b) || contains(b, a);

/** RFC 1918 ranges the VPC console offers, mask 8–28 (CreateVpc doc). */
const PRIVATE_RANGES = ['10.0.0.0/8', '172.16.0.0/12', '192.168.0.0/16'].map((c) => parseCidr(c)!);

function requireLive(
  world: World,
  type: string,
  id: string,
  regionId: string,
  code: string,
  message: string,
): Resource {
  const r = world.get(type, id);
  if (!r || r.releasedAt !== undefined || r.regionId !== regionId) throw new ApiError(404, code, message);
  return r;
}

const createVpc: Handler = (req, world) => {
  const region = requireRegion(req, world);
  const vpc = world.idempotent(`vpc:CreateVpc:${region.regionId}`, str(req, 'ClientToken'), () => {
    const cidrText = str(req, 'CidrBlock') ?? '172.16.0.0/12';
    const cidr = parseCidr(cidrText);
    if (!cidr || cidr.mask < 8 || cidr.mask > 28 || !PRIVATE_RANGES.some((r) => contains(r, cidr))) {
      throw new ApiError(400, 'InvalidParameter', 'Specified CIDR block is not valid');
    }
    world.checkQuota('vpc', region.regionId, { vpcs: 1 });
    if (str(req, 'DryRun') === 'true')
      throw new ApiError(400, 'DryRunOperation', 'Request validation has been passed with DryRun flag set.');
    const created = world.add({
      type: 'vpc',
      id: world.newId('vpc', region.regionId),
      regionId: region.regionId,
      status: 'Pending',
      tags: tags(req),
      hourlyPrice: 0,
      data: {
        cidrBlock: cidrText,
        name: str(req, 'VpcName') ?? '',
        description: str(req, 'Description') ?? '',
        vRouterId: world.newId('vrt', region.regionId),
        routeTableId: world.newId('vtb', region.regionId),
        resourceGroupId: str(req, 'ResourceGroupId') ?? `rg-acfm${world.accountId.slice(0, 10)}`,
        lastVSwitchDeletedAt: undefined as number | undefined,
      },
    });
    world.schedule(created.createdAt + VPC_AVAILABLE_AFTER_MS, () => {
      if (created.status === 'Pending') created.status = 'Available';
    });
    return created;
  });
  return {
    body: {
      RequestId: req.requestId,
      VpcId: vpc.id,
      VRouterId: vpc.data.vRouterId,
      RouteTableId: vpc.data.routeTableId,
      ResourceGroupId: vpc.data.resourceGroupId,
    },
  };
};

const describeVpcs: Handler = (req, world) => {
  const region = requireRegion(req, world);
  const ids = (str(req, 'VpcId') ?? '').split(',').filter(Boolean);
  if (ids.length > 20) throw new ApiError(400, 'InvalidParameter', 'At most 20 VpcIds can be specified.');
  const name = str(req, 'VpcName');
  const want = tags(req);
  const vpcs = world
    .list({ type: 'vpc', regionId: region.regionId })
    .filter(
      (v) =>
        (ids.length === 0 || ids.includes(v.id)) &&
        (!name || v.data.name === name) &&
        matchesTags(v.tags, want),
    );
  const p = page(req, 50);
  return {
    body: {
      RequestId: req.requestId,
      TotalCount: vpcs.length,
      PageNumber: p.number,
      PageSize: p.size,
      Vpcs: {
        Vpc: vpcs.slice((p.number - 1) * p.size, p.number * p.size).map((v) => ({
          VpcId: v.id,
          VpcName: v.data.name,
          Status: v.status,
          CidrBlock: v.data.cidrBlock,
          RegionId: v.regionId,
          VRouterId: v.data.vRouterId,
          IsDefault: false,
          CreationTime: isoSeconds(v.createdAt),
          Description: v.data.description,
          ResourceGroupId: v.data.resourceGroupId,
          OwnerId: Number(world.accountId),
          EnabledIpv6: false,
          // No IPv6, DHCP options set, CEN attachment or DNS hostnames: acp's VPCs use none.
          Ipv6CidrBlock: '',
          Ipv6CidrBlocks: { Ipv6CidrBlock: [] },
          DhcpOptionsSetId: '',
          DhcpOptionsSetStatus: '',
          CenStatus: '',
          DnsHostnameStatus: 'DISABLED',
          VSwitchIds: {
            VSwitchId: world
              .list({ type: 'vswitch', regionId: v.regionId })
              .filter((s) => s.data.vpcId === v.id)
              .map((s) => s.id),
          },
          RouterTableIds: { RouterTableIds: [v.data.routeTableId] },
          NatGatewayIds: { NatGatewayIds: [] },
          SecondaryCidrBlocks: { SecondaryCidrBlock: [] },
          UserCidrs: { UserCidr: [] },
          Tags: vpcTags(v.tags),
        })),
      },
    },
  };
};

/** What still depends on a VPC, as DeleteVpc names it, or undefined. */
function vpcDependency(world: World, vpc: Resource): string | undefined {
  const inVpc = (r: Resource) => r.data.vpcId === vpc.id || r.data.vpcid === vpc.id;
  const live = world.list({ regionId: vpc.regionId });
  if (live.some((r) => r.type === 'vswitch' && inVpc(r))) return 'DependencyViolation.VSwitch';
  // Deleting the last vSwitch is not instantly visible to DeleteVpc (retried for about a minute by
  // Alibaba's deploy skill).
  const last = vpc.data.lastVSwitchDeletedAt as number | undefined;
  if (last !== undefined && world.now() - last < VPC_AFTER_VSWITCH_SETTLE_MS)
    return 'DependencyViolation.VSwitch';
  if (live.some((r) => r.type === 'instance' && inVpc(r))) return 'DependencyViolation.Instance';
  if (live.some((r) => r.type === 'security-group' && inVpc(r))) return 'DependencyViolation.SecurityGroup';
  return undefined;
}

const deleteVpc: Handler = (req, world) => {
  const region = requireRegion(req, world);
  const vpc = requireLive(
    world,
    'vpc',
    required(req, 'VpcId'),
    region.regionId,
    'InvalidVpcId.NotFound',
    'Specified VPC does not exist.',
  );
  if (vpc.status !== 'Available') {
    throw new ApiError(400, 'IncorrectVpcStatus', 'Current VPC status does not support this operation.');
  }
  const dependency = vpcDependency(world, vpc);
  if (dependency)
    throw new ApiError(
      400,
      dependency,
      `Specified object has dependent resources ${dependency.split('.')[1]}.`,
    );
  if (str(req, 'DryRun') === 'true')
    throw new ApiError(400, 'DryRunOperation', 'Request validation has been passed with DryRun flag set.');
  world.release('vpc', vpc.id);
  return { body: { RequestId: req.requestId } };
};

const createVSwitch: Handler = (req, world) => {
  const region = requireRegion(req, world);
  const vsw = world.idempotent(`vpc:CreateVSwitch:${region.regionId}`, str(req, 'ClientToken'), () => {
    const vpc = requireLive(
      world,
      'vpc',
      required(req, 'VpcId'),
      region.regionId,
      'InvalidVpcId.NotFound',
      'Specified VPC does not exist.',
    );
    if (vpc.status !== 'Available') {
      throw new ApiError(400, 'IncorrectVpcStatus', 'Current VPC status does not support this operation.');
    }
    const zoneId = required(req, 'ZoneId');
    if (!region.zones.some((z) => z.zoneId === zoneId)) {
      throw new ApiError(404, 'InvalidZoneId.NotFound', 'Specified zone does not exist.');
    }
    const cidrText = required(req, 'CidrBlock');
    const cidr = parseCidr(cidrText);
    if (!cidr || cidr.mask < 16 || cidr.mask > 29) {
      throw new ApiError(400, 'InvalidCidrBlock.Malformed', 'Specified CIDR block is not valid.');
    }
    if (!contains(parseCidr(vpc.data.cidrBlock)!, cidr)) {
      throw new ApiError(400, 'InvalidParameter', 'Specified CIDR block is not valid in VPC.');
    }
    const siblings = world
      .list({ type: 'vswitch', regionId: region.regionId })
      .filter((s) => s.data.vpcId === vpc.id);
    if (siblings.some((s) => overlaps(parseCidr(s.data.cidrBlock)!, cidr))) {
      throw new ApiError(
        400,
        'InvalidCidrBlock.Overlapped',
        'Specified CIDR block overlapped with other subnets.',
      );
    }
    // The real service refuses concurrent vSwitch creation in one VPC; clients serialise.
    if (siblings.some((s) => s.status === 'Pending')) {
      throw new ApiError(
        400,
        'OperationDenied.OtherSubnetCreating',
        'The operation is not allowed because the other VSwitch is creating.',
      );
    }
    if (siblings.length >= VSWITCHES_PER_VPC)
      throw new ApiError(400, 'QuotaExceeded.VSwitch', 'Virtual switch quota exceeded.');
    world.checkQuota('vpc', region.regionId, { vswitches: 1 });
    const created = world.add({
      type: 'vswitch',
      id: world.newId('vsw', region.regionId),
      regionId: region.regionId,
      status: 'Pending',
      tags: tags(req),
      hourlyPrice: 0,
      data: {
        vpcId: vpc.id,
        zoneId,
        cidrBlock: cidrText,
        name: str(req, 'VSwitchName') ?? '',
        description: str(req, 'Description') ?? '',
        routeTableId: vpc.data.routeTableId,
        resourceGroupId: vpc.data.resourceGroupId,
        allocatedIps: 0,
      },
    });
    world.schedule(created.createdAt + VSWITCH_AVAILABLE_AFTER_MS, () => {
      if (created.status === 'Pending') created.status = 'Available';
    });
    return created;
  });
  return { body: { RequestId: req.requestId, VSwitchId: vsw.id } };
};

const describeVSwitches: Handler = (req, world) => {
  const vpcId = str(req, 'VpcId');
  const regionId = str(req, 'RegionId') ?? (vpcId ? world.get('vpc', vpcId)?.regionId : undefined);
  if (!regionId) {
    throw new ApiError(
      400,
      'MissingParameter',
      'The input parameter "RegionId" that is mandatory for processing this request is not supplied.',
    );
  }
  req.query.RegionId = regionId;
  const region = requireRegion(req, world);
  const id = str(req, 'VSwitchId');
  const zoneId = str(req, 'ZoneId');
  const name = str(req, 'VSwitchName');
  const want = tags(req);
  const vsws = world
    .list({ type: 'vswitch', regionId: region.regionId })
    .filter(
      (s) =>
        (!vpcId || s.data.vpcId === vpcId) &&
        (!id || s.id === id) &&
        (!zoneId || s.data.zoneId === zoneId) &&
        (!name || s.data.name === name) &&
        matchesTags(s.tags, want),
    );
  const p = page(req, 50);
  return {
    body: {
      RequestId: req.requestId,
      TotalCount: vsws.length,
      PageNumber: p.number,
      PageSize: p.size,
      VSwitches: {
        VSwitch: vsws.slice((p.number - 1) * p.size, p.number * p.size).map((s) => {
          const mask = Number(String(s.data.cidrBlock).split('/')[1]);
          return {
            VSwitchId: s.id,
            VSwitchName: s.data.name,
            VpcId: s.data.vpcId,
            ZoneId: s.data.zoneId,
            CidrBlock: s.data.cidrBlock,
            Status: s.status,
            AvailableIpAddressCount: 2 ** (32 - mask) - 4 - (s.data.allocatedIps ?? 0),
            IsDefault: false,
            CreationTime: isoSeconds(s.createdAt),
            Description: s.data.description,
            ResourceGroupId: s.data.resourceGroupId,
            OwnerId: Number(world.accountId),
            ShareType: 'Sole',
            EnabledIpv6: false,
            Ipv6CidrBlock: '',
            NetworkAclId: '',
            RouteTable: { RouteTableId: s.data.routeTableId, RouteTableType: 'System' },
            Tags: vpcTags(s.tags),
          };
        }),
      },
    },
  };
};

const deleteVSwitch: Handler = (req, world) => {
  const region = requireRegion(req, world);
  const vsw = requireLive(
    world,
    'vswitch',
    required(req, 'VSwitchId'),
    region.regionId,
    'InvalidVSwitchId.NotFound',
    'VSwitch not exist.',
  );
  if (vsw.status !== 'Available')
    throw new ApiError(400, 'IncorrectVSwitchStatus', 'vpc subnet is in middle status.');
  // Anything deployed in the vSwitch (instances, clusters, DLC jobs…) blocks its deletion.
  const used = world
    .list({ regionId: vsw.regionId })
    .some(
      (r) =>
        r.id !== vsw.id &&
        (r.data.vSwitchId === vsw.id ||
          (Array.isArray(r.data.vswitchIds) && r.data.vswitchIds.includes(vsw.id)) ||
          (Array.isArray(r.data.vSwitchIds) && r.data.vSwitchIds.includes(vsw.id))),
    );
  if (used)
    throw new ApiError(
      400,
      'DependencyViolation',
      'Resources deployed in the vSwitch have not been deleted.',
    );
  if (str(req, 'DryRun') === 'true')
    throw new ApiError(400, 'DryRunOperation', 'Request validation has been passed with DryRun flag set.');
  world.release('vswitch', vsw.id);
  const vpc = world.get('vpc', vsw.data.vpcId);
  if (vpc) vpc.data.lastVSwitchDeletedAt = world.now();
  return { body: { RequestId: req.requestId } };
};

export const vpc: ProductModule = {
  product: 'vpc',
  version: '2016-04-28',
  hostId: 'vpc.aliyuncs.com',
  actions: {
    CreateVpc: createVpc,
    DescribeVpcs: describeVpcs,
    DeleteVpc: deleteVpc,
    CreateVSwitch: createVSwitch,
    DescribeVSwitches: describeVSwitches,
    DeleteVSwitch: deleteVSwitch,
  },
};
