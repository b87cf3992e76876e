// PAI-DLC (API 2020-12-03, ROA, PascalCase JSON under /api/v1). A job walks the documented
// lifecycle Creating → Queuing → EnvPreparing → Running → Succeeded | Failed | Stopped
// (Alibaba's PAI-DLC and compute-provision skills in aliyun/alibabacloud-aiops-skills, 2026: 1-3 min
// of environment preparation and image pull), on the emulated
// clock. Its UserCommand really runs, once per pod, in the script sandbox. A public EcsSpec without
// stock keeps the job Queuing until stock returns, as on the real service.
//
// Billing is job running time × DLC's price of the spec × pods ("Billing of DLC",
// alibabacloud.com/help/en/pai/product-overview/billing-of-dlc, 2024-05): each running pod is a
// 'dlc-pod' resource at dlcNodePrice, alive exactly while the job runs. The job itself is a free
// 'dlc-job' resource until DeleteJob.

import { randomBytes, randomUUID } from 'node:crypto';
import { jobView } from './dlc-job-view';
import { type OssMount, ossMountOfUri, runWithOssMounts } from './oss-mount';
import { osOfImageName } from './sandbox-image';
import { dlcSpotDiscount, dlcSpotSpec, SPOT_NOTICE_MS, spotSupported, takeReclaimRule } from './spot';
import {
  ApiError,
  type ApiRequest,
  type ApiResult,
  type ProductModule,
  type Resource,
  type World,
} from './types';

const VERSION = '2020-12-03';

// ---- price (China site, CNY) ----
// DLC public resources have their own pay-as-you-go price per spec. PAI publishes one: ecs.g6.2xlarge
// in cn-shanghai at CNY 2.02/h ("DLC计费说明", help.aliyun.com/document_detail/171758), where the
// ECS list price of that spec is CNY 2.00/h; every other spec costs its catalogue (ECS list) price
// × that ratio. docs/pai-pricing.md.
const DLC_PUBLISHED_CNY: Record<string, number> = { 'cn-shanghai/ecs.g6.2xlarge': 2.02 };
const DLC_OVER_ECS = 2.02 / 2.0;

/** CNY per hour of one DLC node of `spec` in `region`, or undefined when the spec is not sold there. */
export function dlcNodePrice(world: World, region: string, spec: string): number | undefined {
  const published = DLC_PUBLISHED_CNY[`${region}/${spec}`];
  if (published !== undefined) return published;
  const ecs = world.catalogue.hourlyPrice(region, spec);
  return ecs === undefined ? undefined : Math.round(ecs * DLC_OVER_ECS * 10_000) / 10_000;
}

/** Emulated stage durations (the 1-3 min of preparation above). */
const TIMINGS = { creating: 5_000, queuing: 10_000, envPreparing: 90_000, requeue: 30_000, stopping: 5_000 };

const JOB_TYPES = [
  'TFJob',
  'PyTorchJob',
  'XGBoostJob',
  'OneFlowJob',
  'ElasticBatchJob',
  'RayJob',
  'MPIJob',
  'SlurmJob',
];
const FINISHED = ['Succeeded', 'Failed', 'Stopped'];
/** Output lines GetPodLogs returns when MaxLines is not given. */
const DEFAULT_LOG_LINES = 2000;

interface Pod {
  PodId: string;
  PodUid: string;
  Type: string;
  Status: string;
  Ip: string;
  NodeName: string;
  GmtCreateTime: string;
  GmtStartTime?: string;
  GmtFinishTime?: string;
  output: string;
  exitCode?: number;
  /** 'Evicted' once its spot node was reclaimed. */
  SubStatus?: string;
}

interface StatusEntry {
  Status: string;
  StartTime: string;
  EndTime?: string;
  ReasonCode: string;
  ReasonMessage: string;
}

