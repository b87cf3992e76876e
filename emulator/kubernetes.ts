// A minimal Kubernetes API server per emulated ACK cluster, served at /k8s-api/<clusterId>/… with the
// kubeconfig's bearer token (DescribeClusterUserKubeconfig). It covers what a batch client needs:
// namespaces, ConfigMaps, batch/v1 Jobs (the Job controller included) and their Pods with logs.
// Errors are Status objects like a real API server's. A Job's pod really runs its container's
// command in the script sandbox; ConfigMap volumes are written there and their mount paths
// rewritten (sandbox-shell.ts). An image whose name contains "does-not-exist" never pulls.
import { randomBytes, randomUUID } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { osOfImageName } from './sandbox-image';
import { type PathMapping, shellQuote, shellWord, writeFileLines } from './sandbox-shell';
import type { RawRoute, Resource, World } from './types';

export const KUBERNETES_PREFIX = '/k8s-api/';
export const KUBERNETES_VERSION = { major: '1', minor: '31', gitVersion: 'v1.31.1-aliyun.1' };

/** Image pull and container start, on the emulated clock. */
const IMAGE_PULL_MS = 5_000;
/** The Job controller's first retry delay (it doubles per failure, like the real controller). */
const BACKOFF_BASE_MS = 10_000;
const DEFAULT_BACKOFF_LIMIT = 6;
/** Emulated cap on a pod's script when the Job sets no activeDeadlineSeconds (a day). */
const DEFAULT_RUN_SECONDS = 86_400;

type KObject = Record<string, any>;

/** What the API server of one cluster holds. */
interface ClusterApi {
  clusterId: string;
  regionId: string;
  token: string;
  nodes: NodeInfo[];
  namespaces: Map<string, KObject>;
  configMaps: Map<string, KObject>; // ns/name
  jobs: Map<string, KObject>; // ns/name
  pods: Map<string, PodState>; // ns/name
  resourceVersion: number;
}

export interface NodeInfo {
  name: string;
  cpu: number;
  memoryGiB: number;
  gpus: number;
}

interface PodState {
  pod: KObject;
  output: string;
  /** Kills the container's process: the pod was deleted (with its Job or cluster) or hit its deadline. */
  stopper?: AbortController;
}

const servers = new WeakMap<World, Map<string, ClusterApi>>();

function clustersOf(world: World): Map<string, ClusterApi> {
  let m = servers.get(world);
  if (!m) {
    m = new Map();
    servers.set(world, m);
  }
  return m;
}

// ---- used by the CS module ----

/** Brings up the API server of a cluster that just became running. */
export function startClusterApi(
  world: World,
  clusterId: string,
  regionId: string,
  nodes: NodeInfo[],
): string {
  const token = randomBytes(24).toString('hex');
  const api: ClusterApi = {
    clusterId,
    regionId,
    token,
    nodes,
    namespaces: new Map(),
    configMaps: new Map(),
    jobs: new Map(),
    pods: new Map(),
    resourceVersion: 1000,
  };
  for (const ns of ['default', 'kube-system', 'kube-public', 'kube-node-lease']) {
    api.namespaces.set(ns, namespaceObject(api, ns, world.now()));
  }
  clustersOf(world).set(clusterId, api);
  return token;
}

/** Tears the API server down with its cluster: its Jobs stop costing and disappear. */
export function stopClusterApi(world: World, clusterId: string): void {
  const api = clustersOf(world).get(clusterId);
  if (!api) return;
  for (const job of api.jobs.values()) world.release('k8s-job', jobResourceId(api, job));
  for (const s of api.pods.values()) s.stopper?.abort();
  clustersOf(world).delete(clusterId);
}

export function clusterApiToken(world: World, clusterId: string): string | undefined {
  return clustersOf(world).get(clusterId)?.token;
}

export function resetKubernetes(world: World): void {
  servers.delete(world);
}

// ---- HTTP ----

class StatusError extends Error {
  constructor(
    readonly code: number,
    readonly reason: string,
    message: string,
    readonly details?: Record<string, unknown>,
  ) {
    super(message);
  }
}

const notFound = (kind: string, group: string, name: string) =>
  new StatusError(404, 'NotFound', `${group ? `${kind}.${group}` : kind} "${name}" not found`, {
    name,
    ...(group ? { group } : {}),
    kind,
  });

