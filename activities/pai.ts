// PAI-DLC activities: spec stock for the quote, and one activity per state-changing call for create,
// execute (its release is activities/release/pai.ts). CreateJob has no ClientToken, so a job's DisplayName is derived from
// (workflow, step) and looked up with ListJobs before every create: a retried activity whose first
// CreateJob succeeded finds that job instead of starting a second one.
import { createHash } from 'node:crypto';
import { heartbeat, sleep } from '@temporalio/activity';
import type { AlibabaClients } from './clients';
import { alibabaCall, describeSdkError, toFailure } from './errors';
import { type CreateJobRequest, type DlcApi, type DlcJob, type DlcJobStatus, dlcApi } from './pai-dlc-api';
import { releaseOne } from './release/retry';
import { type Owner, ownerTags } from './tags';

export interface DlcSpecInfo {
  instanceType: string;
  cpu: number;
  memoryGiB: number;
  gpuAmount: number;
  gpuSpec: string;
  gpuMemoryGiB: number;
  /** ListEcsSpecs IsAvailable: the public resource group has stock of it now. */
  available: boolean;
  /** ListEcsSpecs SpotStockStatus is WithStock: spot nodes of it can be had now. */
  spotStock: boolean;
  /** NonProtectSpotDiscount: a spot node costs this fraction of the spec's price. */
  spotDiscount?: number;
}

export interface DlcJobState {
  jobId: string;
  status: DlcJobStatus | 'Unknown';
  /** Succeeded, Failed or Stopped (or one of the *Reserving states: the script has ended). */
  finished: boolean;
  reasonCode: string;
  reasonMessage: string;
  podIds: string[];
  maxRunningMinutes?: number;
  /** A pod was evicted: the job's spot node was reclaimed (docs/spot.md). */
  evicted: boolean;
}

export interface DlcJobInput extends Owner {
  regionId: string;
  ecsSpec: string;
  image: string;
  jobType: CreateJobRequest['JobType'];
  command: string;
  maxRunningMinutes: number;
  /** Spot nodes bid up to this fraction of the spec's price (SpotSpec SpotDiscountLimit). */
  spotDiscountLimit?: number;
  /** OSS directories the job mounts (the checkpoint directory, docs/spot.md). */
  dataSources?: { Uri: string; MountPath: string }[];
  /** More environment variables for the script (ACP_CHECKPOINT_DIR). */
  envs?: Record<string, string>;
}

/** Final states: DeleteJob accepts the job only in one of these. */
export const DLC_FINAL: readonly string[] = ['Succeeded', 'Failed', 'Stopped'];
/** The script has ended; the node may still be reserved (GetJob's SucceededReserving / FailedReserving). */
const ENDED: readonly string[] = [...DLC_FINAL, 'SucceededReserving', 'FailedReserving'];
const WAITING: readonly string[] = ['Creating', 'Queuing', 'Bidding'];
const POLL_MS = 2_000;
/** A job queued for lack of resources this long (wall time, one attempt) counts as sold out. */
const QUEUE_PATIENCE_MS = 15 * 60_000;

/** The sold-out code acp reports for a job the public pool cannot place (errors.ts: sold-out). */
export const DLC_NO_STOCK = 'ResourceNotEnough';

/**
 * The job's DisplayName: who made it and a hash of (workflow, step), so the same step always finds
 * its job and two workflows never share one. DLC allows letters, digits, `_`, `.` and `-`.
 */
export function dlcJobName(owner: Owner): string {
  const hash = createHash('sha256').update(`${owner.workflowId}\n${owner.step}`).digest('hex').slice(0, 10);
  const clean = (s: string) => s.replace(/[^A-Za-z0-9_.-]/g, '-');
  return `acp-${clean(owner.workflowId).slice(0, 60)}-${clean(owner.step).slice(0, 50)}-${hash}`;
}

/** "Queuing: resource type is not enough" is how DLC says the public pool has none of the spec. */
function queuedForResources(job: DlcJob): boolean {
  const why = `${job.ReasonCode ?? ''} ${job.ReasonMessage ?? ''}`;
  return job.Status === 'Queuing' && /not ?enough|insufficient|no ?stock/i.test(why);
}

function stateOf(job: DlcJob): DlcJobState {
  const status = job.Status ?? 'Unknown';
  return {
    jobId: job.JobId,
    status,
    finished: ENDED.includes(status),
    reasonCode: job.ReasonCode ?? '',
    reasonMessage: job.ReasonMessage ?? '',
    podIds: (job.Pods ?? []).map((p) => p.PodId).filter((x): x is string => !!x),
    evicted: (job.Pods ?? []).some((p) => p.SubStatus === 'Evicted'),
    ...(job.JobMaxRunningTimeMinutes ? { maxRunningMinutes: Number(job.JobMaxRunningTimeMinutes) } : {}),
  };
}

