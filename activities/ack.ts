// ACK activities: CS calls (@alicloud/cs20151215) for clusters, Kubernetes calls
// (@kubernetes/client-node) for the Job that runs the script. The kubeconfig is a credential: it is
// fetched with DescribeClusterUserKubeconfig inside every activity that needs it and never returned,
// so it never reaches workflow history.
//
// CS has no ClientToken: a cluster's idempotency is its deterministic name (from workflow and step)
// plus a look-up by that name before CreateCluster. Kubernetes objects are idempotent by name
// (AlreadyExists on a retried create is the object the first attempt made).
import { createHash } from 'node:crypto';
import type * as K8s from '@kubernetes/client-node';
import { heartbeat, sleep } from '@temporalio/activity';
import { ApplicationFailure } from '@temporalio/common';
import { clusterCidrs } from '../planner/network';
import type { AlibabaClients } from './clients';
import { type AlibabaErrorDetails, alibabaCall, classify, describeSdkError, toFailure } from './errors';
import { pages } from './release/kind';
import { sdk } from './sdk';
import { MANAGED_TAG, type Owner, ownerTags, SHARED_TAG, STEP_TAG, WORKFLOW_TAG } from './tags';

/** ACK Pro: the managed control plane with an SLA (CNY 0.64/h on the China site; "ACK Pro
 * cluster billing", alibabacloud.com/help/en/ack, USD 0.09/h; planner ACK_CLUSTER_FEE). */
export const CLUSTER_SPEC = 'ack.pro.small';
/** A run's own VPC: pod and Service CIDRs are chosen outside it (planner/network.ts clusterCidrs). */
const OWN_VPC_CIDR = '192.168.0.0/16';
/** Where acp's Jobs and ConfigMaps live; the label below marks them as acp's (`acp gc` lists by it). */
export const NAMESPACE = 'default';
export const MANAGED_BY_LABEL = { key: 'app.kubernetes.io/managed-by', value: 'acp' } as const;
const KUBECONFIG_MINUTES = 60;
const LOG_TAIL_LINES = 200;
const POLL_MS = { first: 1_000, max: 15_000 };
/** Container waiting reasons that never fix themselves for a Job: fail fast with the reason. */
export const FATAL_POD_REASONS = [
  'ImagePullBackOff',
  'ErrImagePull',
  'InvalidImageName',
  'CrashLoopBackOff',
  'CreateContainerConfigError',
  'CreateContainerError',
];

export interface ClusterRef {
  clusterId: string;
  name: string;
  regionId: string;
  zoneId?: string;
  state: string;
  nodes: number;
}

export interface JobRef {
  regionId: string;
  clusterId: string;
  name: string;
}

export interface JobState {
  finished: boolean;
  /** The container's exit code once it terminated. */
  exitCode?: number;
  /** A Job condition or container reason worth showing (DeadlineExceeded, ImagePullBackOff, …). */
  reason?: string;
  message?: string;
  /** Set when the pod can never start: the workflow fails the run with this reason at once. */
  fatal?: boolean;
  /** Set while the pod cannot be scheduled (no node fits its requests). */
  unschedulable?: string;
  podName?: string;
  output: string;
}

export interface JobSpecInput extends JobRef, Owner {
  script: string;
  image: string;
  /** Requests for the pod; undefined leaves the pod BestEffort. */
  cpuMillis?: number;
  memoryMiB?: number;
  gpus?: number;
  activeDeadlineSeconds: number;
  ttlSecondsAfterFinished: number;
}

/** A CS cluster name from (workflow, step): 1–63 letters, digits, '-' and '_', the same on every retry. */
export function clusterName(owner: Owner): string {
  const slug = owner.workflowId
    .toLowerCase()
    .replace(/[^a-z0-9-]/g, '-')
    .slice(0, 36);
  const hash = createHash('sha256').update(`${owner.workflowId}\n${owner.step}`).digest('hex').slice(0, 12);
  return `acp-${slug}-${hash}`.replace(/-+/g, '-');
}

export function tagsOf(tags: { key?: string; value?: string }[] | undefined): Record<string, string> {
  const out: Record<string, string> = {};
  for (const t of tags ?? []) if (t.key) out[t.key] = t.value ?? '';
  return out;
}

/** Labels are restricted to 63 chars of [A-Za-z0-9._-]; the workflow id itself goes in an annotation. */
function ownerMetadata(owner: Owner) {
  return {
    labels: {
      [MANAGED_BY_LABEL.key]: MANAGED_BY_LABEL.value,
      'acp.aliyun.dev/run': createHash('sha256').update(owner.workflowId).digest('hex').slice(0, 16),
    },
    annotations: { [WORKFLOW_TAG]: owner.workflowId, [STEP_TAG]: owner.step },
  };
}

