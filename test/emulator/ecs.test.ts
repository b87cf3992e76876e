// ECS through the official SDK: every typed field checked here would come back undefined if the
// emulator got a key's casing or a {X:{Y:[…]}} wrapper wrong.
import assert from 'node:assert/strict';
import { after, before, beforeEach, describe, test } from 'node:test';
import * as $Ecs from '@alicloud/ecs20140526';
import {
  createNetwork,
  eventually,
  REGION,
  rejection,
  runRequest,
  type TestEmulator,
  testEmulator,
  untilRunning,
  ZONE,
} from './fixtures';

let emu: TestEmulator['emu'];
let ecs: TestEmulator['ecs'];
let admin: TestEmulator['admin'];
before(async () => {
  ({ emu, ecs, admin } = await testEmulator());
});
after(() => emu.stop());
beforeEach(() => admin.reset());

describe('catalogue', () => {
  test('DescribeRegions lists the ten regions with endpoints', async () => {
    const { body } = await ecs.describeRegions(new $Ecs.DescribeRegionsRequest({ acceptLanguage: 'en-US' }));
    const regions = body!.regions!.region!;
    assert.ok(regions.length >= 10);
    const hz = regions.find((r) => r.regionId === 'cn-hangzhou')!;
    assert.equal(hz.localName, 'China (Hangzhou)');
    assert.equal(hz.regionEndpoint, 'ecs-cn-hangzhou.aliyuncs.com');
    assert.ok(body!.requestId);
    for (const id of ['ap-southeast-1', 'us-west-1', 'eu-central-1', 'cn-zhangjiakou']) {
      assert.ok(
        regions.some((r) => r.regionId === id),
        id,
      );
    }
  });

  test('DescribeZones gives real zone ids and the instance types offered there', async () => {
    const { body } = await ecs.describeZones(new $Ecs.DescribeZonesRequest({ regionId: REGION }));
    const zones = body!.zones!.zone!;
    assert.ok(zones.length >= 2 && zones.length <= 4);
    const k = zones.find((z) => z.zoneId === ZONE)!;
    assert.ok(k.availableInstanceTypes!.instanceTypes!.includes('ecs.g7.large'));
    assert.ok(k.availableResources!.resourcesInfo![0]!.instanceTypes!.supportedInstanceType!.length > 0);
  });

  test('DescribeInstanceTypes carries CPU, memory and GPU facts', async () => {
    const { body } = await ecs.describeInstanceTypes(
      new $Ecs.DescribeInstanceTypesRequest({ instanceTypes: ['ecs.gn7i-c8g1.2xlarge', 'ecs.c7.large'] }),
    );
    const types = body!.instanceTypes!.instanceType!;
    assert.equal(types.length, 2);
    const a10 = types.find((t) => t.instanceTypeId === 'ecs.gn7i-c8g1.2xlarge')!;
    assert.equal(a10.cpuCoreCount, 8);
    assert.equal(a10.memorySize, 30);
    assert.equal(a10.GPUAmount, 1);
    assert.equal(a10.GPUSpec, 'NVIDIA A10');
    assert.equal(a10.GPUMemorySize, 24);
    assert.equal(a10.instanceTypeFamily, 'ecs.gn7i');
    const all = await ecs.describeInstanceTypes(new $Ecs.DescribeInstanceTypesRequest({}));
    assert.ok(all.body!.instanceTypes!.instanceType!.length >= 30);
  });

  test('DescribeAvailableResource covers every zone of a region in one call and honours sold-out faults', async () => {
    const ask = () =>
      ecs.describeAvailableResource(
        new $Ecs.DescribeAvailableResourceRequest({
          regionId: REGION,
          destinationResource: 'InstanceType',
          instanceChargeType: 'PostPaid',
        }),
      );
    const before = (await ask()).body!.availableZones!.availableZone!;
    assert.equal(before.length, 4);
    const supported = (zoneId: string, type: string) =>
      before
        .find((z) => z.zoneId === zoneId)!
        .availableResources!.availableResource![0]!.supportedResources!.supportedResource!.find(
          (s) => s.value === type,
        );
    assert.equal(supported(ZONE, 'ecs.g7.large')!.status, 'Available');
    assert.equal(supported(ZONE, 'ecs.g7.large')!.statusCategory, 'WithStock');
    // GPU capacity exists only in some zones.
    assert.equal(supported(ZONE, 'ecs.gn7i-c8g1.2xlarge'), undefined);
    assert.ok(supported('cn-hangzhou-h', 'ecs.gn7i-c8g1.2xlarge'));

    await admin.faults({ soldOut: [{ regionId: REGION, zoneId: ZONE, instanceType: 'ecs.g7.large' }] });
    const after = (await ask()).body!.availableZones!.availableZone!;
    const g7 = after
      .find((z) => z.zoneId === ZONE)!
      .availableResources!.availableResource![0]!.supportedResources!.supportedResource!.find(
        (s) => s.value === 'ecs.g7.large',
      )!;
    assert.equal(g7.status, 'SoldOut');
    assert.equal(g7.statusCategory, 'WithoutStock');
  });

  test('DescribePrice itemises instance, system disk and bandwidth, and quotes spot lower', async () => {
    const { body } = await ecs.describePrice(
      new $Ecs.DescribePriceRequest({
        regionId: REGION,
        instanceType: 'ecs.gn7i-c8g1.2xlarge',
        systemDisk: new $Ecs.DescribePriceRequestSystemDisk({ category: 'cloud_essd', size: 100 }),
        internetChargeType: 'PayByBandwidth',
        internetMaxBandwidthOut: 5,
      }),
    );
    const price = body!.priceInfo!.price!;
    assert.equal(price.currency, 'CNY');
    const details = price.detailInfos!.detailInfo!;
    assert.deepEqual(
      details.map((d) => d.resource),
      ['instanceType', 'systemDisk', 'bandwidth'],
    );
    assert.equal(details[0]!.tradePrice, 9.5326);
    assert.equal(details[1]!.tradePrice, 0.21);
    assert.equal(details[2]!.tradePrice, 0.315);
    assert.equal(price.tradePrice, 10.0576);

    const spot = await ecs.describePrice(
      new $Ecs.DescribePriceRequest({
        regionId: REGION,
        instanceType: 'ecs.gn7i-c8g1.2xlarge',
        spotStrategy: 'SpotAsPriceGo',
      }),
    );
    const spotPrice = spot.body!.priceInfo!.price!;
    assert.ok(spotPrice.tradePrice! < spotPrice.originalPrice!);
    assert.ok(spotPrice.discountPrice! > 0);

    const err = await rejection(() =>
      ecs.describePrice(
        new $Ecs.DescribePriceRequest({ regionId: 'us-west-1', instanceType: 'ecs.r7.large' }),
      ),
    );
    assert.equal(err.code, 'PriceNotFound');
  });

  test('DescribeRecommendInstanceType answers with the lowercase zone wrapper', async () => {
    const { body } = await ecs.describeRecommendInstanceType(
      new $Ecs.DescribeRecommendInstanceTypeRequest({
        regionId: REGION,
        networkType: 'vpc',
        cores: 2,
        memory: 8,
      }),
    );
    const recs = body!.data!.recommendInstanceType!;
    assert.ok(recs.length > 0);
    assert.equal(recs[0]!.instanceType!.cores, 2);
    assert.ok(recs[0]!.zones!.zone!.length > 0);
    assert.ok(recs[0]!.zones!.zone![0]!.zoneNo!.startsWith('cn-hangzhou-'));
  });

  test('DescribeImages resolves each family to its newest image', async () => {
    for (const family of [
      'acs:alibaba_cloud_linux_3_2104_lts_x64',
      'acs:ubuntu_22_04_x64',
      'acs:ubuntu_24_04_x64',
      'acs:debian_12_x64',
    ]) {
      const { body } = await ecs.describeImages(
        new $Ecs.DescribeImagesRequest({ regionId: REGION, imageFamily: family, imageOwnerAlias: 'system' }),
      );
      const images = body!.images!.image!;
      assert.equal(images.length, 1, family);
      assert.equal(images[0]!.imageFamily, family);
      assert.match(images[0]!.imageId!, /_x64_20G_alibase_\d{8}\.vhd$/);
      assert.equal(images[0]!.OSType, 'linux');
    }
  });
});

