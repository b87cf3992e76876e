// The emulated Kubernetes API of an ACK cluster, driven by the real @kubernetes/client-node with
// the kubeconfig DescribeClusterUserKubeconfig returns: Jobs run their script for real.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import * as $Cs from '@alicloud/cs20151215';
import * as k8s from '@kubernetes/client-node';
import { csClient } from '../support/emulator-clients';
import { eventually, rejection, type TestEmulator, testEmulator } from './fixtures';

let emu: TestEmulator['emu'];
let admin: TestEmulator['admin'];
let batch: k8s.BatchV1Api;
let core: k8s.CoreV1Api;
let clusterId: string;
let kubeconfigText: string;

before(async () => {
  ({ emu, admin } = await testEmulator({ speed: 600 }));
  const cs = csClient(emu);
  const created = await cs.createCluster(
    new $Cs.CreateClusterRequest({
      name: 'acp-jobs',
      clusterType: 'ManagedKubernetes',
      clusterSpec: 'ack.pro.small',
      regionId: 'cn-hangzhou',
      zoneIds: ['cn-hangzhou-k'],
      nodepools: [
        new $Cs.Nodepool({
          nodepoolInfo: new $Cs.NodepoolNodepoolInfo({ name: 'pool' }),
          scalingGroup: new $Cs.NodepoolScalingGroup({ instanceTypes: ['ecs.g7.xlarge'], desiredSize: 1 }),
        }),
      ],
    }),
  );
  clusterId = created.body!.clusterId!;
  emu.world.advance(11 * 60_000);
  const { body } = await cs.describeClusterUserKubeconfig(
    clusterId,
    new $Cs.DescribeClusterUserKubeconfigRequest({}),
  );
  kubeconfigText = body!.config!;
  const kc = new k8s.KubeConfig();
  kc.loadFromString(kubeconfigText);
  batch = kc.makeApiClient(k8s.BatchV1Api);
  core = kc.makeApiClient(k8s.CoreV1Api);
});
after(() => emu.stop());

function job(
  name: string,
  container: k8s.V1Container,
  extra: Partial<k8s.V1JobSpec> = {},
  volumes?: k8s.V1Volume[],
) {
  return {
    metadata: { name, labels: { 'acp-workflow': name } },
    spec: {
      backoffLimit: 0,
      template: {
        spec: { restartPolicy: 'Never', containers: [container], ...(volumes ? { volumes } : {}) },
      },
      ...extra,
    },
  } satisfies k8s.V1Job;
}

async function finished(name: string): Promise<k8s.V1Job> {
  return eventually(async () => {
    const j = await batch.readNamespacedJob({ name, namespace: 'default' });
    return j.status?.conditions?.some(
      (c) => (c.type === 'Complete' || c.type === 'Failed') && c.status === 'True',
    )
      ? j
      : undefined;
  });
}

async function podsOf(name: string): Promise<k8s.V1Pod[]> {
  return (await core.listNamespacedPod({ namespace: 'default', labelSelector: `job-name=${name}` })).items;
}