/**
 * The DLC API of a region. The real service reads the region from its host; one emulator address
 * serves every region, so acp names it in the query only when it talks to an emulator.
 */
export function dlcFor(clients: AlibabaClients, regionId: string): DlcApi {
  return dlcApi(clients.dlc(regionId), clients.config.endpoint ? { extraQuery: { RegionId: regionId } } : {});
}

/** One spec of the public resource group as ListEcsSpecs states it now (GPU families gn*, ebmgn*). */
async function dlcSpecNow(
  clients: AlibabaClients,
  regionId: string,
  spec: string,
): Promise<DlcSpecInfo | undefined> {
  const [found] = await listDlcSpecs(clients, regionId, /^ecs\.(ebm)?gn/.test(spec) ? 'GPU' : 'CPU', spec);
  return found;
}

/** The public resource group's specs of one accelerator type (or the named ones), with their stock. */
export async function listDlcSpecs(
  clients: AlibabaClients,
  regionId: string,
  accelerator: 'CPU' | 'GPU',
  instanceTypes?: string,
): Promise<DlcSpecInfo[]> {
  const dlc = dlcFor(clients, regionId);
  const out: DlcSpecInfo[] = [];
  for (let page = 1; ; page++) {
    const r = await alibabaCall(`ListEcsSpecs ${accelerator} in ${regionId}`, () =>
      dlc.listEcsSpecs({
        AcceleratorType: accelerator,
        ...(instanceTypes ? { InstanceTypes: instanceTypes } : {}),
        PageNumber: page,
        PageSize: 100,
      }),
    );
    const specs = r.EcsSpecs ?? [];
    for (const s of specs) {
      if (!s.InstanceType) continue;
      out.push({
        instanceType: s.InstanceType,
        cpu: Number(s.Cpu ?? 0),
        memoryGiB: Number(s.Memory ?? 0),
        gpuAmount: Number(s.Gpu ?? 0),
        gpuSpec: s.GpuType ?? '',
        gpuMemoryGiB: Number(s.GpuMemory ?? 0),
        available: s.IsAvailable === true,
        spotStock: s.SpotStockStatus === 'WithStock',
        ...(typeof s.NonProtectSpotDiscount === 'number' ? { spotDiscount: s.NonProtectSpotDiscount } : {}),
      });
    }
    if (specs.length < 100 || out.length >= Number(r.TotalCount ?? 0)) return out;
  }
}

/** Jobs carrying this DisplayName exactly (ListJobs matches DisplayName loosely). */
export async function jobsNamed(
  clients: AlibabaClients,
  regionId: string,
  displayName: string,
): Promise<DlcJob[]> {
  const r = await alibabaCall(`ListJobs ${displayName} in ${regionId}`, () =>
    dlcFor(clients, regionId).listJobs({ DisplayName: displayName, PageSize: 100 }),
  );
  return (r.Jobs ?? []).filter((j) => j.DisplayName === displayName && j.JobId);
}

/** The job's status, or 'gone'. */
export async function jobStatus(clients: AlibabaClients, regionId: string, jobId: string): Promise<string> {
  try {
    return (await dlcFor(clients, regionId).getJob(jobId)).Status ?? 'Unknown';
  } catch (err) {
    if (describeSdkError(err, `GetJob ${jobId}`).kind === 'not-found') return 'gone';
    throw toFailure(err, `GetJob ${jobId}`);
  }
}

/** Stops a job that has not finished; a job already gone or finished needs nothing. */
export async function stopJobIfLive(
  clients: AlibabaClients,
  regionId: string,
  jobId: string,
): Promise<'stopping' | 'finished' | 'gone'> {
  const status = await jobStatus(clients, regionId, jobId);
  if (status === 'gone') return 'gone';
  if (DLC_FINAL.includes(status)) return 'finished';
  if (status !== 'Stopping') {
    const o = await releaseOne(`StopJob ${jobId}`, () => dlcFor(clients, regionId).stopJob(jobId));
    if (o === 'gone') return 'gone';
  }
  return 'stopping';
}

