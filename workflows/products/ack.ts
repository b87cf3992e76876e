// ACK (managed Kubernetes) in the workflow layer: quote (a shared acp cluster already running in the
// region costs this run nothing extra and starts in seconds; otherwise the ACK Pro fee plus the node's
// DescribePrice), deploy (reuse that cluster and keep it, or VPC → vSwitch → CreateCluster, each undo
// registered before its create, then wait for `running`), execute (the script in a ConfigMap mounted
// into a one-try Job, polled from here so the status query shows its log), release (Job and
// ConfigMap; the cluster and its network only when this run created them).
import { ApplicationFailure } from '@temporalio/workflow';
import type { AlibabaErrorDetails } from '../../activities/errors';
import type { RegionFindings, RegionNeeds } from '../../activities/market';
import { ACK_CLUSTER_FEE, ackClusterFeePerHour, estimateTotal } from '../../planner/pricing';
import { runnableScript } from '../../planner/script-kind';
import type { Intent, QuoteOption, Script } from '../../planner/types';
import { api, described, release, wait } from '../activity-options';
import { alibabaDetails } from '../failures';
import type { Execution } from '../messages';
import {
  deployKit,
  firstOf,
  lookupFailure,
  notFeasible,
  pollPause,
  record,
  regionNetworks,
  sizeNote,
  sizeOf,
} from './kit';
import type { Attempt, DeployContext, Deployer, Deployment, ProductSteps, QuoteInput } from './types';

/** How many of a region's cheapest node offers the comparison shows (every fitting type is priced). */
const OPTIONS_PER_REGION = 3;
/** One worker node: a one-shot Job or one service needs no more. */
const NODE_COUNT = 1;
const NODE_MINIMUM = { cpu: 2, memoryGiB: 4 };
/** Seconds to a running script: a new cluster takes 8–20 min (Alibaba's ACK
 * CLI skill, aliyun/alibabacloud-aiops-skills alibabacloud-ack-cli/references/async-tasks.md, 2026); a running one needs a pod. */
const READY_IN_SECONDS = { newCluster: 600, existingCluster: 30 };
const OUTPUT_TAIL_CHARS = 4000;
/** A pod no node can take fails the run after this long (no autoscaler adds nodes to acp's pool). */
const UNSCHEDULABLE_GRACE_MS = 5 * 60_000;
/**
 * The finished Job's backstop if acp is gone: a day, long enough for a person to read an orphan's log
 * and for a worker outage (a Job that vanished before acp read it fails the run as JobGone).
 */
const JOB_TTL_SECONDS = 24 * 3600;
/** Marks an option that runs on an existing cluster: its spec is `cluster:<id>`. */
const EXISTING = 'cluster:';

/** Fee + node sums without binary-float tails (1.1139999999999999 → 1.114). */
const perHour = (cny: number) => Math.round(cny * 1e6) / 1e6;

export function existingClusterOf(option: QuoteOption): string | undefined {
  return option.spec.startsWith(EXISTING) ? option.spec.slice(EXISTING.length) : undefined;
}

/**
 * The run's Job (and ConfigMap) name: a lowercase RFC 1123 label of at most 63 characters, unique per
 * workflow id (a readable prefix plus a hash of the whole id). FNV-1a, because workflow code has no
 * node:crypto and the name must be the same on every replay.
 */
export function jobName(workflowId: string): string {
  let h = 0x811c9dc5;
  for (let i = 0; i < workflowId.length; i++) {
    h ^= workflowId.charCodeAt(i);
    h = Math.imul(h, 0x01000193) >>> 0;
  }
  const slug = workflowId
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-+/, '')
    .slice(0, 48)
    .replace(/-+$/, '');
  return `acp-${slug ? `${slug}-` : ''}${h.toString(36).padStart(7, '0')}`;
}

/**
 * The container image for the script: the one the request names, else Ubuntu for apt scripts, else
 * Alibaba Cloud Linux 3 from the regional Container Registry (yum/dnf and plain shell).
 */
export function jobImage(intent: Intent, script: Script, regionId: string): string {
  if (intent.image) return intent.image;
  if (script.packageManager === 'apt-get') return 'ubuntu:22.04';
  return `alibaba-cloud-linux-3-registry.${regionId}.cr.aliyuncs.com/alinux3/alinux3:latest`;
}