async function handle(req: IncomingMessage, res: ServerResponse, world: World): Promise<void> {
  const url = new URL(req.url ?? '/', 'http://emulator');
  const [clusterId = '', ...rest] = url.pathname.slice(KUBERNETES_PREFIX.length).split('/');
  const api = clustersOf(world).get(clusterId);
  const body = await readBody(req);
  if (!api) {
    // No API server behind this address (cluster gone or never started): the connection drops.
    res.socket?.destroy();
    return;
  }
  try {
    if (req.headers.authorization !== `Bearer ${api.token}`)
      throw new StatusError(401, 'Unauthorized', 'Unauthorized');
    let json: KObject | undefined;
    if (body.length > 0) {
      try {
        json = JSON.parse(body.toString('utf8'));
      } catch {
        throw new StatusError(400, 'BadRequest', 'the request body is not valid JSON');
      }
    }
    const answer = route(
      api,
      world,
      req.method ?? 'GET',
      rest.map(decodeURIComponent),
      url.searchParams,
      json,
    );
    if (typeof answer.body === 'string') {
      res.writeHead(answer.status ?? 200, { 'content-type': 'text/plain; charset=utf-8' });
      res.end(answer.body);
    } else sendJson(res, answer.status ?? 200, answer.body);
  } catch (err) {
    const e =
      err instanceof StatusError
        ? err
        : new StatusError(500, 'InternalError', String((err as Error)?.message ?? err));
    sendJson(res, e.code, {
      kind: 'Status',
      apiVersion: 'v1',
      metadata: {},
      status: 'Failure',
      message: e.message,
      reason: e.reason,
      ...(e.details ? { details: e.details } : {}),
      code: e.code,
    });
  }
}

interface Answer {
  status?: number;
  body: unknown;
}

function route(
  api: ClusterApi,
  world: World,
  method: string,
  p: string[],
  q: URLSearchParams,
  json?: KObject,
): Answer {
  const path = p.join('/');
  if (method === 'GET' && path === 'version')
    return { body: { ...KUBERNETES_VERSION, platform: 'linux/amd64' } };
  if (method === 'GET' && path === 'api') return { body: { kind: 'APIVersions', versions: ['v1'] } };
  if (method === 'GET' && path === 'apis') {
    return {
      body: {
        kind: 'APIGroupList',
        apiVersion: 'v1',
        groups: [
          {
            name: 'batch',
            versions: [{ groupVersion: 'batch/v1', version: 'v1' }],
            preferredVersion: { groupVersion: 'batch/v1', version: 'v1' },
          },
        ],
      },
    };
  }
  // /api/v1/namespaces[/{ns}[/{resource}[/{name}[/log]]]] and /apis/batch/v1/namespaces/…
  const core = p[0] === 'api' && p[1] === 'v1';
  const batch = p[0] === 'apis' && p[1] === 'batch' && p[2] === 'v1';
  const at = core ? 2 : batch ? 3 : -1;
  if (at < 0) throw new StatusError(404, 'NotFound', 'the server could not find the requested resource');
  const [nsWord, ns, resource, name, sub] = p.slice(at);
  if (nsWord === 'pods' && core && method === 'GET') return { body: listPods(api, undefined, q) };
  if (nsWord === 'jobs' && batch && method === 'GET') return { body: listJobs(api, undefined, q) };
  if (nsWord !== 'namespaces')
    throw new StatusError(404, 'NotFound', 'the server could not find the requested resource');

  if (ns === undefined) {
    if (!core) throw new StatusError(404, 'NotFound', 'the server could not find the requested resource');
    if (method === 'GET') return { body: list(api, 'NamespaceList', 'v1', [...api.namespaces.values()]) };
    if (method === 'POST') return { status: 201, body: createNamespace(api, world, json) };
  }
  if (ns === undefined) throw methodNotAllowed(method);
  if (resource === undefined) {
    if (!core) throw new StatusError(404, 'NotFound', 'the server could not find the requested resource');
    const found = api.namespaces.get(ns);
    if (!found) throw notFound('namespaces', '', ns);
    if (method === 'GET') return { body: found };
    throw methodNotAllowed(method);
  }
  if (!api.namespaces.has(ns) && method === 'POST') {
    throw new StatusError(404, 'NotFound', `namespaces "${ns}" not found`, { name: ns, kind: 'namespaces' });
  }
  const key = `${ns}/${name}`;
  if (core && resource === 'configmaps') {
    if (name === undefined && method === 'GET') {
      return { body: list(api, 'ConfigMapList', 'v1', inNamespace(api.configMaps, ns)) };
    }
    if (name === undefined && method === 'POST')
      return { status: 201, body: createConfigMap(api, world, ns, json) };
    const cm = api.configMaps.get(key);
    if (!cm) throw notFound('configmaps', '', name ?? '');
    if (method === 'GET') return { body: cm };
    if (method === 'DELETE') {
      api.configMaps.delete(key);
      return { body: success('configmaps', '', cm) };
    }
    throw methodNotAllowed(method);
  }
  if (core && resource === 'pods') {
    if (name === undefined && method === 'GET') return { body: listPods(api, ns, q) };
    const state = api.pods.get(key);
    if (!state) throw notFound('pods', '', name ?? '');
    if (sub === 'log' && method === 'GET') return { body: podLog(state, q) };
    if (sub === undefined && method === 'GET') return { body: state.pod };
    if (sub === undefined && method === 'DELETE') {
      api.pods.delete(key);
      state.stopper?.abort();
      return { body: state.pod };
    }
    throw methodNotAllowed(method);
  }
  if (batch && resource === 'jobs') {
    if (name === undefined && method === 'GET') return { body: listJobs(api, ns, q) };
    if (name === undefined && method === 'POST')
      return { status: 201, body: createJob(api, world, ns, json) };
    const job = api.jobs.get(key);
    if (!job) throw notFound('jobs', 'batch', name ?? '');
    if (sub === 'status' && method === 'GET') return { body: job };
    if (sub === undefined && method === 'GET') return { body: job };
    if (sub === undefined && method === 'DELETE') {
      const policy = q.get('propagationPolicy') ?? json?.propagationPolicy ?? 'Orphan';
      deleteJob(api, world, job, policy);
      return { body: success('jobs', 'batch', job) };
    }
    throw methodNotAllowed(method);
  }
  throw new StatusError(404, 'NotFound', 'the server could not find the requested resource');
}

