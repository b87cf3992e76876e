// VPC through the official SDK: asynchronous creation, idempotency, CIDR rules and the
// DependencyViolation family that forces clients to delete in order and retry.
import assert from 'node:assert/strict';
import { after, before, beforeEach, test } from 'node:test';
import * as $Ecs from '@alicloud/ecs20140526';
import * as $Vpc from '@alicloud/vpc20160428';
import { REGION, rejection, runRequest, type TestEmulator, testEmulator, ZONE } from './fixtures';

let t: TestEmulator;
before(async () => {
  t = await testEmulator();
});
after(() => t.emu.stop());
beforeEach(() => t.admin.reset());

const createVpc = (extra: Record<string, unknown> = {}) =>
  t.vpc.createVpc(new $Vpc.CreateVpcRequest({ regionId: REGION, cidrBlock: '192.168.0.0/16', ...extra }));
const describeVpc = async (vpcId: string) =>
  (await t.vpc.describeVpcs(new $Vpc.DescribeVpcsRequest({ regionId: REGION, vpcId }))).body!.vpcs!.vpc![0];

test('CreateVpc is asynchronous (Pending → Available) and idempotent on ClientToken', async () => {
  const tag = [new $Vpc.CreateVpcRequestTag({ key: 'acp:managed', value: 'true' })];
  const a = await createVpc({ clientToken: 'wf-1/vpc', vpcName: 'acp', tag });
  const b = await createVpc({ clientToken: 'wf-1/vpc', vpcName: 'acp', tag });
  assert.equal(b.body!.vpcId, a.body!.vpcId);
  assert.match(a.body!.vpcId!, /^vpc-bp/);
  assert.ok(a.body!.VRouterId && a.body!.routeTableId && a.body!.resourceGroupId);
  const v = (await describeVpc(a.body!.vpcId!))!;
  assert.equal(v.status, 'Pending');
  assert.equal(v.cidrBlock, '192.168.0.0/16');
  assert.equal(v.vpcName, 'acp');
  assert.deepEqual(
    v.tags!.tag!.map((x) => [x.key, x.value]),
    [['acp:managed', 'true']],
  );
  t.emu.world.advance(10_000);
  assert.equal((await describeVpc(a.body!.vpcId!))!.status, 'Available');
  const byTag = await t.vpc.describeVpcs(
    new $Vpc.DescribeVpcsRequest({
      regionId: REGION,
      tag: [new $Vpc.DescribeVpcsRequestTag({ key: 'acp:managed', value: 'true' })],
    }),
  );
  assert.equal(byTag.body!.totalCount, 1);
});

test('vSwitches wait for the VPC, stay inside its CIDR, never overlap, and are created one at a time', async () => {
  const vpcId = (await createVpc()).body!.vpcId!;
  const vsw = (cidrBlock: string, zoneId = ZONE) =>
    t.vpc.createVSwitch(new $Vpc.CreateVSwitchRequest({ regionId: REGION, vpcId, zoneId, cidrBlock }));
  assert.equal((await rejection(() => vsw('192.168.1.0/24'))).code, 'IncorrectVpcStatus');
  t.emu.world.advance(10_000);
  const first = await vsw('192.168.1.0/24');
  assert.equal((await rejection(() => vsw('192.168.2.0/24'))).code, 'OperationDenied.OtherSubnetCreating');
  t.emu.world.advance(10_000);
  assert.equal((await rejection(() => vsw('192.168.1.128/25'))).code, 'InvalidCidrBlock.Overlapped');
  assert.equal((await rejection(() => vsw('10.0.0.0/24'))).code, 'InvalidParameter');
  assert.equal(
    (await rejection(() => vsw('192.168.9.0/24', 'cn-hangzhou-z'))).code,
    'InvalidZoneId.NotFound',
  );
  const { body } = await t.vpc.describeVSwitches(
    new $Vpc.DescribeVSwitchesRequest({ regionId: REGION, vpcId }),
  );
  const s = body!.vSwitches!.vSwitch![0]!;
  assert.equal(s.vSwitchId, first.body!.vSwitchId);
  assert.equal(s.status, 'Available');
  assert.equal(s.zoneId, ZONE);
  assert.equal(s.availableIpAddressCount, 252);
  assert.equal((await describeVpc(vpcId))!.vSwitchIds!.vSwitchId![0], s.vSwitchId);
});

test('deletion order: instance → security group → vSwitch → VPC, with DependencyViolation before', async () => {
  const vpcId = (await createVpc()).body!.vpcId!;
  t.emu.world.advance(10_000);
  const vSwitchId = (
    await t.vpc.createVSwitch(
      new $Vpc.CreateVSwitchRequest({ regionId: REGION, vpcId, zoneId: ZONE, cidrBlock: '192.168.1.0/24' }),
    )
  ).body!.vSwitchId!;
  t.emu.world.advance(10_000);
  const securityGroupId = (
    await t.ecs.createSecurityGroup(new $Ecs.CreateSecurityGroupRequest({ regionId: REGION, vpcId }))
  ).body!.securityGroupId!;
  const run = await t.ecs.runInstances(runRequest({ vpcId, vSwitchId, securityGroupId }));
  const instanceId = run.body!.instanceIdSets!.instanceIdSet![0]!;
  t.emu.world.advance(120_000);

  const deleteVpc = () => t.vpc.deleteVpc(new $Vpc.DeleteVpcRequest({ regionId: REGION, vpcId }));
  const deleteVSwitch = () =>
    t.vpc.deleteVSwitch(new $Vpc.DeleteVSwitchRequest({ regionId: REGION, vSwitchId }));
  let err = await rejection(deleteVpc);
  assert.equal(err.code, 'DependencyViolation.VSwitch');
  assert.equal(err.statusCode, 400);
  err = await rejection(deleteVSwitch);
  assert.equal(err.code, 'DependencyViolation');

  await t.ecs.deleteInstance(new $Ecs.DeleteInstanceRequest({ instanceId, force: true }));
  t.emu.world.advance(60_000);
  await t.ecs.deleteSecurityGroup(new $Ecs.DeleteSecurityGroupRequest({ regionId: REGION, securityGroupId }));
  await deleteVSwitch();
  // Right after DeleteVSwitch the VPC still sees it for a while, as the real one does.
  assert.equal((await rejection(deleteVpc)).code, 'DependencyViolation.VSwitch');
  t.emu.world.advance(60_000);
  await deleteVpc();
  assert.deepEqual(await t.admin.resources(), []);
  err = await rejection(deleteVpc);
  assert.equal(err.code, 'InvalidVpcId.NotFound');
  assert.equal(err.statusCode, 404);
  assert.equal((await rejection(deleteVSwitch)).code, 'InvalidVSwitchId.NotFound');
});

test('a security group keeps its VPC from being deleted', async () => {
  const vpcId = (await createVpc()).body!.vpcId!;
  t.emu.world.advance(10_000);
  await t.ecs.createSecurityGroup(new $Ecs.CreateSecurityGroupRequest({ regionId: REGION, vpcId }));
  const err = await rejection(() => t.vpc.deleteVpc(new $Vpc.DeleteVpcRequest({ regionId: REGION, vpcId })));
  assert.equal(err.code, 'DependencyViolation.SecurityGroup');
});

test('ten VPCs per region by default, then QuotaExceeded.Vpc', async () => {
  for (let i = 0; i < 10; i++) await createVpc();
  const err = await rejection(() => createVpc());
  assert.equal(err.code, 'QuotaExceeded.Vpc');
  assert.equal(err.statusCode, 400);
  await createVpc({ regionId: 'cn-shanghai' });
});
