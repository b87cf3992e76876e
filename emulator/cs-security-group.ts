// The security group ACK makes for a cluster whose CreateCluster names none: a basic (normal) ECS
// group in the cluster's VPC, `alicloud-cs-auto-created-security-group-<cluster id>`, "security group
// of ACS Cluster <cluster id>". Freshly created clusters have been measured with exactly one ingress
// rule, ICMP -1/-1 from 0.0.0.0/0 (nodes inside a basic group reach each other through its inner
// accept policy); that is what is modelled. ACK deletes the group with the cluster. No source says the
// cluster's tags are copied onto it, so it carries none: it is ACK's, not the caller's.
import type { Permission } from './ecs-security-groups';
import { isoSeconds } from './rpc-params';
import type { World } from './types';

/** Creates ACK's group in `vpcId` when that VPC exists; undefined otherwise (a cluster without one). */
export function createClusterSecurityGroup(
  world: World,
  regionId: string,
  vpcId: string,
  clusterId: string,
): string | undefined {
  const vpc = world.get('vpc', vpcId);
  if (!vpc || vpc.releasedAt !== undefined || vpc.regionId !== regionId) return undefined;
  const icmp: Permission = {
    SecurityGroupRuleId: world.newId('sgr', regionId),
    Direction: 'ingress',
    IpProtocol: 'ICMP',
    PortRange: '-1/-1',
    SourceCidrIp: '0.0.0.0/0',
    DestCidrIp: '',
    SourceGroupId: '',
    DestGroupId: '',
    Ipv6SourceCidrIp: '',
    Ipv6DestCidrIp: '',
    SourcePortRange: '',
    Policy: 'Accept',
    Priority: '1',
    NicType: 'intranet',
    Description: '',
    CreateTime: isoSeconds(world.now()),
  };
  const sg = world.add({
    type: 'security-group',
    id: world.newId('sg', regionId),
    regionId,
    status: 'Available',
    tags: {},
    hourlyPrice: 0,
    data: {
      vpcId,
      name: `alicloud-cs-auto-created-security-group-${clusterId}`,
      description: `security group of ACS Cluster ${clusterId}`,
      securityGroupType: 'normal',
      resourceGroupId: '',
      permissions: [icmp],
    },
  });
  return sg.id;
}