function methodNotAllowed(method: string): StatusError {
  return new StatusError(
    405,
    'MethodNotAllowed',
    `the server does not allow this method (${method}) on the requested resource`,
  );
}

// ---- objects ----

function nextVersion(api: ClusterApi): string {
  api.resourceVersion += 1;
  return String(api.resourceVersion);
}

function iso(ms: number): string {
  return new Date(ms).toISOString().replace(/\.\d{3}Z$/, 'Z');
}

function namespaceObject(api: ClusterApi, name: string, now: number): KObject {
  return {
    kind: 'Namespace',
    apiVersion: 'v1',
    metadata: {
      name,
      uid: randomUUID(),
      resourceVersion: nextVersion(api),
      creationTimestamp: iso(now),
      labels: { 'kubernetes.io/metadata.name': name },
    },
    spec: { finalizers: ['kubernetes'] },
    status: { phase: 'Active' },
  };
}

function createNamespace(api: ClusterApi, world: World, json?: KObject): KObject {
  const name = json?.metadata?.name;
  if (!name)
    throw invalidObject('Namespace', '', 'metadata.name: Required value: name or generateName is required');
  if (api.namespaces.has(name)) throw alreadyExists('namespaces', '', name);
  const ns = namespaceObject(api, name, world.now());
  api.namespaces.set(name, ns);
  return ns;
}

function newMetadata(
  api: ClusterApi,
  world: World,
  ns: string,
  meta: KObject | undefined,
  kind: string,
): KObject {
  let name = meta?.name;
  if (!name && meta?.generateName) name = `${meta.generateName}${randomSuffix()}`;
  if (!name) throw invalidObject(kind, '', 'metadata.name: Required value: name or generateName is required');
  if (!/^[a-z0-9]([-a-z0-9.]*[a-z0-9])?$/.test(name) || name.length > 253) {
    throw invalidObject(
      kind,
      name,
      `metadata.name: Invalid value: "${name}": a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.', and must start and end with an alphanumeric character`,
    );
  }
  return {
    ...meta,
    name,
    namespace: ns,
    uid: randomUUID(),
    resourceVersion: nextVersion(api),
    creationTimestamp: iso(world.now()),
  };
}

function createConfigMap(api: ClusterApi, world: World, ns: string, json?: KObject): KObject {
  const metadata = newMetadata(api, world, ns, json?.metadata, 'ConfigMap');
  const key = `${ns}/${metadata.name}`;
  if (api.configMaps.has(key)) throw alreadyExists('configmaps', '', metadata.name);
  for (const key of [...Object.keys(json?.data ?? {}), ...Object.keys(json?.binaryData ?? {})]) {
    if (!/^[-._a-zA-Z0-9]+$/.test(key) || key.length > 253) {
      throw invalidObject(
        'ConfigMap',
        metadata.name,
        `data[${key}]: Invalid value: "${key}": a valid config key must consist of alphanumeric characters, '-', '_' or '.'`,
      );
    }
  }
  const size = JSON.stringify(json?.data ?? {}).length + JSON.stringify(json?.binaryData ?? {}).length;
  if (size > 1_048_576) {
    throw invalidObject('ConfigMap', metadata.name, '[]: Too long: must have at most 1048576 bytes');
  }
  const cm = {
    kind: 'ConfigMap',
    apiVersion: 'v1',
    metadata,
    ...(json?.data ? { data: json.data } : {}),
    ...(json?.binaryData ? { binaryData: json.binaryData } : {}),
  };
  api.configMaps.set(key, cm);
  return cm;
}

