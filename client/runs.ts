// Reading acp runs, for every client that reads them (the CLI's commands, the MCP tools, tests and
// benchmarks): new run ids, finding a run by id, its status now, how it ended, the run list. (The
// Slack app reads nothing: it signals the run its button names, activities/slack.ts readButtonValue.)
//
// How a run ended: a run that SUCCEEDED completes its workflow with the run's document (RunStatus)
// as the result; a run that ended FAILED, REJECTED, EXPIRED or OVER_BUDGET fails its workflow — red
// in the Web UI — with the same document as the failure's details (workflows/run-state.ts endRun).
// Only a run that never produced a document (bad input refused while parsing, a cancelled or
// terminated workflow) fails without one. Every client reads runs through `runResult` /
// `runOutcome`, never through `handle.result()` alone, which throws for every run that did not
// succeed.
import { randomBytes } from 'node:crypto';
import {
  type Client,
  type WorkflowExecutionDescription,
  WorkflowFailedError,
  type WorkflowHandle,
} from '@temporalio/client';
import {
  ApplicationFailure,
  CancelledFailure,
  TerminatedFailure,
  WorkflowNotFoundError,
} from '@temporalio/common';
import { type RunStatus, STATUSES, type Status, statusQuery, TERMINAL_STATUSES } from '../workflows/messages';
import {
  AcpBudget,
  AcpEstimatedCost,
  AcpProduct,
  AcpRegion,
  AcpStatus,
} from '../workflows/search-attributes';
import { CliError, EXIT } from './exit-codes';
import { SIMULATED_QUEUE_PREFIX } from './local-stack';

/** A run that ended without a document: why, as the workflow's failure says it. */
export interface RunFailure {
  /** The failure type: `InvalidIntent` for bad input, an Alibaba code, … */
  code?: string;
  /** The request field bad input names (`budget`, `script`, …). */
  field?: string;
  message: string;
  cancelled: boolean;
  terminated?: boolean;
}

export type RunOutcome = { kind: 'result'; result: RunStatus } | { kind: 'failure'; failure: RunFailure };

/** Anything with `result()`: a typed or untyped WorkflowHandle. */
interface Resultable {
  result(): Promise<unknown>;
}

/** The run document a failed workflow carries, when it is one of acp's ended runs. */
export function documentOfFailure(err: unknown): RunStatus | undefined {
  const cause = err instanceof WorkflowFailedError ? err.cause : err;
  if (!(cause instanceof ApplicationFailure)) return undefined;
  const doc = cause.details?.[0] as Partial<RunStatus> | undefined;
  if (
    doc &&
    typeof doc === 'object' &&
    typeof doc.workflowId === 'string' &&
    doc.status !== undefined &&
    doc.status === cause.type &&
    TERMINAL_STATUSES.includes(doc.status) &&
    Array.isArray(doc.options)
  ) {
    return doc as RunStatus;
  }
  return undefined;
}

/** A workflow failure with no document, as one sentence and the field it names. */
export function failureOf(err: unknown): RunFailure {
  if (err instanceof WorkflowFailedError) {
    const cause = err.cause;
    if (cause instanceof CancelledFailure) return { message: 'the run was cancelled', cancelled: true };
    if (cause instanceof TerminatedFailure)
      return { message: `the run was terminated: ${cause.message}`, cancelled: false, terminated: true };
    if (cause instanceof ApplicationFailure) {
      const details = cause.details?.[0] as { field?: string } | undefined;
      return {
        ...(cause.type ? { code: cause.type } : {}),
        ...(details?.field ? { field: details.field } : {}),
        message: cause.message,
        cancelled: false,
      };
    }
    return { message: cause?.message ?? err.message, cancelled: false };
  }
  return { message: err instanceof Error ? err.message : String(err), cancelled: false };
}

/** Waits for the run to end: its document, or — only when it has none — why it failed. */
export async function runOutcome(handle: Resultable): Promise<RunOutcome> {
  try {
    return { kind: 'result', result: (await handle.result()) as RunStatus };
  } catch (err) {
    const doc = documentOfFailure(err);
    if (doc) return { kind: 'result', result: doc };
    return { kind: 'failure', failure: failureOf(err) };
  }
}