interface JobData {
  input: Record<string, any>;
  status: string;
  reasonCode: string;
  reasonMessage: string;
  history: StatusEntry[];
  pods: Pod[];
  created: number;
  runningAt?: number;
  finishedAt?: number;
  ecsSpec: string;
  podCount: number;
  hourlyPrice: number;
  /** A spot job: its nodes cost the spec's price × NonProtectSpotDiscount and can be reclaimed. */
  spotDiscount?: number;
}

/** Kills a running job's pod scripts when it ends early (StopJob, JobMaxRunningTimeMinutes). */
const stoppers = new WeakMap<Resource, AbortController>();

// ---- ListEcsSpecs ----

function listEcsSpecs(req: ApiRequest, world: World): ApiResult {
  const region = regionOf(req);
  const q = req.query;
  enumParam(q, 'AcceleratorType', ['CPU', 'GPU']);
  enumParam(q, 'ResourceType', ['ECS', 'Lingjun']);
  enumParam(q, 'SortBy', ['CPU', 'GPU', 'Memory', 'GmtCreateTime']);
  enumParam(q, 'Order', ['asc', 'desc']);
  const wanted = q.InstanceTypes ? new Set(q.InstanceTypes.split(',').map((s) => s.trim())) : undefined;
  const regionFacts = world.catalogue.region(region);
  const specs = world.catalogue.instanceTypes
    // DLC's public resources offer general-purpose and GPU families, not burstable ones.
    .filter((t) => !t.family.startsWith('ecs.t'))
    .filter((t) => world.catalogue.hourlyPrice(region, t.instanceTypeId) !== undefined)
    .filter((t) => !q.AcceleratorType || (t.gpuAmount > 0 ? 'GPU' : 'CPU') === q.AcceleratorType)
    .filter((t) => !wanted || wanted.has(t.instanceTypeId))
    .map((t) => {
      const available = (regionFacts?.zones ?? []).some(
        (z) => world.stockOf(region, z.zoneId, t.instanceTypeId) > 0,
      );
      return {
        InstanceType: t.instanceTypeId,
        AcceleratorType: t.gpuAmount > 0 ? 'GPU' : 'CPU',
        Cpu: t.cpu,
        Memory: t.memoryGiB,
        Gpu: t.gpuAmount,
        GpuType: t.gpuSpec,
        GpuMemory: t.gpuMemoryGiB,
        IsAvailable: available,
        ResourceType: 'ECS',
        PaymentTypes: ['PostPaid'],
        SpotStockStatus: available && spotSupported(t.instanceTypeId) ? 'WithStock' : 'NoStock',
        NonProtectSpotDiscount: dlcSpotDiscount(region, t.instanceTypeId),
        ...(t.gpuAmount > 0
          ? { DefaultGPUDriver: '535.161.08', SupportedGPUDrivers: ['470.199.02', '535.161.08'] }
          : {}),
      };
    });
  const order = q.Order === 'desc' ? -1 : 1;
  const sortKey = q.SortBy === 'GPU' ? 'Gpu' : q.SortBy === 'Memory' ? 'Memory' : 'Cpu';
  specs.sort((a, b) => order * ((a[sortKey] as number) - (b[sortKey] as number)));
  const pageSize = Math.min(Math.max(Number(q.PageSize ?? 10) || 10, 1), 100);
  const pageNumber = Math.max(Number(q.PageNumber ?? 1) || 1, 1);
  return {
    body: {
      RequestId: req.requestId,
      EcsSpecs: specs.slice((pageNumber - 1) * pageSize, pageNumber * pageSize),
      TotalCount: specs.length,
    },
  };
}

// ---- jobs ----

