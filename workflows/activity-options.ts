// How each kind of activity is called. Timeouts and retries are chosen per kind of call:
// - api: one Alibaba call; throttling and 5xx retry with backoff (x-acs-retry-after wins, set by the
//   activity as nextRetryDelay); everything the error table calls non-retryable stops at once.
// - wait: polls a lifecycle (instance Running, VPC Available) with heartbeats.
// - release: compensations; generous retries, because giving up means a leaked paid resource.
// Every kind has a heartbeat timeout, kept by the worker's keep-alive (worker/keep-alive.ts) while the
// activity runs: an activity whose worker died is retried after HEARTBEAT, not after its minutes-long
// start-to-close timeout.
import { proxyActivities } from '@temporalio/workflow';
import type { Activities } from '../activities';

const HEARTBEAT = '30s';

export const api = proxyActivities<Activities>({
  startToCloseTimeout: '2 minutes',
  heartbeatTimeout: HEARTBEAT,
  retry: { initialInterval: '1s', backoffCoefficient: 2, maximumInterval: '30s', maximumAttempts: 12 },
  summary: 'Alibaba Cloud API call',
});

export const wait = proxyActivities<Activities>({
  startToCloseTimeout: '30 minutes',
  heartbeatTimeout: HEARTBEAT,
  retry: { initialInterval: '2s', backoffCoefficient: 2, maximumInterval: '1 minute', maximumAttempts: 20 },
});

export const release = proxyActivities<Activities>({
  startToCloseTimeout: '15 minutes',
  heartbeatTimeout: HEARTBEAT,
  retry: { initialInterval: '2s', backoffCoefficient: 2, maximumInterval: '1 minute', maximumAttempts: 60 },
});

/** Messages to people (Slack): a few quick tries; a chat outage must not hold a run for minutes. */
export const notify = proxyActivities<Activities>({
  startToCloseTimeout: '30s',
  retry: { initialInterval: '1s', backoffCoefficient: 2, maximumInterval: '10s', maximumAttempts: 5 },
});

/** Calls an activity with a one-line summary the Web UI shows next to the event ("RunInstances … in cn-hangzhou-k"). */
export function described<A extends unknown[], R>(
  activity: { executeWithOptions(options: { summary: string }, args: A): Promise<R> },
  summary: string,
  ...args: A
): Promise<R> {
  return activity.executeWithOptions({ summary }, args);
}