/**
 * Waits for the run to end and returns its document, whatever its status (SUCCEEDED, FAILED,
 * REJECTED, EXPIRED, OVER_BUDGET). Throws the workflow's own error when the run ended without one
 * (bad input, cancelled, terminated).
 */
export async function runResult(handle: Resultable): Promise<RunStatus> {
  try {
    return (await handle.result()) as RunStatus;
  } catch (err) {
    const doc = documentOfFailure(err);
    if (doc) return doc;
    throw err;
  }
}

// ---- ids ----

/** A new run id: `acp-<8 hex>`, `acp-quote-<8 hex>` for a quote. */
export function newWorkflowId(kind: 'run' | 'quote'): string {
  return `acp-${kind === 'quote' ? 'quote-' : ''}${randomBytes(4).toString('hex')}`;
}

// ---- finding a run ----

/** The workflow types that are acp runs. */
const RUN_TYPES = new Set(['provision', 'quote']);
export const QUERY_TIMEOUT_MS = 10_000;

/**
 * How a client names its own ways out in the refusals below: the CLI says `acp list`, the MCP
 * server "the list tool". The sentences themselves are the same for every client.
 */
export interface RunVoice {
  /** What to do when there is no run with that id. */
  noRun: string;
  /** What to do when the id is some other workflow; nothing when unset. */
  notARun?: string;
  /** What to do when a quote is asked to take a signal; nothing when unset. */
  isAQuote?: string;
  /** Where a worker comes from when none answers the status query. */
  noWorker: string;
}

export interface FoundRun {
  handle: WorkflowHandle;
  description: WorkflowExecutionDescription;
}

/** The run's handle and description, or "no run X" / "X is not an acp run" as a sentence (exit 2). */
export async function findRun(
  t: { client: Client; where: string },
  workflowId: string,
  voice: RunVoice,
): Promise<FoundRun> {
  const handle = t.client.workflow.getHandle(workflowId);
  try {
    const description = await handle.describe();
    if (!RUN_TYPES.has(description.type))
      throw new CliError(
        EXIT.badInput,
        `${workflowId} is a ${description.type} workflow, not an acp run`,
        voice.notARun,
      );
    return { handle, description };
  } catch (err) {
    if (err instanceof WorkflowNotFoundError)
      throw new CliError(EXIT.badInput, `no run ${workflowId} on ${t.where}`, voice.noRun);
    throw err;
  }
}

/** A run that can take `what` (a signal, an approval): a provision run, not a quote. */
export async function findProvisionRun(
  t: { client: Client; where: string },
  workflowId: string,
  what: string,
  voice: RunVoice,
): Promise<FoundRun> {
  const found = await findRun(t, workflowId, voice);
  if (found.description.type !== 'provision')
    throw new CliError(
      EXIT.badInput,
      `${workflowId} is a quote; it creates nothing and takes no ${what}`,
      voice.isAQuote,
    );
  return found;
}

/** The status the workflow's search attributes hold (no worker needed). */
export function recordedStatus(d: WorkflowExecutionDescription): Status | undefined {
  const v = d.typedSearchAttributes.get(AcpStatus);
  return v && (STATUSES as readonly string[]).includes(v) ? (v as Status) : undefined;
}

// ---- a run's status now ----

export function withTimeout<T>(p: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  return Promise.race([
    p.finally(() => clearTimeout(timer)),
    new Promise<T>((_, reject) => {
      timer = setTimeout(() => reject(new Error(`${what} got no answer within ${ms / 1000} s`)), ms);
    }),
  ]);
}

/** The status query of an open run; only a worker answers it, so it gives up after a while. */
export function queryStatus(handle: WorkflowHandle): Promise<RunStatus> {
  return withTimeout(handle.query(statusQuery), QUERY_TIMEOUT_MS, 'the status query');
}

export type Snapshot =
  | { kind: 'status'; status: RunStatus }
  | { kind: 'failed'; failure: RunFailure; closed: string };

