// The provision workflow on ACK, end to end: a real Temporal server, the emulator (CS and each
// cluster's Kubernetes API), the official CS SDK and @kubernetes/client-node. Given an intent and a
// cloud state, the user sees this status and this output, and nothing this run created is left.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import * as $Cs from '@alicloud/cs20151215';
import { Worker } from '@temporalio/worker';
import { kubernetesFor } from '../../activities/ack';
import { confirmSignal, retrySignal } from '../../workflows/messages';
import { runResult } from '../support/run-result';
import { createSharedCluster, type Stack, startStack } from '../support/stack';
import { workflowBundle } from '../support/temporal';
import { waitFor, waitForStatus } from '../support/waiting';

let stack: Stack;

before(async () => {
  stack = await startStack('ack');
});
after(async () => {
  await stack?.stop();
});

/** Everything a run may leave: its own tagged resources, and any Job at all (Jobs carry no tags). */
async function leftBy(workflowId: string): Promise<any[]> {
  return (await stack.liveResources()).filter(
    (r) => r.tags?.['acp:workflow-id'] === workflowId || r.type === 'k8s-job',
  );
}

async function faults(body: unknown) {
  await stack.admin('/__emulator/faults', { method: 'POST', body: JSON.stringify(body) });
}

describe('provision on ACK', () => {
  test('no cluster yet: one is created, the Job prints hello-acp, and everything is deleted', async () => {
    const handle = await stack.startProvision({
      product: 'ack',
      script: { content: 'echo hello-acp' },
      skipConfirmation: true,
    });
    const result = await runResult(handle);
    assert.equal(result.status, 'SUCCEEDED', result.message);
    assert.equal(result.chosen?.product, 'ack');
    assert.equal(result.execution?.exitCode, 0);
    assert.match(result.execution?.outputTail ?? '', /hello-acp/);
    assert.deepEqual(result.resourcesCreated.map((r) => r.type).sort(), [
      'cluster',
      'k8s-configmap',
      'k8s-job',
      'vpc',
      'vswitch',
    ]);
    assert.deepEqual(result.kept, []);
    assert.deepEqual(result.leftBehind, []);
    assert.equal(result.resourcesReleased.length, result.resourcesCreated.length);
    assert.deepEqual(await leftBy(handle.workflowId), []);
    // The quote: ACK Pro fee plus the node's DescribePrice, ~10 min to start, cleanup listed.
    const chosen = result.options[result.recommended!];
    assert.ok(chosen.unitPricePerHour > 0.64, `fee + node, got ${chosen.unitPricePerHour}`);
    assert.equal(chosen.readyInSeconds, 600);
    assert.ok(chosen.resources.some((r) => /cluster/.test(r)));
    assert.match(chosen.cleanup, /cluster/);
    // The cluster was made the way acp asks for it: managed Pro, tagged, its one node pool of the quoted
    // spec, pod/service CIDRs clear of the VPC's 192.168.0.0/16.
    const clusterId = result.resourcesCreated.find((r) => r.type === 'cluster')!.id;
    const cluster = stack.emulator.world.get('cluster', clusterId)!;
    assert.equal(cluster.tags['acp:managed'], 'true');
    assert.equal(cluster.tags['acp:workflow-id'], handle.workflowId);
    assert.equal(cluster.data.clusterType, 'ManagedKubernetes');
    assert.equal(cluster.data.clusterSpec, 'ack.pro.small');
    assert.deepEqual(cluster.data.nodePools[0].instanceTypes, [result.chosen!.spec]);
    assert.ok(!cluster.data.containerCidr.startsWith('192.168.'));
    assert.ok(!cluster.data.serviceCidr.startsWith('192.168.'));
  });

  describe('with a shared acp cluster already running in the region', () => {
    let sharedId: string;
    before(async () => {
      sharedId = await createSharedCluster(stack, 'cn-hangzhou');
    });
    after(async () => {
      await stack.admin('/__emulator/reset', { method: 'POST' });
    });

    test('it is reused (kept, not deleted) and the script starts in seconds', async () => {
      const handle = await stack.startProvision({
        product: 'ack',
        script: { content: 'echo hello-acp' },
        skipConfirmation: true,
      });
      const result = await runResult(handle);
      assert.equal(result.status, 'SUCCEEDED', result.message);
      assert.match(result.execution?.outputTail ?? '', /hello-acp/);
      const chosen = result.options[result.recommended!];
      assert.equal(chosen.spec, `cluster:${sharedId}`);
      assert.equal(chosen.readyInSeconds, 30);
      assert.deepEqual(result.kept, [
        { type: 'cluster', id: sharedId, regionId: 'cn-hangzhou', reused: true },
      ]);
      assert.deepEqual(result.resourcesCreated.map((r) => r.type).sort(), ['k8s-configmap', 'k8s-job']);
      assert.deepEqual(result.leftBehind, []);
      assert.deepEqual(await leftBy(handle.workflowId), []);
      const still = await stack.clients.cs('cn-hangzhou').describeClusterDetail(sharedId);
      assert.equal(still.body?.state, 'running', 'the shared cluster is still running');
    });

    test('a script that exits 3 fails the run with its output; the Job is deleted, the cluster stays', async () => {
      const handle = await stack.startProvision({
        product: 'ack',
        script: { content: 'echo about-to-fail\nexit 3' },
        skipConfirmation: true,
      });
      const result = await runResult(handle);
      assert.equal(result.status, 'FAILED');
      assert.equal(result.error?.code, 'ScriptFailed');
      assert.equal(result.execution?.exitCode, 3);
      assert.match(result.execution?.outputTail ?? '', /about-to-fail/);
      assert.deepEqual(result.resourcesReleased.map((r) => r.type).sort(), ['k8s-configmap', 'k8s-job']);
      assert.deepEqual(result.leftBehind, []);
      assert.deepEqual(await leftBy(handle.workflowId), []);
      const still = await stack.clients.cs('cn-hangzhou').describeClusterDetail(sharedId);
      assert.equal(still.body?.state, 'running');
    });

    test('a Job deleted under a running run (its TTL ran out while acp was away, or a person): FAILED as JobGone, the rest released', async () => {
      const handle = await stack.startProvision({
        product: 'ack',
        script: { content: 'echo started\nsleep 600' },
        skipConfirmation: true,
      });
      await waitForStatus(handle, 'RUNNING');
      // A Job's resource id is <cluster>/<namespace>/<name>. RUNNING comes as the script is being
      // started: the Job may be created a moment later.
      const job = await waitFor(async () =>
        (await stack.liveResources()).find((r) => r.type === 'k8s-job' && r.id.startsWith(`${sharedId}/`)),
      );
      const [, namespace, name] = job.id.split('/');
      const { batch } = await kubernetesFor(stack.clients, 'cn-hangzhou', sharedId);
      await batch.deleteNamespacedJob({ name, namespace, propagationPolicy: 'Background' });
      const result = await runResult(handle);
      assert.equal(result.status, 'FAILED');
      assert.match(result.message, /JobGone/);
      assert.match(result.message, /no longer in the cluster/);
      assert.deepEqual(result.leftBehind, []);
      assert.deepEqual(await leftBy(handle.workflowId), []);
    });

    test('an image that cannot be pulled fails fast with ImagePullBackOff', async () => {
      const handle = await stack.startProvision({
        product: 'ack',
        intent: 'run the container registry.example.com/does-not-exist:1 on kubernetes',
        script: { content: 'echo never-runs' },
        skipConfirmation: true,
      });
      const result = await runResult(handle);
      assert.equal(result.chosen?.spec, `cluster:${sharedId}`);
      assert.equal(result.status, 'FAILED', result.message);
      assert.match(result.error?.code ?? '', /ImagePullBackOff|ErrImagePull/);
      assert.deepEqual(await leftBy(handle.workflowId), []);
    });

    // Last in this group: it deletes the shared cluster.
    test('the shared cluster deleted after the quote: the run creates a cluster of its own, nothing left', async () => {
      const handle = await stack.startProvision({
        product: 'ack',
        script: { content: 'echo on-my-own' },
        confirmTimeout: '5m',
      });
      const awaiting = await waitForStatus(handle, 'AWAITING_CONFIRMATION');
      assert.equal(awaiting.options[awaiting.recommended!]?.spec, `cluster:${sharedId}`);
      await stack.clients.cs('cn-hangzhou').deleteCluster(sharedId, new $Cs.DeleteClusterRequest({}));
      await handle.signal(confirmSignal, {});
      const result = await runResult(handle);
      assert.equal(result.status, 'SUCCEEDED', result.message);
      assert.match(result.execution?.outputTail ?? '', /on-my-own/);
      assert.notEqual(result.chosen?.spec, `cluster:${sharedId}`);
      assert.ok(result.events.some((e) => /ErrorClusterState/.test(e.message)));
      assert.deepEqual(result.kept, [], 'the gone cluster is not reported as reused');
      assert.ok(result.resourcesCreated.some((r) => r.type === 'cluster'));
      assert.deepEqual(result.leftBehind, []);
      assert.deepEqual(await leftBy(handle.workflowId), []);
    });
  });

  test('the node type is sold out in the first zone: the next zone is used, the failed cluster deleted', async () => {
    const handle = await stack.startProvision({
      product: 'ack',
      region: 'cn-hangzhou',
      script: { content: 'echo next-zone' },
      confirmTimeout: '5m',
    });
    const awaiting = await waitForStatus(handle, 'AWAITING_CONFIRMATION');
    const best = awaiting.options[awaiting.recommended!];
    assert.ok((best.zones?.length ?? 0) > 1, 'the recommended node type has stock in several zones');
    await faults({ soldOut: [{ regionId: best.region, zoneId: best.zones![0], instanceType: best.spec }] });
    try {
      await handle.signal(confirmSignal, {});
      const result = await runResult(handle);
      assert.equal(result.status, 'SUCCEEDED', result.message);
      assert.equal(result.chosen?.spec, best.spec);
      assert.equal(result.chosen?.zone, best.zones![1]);
      assert.match(result.execution?.outputTail ?? '', /next-zone/);
      assert.ok(result.events.some((e) => /NoStock/.test(e.message)));
      assert.equal(result.resourcesCreated.filter((r) => r.type === 'cluster').length, 2);
      assert.deepEqual(result.leftBehind, []);
      assert.deepEqual(await leftBy(handle.workflowId), []);
    } finally {
      await stack.admin('/__emulator/reset', { method: 'POST' });
    }
  });

  test('the cluster quota is exhausted: BLOCKED; without a retry the run fails and releases its network', async () => {
    await faults({ quota: { 'cs.instances': 0 } });
    try {
      const handle = await stack.startProvision({
        product: 'ack',
        script: { content: 'echo blocked' },
        skipConfirmation: true,
        blockedTimeout: '3s',
      });
      const blocked = await waitForStatus(handle, 'BLOCKED');
      assert.equal(blocked.blocked?.code, 'QuotaExceeded.Cluster');
      assert.match(blocked.blocked?.nextStep ?? '', /quota/i);
      const result = await runResult(handle);
      assert.equal(result.status, 'FAILED');
      assert.equal(result.error?.code, 'QuotaExceeded.Cluster');
      assert.deepEqual(result.leftBehind, []);
      assert.deepEqual(await leftBy(handle.workflowId), []);
    } finally {
      await stack.admin('/__emulator/reset', { method: 'POST' });
    }
  });

  test('a quota lifted during BLOCKED: retry creates the cluster and the run succeeds', async () => {
    await faults({ quota: { 'cs.instances': 0 } });
    try {
      const handle = await stack.startProvision({
        product: 'ack',
        script: { content: 'echo after-retry' },
        skipConfirmation: true,
      });
      await waitForStatus(handle, 'BLOCKED');
      await faults({ quota: { 'cs.instances': 50 } });
      await handle.signal(retrySignal, { by: 'ops' });
      const result = await runResult(handle);
      assert.equal(result.status, 'SUCCEEDED', result.message);
      assert.match(result.execution?.outputTail ?? '', /after-retry/);
      assert.deepEqual(await leftBy(handle.workflowId), []);
    } finally {
      await stack.admin('/__emulator/reset', { method: 'POST' });
    }
  });

  test('a CreateCluster whose response is lost is found by its tags, not created twice', async () => {
    await faults({ dropResponse: [{ action: 'CreateCluster', count: 1, mode: 'reset' }] });
    try {
      const handle = await stack.startProvision({
        product: 'ack',
        script: { content: 'echo once' },
        skipConfirmation: true,
      });
      const result = await runResult(handle);
      assert.equal(result.status, 'SUCCEEDED', result.message);
      const { calls } = await stack.admin('/__emulator/calls');
      // The retried activity looked the cluster up by its tags instead of calling CreateCluster again.
      assert.equal(calls.filter((c: any) => c.action === 'CreateCluster').length, 1);
      const { resources: all } = await stack.admin('/__emulator/resources?all=1&type=cluster');
      const clusters = all.filter((r: any) => r.tags?.['acp:workflow-id'] === handle.workflowId);
      assert.equal(clusters.length, 1, 'exactly one cluster was ever created');
      assert.deepEqual(await leftBy(handle.workflowId), []);
    } finally {
      await stack.admin('/__emulator/reset', { method: 'POST' });
    }
  });

  test('every history recorded above replays without nondeterminism', async () => {
    const histories = [];
    for (const workflowId of stack.started) {
      histories.push({
        workflowId,
        history: await stack.env.client.workflow.getHandle(workflowId).fetchHistory(),
      });
    }
    let replayed = 0;
    for await (const r of Worker.runReplayHistories({ workflowBundle: await workflowBundle() }, histories)) {
      assert.equal(r.error, undefined, `${r.workflowId}: ${r.error?.message}`);
      replayed += 1;
    }
    assert.equal(replayed, stack.started.length);
  });
});