function failure(details: AlibabaErrorDetails, retryable = false): ApplicationFailure {
  return ApplicationFailure.create({
    message: `${details.code}: ${details.message} (${details.operation})`,
    type: details.code,
    details: [details],
    nonRetryable: !retryable,
  });
}

let k8sModule: typeof K8s | undefined;
/**
 * The Kubernetes client holds about 90 MB of heap, so a worker loads it when a run first talks to a
 * cluster rather than at start (docs/quotes.md: worker memory).
 */
function k8s(): typeof K8s {
  k8sModule ??= require('@kubernetes/client-node') as typeof K8s;
  return k8sModule;
}

/** A failed CS task or a Kubernetes error, classified through the one error table. */
function classified(code: string, message: string, operation: string, httpStatus?: number) {
  const { kind, nextStep } = classify(code);
  return { code, message, kind, nextStep, operation, ...(httpStatus ? { httpStatus } : {}) };
}

/** Kubernetes API errors as `Kubernetes.<Reason>` codes (NotFound, AlreadyExists, Invalid, …). */
function kubernetesError(err: unknown, operation: string): AlibabaErrorDetails {
  // Before the client is loaded no Kubernetes call has been made, so no error can be one of its.
  if (k8sModule && err instanceof k8sModule.ApiException) {
    let body: { reason?: string; message?: string } = {};
    try {
      body = typeof err.body === 'string' ? JSON.parse(err.body) : (err.body ?? {});
    } catch {
      body = { message: String(err.body) };
    }
    const reason =
      body.reason || (err.code === 404 ? 'NotFound' : err.code === 409 ? 'AlreadyExists' : `Http${err.code}`);
    const d = classified(`Kubernetes.${reason}`, body.message ?? err.message, operation, err.code);
    // 429 and 5xx are the API server's transient answers whatever their reason says.
    if (d.kind === 'fatal' && (err.code === 429 || err.code >= 500)) d.kind = 'retryable';
    return d;
  }
  // No HTTP answer at all (connection reset, DNS, TLS): transient.
  const d = classified('Kubernetes.Unreachable', err instanceof Error ? err.message : String(err), operation);
  return { ...d, kind: 'retryable', nextStep: 'acp retries with backoff; check the API server endpoint.' };
}

async function kubernetesCall<T>(operation: string, call: () => Promise<T>): Promise<T> {
  try {
    return await call();
  } catch (err) {
    const d = kubernetesError(err, operation);
    throw failure(d, d.kind === 'retryable');
  }
}

/** Like kubernetesCall, but an object that is already gone counts as deleted. */
export async function kubernetesDelete(
  operation: string,
  call: () => Promise<unknown>,
): Promise<'released' | 'gone'> {
  try {
    await call();
    return 'released';
  } catch (err) {
    const d = kubernetesError(err, operation);
    if (d.kind === 'not-found') return 'gone';
    throw failure(d, d.kind === 'retryable');
  }
}

function isTerminal(job: K8s.V1Job, type: 'Complete' | 'Failed'): K8s.V1JobCondition | undefined {
  return job.status?.conditions?.find((c) => c.type === type && c.status === 'True');
}

/** A cluster's Kubernetes API; the kubeconfig lives only inside the caller's activity: it is a credential. */
export async function kubernetesFor(clients: AlibabaClients, regionId: string, clusterId: string) {
  const r = await alibabaCall(`DescribeClusterUserKubeconfig ${clusterId}`, () =>
    clients.cs(regionId).describeClusterUserKubeconfig(
      clusterId,
      new sdk.cs.DescribeClusterUserKubeconfigRequest({
        privateIpAddress: false,
        temporaryDurationMinutes: KUBECONFIG_MINUTES,
      }),
    ),
  );
  const config = r.body?.config;
  if (!config) throw new Error(`DescribeClusterUserKubeconfig returned no config for ${clusterId}`);
  const { KubeConfig, BatchV1Api, CoreV1Api } = k8s();
  const kc = new KubeConfig();
  kc.loadFromString(config);
  return { batch: kc.makeApiClient(BatchV1Api), core: kc.makeApiClient(CoreV1Api) };
}

/** The endpoint acp lists clusters of every region through (any region's CS endpoint answers for all). */
const LIST_REGION = 'cn-hangzhou';

/**
 * Every cluster of the region, all pages: DescribeClustersV1 has no tag filter. Without a region,
 * the account's clusters in every region (region_id is optional: one call instead of one per region).
 */