function createJob(req: ApiRequest, world: World): ApiResult {
  const region = regionOf(req);
  const input = (req.json ?? {}) as Record<string, any>;
  const { ecsSpec, podCount } = validateJob(input, world, region);
  const spot = dlcSpotSpec(input.JobSpecs[0] ?? {});
  if (spot.spot && !spotSupported(ecsSpec)) throw invalid(`EcsSpec ${ecsSpec} has no spot instances.`);
  const spotDiscount = spot.spot ? dlcSpotDiscount(region, ecsSpec) : undefined;
  world.checkQuotaAndBalance('dlc', region, { instances: 1 });
  const now = world.now();
  const jobId = `dlc${randomBytes(8).toString('hex').slice(0, 14)}`;
  const spec = input.JobSpecs[0];
  const type = String(spec.Type ?? 'Worker');
  const data: JobData = {
    input,
    status: 'Creating',
    reasonCode: '',
    reasonMessage: '',
    history: [{ Status: 'Creating', StartTime: iso(now), ReasonCode: '', ReasonMessage: '' }],
    pods: Array.from({ length: podCount }, (_, i) => ({
      PodId: `${jobId}-${type.toLowerCase()}-${i}`,
      PodUid: randomUUID(),
      Type: type,
      Status: 'Pending',
      Ip: '',
      NodeName: '',
      GmtCreateTime: iso(now),
      output: '',
    })),
    created: now,
    ecsSpec,
    podCount,
    hourlyPrice: (dlcNodePrice(world, region, ecsSpec) ?? 0) * (spotDiscount ?? 1) * podCount,
    ...(spotDiscount !== undefined ? { spotDiscount } : {}),
  };
  const job = world.add({
    type: 'dlc-job',
    id: jobId,
    regionId: region,
    status: 'Creating',
    tags: tagsOf(input),
    hourlyPrice: 0, // billed through its running pods
    data,
  });
  world.schedule(now + TIMINGS.creating, () => queue(world, job));
  return { body: { JobId: jobId, RequestId: req.requestId } };
}

function getJob(req: ApiRequest, world: World): ApiResult {
  const job = mustFindJob(world, req, segment(req.path, 4));
  return { body: { ...jobView(world, job), RequestId: req.requestId } };
}

function listJobs(req: ApiRequest, world: World): ApiResult {
  const region = regionOf(req);
  const q = req.query;
  // Documented ranges: PageSize 1–100 (default 10), PageNumber 1–1000.
  const pageSize = intParam(q, 'PageSize', 10, 1, 100);
  const pageNumber = intParam(q, 'PageNumber', 1, 1, 1000);
  const wantedTags = tagFilter(q.Tags);
  const jobs = world
    .list({ type: 'dlc-job', regionId: region })
    .filter((j) => !q.DisplayName || (j.data as JobData).input.DisplayName.includes(q.DisplayName))
    .filter((j) => !q.Status || (j.data as JobData).status === q.Status)
    .filter((j) => !q.JobType || (j.data as JobData).input.JobType === q.JobType)
    .filter((j) => !q.WorkspaceId || (j.data as JobData).input.WorkspaceId === q.WorkspaceId)
    .filter((j) => Object.entries(wantedTags).every(([k, v]) => j.tags[k] === v))
    .sort((a, b) => b.createdAt - a.createdAt);
  return {
    body: {
      Jobs: jobs
        .slice((pageNumber - 1) * pageSize, pageNumber * pageSize)
        .map((j) => jobView(world, j, true)),
      TotalCount: jobs.length,
      RequestId: req.requestId,
    },
  };
}

function getPodLogs(req: ApiRequest, world: World): ApiResult {
  const job = mustFindJob(world, req, segment(req.path, 4));
  const podId = segment(req.path, 6);
  const pod = (job.data as JobData).pods.find((p) => p.PodId === podId);
  if (!pod) throw new ApiError(404, 'NotFound', `pod ${podId} of job ${job.id} not found`);
  const maxLines = Number(req.query.MaxLines ?? DEFAULT_LOG_LINES) || DEFAULT_LOG_LINES;
  const lines = pod.output.split('\n');
  if (lines[lines.length - 1] === '') lines.pop();
  return {
    body: {
      JobId: job.id,
      PodId: pod.PodId,
      PodUid: pod.PodUid,
      Logs: lines.slice(Math.max(0, lines.length - maxLines)),
      RequestId: req.requestId,
    },
  };
}

