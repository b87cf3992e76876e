// ECS security groups: create, authorize ingress/egress, describe, delete. A group stays "in use"
// while an instance uses it and for SECURITY_GROUP_SETTLE_MS after that instance is released,
// which is why real clients retry DependencyViolation on delete.
import { requireRegion } from './ecs-catalogue';
import { syncPublicPorts } from './ecs-public-address';
import { SECURITY_GROUP_SETTLE_MS } from './lifecycle';
import {
  ecsTags,
  isoSeconds,
  jsonList,
  matchesTags,
  objects,
  oneOf,
  page,
  required,
  str,
  tags,
} from './rpc-params';
import { ApiError, type ApiRequest, type Handler, type Resource, type World } from './types';

export interface Permission {
  SecurityGroupRuleId: string;
  Direction: 'ingress' | 'egress';
  IpProtocol: string;
  PortRange: string;
  SourceCidrIp: string;
  DestCidrIp: string;
  SourceGroupId: string;
  DestGroupId: string;
  Ipv6SourceCidrIp: string;
  Ipv6DestCidrIp: string;
  SourcePortRange: string;
  Policy: string;
  Priority: string;
  NicType: string;
  Description: string;
  CreateTime: string;
}

export function requireSecurityGroup(
  world: World,
  regionId: string,
  id: string,
  code = 'InvalidSecurityGroupId.NotFound',
) {
  const sg = world.get('security-group', id);
  if (!sg || sg.releasedAt !== undefined || sg.regionId !== regionId) {
    throw new ApiError(404, code, 'The specified SecurityGroupId does not exist.');
  }
  return sg;
}

/** True while a live instance uses the group or one released less than the settle time ago. */
export function securityGroupInUse(world: World, sgId: string): boolean {
  const now = world.now();
  return world
    .list({ type: 'instance', includeReleased: true })
    .some(
      (i: Resource) =>
        (i.data.securityGroupIds as string[]).includes(sgId) &&
        (i.releasedAt === undefined || now - i.releasedAt < SECURITY_GROUP_SETTLE_MS),
    );
}

const PROTOCOLS = ['tcp', 'udp', 'icmp', 'icmpv6', 'gre', 'all'];

function readPermissions(req: ApiRequest, direction: 'ingress' | 'egress', world: World): Permission[] {
  const listed = objects(req, 'Permissions');
  // The legacy top-level form (IpProtocol=…&PortRange=…) is still accepted.
  const rules = listed.length > 0 ? listed : str(req, 'IpProtocol') ? [req.query] : [];
  if (rules.length === 0) {
    throw new ApiError(
      400,
      'MissingParameter',
      'The input parameter "Permissions" that is mandatory for processing this request is not supplied.',
    );
  }
  return rules.map((p) => {
    const protocol = (p.IpProtocol ?? '').toLowerCase();
    if (!PROTOCOLS.includes(protocol)) {
      throw new ApiError(
        400,
        'InvalidIpProtocol.Malformed',
        'The specified parameter "IpProtocol" is not valid.',
      );
    }
    const portRange =
      p.PortRange ?? (protocol === 'all' || protocol.startsWith('icmp') || protocol === 'gre' ? '-1/-1' : '');
    const m = /^(-?\d+)\/(-?\d+)$/.exec(portRange);
    const ok =
      m &&
      (protocol === 'tcp' || protocol === 'udp'
        ? Number(m[1]) >= 1 && Number(m[2]) <= 65535 && Number(m[1]) <= Number(m[2])
        : portRange === '-1/-1');
    if (!ok)
      throw new ApiError(
        400,
        'InvalidPortRange.Malformed',
        'The specified parameter "PortRange" is not valid.',
      );
    const cidr = direction === 'ingress' ? p.SourceCidrIp : p.DestCidrIp;
    if (cidr !== undefined && !/^\d{1,3}(\.\d{1,3}){3}(\/\d{1,2})?$/.test(cidr)) {
      throw new ApiError(
        400,
        'InvalidSourceCidrIp.Malformed',
        `The specified parameter "${direction === 'ingress' ? 'SourceCidrIp' : 'DestCidrIp'}" is not valid.`,
      );
    }
    const policy = (p.Policy ?? 'accept').toLowerCase();
    if (!['accept', 'drop'].includes(policy))
      throw new ApiError(400, 'InvalidPolicy.Malformed', 'The specified parameter "Policy" is not valid.');
    return {
      SecurityGroupRuleId: world.newId('sgr', req.regionId),
      Direction: direction,
      IpProtocol: protocol.toUpperCase() === 'ALL' ? 'ALL' : protocol.toUpperCase(),
      PortRange: portRange,
      SourceCidrIp: p.SourceCidrIp ?? '',
      DestCidrIp: p.DestCidrIp ?? '',
      SourceGroupId: p.SourceGroupId ?? '',
      DestGroupId: p.DestGroupId ?? '',
      Ipv6SourceCidrIp: p.Ipv6SourceCidrIp ?? '',
      Ipv6DestCidrIp: p.Ipv6DestCidrIp ?? '',
      SourcePortRange: p.SourcePortRange ?? '',
      Policy: policy === 'accept' ? 'Accept' : 'Drop',
      Priority: p.Priority ?? '1',
      NicType: p.NicType ?? 'intranet',
      Description: p.Description ?? '',
      CreateTime: isoSeconds(world.now()),
    };
  });
}

