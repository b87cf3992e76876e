// The emulator refuses what Alibaba documents as refused — with the documented code and HTTP
// status — instead of quietly doing something: paging beyond the documented maximum, values outside
// a parameter's documented set, an ACK cluster without a VPC, a DLC job without a running-time
// minimum, a Kubernetes Job whose name cannot label its pods. Each call goes through the official SDK.
import assert from 'node:assert/strict';
import { after, before, beforeEach, describe, test } from 'node:test';
import * as $Cs from '@alicloud/cs20151215';
import * as $Ecs from '@alicloud/ecs20140526';
import * as $Vpc from '@alicloud/vpc20160428';
import * as k8s from '@kubernetes/client-node';
import { csClient, dlcClient } from '../support/emulator-clients';
import { createNetwork, REGION, rejection, type TestEmulator, testEmulator, ZONE } from './fixtures';

let t: TestEmulator;
before(async () => {
  t = await testEmulator();
});
after(() => t.emu.stop());
beforeEach(() => t.admin.reset());

/** The SDK error's HTTP status and Alibaba code. */
async function refused(
  call: () => Promise<unknown>,
): Promise<{ status: number; code: string; message: string }> {
  const err = await rejection(call);
  return { status: err.statusCode, code: err.code, message: String(err.data?.Message ?? err.message) };
}

