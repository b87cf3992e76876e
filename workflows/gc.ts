// The orphan sweeper as a workflow, so `acp gc --schedule` can run it from a Temporal Schedule: find
// every acp:managed resource (of every product) whose workflow is closed or unknown, then (when
// asked) release it in dependency order. Listing and classifying are activities; the workflow only
// orders them.
import { proxyActivities, type RetryPolicy } from '@temporalio/workflow';
import type { Activities } from '../activities';
import type { GcRelease, Orphan } from '../activities/gc';

const retry: RetryPolicy = {
  initialInterval: '2s',
  backoffCoefficient: 2,
  maximumInterval: '1 minute',
  maximumAttempts: 10,
};
const find = proxyActivities<Activities>({
  startToCloseTimeout: '30 minutes',
  heartbeatTimeout: '2 minutes',
  retry,
});
// A release waits for what it deletes to be gone: an ACK cluster alone takes 3-10 minutes, a
// stopped DLC job a few more, and the vSwitch after them.
const release = proxyActivities<Activities>({
  startToCloseTimeout: '2 hours',
  heartbeatTimeout: '2 minutes',
  retry,
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
  const orphans = await find.findOrphanedResources({ regions: input.regions });
  if (!input.apply || orphans.length === 0) return { orphans };
  return { orphans, release: await release.releaseOrphanedResources({ resources: orphans }) };
}
