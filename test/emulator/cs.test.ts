// CS (ACK) through the official SDK (@alicloud/cs20151215): snake_case on the wire, camelCase typed
// fields in the SDK, so every field checked here proves a key came back with the right casing.
import assert from 'node:assert/strict';
import { after, before, beforeEach, describe, test } from 'node:test';
import * as $Cs from '@alicloud/cs20151215';
import { csClient } from '../support/emulator-clients';
import { rejection, type TestEmulator, testEmulator } from './fixtures';

let emu: TestEmulator['emu'];
let admin: TestEmulator['admin'];
let cs: ReturnType<typeof csClient>;
before(async () => {
  ({ emu, admin } = await testEmulator());
  cs = csClient(emu);
});
after(() => emu.stop());
beforeEach(() => admin.reset());

const MINUTE = 60_000;

function clusterRequest(extra: Record<string, unknown> = {}) {
  return new $Cs.CreateClusterRequest({
    name: 'acp-k8s',
    clusterType: 'ManagedKubernetes',
    clusterSpec: 'ack.pro.small',
    regionId: 'cn-hangzhou',
    kubernetesVersion: '1.31.1-aliyun.1',
    containerCidr: '10.64.0.0/16',
    serviceCidr: '172.21.0.0/20',
    zoneIds: ['cn-hangzhou-k'],
    tags: [
      new $Cs.Tag({ key: 'acp:managed', value: 'true' }),
      new $Cs.Tag({ key: 'acp:workflow-id', value: 'wf-ack' }),
    ],
    nodepools: [
      new $Cs.Nodepool({
        nodepoolInfo: new $Cs.NodepoolNodepoolInfo({ name: 'acp-pool' }),
        scalingGroup: new $Cs.NodepoolScalingGroup({ instanceTypes: ['ecs.g7.xlarge'], desiredSize: 2 }),
      }),
    ],
    ...extra,
  });
}

async function task(id: string) {
  return (await cs.describeTaskInfo(id)).body!;
}

describe('clusters', () => {
  test('CreateCluster starts a task; the cluster goes initial → running with priced nodes', async () => {
    const { body, statusCode } = await cs.createCluster(clusterRequest());
    assert.equal(statusCode, 200);
    assert.match(body!.clusterId!, /^c[0-9a-f]{32}$/);
    assert.match(body!.taskId!, /^T-/);
    assert.ok(body!.requestId);

    const initial = (await cs.describeClusterDetail(body!.clusterId!)).body!;
    assert.equal(initial.state, 'initial');
    assert.equal(initial.clusterType, 'ManagedKubernetes');
    assert.equal(initial.clusterSpec, 'ack.pro.small');
    assert.equal(initial.regionId, 'cn-hangzhou');
    assert.equal(initial.zoneId, 'cn-hangzhou-k');
    assert.equal(initial.currentVersion, '1.31.1-aliyun.1');
    assert.equal(initial.containerCidr, '10.64.0.0/16');
    assert.match(initial.created!, /\+08:00$/);
    assert.deepEqual(
      initial.tags!.map((t) => [t.key, t.value]),
      [
        ['acp:managed', 'true'],
        ['acp:workflow-id', 'wf-ack'],
      ],
    );
    const creating = await task(body!.taskId!);
    assert.equal(creating.state, 'running');
    assert.equal(creating.clusterId, body!.clusterId);
    assert.equal(creating.taskType, 'cluster_create');

    emu.world.advance(11 * MINUTE);
    const running = (await cs.describeClusterDetail(body!.clusterId!)).body!;
    assert.equal(running.state, 'running');
    assert.equal(running.size, 2);
    assert.match(JSON.parse(running.masterUrl!).api_server_endpoint, /\/k8s-api\/c[0-9a-f]{32}$/);
    assert.equal((await task(body!.taskId!)).state, 'success');

    const rows = await admin.resources();
    assert.deepEqual(rows.map((r) => r.type).sort(), ['ack-node', 'ack-node', 'cluster']);
    assert.ok(rows.every((r) => r.tags['acp:workflow-id'] === 'wf-ack'));
    const cost = await admin.cost();
    assert.ok(
      cost.resources.some((r) => r.type === 'cluster' && r.cost > 0),
      'ACK Pro fee accrues',
    );
    assert.ok(
      cost.resources.some((r) => r.type === 'ack-node' && r.cost > 0),
      'nodes accrue',
    );
  });

  test('DescribeClustersV1 lists clusters with page_info', async () => {
    const a = (await cs.createCluster(clusterRequest({ name: 'acp-a' }))).body!.clusterId!;
    await cs.createCluster(clusterRequest({ name: 'acp-b' }));
    const all = (await cs.describeClustersV1(new $Cs.DescribeClustersV1Request({ regionId: 'cn-hangzhou' })))
      .body!;
    assert.equal(all.clusters!.length, 2);
    assert.equal(all.pageInfo!.totalCount, 2);
    assert.equal(all.pageInfo!.pageNumber, 1);
    const one = (await cs.describeClustersV1(new $Cs.DescribeClustersV1Request({ name: 'acp-a' }))).body!;
    assert.deepEqual(
      one.clusters!.map((c) => c.clusterId),
      [a],
    );
    assert.equal(one.clusters![0]!.state, 'initial');
  });

  test('the kubeconfig is served once the cluster runs and points at its Kubernetes API', async () => {
    const { clusterId } = (await cs.createCluster(clusterRequest())).body!;
    const early = await rejection(() =>
      cs.describeClusterUserKubeconfig(clusterId!, new $Cs.DescribeClusterUserKubeconfigRequest({})),
    );
    assert.equal(early.statusCode, 400);
    assert.equal(early.code, 'ErrorClusterState');
    emu.world.advance(11 * MINUTE);
    const { body } = await cs.describeClusterUserKubeconfig(
      clusterId!,
      new $Cs.DescribeClusterUserKubeconfigRequest({ privateIpAddress: false, temporaryDurationMinutes: 60 }),
    );
    assert.ok(body!.config!.includes(`server: http://${emu.endpoint}/k8s-api/${clusterId}`));
    assert.match(body!.config!, /token: [0-9a-f]{48}/);
    const expires = Date.parse(body!.expiration!);
    assert.ok(Math.abs(expires - (emu.world.now() + 60 * MINUTE)) < MINUTE);
  });

  test('DeleteCluster is 202 with a task; the cluster, its nodes and its jobs are released', async () => {
    const { clusterId } = (await cs.createCluster(clusterRequest())).body!;
    emu.world.advance(11 * MINUTE);
    const del = await cs.deleteCluster(
      clusterId!,
      new $Cs.DeleteClusterRequest({ retainAllResources: false }),
    );
    assert.equal(del.statusCode, 202);
    assert.equal(del.body!.clusterId, clusterId);
    assert.equal((await cs.describeClusterDetail(clusterId!)).body!.state, 'deleting');
    emu.world.advance(4 * MINUTE);
    assert.equal((await task(del.body!.taskId!)).state, 'success');
    const gone = await rejection(() => cs.describeClusterDetail(clusterId!));
    assert.equal(gone.statusCode, 404);
    assert.equal(gone.code, 'ErrorClusterNotFound');
    assert.ok(gone.requestId && gone.requestId !== 'undefined');
    assert.deepEqual(await admin.resources(), []);
  });
});