const sameRule = (a: Permission, b: Permission) =>
  a.Direction === b.Direction &&
  a.IpProtocol === b.IpProtocol &&
  a.PortRange === b.PortRange &&
  a.SourceCidrIp === b.SourceCidrIp &&
  a.DestCidrIp === b.DestCidrIp &&
  a.SourceGroupId === b.SourceGroupId &&
  a.DestGroupId === b.DestGroupId &&
  a.Policy === b.Policy &&
  a.Priority === b.Priority;

function authorize(direction: 'ingress' | 'egress'): Handler {
  return (req, world) => {
    const region = requireRegion(req, world);
    const sg = requireSecurityGroup(world, region.regionId, required(req, 'SecurityGroupId'));
    world.idempotent(`ecs:Authorize:${direction}:${sg.id}`, str(req, 'ClientToken'), () => {
      const added = readPermissions(req, direction, world);
      const existing = sg.data.permissions as Permission[];
      // Real ECS refuses a rule that already exists; clients treat the code as success.
      if (added.some((a) => existing.some((e) => sameRule(a, e)))) {
        throw new ApiError(400, 'InvalidPermission.Duplicate', 'The specified rule already exists.');
      }
      existing.push(...added);
      if (direction === 'ingress') syncPublicPorts(world);
      return true;
    });
    return { body: { RequestId: req.requestId } };
  };
}

const createSecurityGroup: Handler = (req, world) => {
  const region = requireRegion(req, world);
  const id = world.idempotent(`ecs:CreateSecurityGroup:${region.regionId}`, str(req, 'ClientToken'), () => {
    const vpcId = str(req, 'VpcId');
    if (vpcId) {
      const vpc = world.get('vpc', vpcId);
      if (!vpc || vpc.releasedAt !== undefined || vpc.regionId !== region.regionId) {
        throw new ApiError(404, 'InvalidVpcId.NotFound', 'Specified VPC does not exist.');
      }
      if (vpc.status !== 'Available')
        throw new ApiError(400, 'IncorrectVpcStatus', 'Current VPC status does not support this operation.');
    }
    const type = str(req, 'SecurityGroupType') ?? 'normal';
    if (!['normal', 'enterprise'].includes(type)) {
      throw new ApiError(400, 'InvalidParams.GroupType', 'The specified security group type is not valid.');
    }
    const sg = world.add({
      type: 'security-group',
      id: world.newId('sg', region.regionId),
      regionId: region.regionId,
      status: 'Available',
      tags: tags(req),
      hourlyPrice: 0,
      data: {
        vpcId: vpcId ?? '',
        name: str(req, 'SecurityGroupName') ?? '',
        description: str(req, 'Description') ?? '',
        securityGroupType: type,
        resourceGroupId: str(req, 'ResourceGroupId') ?? '',
        // A new group denies all ingress and allows all egress (no explicit rules listed).
        permissions: [] as Permission[],
      },
    });
    return sg.id;
  });
  return { body: { RequestId: req.requestId, SecurityGroupId: id } };
};