function createJob(api: ClusterApi, world: World, ns: string, json?: KObject): KObject {
  const metadata = newMetadata(api, world, ns, json?.metadata, 'Job');
  const key = `${ns}/${metadata.name}`;
  if (api.jobs.has(key)) throw alreadyExists('jobs', 'batch', metadata.name);
  // A Job's name becomes the pods' job-name label, whose values are at most 63 characters.
  if (metadata.name.length > 63) {
    throw invalidObject(
      'Job',
      metadata.name,
      `metadata.name: Invalid value: "${metadata.name}": must be no more than 63 characters`,
    );
  }
  const spec = json?.spec ?? {};
  const podSpec = spec.template?.spec;
  if (!podSpec?.containers?.length) {
    throw invalidObject('Job', metadata.name, 'spec.template.spec.containers: Required value');
  }
  for (const [i, c] of (podSpec.containers as KObject[]).entries()) {
    const at = `spec.template.spec.containers[${i}]`;
    if (!c.name) throw invalidObject('Job', metadata.name, `${at}.name: Required value`);
    if (!/^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/.test(c.name) || c.name.length > 63) {
      throw invalidObject(
        'Job',
        metadata.name,
        `${at}.name: Invalid value: "${c.name}": a lowercase RFC 1123 label must consist of lower case alphanumeric characters or '-'`,
      );
    }
    if (!c.image) throw invalidObject('Job', metadata.name, `${at}.image: Required value`);
  }
  if (podSpec.restartPolicy !== 'Never' && podSpec.restartPolicy !== 'OnFailure') {
    throw invalidObject(
      'Job',
      metadata.name,
      `spec.template.spec.restartPolicy: Required value: valid values: "OnFailure", "Never"`,
    );
  }
  const uid = metadata.uid;
  const selectorLabels = { 'batch.kubernetes.io/controller-uid': uid };
  const podLabels = {
    ...(spec.template.metadata?.labels ?? {}),
    'batch.kubernetes.io/controller-uid': uid,
    'batch.kubernetes.io/job-name': metadata.name,
    'controller-uid': uid,
    'job-name': metadata.name,
  };
  const job: KObject = {
    kind: 'Job',
    apiVersion: 'batch/v1',
    metadata: { ...metadata, labels: { ...(metadata.labels ?? {}), ...podLabels } },
    spec: {
      parallelism: 1,
      completions: 1,
      backoffLimit: DEFAULT_BACKOFF_LIMIT,
      completionMode: 'NonIndexed',
      suspend: false,
      manualSelector: false,
      podReplacementPolicy: 'TerminatingOrFailed',
      ...spec,
      selector: { matchLabels: selectorLabels },
      template: { ...spec.template, metadata: { ...(spec.template.metadata ?? {}), labels: podLabels } },
    },
    status: {},
  };
  api.jobs.set(key, job);
  world.add({
    type: 'k8s-job',
    id: jobResourceId(api, job),
    regionId: api.regionId,
    status: 'Active',
    tags: { ...(metadata.labels ?? {}) },
    hourlyPrice: 0, // the nodes are what costs money
    data: { clusterId: api.clusterId, namespace: ns, name: metadata.name },
  });
  const now = world.now();
  job.status = { active: 1, ready: 0, terminating: 0, startTime: iso(now), uncountedTerminatedPods: {} };
  startPod(api, world, job);
  if (spec.activeDeadlineSeconds) {
    world.schedule(now + spec.activeDeadlineSeconds * 1000, () => {
      if (isFinished(job)) return;
      for (const s of podsOf(api, job)) {
        if (s.pod.status.phase === 'Pending' || s.pod.status.phase === 'Running') {
          terminatePod(api, s, 'Failed', 'DeadlineExceeded', world.now(), 137);
          s.stopper?.abort();
        }
      }
      finishJob(
        api,
        world,
        job,
        'Failed',
        'DeadlineExceeded',
        'Job was active longer than specified deadline',
      );
    });
  }
  return job;
}

function jobResourceId(api: ClusterApi, job: KObject): string {
  return `${api.clusterId}/${job.metadata.namespace}/${job.metadata.name}`;
}

function randomSuffix(): string {
  const alphabet = 'bcdfghjklmnpqrstvwxz2456789';
  let s = '';
  for (const b of randomBytes(5)) s += alphabet[b % alphabet.length];
  return s;
}

function podsOf(api: ClusterApi, job: KObject): PodState[] {
  return [...api.pods.values()].filter(
    (s) => s.pod.metadata.labels?.['batch.kubernetes.io/controller-uid'] === job.metadata.uid,
  );
}

function isFinished(job: KObject): boolean {
  return (job.status.conditions ?? []).some(
    (c: KObject) => (c.type === 'Complete' || c.type === 'Failed') && c.status === 'True',
  );
}

// ---- the Job controller and the kubelet ----