function stopJob(req: ApiRequest, world: World): ApiResult {
  const job = mustFindJob(world, req, segment(req.path, 4));
  const data = job.data as JobData;
  // Stopping a job that already finished changes nothing (it stays Succeeded/Failed/Stopped).
  if (!FINISHED.includes(data.status) && data.status !== 'Stopping') {
    transition(world, job, 'Stopping', 'JobStoppedByUser', 'Job is being stopped by user.');
    world.schedule(world.now() + TIMINGS.stopping, () => {
      endJob(world, job, 'Stopped', 'JobStoppedByUser', 'Job is stopped by user.');
    });
  }
  return { body: { JobId: job.id, RequestId: req.requestId } };
}

function deleteJob(req: ApiRequest, world: World): ApiResult {
  const job = mustFindJob(world, req, segment(req.path, 4));
  const data = job.data as JobData;
  if (!FINISHED.includes(data.status)) {
    // Only a finished job can be deleted; the code string is our choice (none is published).
    throw new ApiError(
      400,
      'InvalidParameter',
      `Job ${job.id} is in status ${data.status} and cannot be deleted; stop it first and wait until it is Stopped.`,
    );
  }
  world.release('dlc-job', job.id);
  return { body: { JobId: job.id, RequestId: req.requestId } };
}

// ---- lifecycle ----

function queue(world: World, job: Resource): void {
  const data = job.data as JobData;
  if (data.status !== 'Creating') return;
  transition(world, job, 'Queuing', '', '');
  world.schedule(world.now() + TIMINGS.queuing, () => admit(world, job));
}

/** Leaves the queue once the public pool has the spec in stock; otherwise waits and retries. */
function admit(world: World, job: Resource): void {
  const data = job.data as JobData;
  if (data.status !== 'Queuing') return;
  const zones = world.catalogue.region(job.regionId)?.zones ?? [];
  const inStock = zones.some((z) => world.stockOf(job.regionId, z.zoneId, data.ecsSpec) >= 1);
  if (!inStock) {
    data.reasonCode = 'ResourceNotEnough';
    data.reasonMessage = 'resource type is not enough';
    world.schedule(world.now() + TIMINGS.requeue, () => admit(world, job));
    return;
  }
  transition(world, job, 'EnvPreparing', '', '');
  world.schedule(world.now() + TIMINGS.envPreparing, () => void run(world, job));
}

