// Container Service for Kubernetes (CS / ACK, API 2015-12-15, ROA, snake_case JSON). A cluster is
// created by an async task (CreateCluster → task_id, DescribeTaskInfo), goes initial → running
// after ~10 minutes (Alibaba's guide says 5-15) on the emulated clock, and then serves a
// Kubernetes API (kubernetes.ts) reachable through DescribeClusterUserKubeconfig.
//
// Without a named security group ACK makes its own in the cluster's VPC (cs-security-group.ts).
//
// Node pools become 'ack-node' resources priced from the catalogue. Their ECS capacity is checked
// when the task creates them, a few seconds in, as on the real service: a sold-out or over-quota
// node type fails the task and leaves the cluster 'failed' (it must still be deleted).
// The ACK Pro management fee is CNY 0.64/h (China site; "ACK Pro cluster billing" gives USD 0.09/h); basic clusters are free. The
// real fee is not charged in 'initial' or 'failed'; the meter here charges from creation, which
// over-counts the ~10 minute start.
import { randomBytes } from 'node:crypto';
import { createClusterSecurityGroup } from './cs-security-group';
import {
  clusterApiToken,
  KUBERNETES_PREFIX,
  kubernetesApi,
  type NodeInfo,
  resetKubernetes,
  startClusterApi,
  stopClusterApi,
} from './kubernetes';
import {
  ApiError,
  type ApiRequest,
  type ApiResult,
  type ProductModule,
  type Resource,
  type World,
} from './types';

const VERSION = '2015-12-15';
const PRO_FEE_CNY_PER_HOUR = 0.64;
const DEFAULT_KUBERNETES_VERSION = '1.31.1-aliyun.1';

/** Emulated durations of the async tasks (Alibaba's ACK CLI skill, async-tasks.md: create 8–20 min, delete 3–10 min). */
const TIMINGS = { nodesAt: 30_000, runningAt: 10 * 60_000, deletedAfter: 3 * 60_000 };

interface NodePoolSpec {
  name: string;
  instanceTypes: string[];
  count: number;
  vswitchIds: string[];
}

interface ClusterData {
  name: string;
  clusterType: string;
  clusterSpec: string;
  profile: string;
  version: string;
  zoneId: string;
  vpcId: string;
  vswitchIds: string[];
  securityGroupId: string;
  /** ACK made the security group itself (none was named) and deletes it with the cluster. */
  securityGroupCreated: boolean;
  /** endpoint_public_access as given: false keeps the API server off the internet (no EIP). */
  endpointPublicAccess?: boolean;
  containerCidr: string;
  serviceCidr: string;
  deletionProtection: boolean;
  resourceGroupId: string;
  nodePools: NodePoolSpec[];
  nodeIds: string[];
  updated: number;
  createTaskId: string;
  deleteTaskId?: string;
  /** The host the SDK reached us on, for master_url and the kubeconfig. */
  host: string;
}

interface Task {
  task_id: string;
  cluster_id: string;
  task_type: string;
  state: 'running' | 'success' | 'failed';
  created: number;
  updated: number;
  current_stage: string;
  error?: { code: string; message: string };
  events: {
    action: string;
    level: string;
    message: string;
    reason: string;
    source: string;
    timestamp: string;
  }[];
}

const tasksByWorld = new WeakMap<World, Map<string, Task>>();

function tasksOf(world: World): Map<string, Task> {
  let m = tasksByWorld.get(world);
  if (!m) {
    m = new Map();
    tasksByWorld.set(world, m);
  }
  return m;
}

// ---- handlers ----