function startPod(api: ClusterApi, world: World, job: KObject): void {
  const ns = job.metadata.namespace;
  const name = `${job.metadata.name}-${randomSuffix()}`;
  const now = world.now();
  const podSpec = job.spec.template.spec;
  const node = pickNode(api, podSpec);
  const pod: KObject = {
    kind: 'Pod',
    apiVersion: 'v1',
    metadata: {
      name,
      generateName: `${job.metadata.name}-`,
      namespace: ns,
      uid: randomUUID(),
      resourceVersion: nextVersion(api),
      creationTimestamp: iso(now),
      labels: { ...job.spec.template.metadata.labels },
      ownerReferences: [
        {
          apiVersion: 'batch/v1',
          kind: 'Job',
          name: job.metadata.name,
          uid: job.metadata.uid,
          controller: true,
          blockOwnerDeletion: true,
        },
      ],
    },
    spec: { ...podSpec, ...(node ? { nodeName: node.name } : {}) },
    status: { phase: 'Pending', qosClass: 'BestEffort', conditions: [] as KObject[] },
  };
  const state: PodState = { pod, output: '' };
  api.pods.set(`${ns}/${name}`, state);
  if (!node) {
    pod.status.conditions = [
      {
        type: 'PodScheduled',
        status: 'False',
        reason: 'Unschedulable',
        lastTransitionTime: iso(now),
        message: `0/${api.nodes.length} nodes are available: ${api.nodes.length} Insufficient ${insufficientResource(api, podSpec)}. preemption: 0/${api.nodes.length} nodes are available: ${api.nodes.length} No preemption victims found for incoming pod.`,
      },
    ];
    return; // stays Pending, as on a real cluster without a fitting node
  }
  pod.status = {
    ...pod.status,
    hostIP: '192.168.0.10',
    startTime: iso(now),
    conditions: [{ type: 'PodScheduled', status: 'True', lastTransitionTime: iso(now) }],
    containerStatuses: podSpec.containers.map((c: KObject) => ({
      name: c.name,
      image: c.image,
      imageID: '',
      ready: false,
      restartCount: 0,
      started: false,
      state: { waiting: { reason: 'ContainerCreating' } },
    })),
  };
  const image: string = podSpec.containers[0].image ?? '';
  if (image.includes('does-not-exist')) {
    world.schedule(now + IMAGE_PULL_MS, () => failImagePull(api, state, image));
    return;
  }
  world.schedule(now + IMAGE_PULL_MS, () => void runPod(api, world, job, state));
}

function failImagePull(api: ClusterApi, state: PodState, image: string): void {
  if (state.pod.status.phase !== 'Pending') return;
  state.pod.metadata.resourceVersion = nextVersion(api);
  const message = `Back-off pulling image "${image}"`;
  for (const cs of state.pod.status.containerStatuses ?? []) {
    cs.state = { waiting: { reason: 'ImagePullBackOff', message } };
  }
}

async function runPod(api: ClusterApi, world: World, job: KObject, state: PodState): Promise<void> {
  const pod = state.pod;
  if (pod.status.phase !== 'Pending' || !api.pods.has(`${pod.metadata.namespace}/${pod.metadata.name}`))
    return;
  const container = pod.spec.containers[0];
  const script = containerScript(api, pod, container);
  if (typeof script !== 'string') {
    // A missing ConfigMap keeps the pod in ContainerCreating; the kubelet retries the mount.
    for (const cs of pod.status.containerStatuses) cs.state = { waiting: { reason: 'ContainerCreating' } };
    pod.status.conditions.push({
      type: 'Ready',
      status: 'False',
      reason: 'ContainersNotReady',
      message: script.missing,
    });
    world.schedule(world.now() + IMAGE_PULL_MS, () => void runPod(api, world, job, state));
    return;
  }
  const started = world.now();
  pod.metadata.resourceVersion = nextVersion(api);
  pod.status.phase = 'Running';
  pod.status.podIP = `10.64.0.${2 + (api.resourceVersion % 250)}`;
  pod.status.conditions = [
    { type: 'PodScheduled', status: 'True', lastTransitionTime: pod.status.startTime },
    { type: 'Initialized', status: 'True', lastTransitionTime: iso(started) },
    { type: 'ContainersReady', status: 'True', lastTransitionTime: iso(started) },
    { type: 'Ready', status: 'True', lastTransitionTime: iso(started) },
  ];
  pod.status.containerStatuses = pod.spec.containers.map((c: KObject) => ({
    name: c.name,
    image: c.image,
    imageID: `${c.image}@sha256:${'0'.repeat(64)}`,
    containerID: `containerd://${randomBytes(32).toString('hex')}`,
    ready: true,
    restartCount: 0,
    started: true,
    state: { running: { startedAt: iso(started) } },
  }));
  job.status.ready = 1;
  const deadline = job.spec.activeDeadlineSeconds;
  state.stopper = new AbortController();
  const run = await world.runScript(script, {
    timeoutSeconds: deadline ?? DEFAULT_RUN_SECONDS,
    env: containerEnv(api, pod, container),
    signal: state.stopper.signal,
    // A container of its image's OS; nodes reach the internet through the cluster's SNAT.
    sandbox: { os: osOfImageName(container.image), hostname: pod.metadata.name },
  });
  state.stopper = undefined;
  state.output = run.output;
  if (pod.status.phase !== 'Running') return; // the deadline or a delete got there first
  terminatePod(
    api,
    state,
    run.exitCode === 0 ? 'Succeeded' : 'Failed',
    run.exitCode === 0 ? 'Completed' : 'Error',
    world.now(),
    run.exitCode,
  );
  if (isFinished(job) || !api.jobs.has(`${job.metadata.namespace}/${job.metadata.name}`)) return;
  job.status.active = 0;
  job.status.ready = 0;
  if (run.exitCode === 0) {
    job.status.succeeded = (job.status.succeeded ?? 0) + 1;
    finishJob(api, world, job, 'Complete');
    return;
  }
  job.status.failed = (job.status.failed ?? 0) + 1;
  if (job.status.failed > job.spec.backoffLimit) {
    finishJob(
      api,
      world,
      job,
      'Failed',
      'BackoffLimitExceeded',
      'Job has reached the specified backoff limit',
    );
    return;
  }
  const delay = BACKOFF_BASE_MS * 2 ** (job.status.failed - 1);
  world.schedule(world.now() + delay, () => {
    if (isFinished(job) || !api.jobs.has(`${job.metadata.namespace}/${job.metadata.name}`)) return;
    job.status.active = 1;
    startPod(api, world, job);
  });
}