export async function clustersIn(clients: AlibabaClients, regionId?: string) {
  return pages(async (pageNumber) => {
    const r = await alibabaCall(`DescribeClustersV1 in ${regionId ?? 'every region'}`, () =>
      clients.cs(regionId ?? LIST_REGION).describeClustersV1(
        new sdk.cs.DescribeClustersV1Request({
          ...(regionId ? { regionId } : {}),
          pageSize: 100,
          pageNumber,
        }),
      ),
    );
    return { items: r.body?.clusters ?? [], total: r.body?.pageInfo?.totalCount ?? 0 };
  });
}

/** A cluster's state (DescribeClusterDetail), or 'gone'. */
export async function clusterStateOf(
  clients: AlibabaClients,
  regionId: string,
  clusterId: string,
): Promise<string> {
  try {
    const r = await clients.cs(regionId).describeClusterDetail(clusterId);
    return r.body?.state ?? 'unknown';
  } catch (err) {
    if (describeSdkError(err, `DescribeClusterDetail ${clusterId}`).kind === 'not-found') return 'gone';
    throw toFailure(err, `DescribeClusterDetail ${clusterId}`);
  }
}

/** The clusters one (workflow, step) made, whatever their state. */
export async function clustersOwnedBy(clients: AlibabaClients, regionId: string, owner: Owner) {
  return (await clustersIn(clients, regionId)).filter((c) => {
    const tags = tagsOf(c.tags);
    return tags[WORKFLOW_TAG] === owner.workflowId && tags[STEP_TAG] === owner.step && c.clusterId;
  });
}