describe('ECS', () => {
  test('PageSize above the documented maximum is refused, not clamped', async () => {
    const r = await refused(() =>
      t.ecs.describeInstances(new $Ecs.DescribeInstancesRequest({ regionId: REGION, pageSize: 101 })),
    );
    assert.deepEqual([r.status, r.code], [400, 'InvalidParameter']);
    assert.match(r.message, /PageSize/);
    const zero = await refused(() =>
      t.ecs.describeInstances(new $Ecs.DescribeInstancesRequest({ regionId: REGION, pageNumber: 0 })),
    );
    assert.deepEqual([zero.status, zero.code], [400, 'InvalidParameter']);
    const status = await refused(() =>
      t.ecs.describeInstanceStatus(
        new $Ecs.DescribeInstanceStatusRequest({ regionId: REGION, pageSize: 51 }),
      ),
    );
    assert.deepEqual([status.status, status.code], [400, 'InvalidParameter']);
    const images = await refused(() =>
      t.ecs.describeImages(new $Ecs.DescribeImagesRequest({ regionId: REGION, pageSize: 101 })),
    );
    assert.deepEqual([images.status, images.code], [400, 'InvalidParameter']);
    const types = await refused(() =>
      t.ecs.describeInstanceTypes(new $Ecs.DescribeInstanceTypesRequest({ maxResults: 1601 })),
    );
    assert.deepEqual([types.status, types.code], [400, 'InvalidParameter']);
  });

  test('DescribeSecurityGroups pages up to its documented 100 (it stopped at 50)', async () => {
    const { body } = await t.ecs.describeSecurityGroups(
      new $Ecs.DescribeSecurityGroupsRequest({ regionId: REGION, pageSize: 100 }),
    );
    assert.equal(body?.pageSize, 100);
    const r = await refused(() =>
      t.ecs.describeSecurityGroups(
        new $Ecs.DescribeSecurityGroupsRequest({ regionId: REGION, pageSize: 101 }),
      ),
    );
    assert.deepEqual([r.status, r.code], [400, 'InvalidParameter']);
  });

  test('DescribeInstances MaxResults is read as documented: below 10 → 10, above 100 → 100', async () => {
    const low = await t.ecs.describeInstances(
      new $Ecs.DescribeInstancesRequest({ regionId: REGION, maxResults: 3 }),
    );
    assert.equal(low.body?.pageSize, 10);
    const high = await t.ecs.describeInstances(
      new $Ecs.DescribeInstancesRequest({ regionId: REGION, maxResults: 500 }),
    );
    assert.equal(high.body?.pageSize, 100);
  });

  test('Cloud Assistant paging refuses with its own documented code', async () => {
    const r = await refused(() =>
      t.ecs.describeInvocationResults(
        new $Ecs.DescribeInvocationResultsRequest({ regionId: REGION, pageSize: 51 }),
      ),
    );
    assert.deepEqual([r.status, r.code], [400, 'InvalidParam.PageSize']);
  });

  test('filter values outside their documented sets get the documented codes', async () => {
    const cases: [string, () => Promise<unknown>, number, string][] = [
      [
        'DescribeInstances Status',
        () => t.ecs.describeInstances(new $Ecs.DescribeInstancesRequest({ regionId: REGION, status: 'Up' })),
        404,
        'InvalidStatus.NotFound',
      ],
      [
        'DescribeInstances InstanceChargeType',
        () =>
          t.ecs.describeInstances(
            new $Ecs.DescribeInstancesRequest({ regionId: REGION, instanceChargeType: 'Monthly' }),
          ),
        404,
        'InvalidInstanceChargeType.NotFound',
      ],
      [
        'DescribeInstances 21 tags',
        () =>
          t.ecs.describeInstances(
            new $Ecs.DescribeInstancesRequest({
              regionId: REGION,
              tag: Array.from(
                { length: 21 },
                (_, i) => new $Ecs.DescribeInstancesRequestTag({ key: `k${i}` }),
              ),
            }),
          ),
        400,
        'InvalidTagCount',
      ],
      [
        'DescribeInstanceStatus 101 ids',
        () =>
          t.ecs.describeInstanceStatus(
            new $Ecs.DescribeInstanceStatusRequest({
              regionId: REGION,
              instanceId: Array.from({ length: 101 }, (_, i) => `i-${i}`),
            }),
          ),
        403,
        'InvalidParameter.TooManyInstanceIds',
      ],
      [
        'DescribeImages ImageOwnerAlias',
        () =>
          t.ecs.describeImages(
            new $Ecs.DescribeImagesRequest({ regionId: REGION, imageOwnerAlias: 'everyone' }),
          ),
        400,
        'InvalidImageOwnerAlias.ValueNotSupported',
      ],
      [
        'DescribeImages OSType',
        () => t.ecs.describeImages(new $Ecs.DescribeImagesRequest({ regionId: REGION, OSType: 'macos' })),
        404,
        'InvalidOSType',
      ],
      [
        'DescribeAvailableResource InstanceChargeType',
        () =>
          t.ecs.describeAvailableResource(
            new $Ecs.DescribeAvailableResourceRequest({
              regionId: REGION,
              destinationResource: 'InstanceType',
              instanceChargeType: 'Hourly',
            }),
          ),
        400,
        'Invalid.InstanceChargeType',
      ],
      [
        'DescribeAvailableResource IoOptimized',
        () =>
          t.ecs.describeAvailableResource(
            new $Ecs.DescribeAvailableResourceRequest({
              regionId: REGION,
              destinationResource: 'InstanceType',
              ioOptimized: 'yes',
            }),
          ),
        404,
        'Invalid.IoOptimized',
      ],
      [
        'DescribeSecurityGroups SecurityGroupType',
        () =>
          t.ecs.describeSecurityGroups(
            new $Ecs.DescribeSecurityGroupsRequest({ regionId: REGION, securityGroupType: 'strict' }),
          ),
        400,
        'InvalidParameter.SecurityGroupType',
      ],
      [
        'CreateSecurityGroup SecurityGroupType',
        () =>
          t.ecs.createSecurityGroup(
            new $Ecs.CreateSecurityGroupRequest({ regionId: REGION, securityGroupType: 'open' }),
          ),
        400,
        'InvalidParams.GroupType',
      ],
      [
        'DescribePrice without InstanceType',
        () =>
          t.ecs.describePrice(new $Ecs.DescribePriceRequest({ regionId: REGION, resourceType: 'instance' })),
        404,
        'InvalidInstanceType.Missing',
      ],
      [
        'DescribePrice Amount 0',
        () =>
          t.ecs.describePrice(
            new $Ecs.DescribePriceRequest({ regionId: REGION, instanceType: 'ecs.g7.large', amount: 0 }),
          ),
        403,
        'InvalidAmount.Malformed',
      ],
      [
        'DescribePrice InternetChargeType',
        () =>
          t.ecs.describePrice(
            new $Ecs.DescribePriceRequest({
              regionId: REGION,
              instanceType: 'ecs.g7.large',
              internetChargeType: 'PayByMonth',
            }),
          ),
        400,
        'InvalidInternetChargeType.ValueNotSupported',
      ],
      [
        'StopInvocation of an unknown task',
        () => t.ecs.stopInvocation(new $Ecs.StopInvocationRequest({ regionId: REGION, invokeId: 't-nope' })),
        404,
        'InvalidInvokeId.NotFound',
      ],
      [
        'StopInvocation without InvokeId',
        () => t.ecs.stopInvocation(new $Ecs.StopInvocationRequest({ regionId: REGION })),
        400,
        'MissingParameter',
      ],
    ];
    for (const [what, call, status, code] of cases) {
      const r = await refused(call);
      assert.deepEqual([r.status, r.code], [status, code], what);
    }
  });

  test('a security group cannot be created in a VPC that is still being created', async () => {
    const { body } = await t.vpc.createVpc(
      new $Vpc.CreateVpcRequest({ regionId: REGION, cidrBlock: '10.0.0.0/16' }),
    );
    const r = await refused(() =>
      t.ecs.createSecurityGroup(
        new $Ecs.CreateSecurityGroupRequest({ regionId: REGION, vpcId: body!.vpcId }),
      ),
    );
    assert.deepEqual([r.status, r.code], [400, 'IncorrectVpcStatus']);
  });
});