/** The run's RunStatus: its result once it ended, the status query while it is open. */
export async function snapshot(
  { handle, description }: FoundRun,
  voice: Pick<RunVoice, 'noWorker'>,
): Promise<Snapshot> {
  if (description.status.name !== 'RUNNING') {
    const outcome = await runOutcome(handle);
    if (outcome.kind === 'result') return { kind: 'status', status: outcome.result };
    return { kind: 'failed', failure: outcome.failure, closed: description.status.name };
  }
  try {
    return { kind: 'status', status: await queryStatus(handle) };
  } catch (err) {
    throw new CliError(
      EXIT.error,
      `${handle.workflowId} is ${recordedStatus(description) ?? 'running'} but no worker answered its status query (${(err as Error).message})`,
      voice.noWorker,
    );
  }
}

export type Waited =
  | { kind: 'status'; status: RunStatus; final: boolean }
  | { kind: 'failed'; failure: RunFailure };

const POLL_MS = 300;
const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

/**
 * Follows a run until `enough` says so (or it ends, or `ms` pass): what it last said, or undefined
 * when it said nothing in that time.
 */
export async function waitFor(
  handle: WorkflowHandle,
  enough: (s: RunStatus) => boolean,
  ms: number,
): Promise<Waited | undefined> {
  let ended: Waited | undefined;
  const result = runOutcome(handle).then(
    (o): Waited =>
      o.kind === 'result'
        ? { kind: 'status', status: o.result, final: true }
        : { kind: 'failed', failure: o.failure },
  );
  result.then((r) => {
    ended = r;
  });
  const deadline = Date.now() + ms;
  let last: RunStatus | undefined;
  while (!ended && Date.now() < deadline) {
    try {
      last = await queryStatus(handle);
      if (enough(last)) return { kind: 'status', status: last, final: false };
    } catch {
      // The first workflow task has not run yet, or the run just closed: the next turn tells.
    }
    await Promise.race([sleep(POLL_MS), result]);
  }
  return ended ?? (last ? { kind: 'status', status: last, final: false } : undefined);
}

/** What to call a run that ended without a document. */
export function closedStatus(snap: {
  failure: RunFailure;
  closed: string;
}): 'CANCELLED' | 'TERMINATED' | 'FAILED' {
  if (snap.failure.cancelled) return 'CANCELLED';
  return snap.closed === 'TERMINATED' ? 'TERMINATED' : 'FAILED';
}

// ---- the run list ----

/** A visibility query for acp runs, optionally in one status and narrowed by the caller's own query. */
export function runsQuery(status?: Status, extra?: string): string {
  let query = 'WorkflowType="provision"';
  if (status) query += ` AND AcpStatus="${status}"`;
  if (extra) query += ` AND (${extra})`;
  return query;
}

export interface ListedRun {
  workflowId: string;
  type: string;
  /** Run by `acp … --simulate` against its in-process emulator. */
  simulated?: boolean;
  status: string;
  product?: string;
  region?: string;
  estimatedCost?: number;
  budget?: number;
  startTime: Date;
}

/** The runs a visibility query finds, newest first, at most `limit`, from the search attributes alone. */
export async function listRuns(client: Client, query: string, limit: number): Promise<ListedRun[]> {
  const runs: ListedRun[] = [];
  for await (const w of client.workflow.list({ query, pageSize: Math.min(limit, 100) })) {
    const recorded = w.typedSearchAttributes.get(AcpStatus);
    const open = w.status.name === 'RUNNING';
    runs.push({
      workflowId: w.workflowId,
      type: w.type,
      ...(w.taskQueue.startsWith(SIMULATED_QUEUE_PREFIX) ? { simulated: true } : {}),
      // A run that failed outright (bad input) never reached a final AcpStatus: say how it closed.
      status:
        !open && recorded && !TERMINAL_STATUSES.includes(recorded as Status)
          ? w.status.name
          : (recorded ?? w.status.name),
      product: w.typedSearchAttributes.get(AcpProduct),
      region: w.typedSearchAttributes.get(AcpRegion),
      estimatedCost: w.typedSearchAttributes.get(AcpEstimatedCost),
      budget: w.typedSearchAttributes.get(AcpBudget),
      startTime: w.startTime,
    });
    if (runs.length >= limit) break;
  }
  return runs;
}