async function run(world: World, job: Resource): Promise<void> {
  const data = job.data as JobData;
  if (data.status !== 'EnvPreparing') return;
  // The pods' containers start while the job prepares its environment (their machines boot now),
  // so Running and the JobMaxRunningTimeMinutes clock begin once they are up.
  const sandbox = (pod: { PodId: string }) => ({
    machine: `dlc-pod/${pod.PodId}`,
    // PAI's images are Ubuntu-based; the job reaches the internet.
    os: osOfImageName(data.input.JobSpecs?.[0]?.Image),
    hostname: pod.PodId,
  });
  await Promise.all(data.pods.map((pod) => world.prepareSandbox(sandbox(pod))));
  if (data.status !== 'EnvPreparing') return;
  const now = world.now();
  data.runningAt = now;
  transition(world, job, 'Running', '', '');
  const maxMinutes = Number(data.input.JobMaxRunningTimeMinutes ?? 0);
  if (maxMinutes > 0) {
    world.schedule(now + maxMinutes * 60_000, () => {
      if (data.status !== 'Running') return;
      // The real system stops an over-running job; its exact reason code is not in our sources.
      endJob(
        world,
        job,
        'Stopped',
        'JobStoppedBySystem',
        `Job is stopped because it ran longer than JobMaxRunningTimeMinutes (${maxMinutes}).`,
      );
    });
  }
  const price = (dlcNodePrice(world, job.regionId, data.ecsSpec) ?? 0) * (data.spotDiscount ?? 1);
  if (data.spotDiscount !== undefined) armJobReclaim(world, job);
  const stopper = new AbortController();
  stoppers.set(job, stopper);
  const runs = data.pods.map(async (pod, i) => {
    pod.Status = 'Running';
    pod.GmtStartTime = iso(now);
    pod.Ip = `10.0.0.${10 + i}`;
    pod.NodeName = `${job.regionId}.10.0.0.${10 + i}`;
    world.add({
      type: 'dlc-pod',
      id: pod.PodId,
      regionId: job.regionId,
      status: 'Running',
      tags: { ...job.tags },
      hourlyPrice: price,
      data: { jobId: job.id, instanceType: data.ecsSpec },
    });
    const result = await runWithOssMounts(world, ossMountsOfJob(data.input), sandbox(pod), () =>
      world.runScript(String(data.input.UserCommand), {
        sandbox: sandbox(pod),
        // Emulated seconds: just past JobMaxRunningTimeMinutes (its own timer ends the job), or a week.
        timeoutSeconds: maxMinutes > 0 ? maxMinutes * 60 + 60 : 7 * 86_400,
        env: {
          ...((data.input.Envs ?? {}) as Record<string, string>),
          JOB_ID: job.id,
          POD_NAME: pod.PodId,
          RANK: String(i),
          WORLD_SIZE: String(data.pods.length),
          MASTER_ADDR: data.pods[0]!.Ip || '10.0.0.10',
          MASTER_PORT: '23456',
        },
        signal: stopper.signal,
      }),
    );
    pod.output = result.output;
    pod.exitCode = result.exitCode;
    return result.exitCode;
  });
  const codes = await Promise.all(runs);
  if ((data.status as string) !== 'Running') return; // stopped or timed out meanwhile
  const failed = codes.findIndex((c) => c !== 0);
  if (failed < 0) {
    endJob(world, job, 'Succeeded', 'JobSucceeded', 'Job has succeeded.');
  } else {
    endJob(
      world,
      job,
      'Failed',
      'JobFailed',
      `Job failed: pod ${data.pods[failed]!.PodId} exited with code ${codes[failed]}.`,
    );
  }
}

/** The OSS directories a job mounts from its DataSources (validated at CreateJob). */
function ossMountsOfJob(input: Record<string, any>): OssMount[] {
  return (Array.isArray(input.DataSources) ? input.DataSources : [])
    .map((ds: any) => ossMountOfUri(String(ds.Uri), String(ds.MountPath)))
    .filter((m: OssMount | undefined): m is OssMount => m !== undefined);
}

/** A spot job's reclaim from the fault table: `afterMs` after it runs (spot.ts). */
function armJobReclaim(world: World, job: Resource): void {
  const data = job.data as JobData;
  const rule = takeReclaimRule(world, { product: 'dlc', regionId: job.regionId, instanceType: data.ecsSpec });
  if (rule) world.schedule(world.now() + (rule.afterMs ?? 60_000), () => reclaimJob(world, job));
}

/**
 * The spot node of a running job is reclaimed: five minutes after the notice its pods are evicted
 * and the job fails (PAI-DLC shows the reclaim only as the job failing, its pods' SubStatus Evicted).
 * Returns false for a job that is not spot or not running.
 */
export function reclaimJob(world: World, job: Resource): boolean {
  const data = job.data as JobData;
  if (data.spotDiscount === undefined || data.status !== 'Running') return false;
  world.schedule(world.now() + SPOT_NOTICE_MS, () => {
    if (data.status !== 'Running') return;
    for (const pod of data.pods) pod.SubStatus = 'Evicted';
    endJob(
      world,
      job,
      'Failed',
      'JobFailed',
      `Job failed: pod ${data.pods[0]?.PodId} was evicted because its preemptible instance was reclaimed.`,
    );
  });
  return true;
}