describe('VPC', () => {
  test('DescribeVpcs and DescribeVSwitches refuse a PageSize above 50', async () => {
    const vpcs = await refused(() =>
      t.vpc.describeVpcs(new $Vpc.DescribeVpcsRequest({ regionId: REGION, pageSize: 51 })),
    );
    assert.deepEqual([vpcs.status, vpcs.code], [400, 'InvalidParameter']);
    const vsw = await refused(() =>
      t.vpc.describeVSwitches(new $Vpc.DescribeVSwitchesRequest({ regionId: REGION, pageSize: 51 })),
    );
    assert.deepEqual([vsw.status, vsw.code], [400, 'InvalidParameter']);
    const ok = await t.vpc.describeVpcs(new $Vpc.DescribeVpcsRequest({ regionId: REGION, pageSize: 50 }));
    assert.equal(ok.body?.pageSize, 50);
  });
});

describe('CS (ACK)', () => {
  const pool = (vSwitchId?: string) =>
    new $Cs.Nodepool({
      nodepoolInfo: new $Cs.NodepoolNodepoolInfo({ name: 'pool' }),
      scalingGroup: new $Cs.NodepoolScalingGroup({
        instanceTypes: ['ecs.g7.xlarge'],
        desiredSize: 1,
        ...(vSwitchId ? { vswitchIds: [vSwitchId] } : {}),
      }),
    });
  const cluster = (extra: Record<string, unknown>) =>
    new $Cs.CreateClusterRequest({
      name: 'acp-strict',
      regionId: REGION,
      clusterType: 'ManagedKubernetes',
      clusterSpec: 'ack.pro.small',
      nodepools: [pool()],
      ...extra,
    });

  test('CreateCluster without a VPC (no vpcid, no zone to create one in) is refused', async () => {
    const r = await refused(() => csClient(t.emu).createCluster(cluster({})));
    assert.deepEqual([r.status, r.code], [400, 'InvalidParameter']);
    assert.match(r.message, /vpcid is required/);
    assert.deepEqual(await t.admin.resources(), [], 'nothing was created');
  });

  test('the VPC must exist, its vSwitches must be in it, CIDRs must not overlap it', async () => {
    const cs = csClient(t.emu);
    const net = await createNetwork(t.emu);
    const other = await createNetwork(t.emu);
    const unknown = await refused(() =>
      cs.createCluster(cluster({ vpcid: 'vpc-nope', vswitchIds: [net.vSwitchId] })),
    );
    assert.match(unknown.message, /vpcid vpc-nope does not exist/);
    const foreign = await refused(() =>
      cs.createCluster(cluster({ vpcid: net.vpcId, vswitchIds: [other.vSwitchId] })),
    );
    assert.match(foreign.message, /is not in vpc/);
    // createNetwork's VPC is 172.16.0.0/12: a pod CIDR inside it is refused.
    const overlap = await refused(() =>
      cs.createCluster(
        cluster({ vpcid: net.vpcId, vswitchIds: [net.vSwitchId], containerCidr: '172.20.0.0/16' }),
      ),
    );
    assert.match(overlap.message, /container_cidr 172\.20\.0\.0\/16 overlaps the VPC CIDR/);
    for (const r of [unknown, foreign, overlap])
      assert.deepEqual([r.status, r.code], [400, 'InvalidParameter']);
    const ok = await cs.createCluster(
      cluster({
        vpcid: net.vpcId,
        vswitchIds: [net.vSwitchId],
        nodepools: [pool(net.vSwitchId)],
        containerCidr: '10.64.0.0/16',
        serviceCidr: '192.168.0.0/20',
      }),
    );
    assert.ok(ok.body?.clusterId);
  });

  test('cluster_spec is one of the documented editions; none means ACK Basic (no fee)', async () => {
    const cs = csClient(t.emu);
    const r = await refused(() => cs.createCluster(cluster({ clusterSpec: 'ack.ultra', zoneIds: [ZONE] })));
    assert.deepEqual([r.status, r.code], [400, 'InvalidParameter']);
    const { body } = await cs.createCluster(cluster({ clusterSpec: undefined, zoneIds: [ZONE] }));
    const detail = await cs.describeClusterDetail(body!.clusterId!);
    assert.equal(detail.body?.clusterSpec, 'ack.standard');
    assert.equal(t.emu.world.get('cluster', body!.clusterId!)?.hourlyPrice, 0);
  });
});

