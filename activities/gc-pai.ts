// `acp gc` for PAI-DLC: the jobs acp submitted (activities/pai.ts puts the owner tags in the job's
// Settings.Tags), found with ListJobs' `Tags` filter. A job is released the way a run releases it:
// StopJob unless it has finished, wait for a final state (DeleteJob refuses a live job), DeleteJob.
import type { AlibabaClients } from './clients';
import { alibabaCall, describeSdkError } from './errors';
import {
  type ManagedResource,
  managedResource,
  pages,
  releaseOne,
  type Sweeper,
  waitUntil,
} from './gc-sweeper';
import { DLC_FINAL, dlcFor } from './pai';
import { MANAGED_TAG } from './tags';

const PAGE = 100;
/** A stopped job reaches Stopped within a minute or two; DeleteJob needs that. */
const STOP_PATIENCE_MS = 10 * 60_000;

async function list(
  clients: AlibabaClients,
  regionId: string,
  workspaceId = process.env.ACP_PAI_WORKSPACE_ID || undefined,
): Promise<ManagedResource[]> {
  const dlc = dlcFor(clients, regionId);
  const jobs = await pages(async (PageNumber) => {
    const r = await alibabaCall(`ListJobs tagged ${MANAGED_TAG} in ${regionId}`, () =>
      dlc.listJobs({
        Tags: { [MANAGED_TAG]: 'true' },
        PageNumber,
        PageSize: PAGE,
        // The workspace acp submits to (ACP_PAI_WORKSPACE_ID), as createDlcJob does.
        ...(workspaceId ? { WorkspaceId: workspaceId } : {}),
      }),
    );
    return { items: r.Jobs ?? [], total: Number(r.TotalCount ?? 0) };
  });
  return jobs
    .filter((j) => j.JobId)
    .map((j) => managedResource('dlc-job', j.JobId, regionId, { ...(j.Settings?.Tags ?? {}) }));
}

/** The job's status, or 'gone'. */
async function statusOf(clients: AlibabaClients, regionId: string, jobId: string): Promise<string> {
  try {
    return (await dlcFor(clients, regionId).getJob(jobId)).Status ?? 'Unknown';
  } catch (err) {
    if (describeSdkError(err, `GetJob ${jobId}`).kind === 'not-found') return 'gone';
    throw err;
  }
}

async function release(clients: AlibabaClients, r: ManagedResource): Promise<'released' | 'gone'> {
  const dlc = dlcFor(clients, r.regionId);
  const status = await statusOf(clients, r.regionId, r.id);
  if (status === 'gone') return 'gone';
  if (!DLC_FINAL.includes(status)) {
    if (status !== 'Stopping') await releaseOne(`StopJob ${r.id}`, () => dlc.stopJob(r.id));
    await waitUntil(
      `job ${r.id} to stop`,
      async () => {
        const now = await statusOf(clients, r.regionId, r.id);
        return now === 'gone' || DLC_FINAL.includes(now);
      },
      STOP_PATIENCE_MS,
    );
  }
  return releaseOne(`DeleteJob ${r.id}`, () => dlc.deleteJob(r.id));
}

export const paiSweeper: Sweeper = { types: ['dlc-job'], list: (c, region) => list(c, region), release };