describe('faults', () => {
  test('a sold-out node type fails the create task and leaves a failed cluster to delete', async () => {
    await admin.faults({ soldOut: [{ regionId: 'cn-hangzhou', instanceType: 'ecs.g7.xlarge' }] });
    const { clusterId, taskId } = (await cs.createCluster(clusterRequest())).body!;
    emu.world.advance(MINUTE);
    const failed = await task(taskId!);
    assert.equal(failed.state, 'failed');
    assert.equal(failed.error!.code, 'OperationDenied.NoStock');
    assert.equal((await cs.describeClusterDetail(clusterId!)).body!.state, 'failed');
    assert.deepEqual(
      (await admin.resources()).map((r) => r.type),
      ['cluster'],
    );
    await cs.deleteCluster(clusterId!, new $Cs.DeleteClusterRequest({}));
    emu.world.advance(4 * MINUTE);
    assert.deepEqual(await admin.resources(), []);
  });

  test('the next instance type of a pool is used when the first is sold out', async () => {
    await admin.faults({ soldOut: [{ regionId: 'cn-hangzhou', instanceType: 'ecs.g7.xlarge' }] });
    const req = clusterRequest({
      nodepools: [
        new $Cs.Nodepool({
          nodepoolInfo: new $Cs.NodepoolNodepoolInfo({ name: 'acp-pool' }),
          scalingGroup: new $Cs.NodepoolScalingGroup({
            instanceTypes: ['ecs.g7.xlarge', 'ecs.g8i.xlarge'],
            desiredSize: 1,
          }),
        }),
      ],
    });
    const { taskId } = (await cs.createCluster(req)).body!;
    emu.world.advance(11 * MINUTE);
    assert.equal((await task(taskId!)).state, 'success');
  });

  test('an ECS quota fault fails the task with QuotaExceed.ElasticQuota', async () => {
    await admin.faults({ quota: { 'ecs.instances': 1 } });
    const { taskId } = (await cs.createCluster(clusterRequest())).body!;
    emu.world.advance(MINUTE);
    const failed = await task(taskId!);
    assert.equal(failed.state, 'failed');
    assert.equal(failed.error!.code, 'QuotaExceed.ElasticQuota');
  });

  test('cluster quota and balance are refused synchronously with CS error bodies', async () => {
    await admin.faults({ quota: { 'cs.instances': 0 } });
    const quota = await rejection(() => cs.createCluster(clusterRequest()));
    assert.equal(quota.statusCode, 400);
    assert.equal(quota.code, 'QuotaExceeded.Cluster');
    assert.equal(quota.data.status, 400);
    await admin.reset();
    await admin.faults({ balance: 0 });
    const balance = await rejection(() => cs.createCluster(clusterRequest()));
    assert.equal(balance.code, 'InsufficientBalance');
  });

  test('bad input is 400 InvalidParameter; unknown ids are 404', async () => {
    const noName = await rejection(() => cs.createCluster(clusterRequest({ name: '' })));
    assert.equal(noName.code, 'InvalidParameter');
    assert.equal(noName.statusCode, 400);
    const badType = await rejection(() =>
      cs.createCluster(
        clusterRequest({
          nodepools: [
            new $Cs.Nodepool({
              scalingGroup: new $Cs.NodepoolScalingGroup({
                instanceTypes: ['ecs.nope.large'],
                desiredSize: 1,
              }),
            }),
          ],
        }),
      ),
    );
    assert.equal(badType.code, 'InvalidParameter');
    const missing = await rejection(() => cs.deleteCluster('c0000', new $Cs.DeleteClusterRequest({})));
    assert.equal(missing.code, 'ErrorClusterNotFound');
    const noTask = await rejection(() => cs.describeTaskInfo('T-nope'));
    assert.equal(noTask.statusCode, 404);
  });
});