describe('jobs', () => {
  test('a bash -c Job runs its script; the pod succeeds and its log is the output', async () => {
    const created = await batch.createNamespacedJob({
      namespace: 'default',
      body: job('hello', {
        name: 'main',
        image: 'ubuntu:22.04',
        command: ['bash', '-c', 'echo hello-acp; echo $HOSTNAME'],
      }),
    });
    assert.equal(created.metadata!.name, 'hello');
    assert.ok(created.metadata!.uid);
    const done = await finished('hello');
    assert.equal(done.status!.succeeded, 1);
    assert.ok(done.status!.completionTime);
    assert.ok(done.status!.conditions!.some((c) => c.type === 'Complete'));
    const [pod] = await podsOf('hello');
    assert.equal(pod!.status!.phase, 'Succeeded');
    assert.equal(pod!.status!.containerStatuses![0]!.state!.terminated!.exitCode, 0);
    assert.equal(pod!.metadata!.labels!['job-name'], 'hello');
    const log = await core.readNamespacedPodLog({ name: pod!.metadata!.name!, namespace: 'default' });
    assert.equal(log, `hello-acp\n${pod!.metadata!.name}\n`);
    const tail = await core.readNamespacedPodLog({
      name: pod!.metadata!.name!,
      namespace: 'default',
      tailLines: 1,
    });
    assert.equal(tail, `${pod!.metadata!.name}\n`);
  });

  test('a script mounted from a ConfigMap runs; a non-zero exit fails the Job at backoffLimit 0', async () => {
    await core.createNamespacedConfigMap({
      namespace: 'default',
      body: { metadata: { name: 'acp-script' }, data: { 'run.sh': 'echo from-configmap\nexit 3\n' } },
    });
    await batch.createNamespacedJob({
      namespace: 'default',
      body: job(
        'mounted',
        {
          name: 'main',
          image: 'ubuntu:22.04',
          command: ['bash', '/scripts/run.sh'],
          volumeMounts: [{ name: 'script', mountPath: '/scripts' }],
        },
        {},
        [{ name: 'script', configMap: { name: 'acp-script', defaultMode: 0o755 } }],
      ),
    });
    const done = await finished('mounted');
    assert.equal(done.status!.failed, 1);
    const failed = done.status!.conditions!.find((c) => c.type === 'Failed')!;
    assert.equal(failed.reason, 'BackoffLimitExceeded');
    const [pod] = await podsOf('mounted');
    assert.equal(pod!.status!.phase, 'Failed');
    const terminated = pod!.status!.containerStatuses![0]!.state!.terminated!;
    assert.equal(terminated.exitCode, 3);
    assert.equal(terminated.reason, 'Error');
    assert.equal(
      await core.readNamespacedPodLog({ name: pod!.metadata!.name!, namespace: 'default' }),
      'from-configmap\n',
    );
  });

  test('an image that cannot be pulled leaves the pod waiting in ImagePullBackOff', async () => {
    await batch.createNamespacedJob({
      namespace: 'default',
      body: job('badimage', {
        name: 'main',
        image: 'registry.example.com/does-not-exist:1',
        command: ['true'],
      }),
    });
    const pod = await eventually(async () => {
      const [p] = await podsOf('badimage');
      return p?.status?.containerStatuses?.[0]?.state?.waiting?.reason === 'ImagePullBackOff' ? p : undefined;
    });
    assert.equal(pod.status!.phase, 'Pending');
    const err = await rejection(() =>
      core.readNamespacedPodLog({ name: pod.metadata!.name!, namespace: 'default' }),
    );
    assert.equal(err.code, 400);
    assert.match(String(err.body), /waiting to start: trying and failing to pull image/);
  });

  test('a pod larger than every node stays Pending as Unschedulable', async () => {
    await batch.createNamespacedJob({
      namespace: 'default',
      body: job('huge', {
        name: 'main',
        image: 'ubuntu',
        command: ['true'],
        resources: { requests: { cpu: '64' } },
      }),
    });
    const [pod] = await podsOf('huge');
    assert.equal(pod!.status!.phase, 'Pending');
    assert.equal(pod!.status!.conditions![0]!.reason, 'Unschedulable');
    assert.match(pod!.status!.conditions![0]!.message!, /Insufficient cpu/);
  });

  test('ttlSecondsAfterFinished removes the Job and its pods on the clock', async () => {
    await batch.createNamespacedJob({
      namespace: 'default',
      body: job(
        'short-lived',
        { name: 'main', image: 'ubuntu', command: ['bash', '-c', 'echo bye'] },
        { ttlSecondsAfterFinished: 60 },
      ),
    });
    await finished('short-lived');
    emu.world.advance(61_000);
    const err = await rejection(() => batch.readNamespacedJob({ name: 'short-lived', namespace: 'default' }));
    assert.equal(err.code, 404);
    assert.deepEqual(await podsOf('short-lived'), []);
  });

  test('deleting with propagationPolicy Background removes the pods and the job resource', async () => {
    await batch.createNamespacedJob({
      namespace: 'default',
      body: job('to-delete', { name: 'main', image: 'ubuntu', command: ['bash', '-c', 'echo x'] }),
    });
    await finished('to-delete');
    assert.ok(
      (await admin.resources()).some((r) => r.type === 'k8s-job' && r.id.endsWith('/default/to-delete')),
    );
    const status = await batch.deleteNamespacedJob({
      name: 'to-delete',
      namespace: 'default',
      propagationPolicy: 'Background',
    });
    assert.equal(status.status, 'Success');
    assert.deepEqual(await podsOf('to-delete'), []);
    assert.ok(!(await admin.resources()).some((r) => r.id.endsWith('/default/to-delete')));
    const listed = await batch.listNamespacedJob({
      namespace: 'default',
      labelSelector: 'acp-workflow=to-delete',
    });
    assert.deepEqual(listed.items, []);
  });
});

describe('api errors', () => {
  test('duplicates are 409 AlreadyExists and missing objects 404 NotFound, as Status objects', async () => {
    const body = job('dup', { name: 'main', image: 'ubuntu', command: ['true'] });
    await batch.createNamespacedJob({ namespace: 'default', body });
    const dup = await rejection(() => batch.createNamespacedJob({ namespace: 'default', body }));
    assert.equal(dup.code, 409);
    const status = JSON.parse(dup.body);
    assert.equal(status.kind, 'Status');
    assert.equal(status.reason, 'AlreadyExists');
    const missing = await rejection(() => batch.readNamespacedJob({ name: 'nope', namespace: 'default' }));
    assert.equal(missing.code, 404);
    assert.equal(JSON.parse(missing.body).reason, 'NotFound');
    const cm = await rejection(() => core.readNamespacedConfigMap({ name: 'nope', namespace: 'default' }));
    assert.equal(cm.code, 404);
    await core.deleteNamespacedConfigMap({ name: 'acp-script', namespace: 'default' }).catch(() => undefined);
  });

  test('a wrong token is 401 Unauthorized', async () => {
    const kc = new k8s.KubeConfig();
    kc.loadFromString(kubeconfigText.replace(/token: \S+/, 'token: wrong'));
    const err = await rejection(() => kc.makeApiClient(k8s.CoreV1Api).listNamespace());
    assert.equal(err.code, 401);
  });

  test('the namespace default exists', async () => {
    const ns = await core.readNamespace({ name: 'default' });
    assert.equal(ns.status!.phase, 'Active');
  });
});