function createCluster(req: ApiRequest, world: World): ApiResult {
  const body = (req.json ?? {}) as Record<string, any>;
  const regionId = body.region_id;
  if (!regionId) throw invalid('region_id is required');
  const region = world.catalogue.region(regionId);
  if (!region) throw invalid(`region_id ${regionId} is not supported`);
  if (!body.name) throw invalid('name is required');
  if (!/^[\p{L}\p{N}][\p{L}\p{N}_-]{0,62}$/u.test(body.name)) {
    throw invalid(
      'name must be 1-63 characters of letters, digits, underscores and hyphens, starting with a letter or digit',
    );
  }
  const clusterType = body.cluster_type ?? 'ManagedKubernetes';
  if (!['ManagedKubernetes', 'Kubernetes'].includes(clusterType)) {
    throw invalid(`cluster_type ${clusterType} is not supported; use ManagedKubernetes`);
  }
  if (body.cluster_spec !== undefined && !CLUSTER_SPECS.includes(body.cluster_spec)) {
    throw invalid(`cluster_spec ${body.cluster_spec} is not valid; use one of ${CLUSTER_SPECS.join(', ')}`);
  }
  if (body.profile !== undefined && !PROFILES.includes(body.profile)) {
    throw invalid(`profile ${body.profile} is not valid; use one of ${PROFILES.join(', ')}`);
  }
  const nodePools = nodePoolsOf(body);
  for (const pool of nodePools) {
    for (const t of pool.instanceTypes) {
      if (!world.catalogue.instanceType(t)) throw invalid(`instance type ${t} is not supported`);
    }
  }
  const { vpc, vswitchIds, zoneIds } = networkOf(world, regionId, body, nodePools);
  const firstVswitch = vswitchIds[0] ? world.get('vswitch', vswitchIds[0]) : undefined;
  const zoneId: string = firstVswitch?.data.zoneId ?? zoneIds[0] ?? region.zones[0]!.zoneId;
  world.checkQuotaAndBalance('cs', regionId, { instances: 1 });

  const now = world.now();
  const clusterId = `c${randomBytes(16).toString('hex')}`;
  const task = newTask(world, clusterId, 'cluster_create', 'CreateCluster');
  // "If you leave the parameter empty, an ACK Basic cluster is created."
  const clusterSpec = body.cluster_spec ?? (clusterType === 'ManagedKubernetes' ? 'ack.standard' : '');
  // Without a VPC, ACK makes one in the named zone (zone_ids); it is not modelled as a resource here.
  const vpcId: string = vpc?.id ?? world.newId('vpc', regionId);
  const ownGroup = body.security_group_id
    ? undefined
    : createClusterSecurityGroup(world, regionId, vpcId, clusterId);
  const data: ClusterData = {
    name: body.name,
    clusterType,
    clusterSpec,
    profile: body.profile ?? 'Default',
    version: body.kubernetes_version ?? DEFAULT_KUBERNETES_VERSION,
    zoneId,
    vpcId,
    vswitchIds: vswitchIds.length ? vswitchIds : [world.newId('vsw', regionId)],
    securityGroupId: body.security_group_id ?? ownGroup ?? world.newId('sg', regionId),
    securityGroupCreated: ownGroup !== undefined,
    ...(typeof body.endpoint_public_access === 'boolean'
      ? { endpointPublicAccess: body.endpoint_public_access }
      : {}),
    containerCidr: body.container_cidr ?? '172.20.0.0/16',
    serviceCidr: body.service_cidr ?? '172.21.0.0/20',
    deletionProtection: body.deletion_protection === true,
    resourceGroupId: body.resource_group_id ?? '',
    nodePools,
    nodeIds: [],
    updated: now,
    createTaskId: task.task_id,
    host: String(req.headers.host ?? '127.0.0.1'),
  };
  const cluster = world.add({
    type: 'cluster',
    id: clusterId,
    regionId,
    status: 'initial',
    tags: tagsOf(body.tags),
    hourlyPrice: clusterSpec.startsWith('ack.pro') ? PRO_FEE_CNY_PER_HOUR : 0,
    data,
  });

  world.schedule(now + TIMINGS.nodesAt, () => {
    if (cluster.status !== 'initial') return;
    try {
      createNodes(world, cluster);
      task.current_stage = 'CreateNodes';
      event(world, task, 'NodesCreated', `created ${data.nodeIds.length} nodes`);
    } catch (err) {
      const e = err instanceof ApiError ? err : new ApiError(500, 'InternalError', String(err));
      failTask(world, task, e.code, e.message);
      setState(world, cluster, 'failed');
      return;
    }
    world.schedule(now + TIMINGS.runningAt, () => {
      if (cluster.status !== 'initial') return;
      startClusterApi(world, clusterId, regionId, nodesOf(world, cluster));
      setState(world, cluster, 'running');
      finishTask(world, task, 'ClusterRunning', 'cluster is running');
    });
  });
  return { body: { cluster_id: clusterId, request_id: req.requestId, task_id: task.task_id } };
}

