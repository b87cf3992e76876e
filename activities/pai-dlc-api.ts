// PAI-DLC 2020-12-03 (ROA, PascalCase JSON under /api/v1) as a small typed module over
// openapi-core's generic `callApi`. The generated @alicloud/pai-dlc20201203 is not served by the
// registry we can reach; callApi signs and sends the same request the generated
// client would. The shapes
// below are the wire names, so a field typo is a compile error instead of a silently dropped key.
import type OpenApi from '@alicloud/openapi-core';
import { $OpenApiUtil } from '@alicloud/openapi-core';
import * as $dara from '@darabonba/typescript';

const VERSION = '2020-12-03';

export type DlcJobStatus =
  | 'Creating'
  | 'Queuing'
  | 'Bidding'
  | 'EnvPreparing'
  | 'SanityChecking'
  | 'Running'
  | 'Restarting'
  | 'Stopping'
  | 'SucceededReserving'
  | 'FailedReserving'
  | 'Succeeded'
  | 'Failed'
  | 'Stopped';

export interface ListEcsSpecsRequest {
  AcceleratorType?: 'CPU' | 'GPU';
  ResourceType?: 'ECS' | 'Lingjun';
  /** Comma-separated instance types. */
  InstanceTypes?: string;
  PageNumber?: number;
  PageSize?: number;
  SortBy?: string;
  Order?: 'asc' | 'desc';
}

export interface EcsSpec {
  InstanceType: string;
  AcceleratorType?: 'CPU' | 'GPU';
  Cpu?: number;
  Memory?: number;
  Gpu?: number;
  GpuType?: string;
  GpuMemory?: number;
  IsAvailable?: boolean;
  PaymentTypes?: string[];
  ResourceType?: string;
  SpotStockStatus?: string;
  NonProtectSpotDiscount?: number;
}

export interface ListEcsSpecsResponse {
  RequestId?: string;
  EcsSpecs?: EcsSpec[];
  TotalCount?: number;
}

export interface JobSpec {
  Type: 'Worker' | 'Master' | 'PS' | 'Chief' | 'Evaluator';
  Image: string;
  PodCount: number;
  EcsSpec?: string;
  /** Spot nodes (docs/spot.md): with a SpotSpec. */
  UseSpotInstance?: boolean;
  /** SpotStrategy is SpotWithPriceLimit; exactly one of the two limits (the price in CNY/minute). */
  SpotSpec?: { SpotStrategy: 'SpotWithPriceLimit'; SpotDiscountLimit?: number; SpotPriceLimit?: number };
}

export interface CreateJobRequest {
  DisplayName: string;
  JobType: 'PyTorchJob' | 'TFJob' | 'XGBoostJob' | 'OneFlowJob' | 'ElasticBatchJob' | 'RayJob';
  JobSpecs: JobSpec[];
  UserCommand: string;
  WorkspaceId?: string;
  ResourceId?: string;
  Envs?: Record<string, string>;
  /** Storage the job's pods mount: an OSS Uri (`oss://<bucket>.<endpoint>/<path>`) at MountPath. */
  DataSources?: { DataSourceId?: string; Uri?: string; MountPath?: string; Options?: string }[];
  JobMaxRunningTimeMinutes?: number;
  Priority?: number;
  Description?: string;
  /** Custom tags live in Settings.Tags, a key → value map (JobSettings); CreateJob has no top-level Tags. */
  Settings?: JobSettings;
}

export interface JobSettings {
  Tags?: Record<string, string>;
}

export interface CreateJobResponse {
  JobId?: string;
  RequestId?: string;
}

export interface DlcPod {
  PodId: string;
  PodUid?: string;
  Type?: string;
  Status?: string;
  GmtStartTime?: string;
  GmtFinishTime?: string;
  /** Normal, or Evicted: the pod's spot node was reclaimed. */
  SubStatus?: string;
}

export interface DlcJob {
  JobId: string;
  DisplayName?: string;
  JobType?: string;
  Status?: DlcJobStatus;
  ReasonCode?: string;
  ReasonMessage?: string;
  JobSpecs?: JobSpec[];
  JobMaxRunningTimeMinutes?: number;
  Duration?: number;
  GmtCreateTime?: string;
  GmtRunningTime?: string;
  GmtFinishTime?: string;
  Pods?: DlcPod[];
  StatusHistory?: { Status: string; StartTime?: string; EndTime?: string; ReasonCode?: string }[];
  Envs?: Record<string, string>;
  Settings?: JobSettings;
  RequestId?: string;
}