function endJob(
  world: World,
  job: Resource,
  status: string,
  reasonCode: string,
  reasonMessage: string,
): void {
  const data = job.data as JobData;
  if (FINISHED.includes(data.status)) return;
  stoppers.get(job)?.abort(); // what still runs (a stopped or over-running job) is killed
  const now = world.now();
  data.finishedAt = now;
  for (const pod of data.pods) {
    if (pod.Status === 'Running' || pod.Status === 'Pending') {
      pod.Status = status === 'Succeeded' ? 'Succeeded' : pod.exitCode === 0 ? 'Succeeded' : 'Failed';
      if (status === 'Stopped') pod.Status = 'Stopped';
      pod.GmtFinishTime = iso(now);
    }
    world.release('dlc-pod', pod.PodId);
  }
  transition(world, job, status, reasonCode, reasonMessage);
}

function transition(
  world: World,
  job: Resource,
  status: string,
  reasonCode: string,
  reasonMessage: string,
): void {
  const data = job.data as JobData;
  const now = iso(world.now());
  const last = data.history[data.history.length - 1];
  if (last && !last.EndTime) last.EndTime = now;
  data.history.push({ Status: status, StartTime: now, ReasonCode: reasonCode, ReasonMessage: reasonMessage });
  data.status = status;
  data.reasonCode = reasonCode;
  data.reasonMessage = reasonMessage;
  job.status = status;
}

// ---- validation ----

/** A query parameter with documented values; anything else is refused. */
function enumParam(q: Record<string, string>, name: string, values: string[]): void {
  const v = q[name];
  if (v !== undefined && v !== '' && !values.includes(v))
    throw invalid(`${name} ${v} is not valid; valid values: ${values.join(', ')}.`);
}

/** An integer query parameter in its documented range; outside it the request is refused. */
function intParam(
  q: Record<string, string>,
  name: string,
  fallback: number,
  min: number,
  max: number,
): number {
  const raw = q[name];
  if (raw === undefined || raw === '') return fallback;
  const n = Number(raw);
  if (!Number.isInteger(n) || n < min || n > max)
    throw invalid(`${name} must be an integer from ${min} to ${max}.`);
  return n;
}

function invalid(message: string): ApiError {
  return new ApiError(400, 'InvalidParameter', message);
}

function validateJob(
  input: Record<string, any>,
  world: World,
  region: string,
): { ecsSpec: string; podCount: number } {
  const name = input.DisplayName;
  if (typeof name !== 'string' || !name) throw invalid('DisplayName is required.');
  if (name.length > 1024 || !/^[A-Za-z0-9_.-]+$/.test(name)) {
    throw invalid(
      'DisplayName may contain only letters, digits, underscores (_), periods (.) and hyphens (-).',
    );
  }
  if (!JOB_TYPES.includes(input.JobType)) throw invalid(`JobType ${input.JobType} is not supported.`);
  if (!input.UserCommand) throw invalid('UserCommand is required.');
  if (input.DataSources !== undefined) {
    if (!Array.isArray(input.DataSources)) throw invalid('DataSources must be a list.');
    for (const ds of input.DataSources) {
      // A registered dataset by id is not emulated; an OSS Uri must name a bucket, its endpoint and a path.
      if (ds?.DataSourceId) throw invalid(`DataSource ${ds.DataSourceId} does not exist.`);
      if (
        typeof ds?.Uri !== 'string' ||
        typeof ds?.MountPath !== 'string' ||
        !ossMountOfUri(ds.Uri, ds.MountPath)
      )
        throw invalid('DataSources.Uri must be oss://<bucket>.<endpoint>/<path> with an absolute MountPath.');
    }
  }
  if (!Array.isArray(input.JobSpecs) || input.JobSpecs.length === 0) throw invalid('JobSpecs is required.');
  if (typeof input.JobType === 'string' && input.JobType.length > 32) throw invalid('JobType is too long.');
  if (input.JobMaxRunningTimeMinutes !== undefined) {
    const m = Number(input.JobMaxRunningTimeMinutes);
    // The documented minimum is 1.
    if (!Number.isInteger(m) || m < 1)
      throw invalid('JobMaxRunningTimeMinutes must be an integer of at least 1.');
  }
  let ecsSpec = '';
  let podCount = 0;
  for (const spec of input.JobSpecs) {
    if (!spec.Image) throw invalid('JobSpecs.Image is required.');
    if (spec.EcsSpec && spec.ResourceConfig)
      throw invalid('EcsSpec and ResourceConfig cannot be set at the same time.');
    if (!spec.EcsSpec) throw invalid('JobSpecs.EcsSpec is required for public resources.');
    const count = Number(spec.PodCount ?? 1);
    if (!Number.isInteger(count) || count < 1) throw invalid('JobSpecs.PodCount must be a positive integer.');
    if (
      !world.catalogue.instanceType(spec.EcsSpec) ||
      world.catalogue.hourlyPrice(region, spec.EcsSpec) === undefined
    ) {
      throw invalid(`EcsSpec ${spec.EcsSpec} is not supported in ${region}.`);
    }
    ecsSpec ||= spec.EcsSpec;
    podCount += count;
  }
  return { ecsSpec, podCount };
}

