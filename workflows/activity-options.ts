// How each kind of activity is called. Timeouts and retries are chosen per kind of call:
// - lookup: the quote's read-only look-ups (stock, cached prices), run as local activities: the worker
//   runs them inside the workflow task that asks, so a whole comparison is one workflow task and one
//   round trip to the cloud, with no activity task to schedule, dispatch and report per call
//   (docs/quotes.md). They change nothing, so a retry after a lost worker costs nothing.
// - api: one Alibaba call; throttling and 5xx retry with backoff (x-acs-retry-after wins, set by the
//   activity as nextRetryDelay); everything the error table calls non-retryable stops at once.
// - wait: polls a lifecycle (instance Running, VPC Available) with heartbeats.
// - release: compensations; generous retries, because giving up means a leaked paid resource.
// Every kind has a heartbeat timeout, kept by the worker's keep-alive (worker/keep-alive.ts) while the
// activity runs: an activity whose worker died is retried after HEARTBEAT, not after its minutes-long
// start-to-close timeout.
import { proxyActivities, proxyLocalActivities } from '@temporalio/workflow';
import type { Activities } from '../activities';

const HEARTBEAT = '30s';

export const api = proxyActivities<Activities>({
  startToCloseTimeout: '2 minutes',
  heartbeatTimeout: HEARTBEAT,
  retry: { initialInterval: '1s', backoffCoefficient: 2, maximumInterval: '30s', maximumAttempts: 12 },
  summary: 'Alibaba Cloud API call',
});

export const lookup = proxyLocalActivities<Activities>({
  // Room for a call that waits on Alibaba's flow control (activities/flow-control.ts).
  startToCloseTimeout: '2 minutes',
  retry: { initialInterval: '1s', backoffCoefficient: 2, maximumInterval: '30s', maximumAttempts: 12 },
  summary: 'Alibaba Cloud look-up',
});

/**
 * The whole comparison's look-ups in one local activity, tried once: one marker and one activation to
 * resume instead of one per region. What it could not answer is asked region by region with
 * `lookup`'s retries (workflows/quote.ts).
 */
export const lookupOnce = proxyLocalActivities<Activities>({
  startToCloseTimeout: '2 minutes',
  retry: { maximumAttempts: 1 },
  summary: 'Alibaba Cloud look-ups',
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

/**
 * Messages to people (Slack): a few quick tries; a chat outage must not hold a run for minutes. Local
 * activities: a worker without Slack answers at once, so a run that waits for a person costs no
 * activity task (and no copy of the comparison in its history) just to learn Slack is not there; the
 * posts are idempotent (activities/slack.ts), so one run again after a lost worker does no harm.
 */
export const notify = proxyLocalActivities<Activities>({
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