/**
 * What the pod asks the scheduler for: the requested shape minus what ACK reserves on a node of that
 * shape for the kubelet and system pods (about 0.5 vCPU and a quarter of the memory on small nodes),
 * so a pod sized like its node still fits on it.
 */
export function podRequests(intent: Intent): { cpuMillis: number; memoryMiB: number; gpus?: number } {
  return {
    cpuMillis: Math.max(250, Math.round(intent.cpu * 1000) - 500),
    memoryMiB: Math.max(256, Math.floor(intent.memoryGiB * 1024 * 0.75)),
    ...(intent.gpu ? { gpus: intent.gpu.count } : {}),
  };
}

/** ACK worker nodes need at least 2 vCPU and 4 GiB. */
function nodeShapeOf(intent: Intent) {
  return {
    cpu: Math.max(intent.cpu, NODE_MINIMUM.cpu),
    memoryGiB: Math.max(intent.memoryGiB, NODE_MINIMUM.memoryGiB),
    gpu: intent.gpu,
  };
}

function needs(input: QuoteInput): RegionNeeds {
  return { ackNodes: { shape: nodeShapeOf(input.intent), keep: OPTIONS_PER_REGION }, sharedCluster: true };
}

async function quote(input: QuoteInput, found: RegionFindings[] = []): Promise<QuoteOption[]> {
  const { intent, regions } = input;
  const fee = ackClusterFeePerHour('pro');
  const perRegion = found.map((f) => ({ regionId: f.regionId, shared: f.sharedCluster, nodes: f.ackNodes }));
  const options: QuoteOption[] = [];
  for (const { regionId, shared } of perRegion) {
    if (!shared) continue;
    options.push({
      product: 'ack',
      region: regionId,
      ...(shared.zoneId ? { zone: shared.zoneId } : {}),
      spec: `${EXISTING}${shared.clusterId}`,
      specNote: `existing acp cluster ${shared.name} (${shared.nodes} nodes), kept running`,
      // The shared cluster's fee and nodes are paid whether or not this Job runs on it.
      unitPricePerHour: 0,
      durationMinutes: intent.durationMinutes,
      estimatedTotal: 0,
      readyInSeconds: READY_IN_SECONDS.existingCluster,
      resources: [`ConfigMap + Job on existing cluster ${shared.clusterId} (kept)`],
      cleanup: 'Job → ConfigMap; the cluster stays',
      feasible: true,
      cpu: intent.cpu,
      memoryGiB: intent.memoryGiB,
      ...(intent.gpu ? { gpu: intent.gpu } : {}),
    });
  }
  for (const { regionId, nodes } of perRegion) {
    for (const o of nodes?.offers ?? []) {
      const hourly = perHour(fee + o.hourly * NODE_COUNT);
      options.push({
        product: 'ack',
        region: regionId,
        zone: o.zones[0],
        zones: o.zones,
        spec: o.instanceType,
        specNote: `${NODE_COUNT}× node ${sizeNote(o)} + ACK Pro fee CNY ${fee.toFixed(2)}/h (${ACK_CLUSTER_FEE.source}, ${ACK_CLUSTER_FEE.date})`,
        unitPricePerHour: hourly,
        durationMinutes: intent.durationMinutes,
        estimatedTotal: estimateTotal(hourly, intent.durationMinutes),
        readyInSeconds: READY_IN_SECONDS.newCluster,
        resources: [
          'VPC',
          'vSwitch',
          'ACK Pro cluster (managed control plane; ACK adds an API-server SLB and SNAT, not priced here)',
          `${NODE_COUNT}× node ${o.instanceType}`,
          'ConfigMap + Job',
        ],
        cleanup: 'Job → ConfigMap → cluster (with its nodes) → vSwitch → VPC',
        feasible: true,
        pricedAt: o.pricedAt,
        ...sizeOf(o),
      });
    }
  }
  if (options.length === 0) {
    const fitting = [...new Set(perRegion.flatMap((r) => r.nodes?.fitting ?? []))];
    const why =
      lookupFailure(found, 'ackNodes') ??
      (fitting.length === 0
        ? 'no ECS instance type fits the requested vCPU, memory and GPU as an ACK node'
        : `no stock of ${firstOf(fitting, OPTIONS_PER_REGION)} for ACK nodes in ${regions.join(', ')}`);
    options.push(
      notFeasible(
        {
          product: 'ack',
          region: regions[0],
          durationMinutes: intent.durationMinutes,
          readyInSeconds: READY_IN_SECONDS.newCluster,
        },
        why,
      ),
    );
  }
  return options;
}