function describeClusterDetail(req: ApiRequest, world: World): ApiResult {
  const cluster = mustFindCluster(world, segment(req.path, 2));
  req.regionId = cluster.regionId;
  return { body: clusterBody(world, cluster, String(req.headers.host ?? cluster.data.host)) };
}

function describeClustersV1(req: ApiRequest, world: World): ApiResult {
  const q = req.query;
  const pageSize = Math.min(Math.max(Number(q.page_size ?? 10) || 10, 1), 100);
  const pageNumber = Math.max(Number(q.page_number ?? 1) || 1, 1);
  const clusters = world
    .list({ type: 'cluster', ...(q.region_id ? { regionId: q.region_id } : {}) })
    .filter((c) => !q.name || c.data.name === q.name)
    .filter((c) => !q.cluster_id || c.id === q.cluster_id)
    .filter((c) => !q.cluster_type || c.data.clusterType === q.cluster_type)
    .filter((c) => !q.cluster_spec || c.data.clusterSpec === q.cluster_spec)
    .filter((c) => !q.profile || c.data.profile === q.profile);
  const host = String(req.headers.host ?? '127.0.0.1');
  return {
    body: {
      clusters: clusters
        .slice((pageNumber - 1) * pageSize, pageNumber * pageSize)
        .map((c) => clusterBody(world, c, host)),
      page_info: { page_number: pageNumber, page_size: pageSize, total_count: clusters.length },
    },
  };
}

function describeTaskInfo(req: ApiRequest, world: World): ApiResult {
  const taskId = segment(req.path, 2);
  const task = tasksOf(world).get(taskId);
  if (!task) throw new ApiError(404, 'ErrorTaskNotFound', `task ${taskId} not found`);
  return {
    body: {
      task_id: task.task_id,
      cluster_id: task.cluster_id,
      task_type: task.task_type,
      state: task.state,
      created: isoOffset(task.created),
      updated: isoOffset(task.updated),
      current_stage: task.current_stage,
      target: { id: task.cluster_id, type: 'cluster' },
      parameters: {},
      stages: [],
      events: task.events,
      task_result: task.state === 'success' ? [{ data: task.cluster_id, status: 'success' }] : [],
      // The documented answer carries the error object whatever the state; empty while none.
      error: task.error ?? { code: '', message: '' },
    },
  };
}

function describeClusterUserKubeconfig(req: ApiRequest, world: World): ApiResult {
  const cluster = mustFindCluster(world, segment(req.path, 2));
  req.regionId = cluster.regionId;
  const token = clusterApiToken(world, cluster.id);
  if (cluster.status !== 'running' || !token) {
    throw new ApiError(400, 'ErrorClusterState', `cluster ${cluster.id} is in state ${cluster.status}`);
  }
  const minutes = Number(req.query.TemporaryDurationMinutes ?? 0);
  if (minutes && (minutes < 15 || minutes > 4320)) {
    throw invalid('TemporaryDurationMinutes must be between 15 and 4320');
  }
  // Without a temporary duration the kubeconfig certificate is valid for 3 years.
  const expiration = world.now() + (minutes ? minutes * 60_000 : 3 * 365 * 24 * 3_600_000);
  const host = String(req.headers.host ?? cluster.data.host);
  return {
    body: {
      config: kubeconfig(cluster, host, token),
      expiration: new Date(expiration).toISOString().replace(/\.\d{3}Z$/, 'Z'),
    },
  };
}