describe('security groups', () => {
  test('rules are listed, duplicates refused, and deletion waits for instances', async () => {
    const net = await createNetwork(emu);
    await ecs.authorizeSecurityGroup(
      new $Ecs.AuthorizeSecurityGroupRequest({
        regionId: REGION,
        securityGroupId: net.securityGroupId,
        permissions: [
          new $Ecs.AuthorizeSecurityGroupRequestPermissions({
            ipProtocol: 'tcp',
            portRange: '80/80',
            sourceCidrIp: '0.0.0.0/0',
          }),
          new $Ecs.AuthorizeSecurityGroupRequestPermissions({
            ipProtocol: 'tcp',
            portRange: '22/22',
            sourceCidrIp: '203.0.113.7/32',
          }),
        ],
      }),
    );
    await ecs.authorizeSecurityGroupEgress(
      new $Ecs.AuthorizeSecurityGroupEgressRequest({
        regionId: REGION,
        securityGroupId: net.securityGroupId,
        permissions: [
          new $Ecs.AuthorizeSecurityGroupEgressRequestPermissions({
            ipProtocol: 'all',
            destCidrIp: '0.0.0.0/0',
          }),
        ],
      }),
    );
    const { body } = await ecs.describeSecurityGroupAttribute(
      new $Ecs.DescribeSecurityGroupAttributeRequest({
        regionId: REGION,
        securityGroupId: net.securityGroupId,
      }),
    );
    const rules = body!.permissions!.permission!;
    assert.equal(rules.length, 3);
    assert.deepEqual(
      rules.filter((r) => r.direction === 'ingress').map((r) => [r.ipProtocol, r.portRange, r.sourceCidrIp]),
      [
        ['TCP', '80/80', '0.0.0.0/0'],
        ['TCP', '22/22', '203.0.113.7/32'],
      ],
    );
    assert.equal(body!.vpcId, net.vpcId);

    const dup = await rejection(() =>
      ecs.authorizeSecurityGroup(
        new $Ecs.AuthorizeSecurityGroupRequest({
          regionId: REGION,
          securityGroupId: net.securityGroupId,
          permissions: [
            new $Ecs.AuthorizeSecurityGroupRequestPermissions({
              ipProtocol: 'tcp',
              portRange: '80/80',
              sourceCidrIp: '0.0.0.0/0',
            }),
          ],
        }),
      ),
    );
    assert.equal(dup.code, 'InvalidPermission.Duplicate');

    const listed = await ecs.describeSecurityGroups(
      new $Ecs.DescribeSecurityGroupsRequest({ regionId: REGION, vpcId: net.vpcId }),
    );
    assert.equal(listed.body!.securityGroups!.securityGroup![0]!.securityGroupId, net.securityGroupId);

    const run = await ecs.runInstances(runRequest(net));
    const id = run.body!.instanceIdSets!.instanceIdSet![0]!;
    const busy = await rejection(() =>
      ecs.deleteSecurityGroup(
        new $Ecs.DeleteSecurityGroupRequest({ regionId: REGION, securityGroupId: net.securityGroupId }),
      ),
    );
    assert.equal(busy.code, 'DependencyViolation');
    assert.equal(busy.statusCode, 403);

    emu.world.advance(120_000);
    await ecs.deleteInstance(new $Ecs.DeleteInstanceRequest({ instanceId: id, force: true }));
    // A just-released instance still holds the group for a few seconds.
    const settling = await rejection(() =>
      ecs.deleteSecurityGroup(
        new $Ecs.DeleteSecurityGroupRequest({ regionId: REGION, securityGroupId: net.securityGroupId }),
      ),
    );
    assert.equal(settling.code, 'DependencyViolation');
    emu.world.advance(60_000);
    await ecs.deleteSecurityGroup(
      new $Ecs.DeleteSecurityGroupRequest({ regionId: REGION, securityGroupId: net.securityGroupId }),
    );
    const gone = await rejection(() =>
      ecs.deleteSecurityGroup(
        new $Ecs.DeleteSecurityGroupRequest({ regionId: REGION, securityGroupId: net.securityGroupId }),
      ),
    );
    assert.equal(gone.statusCode, 404);
  });
});