async function requote(option: QuoteOption): Promise<number | undefined> {
  if (existingClusterOf(option)) return undefined; // nothing is bought
  const price = await described(
    api.describeInstancePrice,
    `DescribePrice again: ACK node ${option.spec} in ${option.region}`,
    { regionId: option.region, instanceType: option.spec },
  );
  return perHour(ackClusterFeePerHour('pro') + price.hourly * NODE_COUNT);
}

/**
 * The quote's list of shared clusters can be a minute old (docs/quotes.md): a shared cluster deleted
 * (or failed) since is not there to use, and the run moves on to its next placement as it would from
 * a sold-out one; nothing was created for it.
 */
function sharedClusterGone(err: unknown, clusterId: string, regionId: string): unknown {
  const d = alibabaDetails(err);
  if (d?.code !== 'ErrorClusterState') return err;
  const details: AlibabaErrorDetails = {
    ...d,
    kind: 'sold-out',
    operation: `use shared cluster ${clusterId} in ${regionId}`,
  };
  return ApplicationFailure.create({
    message: d.message,
    type: d.code,
    nonRetryable: true,
    details: [details],
  });
}

function deployer(ctx: DeployContext): Deployer {
  const kit = deployKit(ctx);
  const { owner } = kit;
  const networks = regionNetworks(ctx, kit, {
    stepPrefix: 'ack-',
    // One /20 per zone in the run's own VPC: room for nodes (Flannel pods use the container CIDR).
    vSwitchCidr: (n) => `192.168.${n * 16}.0/20`,
    purpose: 'for ACK',
  });
  let clusters = 0;

  async function createCluster(attempt: Attempt, zoneId: string): Promise<string> {
    const { regionId, spec } = attempt;
    const net = await networks.in(regionId);
    const vSwitchId = await net.vSwitch(zoneId);
    clusters += 1;
    // A new step per try: a cluster whose create failed is deleted, never reused by the next try.
    const step = `ack-cluster-${clusters}`;
    const {
      created,
      id: clusterId,
      tracked,
    } = await kit.create({
      kind: 'cluster',
      label: `ACK cluster in ${zoneId}`,
      regionId,
      step,
      create: () => {
        ctx.progress(`creating an ACK cluster with a ${spec} node in ${zoneId} (about 10 minutes)`);
        return described(api.createAckCluster, `CreateCluster: ${spec} node in ${zoneId}`, {
          regionId,
          vpcId: net.vpcId,
          vpcCidr: net.cidrBlock,
          vSwitchId,
          instanceType: spec,
          nodeCount: NODE_COUNT,
          ...owner(step),
        });
      },
      idOf: (c) => c.clusterId,
    });
    try {
      await described(wait.waitAckClusterRunning, `Wait for cluster ${clusterId} to be running`, {
        regionId,
        clusterId,
        ...(created.taskId ? { taskId: created.taskId } : {}),
      });
    } catch (err) {
      // A failed cluster is useless (and may hold the quota the next try needs): delete it now.
      ctx.progress(`cluster ${clusterId} did not start; deleting it`);
      await tracked.undo().catch(() => undefined);
      throw err;
    }
    return clusterId;
  }

  return {
    async deploy(attempt: Attempt): Promise<Deployment> {
      const existing = existingClusterOf(attempt.option);
      if (existing) {
        try {
          await described(wait.waitAckClusterRunning, `Check that cluster ${existing} is running`, {
            regionId: attempt.regionId,
            clusterId: existing,
          });
        } catch (err) {
          throw sharedClusterGone(err, existing, attempt.regionId);
        }
        ctx.kept({ type: 'cluster', id: existing, regionId: attempt.regionId, reused: true });
        return { attempt, handles: { clusterId: existing, clusterCreated: 'false' } };
      }
      const zoneId = attempt.zoneId ?? attempt.option.zone;
      if (!zoneId) throw new Error(`ACK option ${attempt.spec} in ${attempt.regionId} has no zone`);
      const clusterId = await createCluster(attempt, zoneId);
      return { attempt: { ...attempt, zoneId }, handles: { clusterId, clusterCreated: 'true' } };
    },

    async execute(deployment: Deployment): Promise<Execution> {
      const { regionId } = deployment.attempt;
      const { clusterId } = deployment.handles;
      const name = jobName(ctx.workflowId);
      const ref = { regionId, clusterId, name };
      const objectId = `${clusterId}/default/${name}`;
      const undoObject =
        (type: 'k8s-job' | 'k8s-configmap', run: typeof release.deleteKubernetesJob, what: string) =>
        async () => {
          await described(run, `${what} ${name} on ${clusterId}`, ref);
          return [record(type, objectId, regionId)];
        };

      ctx.saga.add(
        `ConfigMap ${name}`,
        undoObject('k8s-configmap', release.deleteScriptConfigMap, 'delete ConfigMap'),
      );
      await described(api.createScriptConfigMap, `create ConfigMap ${name} (the script)`, {
        ...ref,
        ...owner('ack-script'),
        script: runnableScript(ctx.script),
      });
      ctx.created(record('k8s-configmap', objectId, regionId));

      ctx.saga.add(`Job ${name}`, undoObject('k8s-job', release.deleteKubernetesJob, 'delete Job'));
      const timeoutSeconds = Math.min(86_400, Math.max(600, ctx.intent.durationMinutes * 60 * 2));
      const started = new Date(Date.now()).toISOString();
      await described(api.createKubernetesJob, `create Job ${name} on ${clusterId}`, {
        ...ref,
        ...owner('ack-job'),
        script: runnableScript(ctx.script),
        image: jobImage(ctx.intent, ctx.script, regionId),
        ...podRequests(ctx.intent),
        activeDeadlineSeconds: timeoutSeconds,
        ttlSecondsAfterFinished: JOB_TTL_SECONDS,
      });
      ctx.created(record('k8s-job', objectId, regionId));

      // Poll from the workflow (not inside one long activity) so each look updates the status query;
      // the interval grows so a long job does not bloat the history.
      const pause = pollPause(15_000);
      let unschedulableSince: number | undefined;
      for (;;) {
        const state = await described(api.describeKubernetesJob, `read Job ${name} and its pod`, ref);
        const tail = state.output.slice(-OUTPUT_TAIL_CHARS);
        const cut = state.output.length > OUTPUT_TAIL_CHARS ? { outputCut: true } : {};
        if (state.fatal) {
          throw ApplicationFailure.nonRetryable(
            `the pod of Job ${name} cannot start: ${state.reason}${state.message ? ` (${state.message})` : ''}`,
            state.reason ?? 'PodFailed',
          );
        }
        if (state.finished) {
          if (state.exitCode === undefined) {
            throw ApplicationFailure.nonRetryable(
              `Job ${name} failed without an exit code: ${state.reason ?? 'unknown'}${state.message ? ` (${state.message})` : ''}`,
              state.reason ?? 'JobFailed',
            );
          }
          return {
            exitCode: state.exitCode,
            outputTail: tail,
            ...cut,
            startedAt: started,
            finishedAt: new Date(Date.now()).toISOString(),
          };
        }
        if (state.unschedulable) {
          unschedulableSince ??= Date.now();
          if (Date.now() - unschedulableSince > UNSCHEDULABLE_GRACE_MS) {
            throw ApplicationFailure.nonRetryable(
              `no node of cluster ${clusterId} can take the pod of Job ${name}: ${state.unschedulable}`,
              'Unschedulable',
            );
          }
        } else unschedulableSince = undefined;
        ctx.executing({ outputTail: tail, ...cut, startedAt: started });
        await pause();
      }
    },
  };
}

export const ack: ProductSteps = { product: 'ack', needs, quote, requote, deployer };
