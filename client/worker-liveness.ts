// Is there a worker that will carry a run, and has a run been left without one? The server remembers a
// poller for about a minute after its process went away, so a poller's age alone cannot tell: acp's
// own short-lived workers (the one a CLI command embeds while it follows a run) poll under an identity
// that says so, and a poller on this machine is alive only while its process is. Whatever slips
// through (a worker on another host killed a moment ago) is caught by the second check: a run whose
// task waits unpicked for a while has no worker, whatever the poller list says.
import { hostname } from 'node:os';
import type { WorkflowExecutionDescription } from '@temporalio/client';
import { temporal } from '@temporalio/proto';
import type { TemporalStack } from './local-stack';

/** The identity of a worker a CLI command (`acp run`, `acp quote`, `acp mcp`) embeds: gone with it. */
export const EMBEDDED_PREFIX = 'acp-cli/';

export function embeddedWorkerIdentity(pid: number = process.pid, host: string = hostname()): string {
  return `${EMBEDDED_PREFIX}${pid}@${host}`;
}

export interface PollerSeen {
  identity: string;
  /** When it last polled (ms since the epoch), as the server reports it. */
  lastAccessMs: number;
}

/** A long poll lasts up to 70 s; a poller not seen for longer than that has left. */
const POLL_SPAN_MS = 75_000;

/**
 * The pollers that are workers which stay: not a CLI command's embedded worker, not a process of this
 * machine that has exited (identities are `pid@host` by default, `acp-cli/pid@host` for embedded
 * ones), and seen within a long poll's span.
 */
export function lastingWorkers(
  pollers: PollerSeen[],
  now: number,
  host: string,
  processAlive: (pid: number) => boolean,
): PollerSeen[] {
  return pollers.filter((p) => {
    if (p.identity.startsWith(EMBEDDED_PREFIX)) return false;
    if (now - p.lastAccessMs > POLL_SPAN_MS) return false;
    const local = /^(\d+)@(.+)$/.exec(p.identity);
    if (local && local[2] === host) return processAlive(Number(local[1]));
    return true;
  });
}

export function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    // EPERM: it exists but belongs to someone else.
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

function millis(t: { seconds?: unknown; nanos?: number | null } | null | undefined): number {
  return t ? Number(t.seconds ?? 0) * 1000 + Math.floor((t.nanos ?? 0) / 1e6) : 0;
}

async function pollersOn(stack: TemporalStack, taskQueue: string): Promise<PollerSeen[]> {
  const response = await stack.connection.workflowService.describeTaskQueue({
    namespace: stack.namespace,
    taskQueue: { name: taskQueue, kind: temporal.api.enums.v1.TaskQueueKind.TASK_QUEUE_KIND_NORMAL },
    taskQueueType: temporal.api.enums.v1.TaskQueueType.TASK_QUEUE_TYPE_WORKFLOW,
  });
  return (response.pollers ?? []).map((p) => ({
    identity: p.identity ?? '',
    lastAccessMs: millis(p.lastAccessTime),
  }));
}

/**
 * Whether the `acp … --simulate` process that owns a simulated run's task queue still lives: its
 * embedded worker polls as acp-cli/pid@host; on this machine the pid decides, elsewhere a recent poll.
 */
export function simulationOwnerAlive(
  pollers: PollerSeen[],
  now: number,
  host: string,
  alive: (pid: number) => boolean,
): boolean {
  return pollers.some((p) => {
    const m = /^acp-cli\/(\d+)@(.+)$/.exec(p.identity);
    if (!m) return false;
    if (m[2] === host) return alive(Number(m[1]));
    return now - p.lastAccessMs <= POLL_SPAN_MS;
  });
}

export async function simulationOwnerAliveOn(stack: TemporalStack, taskQueue: string): Promise<boolean> {
  return simulationOwnerAlive(await pollersOn(stack, taskQueue), Date.now(), hostname(), processAlive);
}

/** The long-lived workers polling `taskQueue` for workflow tasks right now (their identities). */
export async function lastingWorkersOn(stack: TemporalStack, taskQueue: string): Promise<string[]> {
  const seen = await pollersOn(stack, taskQueue);
  return lastingWorkers(seen, Date.now(), hostname(), processAlive).map((p) => p.identity);
}

/**
 * How long the run's oldest task (its workflow task, or an activity) has been waiting for a worker to
 * pick it up; 0 when nothing waits. An activity waiting out a retry backoff is not counted until its
 * attempt is due.
 */
export function waitingForWorkerMs(d: WorkflowExecutionDescription, now: number): number {
  if (d.status.name !== 'RUNNING') return 0;
  const raw = d.raw;
  const since: number[] = [];
  const wft = raw.pendingWorkflowTask;
  if (
    wft &&
    wft.state === temporal.api.enums.v1.PendingWorkflowTaskState.PENDING_WORKFLOW_TASK_STATE_SCHEDULED
  )
    since.push(millis(wft.scheduledTime));
  for (const a of raw.pendingActivities ?? []) {
    if (a.state === temporal.api.enums.v1.PendingActivityState.PENDING_ACTIVITY_STATE_SCHEDULED)
      since.push(millis(a.scheduledTime));
  }
  const waits = since.filter((t) => t > 0).map((t) => now - t);
  return Math.max(0, ...waits);
}
