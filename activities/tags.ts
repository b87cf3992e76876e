// Ownership marks and idempotency tokens. Every resource acp creates carries acp:managed and the
// workflow id (so `acp gc` can find orphans) and the step (so a release registered before its create
// can find the resource by tag when the create's response never arrived).
import { createHash } from 'node:crypto';
import { Context } from '@temporalio/activity';

export const MANAGED_TAG = 'acp:managed';
export const WORKFLOW_TAG = 'acp:workflow-id';
export const STEP_TAG = 'acp:step';
/** A VPC carrying acp:shared=true is reused by every run in its region and never released by one. */
export const SHARED_TAG = 'acp:shared';

export interface Owner {
  workflowId: string;
  step: string;
}

export function ownerTags(owner: Owner): { key: string; value: string }[] {
  return [
    { key: MANAGED_TAG, value: 'true' },
    { key: WORKFLOW_TAG, value: owner.workflowId },
    { key: STEP_TAG, value: owner.step },
  ];
}

/**
 * ClientToken for a create: the same (workflow run, step) always yields the same token, so a retried
 * activity — even on another worker after a crash — gets the resource the first attempt made instead
 * of a second one. The run id is part of it because a run re-started with `temporal workflow reset`
 * keeps the workflow id: with the old token the cloud would hand back what the first run already
 * released. ECS allows ≤ 64 ASCII.
 */
export function clientToken(owner: Owner): string {
  const runId = currentRunId();
  return `acp-${createHash('sha256').update(`${owner.workflowId}\n${runId}\n${owner.step}`).digest('hex').slice(0, 40)}`;
}

function currentRunId(): string {
  try {
    return Context.current().info.workflowExecution?.runId ?? '';
  } catch {
    return ''; // outside an activity (unit tests): the token depends on workflow and step only
  }
}

/** A resource name that says who made it; Alibaba names allow 2–128 chars, letters first. */
export function resourceName(owner: Owner): string {
  const id = owner.workflowId.replace(/[^A-Za-z0-9_-]/g, '-').slice(0, 80);
  return `acp-${id}-${owner.step}`.slice(0, 128);
}
