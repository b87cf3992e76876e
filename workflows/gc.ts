// The orphan sweeper as a workflow, so `acp gc --schedule` can run it from a Temporal Schedule: find
// every acp:managed resource whose workflow is closed or unknown, then (when asked) release it in
// dependency order. Listing and classifying are activities; the workflow only orders them.
import { proxyActivities } from '@temporalio/workflow';
import type { Activities } from '../activities';
import type { GcRelease, Orphan } from '../activities/gc';

const gc = proxyActivities<Activities>({
  startToCloseTimeout: '30 minutes',
  heartbeatTimeout: '2 minutes',
  retry: { initialInterval: '2s', backoffCoefficient: 2, maximumInterval: '1 minute', maximumAttempts: 10 },
});

export interface GcSweepInput {
  /** Empty: every region the account can use. */
  regions?: string[];
  /** false: report only (what `acp gc` without --apply does). */
  apply: boolean;
}

export interface GcSweepResult {
  orphans: Orphan[];
  release?: GcRelease;
}

export async function gcSweep(input: GcSweepInput): Promise<GcSweepResult> {
  const orphans = await gc.findOrphanedResources({ regions: input.regions });
  if (!input.apply || orphans.length === 0) return { orphans };
  return { orphans, release: await gc.releaseOrphanedResources({ resources: orphans }) };
}