function terminatePod(
  api: ClusterApi,
  state: PodState,
  phase: string,
  reason: string,
  at: number,
  exitCode: number,
) {
  const pod = state.pod;
  pod.metadata.resourceVersion = nextVersion(api);
  pod.status.phase = phase;
  if (reason === 'DeadlineExceeded') {
    pod.status.reason = reason;
    pod.status.message = 'Pod was active on the node longer than the specified deadline';
  }
  pod.status.conditions = (pod.status.conditions ?? []).map((c: KObject) =>
    c.type === 'Ready' || c.type === 'ContainersReady'
      ? { ...c, status: 'False', reason: 'PodCompleted', lastTransitionTime: iso(at) }
      : c,
  );
  pod.status.containerStatuses = (pod.status.containerStatuses ?? []).map((cs: KObject) => ({
    ...cs,
    ready: false,
    started: false,
    state: {
      terminated: {
        exitCode,
        reason,
        startedAt: cs.state?.running?.startedAt ?? iso(at),
        finishedAt: iso(at),
        ...(cs.containerID ? { containerID: cs.containerID } : {}),
      },
    },
  }));
}

function finishJob(
  api: ClusterApi,
  world: World,
  job: KObject,
  type: 'Complete' | 'Failed',
  reason?: string,
  message?: string,
) {
  const now = iso(world.now());
  job.metadata.resourceVersion = nextVersion(api);
  job.status.active = 0;
  job.status.ready = 0;
  // Kubernetes ≥ 1.31 adds SuccessCriteriaMet / FailureTarget before the terminal condition.
  const interim = type === 'Complete' ? 'SuccessCriteriaMet' : 'FailureTarget';
  const condition = (t: string) => ({
    type: t,
    status: 'True',
    lastProbeTime: now,
    lastTransitionTime: now,
    ...(reason
      ? { reason, message }
      : t === 'SuccessCriteriaMet'
        ? { reason: 'CompletionsReached', message: 'Reached expected number of succeeded pods' }
        : {}),
  });
  job.status.conditions = [condition(interim), condition(type)];
  if (type === 'Complete') job.status.completionTime = now;
  const resource = world.get('k8s-job', jobResourceId(api, job));
  if (resource) resource.status = type;
  const ttl = job.spec.ttlSecondsAfterFinished;
  if (typeof ttl === 'number') {
    world.schedule(world.now() + ttl * 1000, () => {
      if (api.jobs.get(`${job.metadata.namespace}/${job.metadata.name}`) === job)
        deleteJob(api, world, job, 'Background');
    });
  }
}

function deleteJob(api: ClusterApi, world: World, job: KObject, policy: string): void {
  api.jobs.delete(`${job.metadata.namespace}/${job.metadata.name}`);
  world.release('k8s-job', jobResourceId(api, job));
  for (const s of podsOf(api, job)) {
    if (policy === 'Orphan') {
      s.pod.metadata.ownerReferences = [];
      continue;
    }
    api.pods.delete(`${s.pod.metadata.namespace}/${s.pod.metadata.name}`);
    s.stopper?.abort();
    if (s.pod.status.phase === 'Running' || s.pod.status.phase === 'Pending') s.pod.status.phase = 'Failed';
  }
}

// ---- scheduling ----

function quantity(q: unknown): number {
  if (q === undefined || q === null) return 0;
  const s = String(q);
  const m = /^([0-9.]+)([a-zA-Z]*)$/.exec(s);
  if (!m) return Number.NaN;
  const n = Number(m[1]);
  const units: Record<string, number> = {
    '': 1,
    m: 1e-3,
    k: 1e3,
    K: 1e3,
    M: 1e6,
    G: 1e9,
    T: 1e12,
    Ki: 1024,
    Mi: 1024 ** 2,
    Gi: 1024 ** 3,
    Ti: 1024 ** 4,
  };
  return n * (units[m[2]!] ?? Number.NaN);
}

