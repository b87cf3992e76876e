// Ownership marks and idempotency tokens. Every resource acp creates carries acp:managed and the
// workflow id (so `acp gc` can find orphans) and the step (so a release registered before its create
// can find the resource by tag when the create's response never arrived).
import { createHash } from 'node:crypto';

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
 * ClientToken for a create: the same (workflow, step) always yields the same token, so a retried
 * activity gets the resource the first attempt made instead of a second one. ECS allows ≤ 64 ASCII.
 */
export function clientToken(owner: Owner): string {
  return `acp-${createHash('sha256').update(`${owner.workflowId}\n${owner.step}`).digest('hex').slice(0, 40)}`;
}

/** A resource name that says who made it; Alibaba names allow 2–128 chars, letters first. */
export function resourceName(owner: Owner): string {
  const id = owner.workflowId.replace(/[^A-Za-z0-9_-]/g, '-').slice(0, 80);
  return `acp-${id}-${owner.step}`.slice(0, 128);
}