describe('instances', () => {
  test('RunInstances: Pending → Starting → Running, tags, typed fields', async () => {
    const net = await createNetwork(emu);
    const run = await ecs.runInstances(
      runRequest(net, {
        instanceName: 'acp-job',
        tag: [
          new $Ecs.RunInstancesRequestTag({ key: 'acp:managed', value: 'true' }),
          new $Ecs.RunInstancesRequestTag({ key: 'acp:workflow-id', value: 'wf-1' }),
        ],
      }),
    );
    assert.equal(run.statusCode, 200);
    assert.equal(run.body!.tradePrice, 0.5233);
    assert.ok(run.body!.orderId);
    const [id] = run.body!.instanceIdSets!.instanceIdSet!;
    assert.match(id!, /^i-bp[1-9][a-z0-9]{17}$/);

    const status = async () =>
      (
        await ecs.describeInstanceStatus(
          new $Ecs.DescribeInstanceStatusRequest({ regionId: REGION, instanceId: [id!] }),
        )
      ).body!.instanceStatuses!.instanceStatus![0]!.status;
    assert.equal(await status(), 'Pending');
    emu.world.advance(10_000);
    assert.equal(await status(), 'Starting');
    emu.world.advance(60_000);
    await untilRunning(ecs, id!);
    assert.equal(await status(), 'Running');

    const { body } = await ecs.describeInstances(
      new $Ecs.DescribeInstancesRequest({
        regionId: REGION,
        tag: [new $Ecs.DescribeInstancesRequestTag({ key: 'acp:workflow-id', value: 'wf-1' })],
      }),
    );
    assert.equal(body!.totalCount, 1);
    const inst = body!.instances!.instance![0]!;
    assert.equal(inst.instanceId, id);
    assert.equal(inst.instanceName, 'acp-job');
    assert.equal(inst.zoneId, ZONE);
    assert.equal(inst.cpu, 2);
    assert.equal(inst.memory, 8192);
    assert.equal(inst.vpcAttributes!.vpcId, net.vpcId);
    assert.equal(inst.vpcAttributes!.vSwitchId, net.vSwitchId);
    assert.match(inst.vpcAttributes!.privateIpAddress!.ipAddress![0]!, /^172\.16\.1\.\d+$/);
    assert.deepEqual(inst.securityGroupIds!.securityGroupId, [net.securityGroupId]);
    assert.deepEqual(
      inst.tags!.tag!.map((t) => [t.tagKey, t.tagValue]),
      [
        ['acp:managed', 'true'],
        ['acp:workflow-id', 'wf-1'],
      ],
    );
    const none = await ecs.describeInstances(
      new $Ecs.DescribeInstancesRequest({
        regionId: REGION,
        tag: [new $Ecs.DescribeInstancesRequestTag({ key: 'acp:workflow-id', value: 'other' })],
      }),
    );
    assert.equal(none.body!.instances!.instance!.length, 0);
    const byIds = await ecs.describeInstances(
      new $Ecs.DescribeInstancesRequest({
        regionId: REGION,
        instanceIds: JSON.stringify([id, 'i-bp1doesnotexist000']),
      }),
    );
    assert.equal(byIds.body!.instances!.instance!.length, 1);
  });

  test('the same ClientToken returns the same instance and creates nothing more', async () => {
    const net = await createNetwork(emu);
    const a = await ecs.runInstances(runRequest(net, { clientToken: 'wf-1/run', amount: 2 }));
    const b = await ecs.runInstances(runRequest(net, { clientToken: 'wf-1/run', amount: 2 }));
    assert.deepEqual(b.body!.instanceIdSets!.instanceIdSet, a.body!.instanceIdSets!.instanceIdSet);
    assert.notEqual(b.body!.requestId, a.body!.requestId);
    assert.equal((await admin.resources()).filter((r) => r.type === 'instance').length, 2);
  });

  test('DryRun validates and creates nothing', async () => {
    const net = await createNetwork(emu);
    const err = await rejection(() => ecs.runInstances(runRequest(net, { dryRun: true })));
    assert.equal(err.code, 'DryRunOperation');
    assert.equal(err.statusCode, 400);
    assert.equal((await admin.resources()).filter((r) => r.type === 'instance').length, 0);
  });

  test('parameter errors carry the real codes', async () => {
    const net = await createNetwork(emu);
    const cases: [Record<string, unknown>, string, number][] = [
      [{ instanceType: 'ecs.nope.large' }, 'InvalidInstanceType.ValueNotSupported', 400],
      [{ imageFamily: undefined, imageId: 'm-bp1doesnotexist' }, 'InvalidImageId.NotFound', 404],
      [{ vSwitchId: 'vsw-bp1doesnotexist0000' }, 'InvalidVSwitchId.NotFound', 404],
      [{ zoneId: 'cn-hangzhou-h' }, 'InvalidParameter.Mismatch', 400],
      [{ instanceType: 'ecs.gn7i-c8g1.2xlarge' }, 'Zone.NotOnSale', 403],
      [{ instanceType: 'ecs.gn7-c12g1.3xlarge' }, 'InvalidInstanceType.NotSupported', 403],
      [
        { autoReleaseTime: new Date(Date.now() + 5 * 60_000).toISOString().replace(/\.\d+Z$/, 'Z') },
        'InvalidAutoReleaseTime.Malformed',
        400,
      ],
    ];
    for (const [extra, code, status] of cases) {
      const err = await rejection(() => ecs.runInstances(runRequest(net, extra)));
      assert.equal(err.code, code, JSON.stringify(extra));
      assert.equal(err.statusCode, status, code);
      assert.equal(err.name, 'ClientError');
    }
  });

  test('DeleteInstance refuses a Running instance without Force, DeleteInstances releases', async () => {
    const net = await createNetwork(emu);
    const run = await ecs.runInstances(runRequest(net, { amount: 2 }));
    const [a, b] = run.body!.instanceIdSets!.instanceIdSet!;
    const initializing = await rejection(() =>
      ecs.deleteInstance(new $Ecs.DeleteInstanceRequest({ instanceId: a })),
    );
    assert.equal(initializing.code, 'IncorrectInstanceStatus.Initializing');
    emu.world.advance(120_000);
    const running = await rejection(() =>
      ecs.deleteInstance(new $Ecs.DeleteInstanceRequest({ instanceId: a })),
    );
    assert.equal(running.code, 'IncorrectInstanceStatus');
    assert.equal(running.statusCode, 403);
    await ecs.deleteInstances(
      new $Ecs.DeleteInstancesRequest({ regionId: REGION, instanceId: [a!, b!], force: true }),
    );
    assert.equal((await admin.resources()).filter((r) => r.type === 'instance').length, 0);
    const again = await rejection(() =>
      ecs.deleteInstance(new $Ecs.DeleteInstanceRequest({ instanceId: a, force: true })),
    );
    assert.equal(again.code, 'InvalidInstanceId.NotFound');
    assert.equal(again.statusCode, 404);
  });

  test('AutoReleaseTime releases the instance on the emulated clock, and can be moved', async () => {
    const net = await createNetwork(emu);
    const at = (ms: number) => new Date(emu.world.wallNow() + ms).toISOString().replace(/\.\d+Z$/, 'Z');
    const run = await ecs.runInstances(runRequest(net, { autoReleaseTime: at(60 * 60_000) }));
    const [id] = run.body!.instanceIdSets!.instanceIdSet!;
    const described = await ecs.describeInstances(
      new $Ecs.DescribeInstancesRequest({ regionId: REGION, instanceIds: JSON.stringify([id]) }),
    );
    assert.ok(described.body!.instances!.instance![0]!.autoReleaseTime);
    emu.world.advance(30 * 60_000);
    await ecs.modifyInstanceAutoReleaseTime(
      new $Ecs.ModifyInstanceAutoReleaseTimeRequest({
        regionId: REGION,
        instanceId: id,
        autoReleaseTime: at(2 * 60 * 60_000),
      }),
    );
    emu.world.advance(60 * 60_000);
    assert.equal(
      (await admin.resources()).filter((r) => r.type === 'instance').length,
      1,
      'extended: still alive',
    );
    emu.world.advance(61 * 60_000);
    assert.equal(
      (await admin.resources()).filter((r) => r.type === 'instance').length,
      0,
      'released at the new time',
    );
    const released = (await admin.resources({ all: true })).find((r) => r.id === id)!;
    assert.equal(released.status, 'Released');
  });

  test('cost accrues at the hourly price on the emulated clock', async () => {
    const net = await createNetwork(emu);
    await ecs.runInstances(
      runRequest(net, {
        instanceType: 'ecs.c7.large',
        systemDisk: new $Ecs.RunInstancesRequestSystemDisk({ category: 'cloud_essd', size: '40' }),
      }),
    );
    const first = await admin.cost();
    emu.world.advance(2 * 3_600_000);
    const second = await admin.cost();
    assert.equal(second.currency, 'CNY');
    const delta = second.total - first.total;
    // 2 h × (0.4077 instance + 40 GiB × 0.0021 disk)
    assert.ok(Math.abs(delta - 2 * (0.4077 + 0.084)) < 0.01, String(delta));
    assert.equal(second.resources.length, 1);
  });

  test('a 30 KB UserData fits in the signed URL', async () => {
    const net = await createNetwork(emu);
    const userData = Buffer.from('#!/bin/sh\n'.padEnd(30 * 1024, '#')).toString('base64');
    const run = await ecs.runInstances(runRequest(net, { userData }));
    assert.equal(run.body!.instanceIdSets!.instanceIdSet!.length, 1);
  });
});