// ---- lookups ----

/** PAI-DLC has no RegionId parameter: the region is in the host (pai-dlc.<region>.aliyuncs.com). */
function regionOf(req: ApiRequest): string {
  const fromHost = /^pai-dlc(?:-vpc)?\.([a-z0-9-]+)\.aliyuncs\.com/.exec(String(req.headers.host ?? ''))?.[1];
  req.regionId = req.regionId ?? fromHost ?? 'cn-hangzhou';
  return req.regionId;
}

function mustFindJob(world: World, req: ApiRequest, id: string): Resource {
  const job = world.get('dlc-job', id);
  if (!job || job.releasedAt !== undefined) throw new ApiError(404, 'NotFound', `Job ${id} not found.`);
  req.regionId = job.regionId;
  return job;
}

function segment(path: string, i: number): string {
  return path.split('/')[i] ?? '';
}

/** A job's custom tags are a map under Settings.Tags (JobSettings in the 2020-12-03 metadata). */
function tagsOf(input: Record<string, any>): Record<string, string> {
  const out: Record<string, string> = {};
  const tags = input.Settings?.Tags;
  if (tags && typeof tags === 'object' && !Array.isArray(tags))
    for (const [k, v] of Object.entries(tags)) out[k] = String(v ?? '');
  return out;
}

/** ListJobs' Tags query: an object sent as a JSON string; a job matches when it has every pair. */
function tagFilter(raw: string | undefined): Record<string, string> {
  if (!raw) return {};
  let parsed: unknown;
  try {
    parsed = JSON.parse(raw);
  } catch {
    throw invalid('Tags must be a JSON object of tag keys and values.');
  }
  if (!parsed || typeof parsed !== 'object' || Array.isArray(parsed))
    throw invalid('Tags must be a JSON object of tag keys and values.');
  return Object.fromEntries(Object.entries(parsed).map(([k, v]) => [k, String(v ?? '')]));
}

function iso(ms: number): string {
  return new Date(ms).toISOString().replace(/\.\d{3}Z$/, 'Z');
}

export const dlc: ProductModule = {
  product: 'dlc',
  version: VERSION,
  hostId: 'pai-dlc.aliyuncs.com',
  actions: {
    ListEcsSpecs: listEcsSpecs,
    CreateJob: createJob,
    GetJob: getJob,
    ListJobs: listJobs,
    GetPodLogs: getPodLogs,
    StopJob: stopJob,
    DeleteJob: deleteJob,
  },
};