function deleteCluster(req: ApiRequest, world: World): ApiResult {
  const cluster = mustFindCluster(world, segment(req.path, 2));
  req.regionId = cluster.regionId;
  const data = cluster.data as ClusterData;
  if (data.deletionProtection) {
    throw new ApiError(400, 'ErrorClusterState', `cluster ${cluster.id} has deletion protection enabled`);
  }
  if (cluster.status === 'deleting' && data.deleteTaskId) {
    return accepted(req, cluster.id, data.deleteTaskId); // a retried delete joins the running one
  }
  const task = newTask(world, cluster.id, 'cluster_delete', 'DeleteCluster');
  data.deleteTaskId = task.task_id;
  const createTask = tasksOf(world).get(data.createTaskId);
  if (createTask?.state === 'running')
    failTask(world, createTask, 'ClusterDeleted', 'the cluster was deleted while being created');
  setState(world, cluster, 'deleting');
  world.schedule(world.now() + TIMINGS.deletedAfter, () => {
    stopClusterApi(world, cluster.id);
    for (const id of data.nodeIds) releaseNode(world, id);
    if (data.securityGroupCreated) world.release('security-group', data.securityGroupId);
    setState(world, cluster, 'deleted');
    world.release('cluster', cluster.id);
    finishTask(world, task, 'ClusterDeleted', 'cluster is deleted');
  });
  return accepted(req, cluster.id, task.task_id);
}

function accepted(req: ApiRequest, clusterId: string, taskId: string): ApiResult {
  return { status: 202, body: { cluster_id: clusterId, request_id: req.requestId, task_id: taskId } };
}

// ---- network ----

const CLUSTER_SPECS = ['ack.pro.small', 'ack.standard'];
const PROFILES = ['Default', 'Edge', 'Serverless', 'Lingjun'];

/**
 * The cluster's VPC and vSwitches, refused as CreateCluster documents it: `vpcid` ("This parameter
 * is required"), or zone_ids for ACK to create the VPC itself; vSwitches of that VPC (required for
 * a cluster without nodes); pod and Service CIDRs that overlap neither the VPC nor each other.
 */
function networkOf(
  world: World,
  regionId: string,
  body: Record<string, any>,
  pools: NodePoolSpec[],
): { vpc?: Resource; vswitchIds: string[]; zoneIds: string[] } {
  const zoneIds: string[] = [...(body.zone_ids ?? []), ...(body.zone_id ? [body.zone_id] : [])];
  const vswitchIds: string[] = body.vswitch_ids ?? [];
  const vpcId: string | undefined = body.vpcid ?? body.vpc_id;
  if (!vpcId) {
    if (zoneIds.length === 0)
      throw invalid('vpcid is required (or zone_ids, for ACK to create the VPC in that zone)');
    if (vswitchIds.length > 0) throw invalid('vswitch_ids need the vpcid they belong to');
    return { vswitchIds, zoneIds };
  }
  const vpc = world.get('vpc', vpcId);
  if (!vpc || vpc.releasedAt !== undefined || vpc.regionId !== regionId)
    throw invalid(`vpcid ${vpcId} does not exist in ${regionId}`);
  if (vpc.status !== 'Available') throw invalid(`vpc ${vpcId} is ${vpc.status}, not Available`);
  const poolSwitches = pools.flatMap((p) => p.vswitchIds);
  if (vswitchIds.length === 0 && !pools.some((p) => p.count > 0))
    throw invalid('vswitch_ids is required for a cluster without nodes');
  for (const id of [...vswitchIds, ...poolSwitches]) {
    const vsw = world.get('vswitch', id);
    if (!vsw || vsw.releasedAt !== undefined) throw invalid(`vswitch ${id} does not exist`);
    if (vsw.data.vpcId !== vpcId) throw invalid(`vswitch ${id} is not in vpc ${vpcId}`);
  }
  const vpcCidr = String(vpc.data.cidrBlock ?? '');
  const podCidr: string | undefined = body.container_cidr;
  const serviceCidr: string | undefined = body.service_cidr;
  if (podCidr && overlaps(podCidr, vpcCidr))
    throw invalid(`container_cidr ${podCidr} overlaps the VPC CIDR ${vpcCidr}`);
  if (serviceCidr && overlaps(serviceCidr, vpcCidr))
    throw invalid(`service_cidr ${serviceCidr} overlaps the VPC CIDR ${vpcCidr}`);
  if (podCidr && serviceCidr && overlaps(podCidr, serviceCidr))
    throw invalid(`service_cidr ${serviceCidr} overlaps container_cidr ${podCidr}`);
  return { vpc, vswitchIds, zoneIds };
}