describe('Cloud Assistant', () => {
  async function runningInstance() {
    const net = await createNetwork(emu);
    const run = await ecs.runInstances(runRequest(net));
    emu.world.advance(120_000);
    await untilRunning(ecs, run.body!.instanceIdSets!.instanceIdSet![0]!);
    return run.body!.instanceIdSets!.instanceIdSet![0]!;
  }
  const results = (invokeId: string, contentEncoding?: string) =>
    ecs.describeInvocationResults(
      new $Ecs.DescribeInvocationResultsRequest({
        regionId: REGION,
        invokeId,
        ...(contentEncoding ? { contentEncoding } : {}),
      }),
    );

  test('RunCommand runs the script; results carry exit code and Base64 output', async () => {
    const id = await runningInstance();
    // Cloud Assistant runs a root command in /root of the instance (the emulator's machine for it).
    const script = 'echo "hello from $(pwd)"; echo oops >&2; exit 3';
    const { body } = await ecs.runCommand(
      new $Ecs.RunCommandRequest({
        regionId: REGION,
        type: 'RunShellScript',
        commandContent: Buffer.from(script).toString('base64'),
        contentEncoding: 'Base64',
        instanceId: [id],
        timeout: 60,
      }),
    );
    assert.match(body!.invokeId!, /^t-/);
    assert.match(body!.commandId!, /^c-/);
    const result = await eventually(async () => {
      const r = (await results(body!.invokeId!)).body!.invocation!.invocationResults!.invocationResult![0]!;
      return r.invocationStatus !== 'Running' && r.invocationStatus !== 'Pending' ? r : undefined;
    });
    assert.equal(result.invocationStatus, 'Failed');
    assert.equal(result.invokeRecordStatus, 'Failed');
    assert.equal(result.exitCode, 3);
    assert.equal(result.errorCode, 'ExitCodeNonzero');
    assert.equal(Buffer.from(result.output!, 'base64').toString(), 'hello from /root\noops\n');
    const plain = (await results(body!.invokeId!, 'PlainText')).body!.invocation!.invocationResults!
      .invocationResult![0]!;
    assert.equal(plain.output, 'hello from /root\noops\n');

    const inv = await ecs.describeInvocations(
      new $Ecs.DescribeInvocationsRequest({
        regionId: REGION,
        invokeId: body!.invokeId,
        includeOutput: true,
      }),
    );
    const one = inv.body!.invocations!.invocation![0]!;
    assert.equal(one.invocationStatus, 'Failed');
    assert.equal(one.invokeInstances!.invokeInstance![0]!.exitCode, 3);
    assert.equal(one.invokeInstances!.invokeInstance![0]!.instanceId, id);
  });

  test('a plain-text script that succeeds, and one that times out', async () => {
    const id = await runningInstance();
    const ok = await ecs.runCommand(
      new $Ecs.RunCommandRequest({
        regionId: REGION,
        type: 'RunShellScript',
        commandContent: 'echo done',
        instanceId: [id],
      }),
    );
    const done = await eventually(async () => {
      const r = (await results(ok.body!.invokeId!)).body!.invocation!.invocationResults!
        .invocationResult![0]!;
      return r.invocationStatus === 'Success' ? r : undefined;
    });
    assert.equal(done.exitCode, 0);
    assert.equal(Buffer.from(done.output!, 'base64').toString(), 'done\n');

    const refused = await rejection(() =>
      ecs.runCommand(
        new $Ecs.RunCommandRequest({
          regionId: REGION,
          type: 'RunShellScript',
          commandContent: 'true',
          instanceId: [id],
          timeout: 1,
        }),
      ),
    );
    assert.equal(refused.code, 'InvalidTimeout.ExceedLimit');

    // Timeouts run on the emulated clock: at speed 600 the 10 s timeout is the 2 s wall minimum.
    const fast = await testEmulator({ speed: 600 });
    after(() => fast.emu.stop());
    const net = await createNetwork(fast.emu);
    const fastRun = await fast.ecs.runInstances(runRequest(net));
    fast.emu.world.advance(120_000);
    await untilRunning(fast.ecs, fastRun.body!.instanceIdSets!.instanceIdSet![0]!);
    const slow = await fast.ecs.runCommand(
      new $Ecs.RunCommandRequest({
        regionId: REGION,
        type: 'RunShellScript',
        commandContent: 'echo start; sleep 30',
        instanceId: fastRun.body!.instanceIdSets!.instanceIdSet,
        timeout: 10,
      }),
    );
    const timedOut = await eventually(async () => {
      const { body } = await fast.ecs.describeInvocationResults(
        new $Ecs.DescribeInvocationResultsRequest({ regionId: REGION, invokeId: slow.body!.invokeId }),
      );
      const r = body!.invocation!.invocationResults!.invocationResult![0]!;
      return r.invocationStatus === 'Timeout' ? r : undefined;
    });
    assert.equal(timedOut.errorCode, 'ExecutionTimeout');
    assert.equal(Buffer.from(timedOut.output!, 'base64').toString(), 'start\n');
  });

  test('commands to an instance that is not Running are aborted', async () => {
    const net = await createNetwork(emu);
    const run = await ecs.runInstances(runRequest(net));
    const id = run.body!.instanceIdSets!.instanceIdSet![0]!;
    const { body } = await ecs.runCommand(
      new $Ecs.RunCommandRequest({
        regionId: REGION,
        type: 'RunShellScript',
        commandContent: 'true',
        instanceId: [id],
      }),
    );
    const r = (await results(body!.invokeId!)).body!.invocation!.invocationResults!.invocationResult![0]!;
    assert.equal(r.invocationStatus, 'Aborted');
    assert.equal(r.errorCode, 'InstanceNotRunning');
  });
});

describe('tags', () => {
  test('TagResources / ListTagResources on an instance', async () => {
    const net = await createNetwork(emu);
    const run = await ecs.runInstances(runRequest(net));
    const id = run.body!.instanceIdSets!.instanceIdSet![0]!;
    await ecs.tagResources(
      new $Ecs.TagResourcesRequest({
        regionId: REGION,
        resourceType: 'instance',
        resourceId: [id],
        tag: [new $Ecs.TagResourcesRequestTag({ key: 'acp:managed', value: 'true' })],
      }),
    );
    const { body } = await ecs.listTagResources(
      new $Ecs.ListTagResourcesRequest({ regionId: REGION, resourceType: 'instance', resourceId: [id] }),
    );
    assert.deepEqual(
      body!.tagResources!.tagResource!.map((t) => [t.resourceId, t.resourceType, t.tagKey, t.tagValue]),
      [[id, 'instance', 'acp:managed', 'true']],
    );
  });
});