const describeSecurityGroupAttribute: Handler = (req, world) => {
  const region = requireRegion(req, world);
  const sg = requireSecurityGroup(world, region.regionId, required(req, 'SecurityGroupId'));
  const direction = str(req, 'Direction') ?? 'all';
  const permissions = (sg.data.permissions as Permission[]).filter(
    (p) => direction === 'all' || p.Direction === direction,
  );
  return {
    body: {
      RequestId: req.requestId,
      RegionId: sg.regionId,
      SecurityGroupId: sg.id,
      SecurityGroupName: sg.data.name,
      Description: sg.data.description,
      VpcId: sg.data.vpcId,
      InnerAccessPolicy: sg.data.securityGroupType === 'enterprise' ? 'Drop' : 'Accept',
      Permissions: { Permission: permissions },
    },
  };
};

const describeSecurityGroups: Handler = (req, world) => {
  const region = requireRegion(req, world);
  const ids =
    jsonList(req, 'SecurityGroupIds') ??
    (str(req, 'SecurityGroupId') ? [str(req, 'SecurityGroupId')!] : undefined);
  const vpcId = str(req, 'VpcId');
  const name = str(req, 'SecurityGroupName');
  const type = oneOf(req, 'SecurityGroupType', ['normal', 'enterprise'], {
    status: 400,
    code: 'InvalidParameter.SecurityGroupType',
    message: 'The specified SecurityGroupType is not valid.',
  });
  const want = tags(req);
  const groups = world
    .list({ type: 'security-group', regionId: region.regionId })
    .filter(
      (sg) =>
        (!ids || ids.includes(sg.id)) &&
        (!vpcId || sg.data.vpcId === vpcId) &&
        (!type || sg.data.securityGroupType === type) &&
        (!name || sg.data.name === name) &&
        matchesTags(sg.tags, want),
    );
  const p = page(req, 100);
  const members = (id: string) =>
    world.list({ type: 'instance' }).filter((i) => (i.data.securityGroupIds as string[]).includes(id)).length;
  return {
    body: {
      RequestId: req.requestId,
      RegionId: region.regionId,
      TotalCount: groups.length,
      PageNumber: p.number,
      PageSize: p.size,
      NextToken: '',
      SecurityGroups: {
        SecurityGroup: groups.slice((p.number - 1) * p.size, p.number * p.size).map((sg) => ({
          SecurityGroupId: sg.id,
          SecurityGroupName: sg.data.name,
          Description: sg.data.description,
          SecurityGroupType: sg.data.securityGroupType,
          VpcId: sg.data.vpcId,
          CreationTime: isoSeconds(sg.createdAt),
          ResourceGroupId: sg.data.resourceGroupId,
          RuleCount: (sg.data.permissions as Permission[]).length,
          GroupToGroupRuleCount: (sg.data.permissions as Permission[]).filter(
            (r) => !!(r.SourceGroupId || r.DestGroupId),
          ).length,
          EcsCount: members(sg.id),
          // A basic group holds up to 2,000 private IP addresses (ECS limits).
          AvailableInstanceAmount: Math.max(0, 2000 - members(sg.id)),
          ServiceManaged: false,
          ServiceID: 0,
          Tags: ecsTags(sg.tags),
        })),
      },
    },
  };
};

const deleteSecurityGroup: Handler = (req, world) => {
  const region = requireRegion(req, world);
  const sg = requireSecurityGroup(
    world,
    region.regionId,
    required(req, 'SecurityGroupId'),
    'InvalidSecurityGroup.NotFound',
  );
  if (securityGroupInUse(world, sg.id)) {
    throw new ApiError(
      403,
      'DependencyViolation',
      'There is still instance(s) in the specified security group.',
    );
  }
  world.release('security-group', sg.id);
  return { body: { RequestId: req.requestId } };
};

export const securityGroupActions: Record<string, Handler> = {
  CreateSecurityGroup: createSecurityGroup,
  AuthorizeSecurityGroup: authorize('ingress'),
  AuthorizeSecurityGroupEgress: authorize('egress'),
  DescribeSecurityGroupAttribute: describeSecurityGroupAttribute,
  DescribeSecurityGroups: describeSecurityGroups,
  DeleteSecurityGroup: deleteSecurityGroup,
};