describe('PAI-DLC', () => {
  test('paging, enumerations and JobMaxRunningTimeMinutes are refused outside their documented ranges', async () => {
    const dlc = dlcClient(t.emu);
    const cases: [string, () => Promise<unknown>][] = [
      [
        'ListJobs PageSize 101',
        () => dlc.call('ListJobs', 'GET', '/api/v1/jobs', { query: { PageSize: 101 } }),
      ],
      [
        'ListJobs PageNumber 0',
        () => dlc.call('ListJobs', 'GET', '/api/v1/jobs', { query: { PageNumber: 0 } }),
      ],
      [
        'ListEcsSpecs AcceleratorType TPU',
        () => dlc.call('ListEcsSpecs', 'GET', '/api/v1/ecsspecs', { query: { AcceleratorType: 'TPU' } }),
      ],
      [
        'CreateJob JobMaxRunningTimeMinutes 0',
        () =>
          dlc.call('CreateJob', 'POST', '/api/v1/jobs', {
            body: {
              DisplayName: 'acp-strict',
              JobType: 'PyTorchJob',
              UserCommand: 'echo x',
              JobMaxRunningTimeMinutes: 0,
              JobSpecs: [{ Type: 'Worker', Image: 'pytorch:latest', PodCount: 1, EcsSpec: 'ecs.g7.xlarge' }],
            },
          }),
      ],
    ];
    for (const [what, call] of cases) {
      const r = await refused(call);
      assert.deepEqual([r.status, r.code], [400, 'InvalidParameter'], what);
    }
    assert.deepEqual(await t.admin.resources(), [], 'no job was created');
  });
});

describe('Kubernetes API of a cluster', () => {
  test('a Job name longer than a label value, or a container without an image, is Invalid (422)', async () => {
    const cs = csClient(t.emu);
    const { body } = await cs.createCluster(
      new $Cs.CreateClusterRequest({
        name: 'acp-k8s-strict',
        regionId: REGION,
        clusterType: 'ManagedKubernetes',
        clusterSpec: 'ack.pro.small',
        zoneIds: [ZONE],
        nodepools: [pool()],
      }),
    );
    t.emu.world.advance(11 * 60_000);
    const kc = new k8s.KubeConfig();
    kc.loadFromString(
      (
        await cs.describeClusterUserKubeconfig(
          body!.clusterId!,
          new $Cs.DescribeClusterUserKubeconfigRequest({}),
        )
      ).body!.config!,
    );
    const batch = kc.makeApiClient(k8s.BatchV1Api);
    const job = (name: string, image?: string): k8s.V1Job => ({
      metadata: { name },
      spec: {
        template: {
          spec: { restartPolicy: 'Never', containers: [{ name: 'main', ...(image ? { image } : {}) }] },
        },
      },
    });
    const long = await rejection(() =>
      batch.createNamespacedJob({ namespace: 'default', body: job('a'.repeat(64), 'busybox') }),
    );
    assert.equal(long.code, 422);
    assert.match(String(long.body), /must be no more than 63 characters/);
    const noImage = await rejection(() =>
      batch.createNamespacedJob({ namespace: 'default', body: job('no-image') }),
    );
    assert.equal(noImage.code, 422);
    assert.match(String(noImage.body), /containers\[0\]\.image: Required value/);
  });

  function pool() {
    return new $Cs.Nodepool({
      nodepoolInfo: new $Cs.NodepoolNodepoolInfo({ name: 'pool' }),
      scalingGroup: new $Cs.NodepoolScalingGroup({ instanceTypes: ['ecs.g7.xlarge'], desiredSize: 1 }),
    });
  }
});