export function createAckActivities(clients: AlibabaClients) {
  const cs = (regionId: string) => clients.cs(regionId);

  const kubernetes = (regionId: string, clusterId: string) => kubernetesFor(clients, regionId, clusterId);
  const clusterState = (regionId: string, clusterId: string) => clusterStateOf(clients, regionId, clusterId);

  /**
   * The running clusters acp may share, in every region (one DescribeClustersV1): tagged acp:managed
   * and acp:shared. A cluster that only carries acp:managed belongs to one run, which deletes it when
   * it ends.
   */
  async function sharedAckClusters(): Promise<ClusterRef[]> {
    return (await clustersIn(clients))
      .filter((c) => {
        const tags = tagsOf(c.tags);
        return (
          tags[MANAGED_TAG] === 'true' &&
          tags[SHARED_TAG] === 'true' &&
          c.state === 'running' &&
          c.clusterId &&
          c.regionId
        );
      })
      .map((c) => ({
        clusterId: c.clusterId!,
        name: c.name ?? '',
        regionId: c.regionId!,
        zoneId: c.zoneId || undefined,
        state: c.state ?? 'running',
        nodes: c.size ?? 0,
      }));
  }

  return {
    sharedAckClusters,

    /**
     * CreateCluster (ManagedKubernetes, one node pool of the chosen spec in the given vSwitch). A
     * cluster already made by this (workflow, step), e.g. before a lost response, is returned instead.
     */
    async createAckCluster(
      input: Owner & {
        regionId: string;
        vpcId: string;
        /** The VPC's block (a shared VPC may be any); the run's own VPC when absent. */
        vpcCidr?: string;
        vSwitchId: string;
        instanceType: string;
        nodeCount: number;
      },
    ): Promise<{ clusterId: string; taskId?: string; existed: boolean }> {
      const name = clusterName(input);
      const cidrs = clusterCidrs(input.vpcCidr || OWN_VPC_CIDR);
      if (!cidrs)
        throw ApplicationFailure.nonRetryable(
          `no pod and Service CIDRs fit beside VPC ${input.vpcId} (${input.vpcCidr}); ACK needs blocks outside it`,
          'InvalidParameter.ContainerCidr',
        );
      const existing = (await clustersOwnedBy(clients, input.regionId, input)).find(
        (c) => c.state !== 'deleting' && c.state !== 'deleted',
      );
      if (existing?.clusterId) return { clusterId: existing.clusterId, existed: true };
      const r = await alibabaCall(`CreateCluster ${input.instanceType} in ${input.regionId}`, () =>
        cs(input.regionId).createCluster(
          new sdk.cs.CreateClusterRequest({
            name,
            regionId: input.regionId,
            clusterType: 'ManagedKubernetes',
            clusterSpec: CLUSTER_SPEC,
            profile: 'Default',
            vpcid: input.vpcId,
            vswitchIds: [input.vSwitchId],
            ...cidrs,
            // The worker reaches the API server from outside the VPC; nodes get egress through SNAT
            // to pull images. Nothing opens SSH: no public SSH to the control plane, no public IPs,
            // no key pair or password on the nodes.
            endpointPublicAccess: true,
            snatEntry: true,
            sshFlags: false,
            deletionProtection: false,
            tags: ownerTags(input).map((t) => new sdk.cs.Tag(t)),
            nodepools: [
              new sdk.cs.Nodepool({
                nodepoolInfo: new sdk.cs.NodepoolNodepoolInfo({ name: 'acp-pool' }),
                scalingGroup: new sdk.cs.NodepoolScalingGroup({
                  instanceTypes: [input.instanceType],
                  desiredSize: input.nodeCount,
                  vswitchIds: [input.vSwitchId],
                  instanceChargeType: 'PostPaid',
                  systemDiskCategory: 'cloud_essd',
                  systemDiskSize: 40,
                  internetMaxBandwidthOut: 0,
                }),
              }),
            ],
          }),
        ),
      );
      const clusterId = r.body?.clusterId;
      if (!clusterId) throw new Error('CreateCluster returned no cluster_id');
      return { clusterId, taskId: r.body?.taskId, existed: false };
    },

    /**
     * Waits for `running` (8–20 min on the real service): DescribeTaskInfo says why a create failed
     * (a sold-out node type, a node quota), DescribeClusterDetail says when the cluster serves.
     */
    async waitAckClusterRunning(input: {
      regionId: string;
      clusterId: string;
      taskId?: string;
    }): Promise<void> {
      let interval = POLL_MS.first;
      let taskReadAfterFailure = false;
      for (;;) {
        if (input.taskId) {
          const taskId = input.taskId;
          const t = await alibabaCall(`DescribeTaskInfo ${taskId}`, () =>
            cs(input.regionId).describeTaskInfo(taskId),
          ).catch((err: unknown) => {
            // A throttled look-up must not fail the wait; the next poll asks again.
            if (err instanceof ApplicationFailure && !err.nonRetryable) return undefined;
            throw err;
          });
          const state = t?.body?.state;
          if (state === 'failed' || state === 'fail') {
            const code = t?.body?.error?.code || 'ClusterCreateFailed';
            const message = t?.body?.error?.message || `the create task of ${input.clusterId} failed`;
            throw failure(classified(code, message, `CreateCluster task ${taskId} of ${input.clusterId}`));
          }
          heartbeat({ clusterId: input.clusterId, task: state, stage: t?.body?.currentStage });
        }
        const state = await clusterState(input.regionId, input.clusterId);
        if (state === 'running') return;
        if (state === 'failed' && input.taskId && !taskReadAfterFailure) {
          // The cluster can turn failed between the task look-up and this one: read the task once
          // more, since its error code (NoStock, a quota) is what decides failover or BLOCKED.
          taskReadAfterFailure = true;
          continue;
        }
        if (state === 'gone' || state === 'failed' || state === 'deleting' || state === 'deleted') {
          throw failure(
            classified(
              'ErrorClusterState',
              `cluster ${input.clusterId} is ${state}, it will not become running`,
              `wait for ${input.clusterId}`,
            ),
          );
        }
        heartbeat({ clusterId: input.clusterId, state });
        await sleep(interval);
        interval = Math.min(interval * 2, POLL_MS.max);
      }
    },

    /** The script as a ConfigMap: mounted into the pod, so no argument-size limit applies (1 MiB total). */
    async createScriptConfigMap(input: JobRef & Owner & { script: string }): Promise<void> {
      const { core } = await kubernetes(input.regionId, input.clusterId);
      try {
        await core.createNamespacedConfigMap({
          namespace: NAMESPACE,
          body: {
            metadata: { name: input.name, ...ownerMetadata(input) },
            data: { script: input.script },
          },
        });
      } catch (err) {
        const d = kubernetesError(err, `create ConfigMap ${input.name}`);
        if (d.code === 'Kubernetes.AlreadyExists') return; // a retried create: the first one made it
        throw failure(d, d.kind === 'retryable');
      }
    },

    async createKubernetesJob(input: JobSpecInput): Promise<void> {
      const { batch } = await kubernetes(input.regionId, input.clusterId);
      const requests: Record<string, string> = {};
      const limits: Record<string, string> = {};
      if (input.cpuMillis) requests.cpu = `${input.cpuMillis}m`;
      if (input.memoryMiB) requests.memory = `${input.memoryMiB}Mi`;
      if (input.gpus) limits['nvidia.com/gpu'] = String(input.gpus);
      const meta = ownerMetadata(input);
      const body: K8s.V1Job = {
        metadata: { name: input.name, ...meta },
        spec: {
          // One try: a non-zero exit is a failed run, not a retry loop (step 10 in docs/architecture.md).
          backoffLimit: 0,
          activeDeadlineSeconds: input.activeDeadlineSeconds,
          // A backstop if acp is gone; acp deletes the Job itself when the run ends.
          ttlSecondsAfterFinished: input.ttlSecondsAfterFinished,
          template: {
            metadata: { labels: meta.labels },
            spec: {
              restartPolicy: 'Never',
              automountServiceAccountToken: false,
              enableServiceLinks: false,
              containers: [
                {
                  name: 'script',
                  image: input.image,
                  // A script with a shebang runs with its own interpreter; anything else with bash.
                  command: input.script.startsWith('#!') ? ['/acp/script'] : ['bash', '/acp/script'],
                  volumeMounts: [{ name: 'script', mountPath: '/acp', readOnly: true }],
                  ...(Object.keys(requests).length || Object.keys(limits).length
                    ? { resources: { requests, ...(Object.keys(limits).length ? { limits } : {}) } }
                    : {}),
                },
              ],
              volumes: [{ name: 'script', configMap: { name: input.name, defaultMode: 0o755 } }],
            },
          },
        },
      };
      try {
        await batch.createNamespacedJob({ namespace: NAMESPACE, body });
      } catch (err) {
        const d = kubernetesError(err, `create Job ${input.name}`);
        if (d.code === 'Kubernetes.AlreadyExists') return;
        throw failure(d, d.kind === 'retryable');
      }
    },

    /** One look at the Job: its conditions, its newest pod's state and the tail of that pod's log. */
    async describeKubernetesJob(input: JobRef): Promise<JobState> {
      const { batch, core } = await kubernetes(input.regionId, input.clusterId);
      let job: Awaited<ReturnType<typeof batch.readNamespacedJob>>;
      try {
        job = await batch.readNamespacedJob({ name: input.name, namespace: NAMESPACE });
      } catch (err) {
        const d = kubernetesError(err, `read Job ${input.name}`);
        // acp made this Job: gone means its TTL ran out while acp was away, or someone deleted it.
        if (d.code === 'Kubernetes.NotFound') {
          return {
            finished: true,
            output: '',
            reason: 'JobGone',
            message:
              'the Job is no longer in the cluster (removed by its ttlSecondsAfterFinished while acp was away, or deleted by someone); its exit code and output are lost',
          };
        }
        throw failure(d, d.kind === 'retryable');
      }
      const pods = await kubernetesCall(`list pods of Job ${input.name}`, () =>
        core.listNamespacedPod({ namespace: NAMESPACE, labelSelector: `job-name=${input.name}` }),
      );
      const pod = [...pods.items].sort((a, b) =>
        String(a.metadata?.creationTimestamp ?? '').localeCompare(
          String(b.metadata?.creationTimestamp ?? ''),
        ),
      )[pods.items.length - 1];
      const container = pod?.status?.containerStatuses?.[0];
      const waiting = container?.state?.waiting;
      const terminated = container?.state?.terminated;
      let output = '';
      if (pod?.metadata?.name && !waiting && pod.status?.phase !== 'Pending') {
        const podName = pod.metadata.name;
        output = await core
          .readNamespacedPodLog({ name: podName, namespace: NAMESPACE, tailLines: LOG_TAIL_LINES })
          .catch(() => ''); // a log not there yet (or rotated away) is not a failure of the run
      }
      const base = { podName: pod?.metadata?.name, output };
      if (waiting?.reason && FATAL_POD_REASONS.includes(waiting.reason)) {
        return { ...base, finished: true, fatal: true, reason: waiting.reason, message: waiting.message };
      }
      const complete = isTerminal(job, 'Complete');
      const failed = isTerminal(job, 'Failed');
      if (complete || failed) {
        return {
          ...base,
          finished: true,
          exitCode: terminated?.exitCode ?? (complete ? 0 : undefined),
          reason: failed?.reason ?? terminated?.reason,
          message: failed?.message ?? terminated?.message,
        };
      }
      const scheduled = pod?.status?.conditions?.find((c) => c.type === 'PodScheduled');
      return {
        ...base,
        finished: false,
        ...(scheduled?.status === 'False' && scheduled.reason === 'Unschedulable'
          ? { unschedulable: scheduled.message ?? 'no node fits the pod' }
          : {}),
        ...(waiting?.reason ? { reason: waiting.reason } : {}),
      };
    },
  };
}