function cidrRange(cidr: string): [number, number] | undefined {
  const m = /^(\d+)\.(\d+)\.(\d+)\.(\d+)\/(\d+)$/.exec(cidr);
  if (!m) return undefined;
  const ip = m.slice(1, 5).reduce((n, part) => n * 256 + Number(part), 0);
  const size = 2 ** (32 - Number(m[5]));
  const start = ip - (ip % size);
  return [start, start + size - 1];
}

function overlaps(a: string, b: string): boolean {
  const x = cidrRange(a);
  const y = cidrRange(b);
  if (!x || !y) throw invalid(`${x ? b : a} is not a valid CIDR block`);
  return x[0] <= y[1] && y[0] <= x[1];
}

// ---- nodes ----

function nodePoolsOf(body: Record<string, any>): NodePoolSpec[] {
  const pools: NodePoolSpec[] = (body.nodepools ?? []).map((p: Record<string, any>, i: number) => ({
    name: p.nodepool_info?.name ?? `nodepool-${i + 1}`,
    instanceTypes: p.scaling_group?.instance_types ?? [],
    count: Number(p.scaling_group?.desired_size ?? p.count ?? 0),
    vswitchIds: p.scaling_group?.vswitch_ids ?? [],
  }));
  // The legacy worker_* fields describe one default pool.
  if (!pools.length && body.worker_instance_types?.length) {
    pools.push({
      name: 'default-nodepool',
      instanceTypes: body.worker_instance_types,
      count: Number(body.num_of_nodes ?? 0),
      vswitchIds: body.worker_vswitch_ids ?? [],
    });
  }
  for (const p of pools) {
    if (p.count > 0 && !p.instanceTypes.length)
      throw invalid(`nodepool ${p.name} needs scaling_group.instance_types`);
    if (!Number.isInteger(p.count) || p.count < 0)
      throw invalid(`nodepool ${p.name} has an invalid desired_size`);
  }
  return pools;
}

/** Creates every pool's ECS nodes, trying each pool's instance types in order; throws on no capacity. */
function createNodes(world: World, cluster: Resource): void {
  const data = cluster.data as ClusterData;
  const planned: { instanceType: string; zoneId: string }[] = [];
  for (const pool of data.nodePools) {
    if (pool.count === 0) continue;
    const zoneId =
      (pool.vswitchIds[0] && world.get('vswitch', pool.vswitchIds[0])?.data.zoneId) || data.zoneId;
    let lastError: unknown;
    const instanceType = pool.instanceTypes.find((t) => {
      try {
        world.checkStock(cluster.regionId, zoneId, t);
        return true;
      } catch (err) {
        lastError = err;
        return false;
      }
    });
    if (!instanceType) throw lastError;
    for (let i = 0; i < pool.count; i++) planned.push({ instanceType, zoneId });
  }
  const facts = planned.map((p) => world.catalogue.instanceType(p.instanceType)!);
  world.checkQuotaAndBalance('ecs', cluster.regionId, {
    instances: planned.length,
    vcpus: facts.reduce((s, f) => s + f.cpu, 0),
    gpus: facts.reduce((s, f) => s + f.gpuAmount, 0),
  });
  for (const p of planned) {
    const f = world.catalogue.instanceType(p.instanceType)!;
    const node = world.add({
      type: 'ack-node',
      id: world.newId('i', cluster.regionId),
      regionId: cluster.regionId,
      status: 'Running',
      tags: { ...cluster.tags, 'ack.aliyun.com': cluster.id },
      hourlyPrice: world.catalogue.hourlyPrice(cluster.regionId, p.instanceType) ?? 0,
      data: {
        clusterId: cluster.id,
        instanceType: p.instanceType,
        zoneId: p.zoneId,
        cpu: f.cpu,
        gpuAmount: f.gpuAmount,
      },
    });
    world.adjustStock(cluster.regionId, p.zoneId, p.instanceType, -1);
    data.nodeIds.push(node.id);
  }
}