function podRequests(podSpec: KObject): { cpu: number; memoryGiB: number; gpus: number } {
  let cpu = 0;
  let mem = 0;
  let gpus = 0;
  for (const c of podSpec.containers ?? []) {
    const r = { ...(c.resources?.limits ?? {}), ...(c.resources?.requests ?? {}) };
    cpu += quantity(r.cpu);
    mem += quantity(r.memory);
    gpus += quantity(c.resources?.limits?.['nvidia.com/gpu'] ?? r['nvidia.com/gpu']);
  }
  return { cpu, memoryGiB: mem / 1024 ** 3, gpus };
}

function pickNode(api: ClusterApi, podSpec: KObject): NodeInfo | undefined {
  const want = podRequests(podSpec);
  return api.nodes.find((n) => n.cpu >= want.cpu && n.memoryGiB >= want.memoryGiB && n.gpus >= want.gpus);
}

function insufficientResource(api: ClusterApi, podSpec: KObject): string {
  const want = podRequests(podSpec);
  if (api.nodes.every((n) => n.gpus < want.gpus)) return 'nvidia.com/gpu';
  if (api.nodes.every((n) => n.cpu < want.cpu)) return 'cpu';
  return 'memory';
}

// ---- running a container in the sandbox ----

/** The bash script standing in for the container, or what is missing to start it. */
function containerScript(api: ClusterApi, pod: KObject, container: KObject): string | { missing: string } {
  const lines: string[] = [];
  const mappings: PathMapping[] = [];
  const volumes = new Map<string, KObject>((pod.spec.volumes ?? []).map((v: KObject) => [v.name, v]));
  (container.volumeMounts ?? []).forEach((mount: KObject, i: number) => {
    const dir = `ACP_VOLUME_${i}`;
    lines.push(`${dir}="$PWD/volumes/${i}"`, `mkdir -p "$${dir}"`);
    if (mount.subPath) {
      // A subPath mount puts one file of the volume at mountPath itself.
      lines.push(`${dir}_FILE="$${dir}"/${shellQuote(mount.subPath)}`);
      mappings.push({ cloudPath: mount.mountPath, variable: `${dir}_FILE` });
    } else mappings.push({ cloudPath: mount.mountPath, variable: dir });
  });
  for (const [i, mount] of (container.volumeMounts ?? []).entries()) {
    const source = volumes.get(mount.name)?.configMap;
    if (!source) continue; // emptyDir and the like: an empty directory
    const cm = api.configMaps.get(`${pod.metadata.namespace}/${source.name}`);
    if (!cm) {
      if (source.optional) continue;
      return {
        missing: `MountVolume.SetUp failed for volume "${mount.name}" : configmap "${source.name}" not found`,
      };
    }
    const byKey = new Map<string, Buffer>([
      ...Object.entries<string>(cm.data ?? {}).map(([k, v]): [string, Buffer] => [k, Buffer.from(v, 'utf8')]),
      ...Object.entries<string>(cm.binaryData ?? {}).map(([k, v]): [string, Buffer] => [
        k,
        Buffer.from(v, 'base64'),
      ]),
    ]);
    const items: KObject[] = source.items ?? [...byKey.keys()].map((key) => ({ key, path: key }));
    for (const item of items) {
      const content = byKey.get(item.key);
      if (!content) continue;
      lines.push(
        ...writeFileLines(
          `"$ACP_VOLUME_${i}"/${shellQuote(item.path)}`,
          content,
          item.mode ?? source.defaultMode ?? 0o644,
        ),
      );
    }
  }
  const argv: string[] = [...(container.command ?? []), ...(container.args ?? [])];
  if (container.workingDir)
    lines.push(
      `mkdir -p ${shellWord(container.workingDir, mappings)} 2>/dev/null; cd ${shellWord(container.workingDir, mappings)} 2>/dev/null || true`,
    );
  // No command: the image's own entrypoint, which the emulator cannot know; it exits 0 at once.
  lines.push(argv.length ? argv.map((a) => shellWord(a, mappings)).join(' ') : 'true');
  return `${lines.join('\n')}\n`;
}

function containerEnv(api: ClusterApi, pod: KObject, container: KObject): Record<string, string> {
  const env: Record<string, string> = {
    HOSTNAME: pod.metadata.name,
    KUBERNETES_SERVICE_HOST: '172.16.0.1',
    KUBERNETES_SERVICE_PORT: '443',
  };
  for (const e of container.env ?? []) {
    if (typeof e.value === 'string') env[e.name] = e.value;
    else if (e.valueFrom?.configMapKeyRef) {
      const ref = e.valueFrom.configMapKeyRef;
      const v = api.configMaps.get(`${pod.metadata.namespace}/${ref.name}`)?.data?.[ref.key];
      if (v !== undefined) env[e.name] = v;
    } else if (e.valueFrom?.fieldRef?.fieldPath === 'metadata.name') env[e.name] = pod.metadata.name;
    else if (e.valueFrom?.fieldRef?.fieldPath === 'metadata.namespace') env[e.name] = pod.metadata.namespace;
  }
  return env;
}

// ---- reads ----

