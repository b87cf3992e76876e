// The one way to read how a run ended. A run that SUCCEEDED completes its workflow with the run's
// document (RunStatus) as the result; a run that ended FAILED, REJECTED, EXPIRED or OVER_BUDGET fails
// its workflow — red in the Web UI — with the same document as the failure's details
// (workflows/run-state.ts endRun). Only a run that never produced a document (bad input refused while
// parsing, a cancelled or terminated workflow) fails without one. The CLI, the MCP server, the Slack
// app, the tests and the benchmarks all read runs through `runResult` / `runOutcome`, never through
// `handle.result()` alone, which throws for every run that did not succeed.
import { WorkflowFailedError } from '@temporalio/client';
import { ApplicationFailure, CancelledFailure, TerminatedFailure } from '@temporalio/common';
import { type RunStatus, TERMINAL_STATUSES } from '../workflows/messages';

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