function nodesOf(world: World, cluster: Resource): NodeInfo[] {
  return (cluster.data as ClusterData).nodeIds.map((id) => {
    const node = world.get('ack-node', id)!;
    const f = world.catalogue.instanceType(node.data.instanceType)!;
    return {
      name: `${cluster.regionId}.192.168.0.${10 + (cluster.data as ClusterData).nodeIds.indexOf(id)}`,
      cpu: f.cpu,
      memoryGiB: f.memoryGiB,
      gpus: f.gpuAmount,
    };
  });
}

function releaseNode(world: World, id: string): void {
  const node = world.get('ack-node', id);
  if (!node || node.releasedAt !== undefined) return;
  world.release('ack-node', id);
  world.adjustStock(node.regionId, node.data.zoneId, node.data.instanceType, 1);
}

// ---- tasks ----

function newTask(world: World, clusterId: string, taskType: string, stage: string): Task {
  const now = world.now();
  const task: Task = {
    task_id: `T-${randomBytes(12).toString('hex')}`,
    cluster_id: clusterId,
    task_type: taskType,
    state: 'running',
    created: now,
    updated: now,
    current_stage: stage,
    events: [],
  };
  tasksOf(world).set(task.task_id, task);
  event(world, task, `${stage}Start`, `start to ${stage}`);
  return task;
}

function event(world: World, task: Task, reason: string, message: string, level = 'Normal'): void {
  const now = world.now();
  task.updated = now;
  task.events.push({ action: reason, level, message, reason, source: 'ACK', timestamp: String(now) });
}

function finishTask(world: World, task: Task, reason: string, message: string): void {
  if (task.state !== 'running') return;
  task.state = 'success';
  task.current_stage = 'Finished';
  event(world, task, reason, message);
}

// The official task states are running / failed / success (CS OpenAPI metadata, DescribeTaskInfo).
function failTask(world: World, task: Task, code: string, message: string): void {
  task.state = 'failed';
  task.error = { code, message };
  event(world, task, code, message, 'Warning');
}

function setState(world: World, cluster: Resource, state: string): void {
  cluster.status = state;
  (cluster.data as ClusterData).updated = world.now();
}

// ---- bodies ----

function clusterBody(world: World, cluster: Resource, host: string): Record<string, unknown> {
  const d = cluster.data as ClusterData;
  const endpoint = `http://${host}${KUBERNETES_PREFIX}${cluster.id}`;
  return {
    cluster_id: cluster.id,
    name: d.name,
    cluster_type: d.clusterType,
    cluster_spec: d.clusterSpec,
    profile: d.profile,
    state: cluster.status,
    region_id: cluster.regionId,
    zone_id: d.zoneId,
    vpc_id: d.vpcId,
    vswitch_id: d.vswitchIds.join(','),
    vswitch_ids: d.vswitchIds,
    security_group_id: d.securityGroupId,
    resource_group_id: d.resourceGroupId,
    current_version: d.version,
    init_version: d.version,
    next_version: '',
    size: d.nodeIds.filter((id) => world.get('ack-node', id)?.releasedAt === undefined).length,
    created: isoOffset(cluster.createdAt),
    updated: isoOffset(d.updated),
    deletion_protection: d.deletionProtection,
    network_mode: 'vpc',
    proxy_mode: 'ipvs',
    container_cidr: d.containerCidr,
    service_cidr: d.serviceCidr,
    subnet_cidr: d.containerCidr,
    cluster_domain: 'cluster.local',
    ip_stack: 'ipv4',
    timezone: 'Asia/Shanghai',
    private_zone: false,
    docker_version: '',
    external_loadbalancer_id: '',
    meta_data: JSON.stringify({ KubernetesVersion: d.version, Addons: [] }),
    // master_url is a JSON document in a string, as on the real API; without public access the API
    // server has only its intranet address.
    master_url:
      cluster.status === 'running'
        ? JSON.stringify({
            ...(d.endpointPublicAccess === false ? {} : { api_server_endpoint: endpoint }),
            intranet_api_server_endpoint: endpoint,
          })
        : '',
    tags: Object.entries(cluster.tags).map(([key, value]) => ({ key, value })),
    parameters: {},
    maintenance_window: {
      enable: false,
      maintenance_time: '',
      duration: '',
      weekly_period: '',
      recurrence: '',
    },
    operation_policy: { cluster_auto_upgrade: { enabled: false, channel: 'patch' } },
    worker_ram_role_name: `KubernetesWorkerRole-${cluster.id.slice(1, 9)}-${cluster.id.slice(9, 13)}-${cluster.id.slice(13, 17)}-${cluster.id.slice(17, 21)}-${cluster.id.slice(21, 33)}`,
    node_cidr_mask: '26',
    extra_sans: [],
    // RRSA, auto mode and a self-managed control plane are options acp never turns on.
    rrsa_config: {
      enabled: false,
      oidc_name: '',
      oidc_arn: '',
      max_oidc_token_expiration: '',
      audience: '',
      issuer: '',
      open_api_configuration_url: '',
      jwks_url: '',
    },
    auto_mode: { enable: false },
    control_plane_config: {
      charge_type: 'PostPaid',
      period: 0,
      period_unit: '',
      auto_renew: false,
      auto_renew_period: 0,
      instance_types: [],
      image_type: '',
      image_id: '',
      key_pair: '',
      system_disk_category: '',
      system_disk_size: 0,
      system_disk_snapshot_policy_id: '',
      system_disk_performance_level: '',
      system_disk_provisioned_iops: 0,
      system_disk_bursting_enabled: false,
      deploymentset_id: '',
      cloud_monitor_flags: false,
      soc_enabled: false,
      security_hardening_os: false,
      cpu_policy: 'none',
      runtime: 'containerd',
      node_port_range: '30000-32767',
      size: 0,
      instance_metadata_options: { http_tokens: 'optional' },
    },
  };
}