function podLog(state: PodState, q: URLSearchParams): string {
  const pod = state.pod;
  const containers: KObject[] = pod.spec.containers;
  const name = q.get('container') ?? (containers.length === 1 ? containers[0]!.name : undefined);
  if (!name) {
    throw new StatusError(
      400,
      'BadRequest',
      `a container name must be specified for pod ${pod.metadata.name}, choose one of: [${containers.map((c) => c.name).join(' ')}]`,
    );
  }
  const status = (pod.status.containerStatuses ?? []).find((c: KObject) => c.name === name);
  if (!containers.some((c) => c.name === name)) {
    throw new StatusError(400, 'BadRequest', `container ${name} is not valid for pod ${pod.metadata.name}`);
  }
  const waiting =
    status?.state?.waiting ?? (pod.status.phase === 'Pending' ? { reason: 'ContainerCreating' } : undefined);
  if (waiting) {
    const why = waiting.reason === 'ImagePullBackOff' ? 'trying and failing to pull image' : waiting.reason;
    throw new StatusError(
      400,
      'BadRequest',
      `container "${name}" in pod "${pod.metadata.name}" is waiting to start: ${why}`,
    );
  }
  if (name !== containers[0]!.name) return '';
  let out = state.output;
  const tail = q.get('tailLines');
  if (tail !== null) {
    const lines = out.split('\n');
    const trailing = out.endsWith('\n') ? lines.pop() : undefined;
    out =
      lines.slice(Math.max(0, lines.length - Number(tail))).join('\n') + (trailing !== undefined ? '\n' : '');
  }
  const limit = q.get('limitBytes');
  if (limit !== null) out = Buffer.from(out).subarray(0, Number(limit)).toString('utf8');
  return out;
}

function listPods(api: ClusterApi, ns: string | undefined, q: URLSearchParams): KObject {
  const selector = parseSelector(q.get('labelSelector'));
  const pods = [...api.pods.values()]
    .map((s) => s.pod)
    .filter((p) => (ns === undefined || p.metadata.namespace === ns) && selector(p.metadata.labels ?? {}));
  return list(api, 'PodList', 'v1', pods);
}

function listJobs(api: ClusterApi, ns: string | undefined, q: URLSearchParams): KObject {
  const selector = parseSelector(q.get('labelSelector'));
  const jobs = [...api.jobs.values()].filter(
    (j) => (ns === undefined || j.metadata.namespace === ns) && selector(j.metadata.labels ?? {}),
  );
  return list(api, 'JobList', 'batch/v1', jobs);
}

function inNamespace(m: Map<string, KObject>, ns: string): KObject[] {
  return [...m.values()].filter((o) => o.metadata.namespace === ns);
}

function list(api: ClusterApi, kind: string, apiVersion: string, items: KObject[]): KObject {
  return { kind, apiVersion, metadata: { resourceVersion: String(api.resourceVersion) }, items };
}

/** `a=b,c!=d,e` label selectors (equality and existence; set-based ones are not emulated). */
function parseSelector(raw: string | null): (labels: Record<string, string>) => boolean {
  if (!raw) return () => true;
  const terms = raw
    .split(',')
    .map((t) => t.trim())
    .filter(Boolean);
  return (labels) =>
    terms.every((t) => {
      const ne = /^([^!=]+)!=(.*)$/.exec(t);
      if (ne) return labels[ne[1]!.trim()] !== ne[2]!.trim();
      const eq = /^([^!=]+)==?(.*)$/.exec(t);
      if (eq) return labels[eq[1]!.trim()] === eq[2]!.trim();
      if (t.startsWith('!')) return !(t.slice(1) in labels);
      return t in labels;
    });
}

function success(kind: string, group: string, obj: KObject): KObject {
  return {
    kind: 'Status',
    apiVersion: 'v1',
    metadata: {},
    status: 'Success',
    details: { name: obj.metadata.name, ...(group ? { group } : {}), kind, uid: obj.metadata.uid },
  };
}

function alreadyExists(kind: string, group: string, name: string): StatusError {
  return new StatusError(
    409,
    'AlreadyExists',
    `${group ? `${kind}.${group}` : kind} "${name}" already exists`,
    {
      name,
      ...(group ? { group } : {}),
      kind,
    },
  );
}

function invalidObject(kind: string, name: string, cause: string): StatusError {
  return new StatusError(422, 'Invalid', `${kind} "${name}" is invalid: ${cause}`, { name, kind });
}

function sendJson(res: ServerResponse, status: number, body: unknown): void {
  const text = JSON.stringify(body);
  res.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text) });
  res.end(text);
}

function readBody(req: IncomingMessage): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => resolve(Buffer.concat(chunks)));
    req.on('error', reject);
  });
}

export const kubernetesApi: RawRoute = { prefix: KUBERNETES_PREFIX, handle };

/** For the CS module: the live Job resources of a cluster (so DeleteCluster can report them). */
export function jobsOfCluster(world: World, clusterId: string): Resource[] {
  return world.list({ type: 'k8s-job' }).filter((r) => r.data.clusterId === clusterId);
}
