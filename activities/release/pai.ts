// Releasing PAI-DLC jobs. activities/pai.ts puts the owner tags in a job's Settings.Tags (found by
// ListJobs' `Tags` filter) and derives its DisplayName from (workflow, step) (how an undo finds a job
// whose CreateJob answer was lost). A job is released as StopJob unless it has finished, a wait for
// a final state (DeleteJob refuses a live job), then DeleteJob.
import { alibabaCall } from '../errors';
import { DLC_FINAL, dlcFor, dlcJobName, jobStatus, jobsNamed, stopJobIfLive } from '../pai';
import { MANAGED_TAG } from '../tags';
import { managedResource, pages, type ReleaseKind } from './kind';
import { releaseOne, waitUntil } from './retry';

const PAGE = 100;
/** A stopped job reaches Stopped within a minute or two; DeleteJob is tried anyway after this. */
const STOP_PATIENCE_MS = 10 * 60_000;

export const dlcJob: ReleaseKind = {
  type: 'dlc-job',
  product: 'pai',
  stage: 0,
  async list(clients, regionId) {
    // The workspace acp submits to (ACP_PAI_WORKSPACE_ID), as createDlcJob does.
    const workspaceId = process.env.ACP_PAI_WORKSPACE_ID || undefined;
    const jobs = await pages(async (PageNumber) => {
      const r = await alibabaCall(`ListJobs tagged ${MANAGED_TAG} in ${regionId}`, () =>
        dlcFor(clients, regionId).listJobs({
          Tags: { [MANAGED_TAG]: 'true' },
          PageNumber,
          PageSize: PAGE,
          ...(workspaceId ? { WorkspaceId: workspaceId } : {}),
        }),
      );
      return { items: r.Jobs ?? [], total: Number(r.TotalCount ?? 0) };
    });
    return jobs
      .filter((j) => j.JobId)
      .map((j) => managedResource(dlcJob, j.JobId, regionId, { ...(j.Settings?.Tags ?? {}) }));
  },
  async findByOwner(clients, regionId, owner) {
    return (await jobsNamed(clients, regionId, dlcJobName(owner))).map((j) => j.JobId);
  },
  async release(clients, regionId, id) {
    const stop = await stopJobIfLive(clients, regionId, id);
    if (stop === 'gone') return 'gone';
    if (stop === 'stopping') {
      await waitUntil(
        `job ${id} to stop`,
        async () => {
          const now = await jobStatus(clients, regionId, id);
          return now === 'gone' || DLC_FINAL.includes(now);
        },
        STOP_PATIENCE_MS,
      );
    }
    return releaseOne(`DeleteJob ${id}`, () => dlcFor(clients, regionId).deleteJob(id));
  },
};