export function createPaiActivities(
  clients: AlibabaClients,
  options: { workspaceId?: string } = { workspaceId: process.env.ACP_PAI_WORKSPACE_ID || undefined },
) {
  const dlc = (regionId: string): DlcApi => dlcFor(clients, regionId);

  async function getJob(regionId: string, jobId: string): Promise<DlcJob> {
    return alibabaCall(`GetJob ${jobId}`, () => dlc(regionId).getJob(jobId));
  }

  /**
   * The public pool must have the spec (spot: spot stock) right now: the quote's stock may be a minute
   * old (docs/quotes.md), and a job created without stock only queues. Sold out fails over before a
   * job exists.
   */
  async function requireStock(input: DlcJobInput): Promise<void> {
    const spec = await dlcSpecNow(clients, input.regionId, input.ecsSpec);
    const spot = input.spotDiscountLimit !== undefined;
    if (spot ? spec?.spotStock : spec?.available) return;
    throw toFailure(
      {
        code: DLC_NO_STOCK,
        message: `the public resource group has no ${spot ? 'spot ' : ''}${input.ecsSpec} now (ListEcsSpecs ${spot ? 'SpotStockStatus' : 'IsAvailable'})`,
      },
      `CreateJob ${input.ecsSpec} in ${input.regionId}`,
    );
  }

  return {
    /**
     * CreateJob, after a ListJobs look-up by the step's DisplayName (CreateJob has no ClientToken) and,
     * beside it, the spec's live stock.
     */
    async createDlcJob(input: DlcJobInput): Promise<{ jobId: string; displayName: string; reused: boolean }> {
      const displayName = dlcJobName(input);
      const stocked = requireStock(input);
      stocked.catch(() => undefined); // a job found by name needs no stock: its answer may go unread
      const [existing] = await jobsNamed(clients, input.regionId, displayName);
      if (existing) return { jobId: existing.JobId, displayName, reused: true };
      await stocked;
      const r = await alibabaCall(`CreateJob ${input.ecsSpec} in ${input.regionId}`, () =>
        dlc(input.regionId).createJob({
          DisplayName: displayName,
          JobType: input.jobType,
          JobSpecs: [
            {
              Type: 'Worker',
              Image: input.image,
              PodCount: 1,
              EcsSpec: input.ecsSpec,
              ...(input.spotDiscountLimit !== undefined
                ? {
                    UseSpotInstance: true,
                    SpotSpec: {
                      SpotStrategy: 'SpotWithPriceLimit',
                      SpotDiscountLimit: input.spotDiscountLimit,
                    },
                  }
                : {}),
            },
          ],
          UserCommand: input.command,
          JobMaxRunningTimeMinutes: input.maxRunningMinutes,
          Envs: { ...input.envs, ACP_WORKFLOW_ID: input.workflowId },
          ...(input.dataSources?.length ? { DataSources: input.dataSources } : {}),
          Description: `Created by acp for workflow ${input.workflowId}`,
          // DLC keeps custom tags as a map in Settings.Tags (there is no top-level Tags field).
          Settings: { Tags: Object.fromEntries(ownerTags(input).map((t) => [t.key, t.value])) },
          ...(options.workspaceId ? { WorkspaceId: options.workspaceId } : {}),
        }),
      );
      if (!r.JobId) throw new Error('CreateJob returned no JobId');
      return { jobId: r.JobId, displayName, reused: false };
    },

    /**
     * Waits until the job leaves the queue (environment preparation, running or already ended).
     * A job queued because the public pool lacks the spec is reported as sold out once ListEcsSpecs
     * confirms it (or after QUEUE_PATIENCE_MS), so the workflow fails over instead of waiting forever.
     */
    async waitDlcJobAdmitted(input: {
      regionId: string;
      jobId: string;
      ecsSpec: string;
    }): Promise<DlcJobState> {
      const started = Date.now();
      for (;;) {
        const job = await getJob(input.regionId, input.jobId);
        if (!WAITING.includes(job.Status ?? '')) return stateOf(job);
        if (queuedForResources(job)) {
          const spec = await dlcSpecNow(clients, input.regionId, input.ecsSpec);
          if (spec?.available === false || Date.now() - started > QUEUE_PATIENCE_MS) {
            throw toFailure(
              {
                code: DLC_NO_STOCK,
                message: `the public resource group has no ${input.ecsSpec} for job ${input.jobId}: ${job.ReasonMessage ?? 'queued'}`,
              },
              `CreateJob ${input.ecsSpec} in ${input.regionId}`,
            );
          }
        }
        heartbeat({ jobId: input.jobId, status: job.Status });
        await sleep(POLL_MS);
      }
    },

    async getDlcJob(input: { regionId: string; jobId: string }): Promise<DlcJobState> {
      return stateOf(await getJob(input.regionId, input.jobId));
    },

    /** The last lines a pod printed; none yet while the pod starts. */
    async getDlcPodLogs(input: {
      regionId: string;
      jobId: string;
      podId: string;
      maxLines: number;
    }): Promise<string[]> {
      try {
        const r = await dlc(input.regionId).getPodLogs(input.jobId, input.podId, {
          MaxLines: input.maxLines,
        });
        return r.Logs ?? [];
      } catch (err) {
        const operation = `GetPodLogs ${input.podId}`;
        if (describeSdkError(err, operation).kind === 'not-found') return [];
        throw toFailure(err, operation);
      }
    },

    /** StopJob when the job is still live (timeout, cancellation); a finished or missing job is left alone. */
    async stopDlcJob(input: { regionId: string; jobId: string }): Promise<'stopping' | 'finished' | 'gone'> {
      return stopJobIfLive(clients, input.regionId, input.jobId);
    },
  };
}