export interface GetPodLogsRequest {
  MaxLines?: number;
  StartTime?: string;
  EndTime?: string;
  PodUid?: string;
}

export interface GetPodLogsResponse {
  JobId?: string;
  PodId?: string;
  Logs?: string[];
  RequestId?: string;
}

export interface ListJobsRequest {
  DisplayName?: string;
  Status?: DlcJobStatus;
  JobType?: string;
  WorkspaceId?: string;
  PageNumber?: number;
  PageSize?: number;
  /** Jobs carrying every one of these Settings.Tags; sent as a JSON string, as the SDK does. */
  Tags?: Record<string, string>;
}

export interface ListJobsResponse {
  Jobs?: DlcJob[];
  TotalCount?: number;
  RequestId?: string;
}

export interface JobIdResponse {
  JobId?: string;
  RequestId?: string;
}

export interface DlcApi {
  listEcsSpecs(req: ListEcsSpecsRequest): Promise<ListEcsSpecsResponse>;
  createJob(req: CreateJobRequest): Promise<CreateJobResponse>;
  getJob(jobId: string, req?: { NeedDetail?: boolean }): Promise<DlcJob>;
  getPodLogs(jobId: string, podId: string, req?: GetPodLogsRequest): Promise<GetPodLogsResponse>;
  stopJob(jobId: string): Promise<JobIdResponse>;
  deleteJob(jobId: string): Promise<JobIdResponse>;
  listJobs(req: ListJobsRequest): Promise<ListJobsResponse>;
}

export interface DlcApiOptions {
  /**
   * Extra query parameters on every call. The real service reads the region from its host
   * (pai-dlc.<region>.aliyuncs.com); one emulator address serves every region, so acp sends the
   * region as `RegionId` only when it talks to an emulator.
   */
  extraQuery?: Record<string, string>;
}

/** ROA query values are strings; arrays and objects travel as JSON strings. */
function toQuery(q: object | undefined, extra: Record<string, string> | undefined): Record<string, string> {
  const out: Record<string, string> = { ...(extra ?? {}) };
  for (const [k, v] of Object.entries(q ?? {})) {
    if (v === undefined || v === null) continue;
    out[k] = typeof v === 'object' ? JSON.stringify(v) : String(v);
  }
  return out;
}

export function dlcApi(client: OpenApi, options: DlcApiOptions = {}): DlcApi {
  async function call<T>(
    action: string,
    method: 'GET' | 'POST' | 'DELETE',
    pathname: string,
    req: { query?: object; body?: object } = {},
  ): Promise<T> {
    const params = new $OpenApiUtil.Params({
      action,
      version: VERSION,
      protocol: 'HTTPS',
      pathname,
      method,
      authType: 'AK',
      style: 'ROA',
      reqBodyType: 'json',
      bodyType: 'json',
    });
    const query = toQuery(req.query, options.extraQuery);
    const request = new $OpenApiUtil.OpenApiRequest({
      ...(Object.keys(query).length > 0 ? { query } : {}),
      ...(req.body !== undefined ? { body: req.body } : {}),
    });
    const r = (await client.callApi(params, request, new $dara.RuntimeOptions({}))) as { body?: T };
    return (r.body ?? {}) as T;
  }
  const job = (id: string) => `/api/v1/jobs/${encodeURIComponent(id)}`;
  return {
    listEcsSpecs: (req) => call('ListEcsSpecs', 'GET', '/api/v1/ecsspecs', { query: req }),
    createJob: (req) => call('CreateJob', 'POST', '/api/v1/jobs', { body: req }),
    getJob: (jobId, req = { NeedDetail: true }) => call('GetJob', 'GET', job(jobId), { query: req }),
    getPodLogs: (jobId, podId, req = {}) =>
      call('GetPodLogs', 'GET', `${job(jobId)}/pods/${encodeURIComponent(podId)}/logs`, { query: req }),
    stopJob: (jobId) => call('StopJob', 'POST', `${job(jobId)}/stop`),
    deleteJob: (jobId) => call('DeleteJob', 'DELETE', job(jobId)),
    listJobs: (req) => call('ListJobs', 'GET', '/api/v1/jobs', { query: req }),
  };
}