function kubeconfig(cluster: Resource, host: string, token: string): string {
  // client-node refuses plain http unless TLS verification is explicitly skipped.
  const name = `kubernetes-${cluster.id}`;
  return [
    'apiVersion: v1',
    'kind: Config',
    'clusters:',
    '- cluster:',
    `    server: http://${host}${KUBERNETES_PREFIX}${cluster.id}`,
    '    insecure-skip-tls-verify: true',
    `  name: ${name}`,
    'contexts:',
    '- context:',
    `    cluster: ${name}`,
    `    user: ${name}-admin`,
    `  name: ${name}-admin-context`,
    `current-context: ${name}-admin-context`,
    'preferences: {}',
    'users:',
    `- name: ${name}-admin`,
    '  user:',
    `    token: ${token}`,
    '',
  ].join('\n');
}

// ---- helpers ----

function invalid(message: string): ApiError {
  return new ApiError(400, 'InvalidParameter', message);
}

function mustFindCluster(world: World, id: string): Resource {
  const c = world.get('cluster', id);
  if (!c || c.releasedAt !== undefined) {
    throw new ApiError(404, 'ErrorClusterNotFound', `cluster ${id} not found`);
  }
  return c;
}

function segment(path: string, i: number): string {
  return path.split('/')[i] ?? '';
}

function tagsOf(tags: unknown): Record<string, string> {
  const out: Record<string, string> = {};
  if (Array.isArray(tags)) for (const t of tags) if (t?.key) out[String(t.key)] = String(t.value ?? '');
  return out;
}

/** CS times carry the +08:00 offset of the service (DescribeClusterDetail's example: "2025-04-07T09:57:26+08:00"). */
function isoOffset(ms: number): string {
  return `${new Date(ms + 8 * 3_600_000).toISOString().replace(/\.\d{3}Z$/, '')}+08:00`;
}

export const cs: ProductModule = {
  product: 'cs',
  version: VERSION,
  hostId: 'cs.aliyuncs.com',
  actions: {
    CreateCluster: createCluster,
    DescribeClusterDetail: describeClusterDetail,
    DescribeClustersV1: describeClustersV1,
    DescribeTaskInfo: describeTaskInfo,
    DescribeClusterUserKubeconfig: describeClusterUserKubeconfig,
    DeleteCluster: deleteCluster,
  },
  rawRoutes: [kubernetesApi],
  // CS error bodies are lower camel case with the status inside, as the SDK reads them.
  errorBody: (err, requestId) => ({
    code: err.code,
    message: err.message,
    requestId,
    status: err.status,
    ...err.extra,
  }),
  reset: (world) => {
    tasksByWorld.delete(world);
    resetKubernetes(world);
  },
};
