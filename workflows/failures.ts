// Reading activity failures in workflow code. The activity layer classifies every Alibaba error once
// (activities/errors.ts) and ships the result as the failure's details; the workflow only reads it.
import { ActivityFailure, ApplicationFailure, ChildWorkflowFailure } from '@temporalio/workflow';
import type { AlibabaErrorDetails } from '../activities/errors';

function applicationCause(err: unknown): ApplicationFailure | undefined {
  let e: unknown = err;
  for (let depth = 0; depth < 5 && e; depth++) {
    if (e instanceof ApplicationFailure) return e;
    if (e instanceof ActivityFailure || e instanceof ChildWorkflowFailure) e = e.cause;
    else return undefined;
  }
  return undefined;
}

export function alibabaDetails(err: unknown): AlibabaErrorDetails | undefined {
  const details = applicationCause(err)?.details?.[0] as AlibabaErrorDetails | undefined;
  return details && typeof details === 'object' && 'kind' in details ? details : undefined;
}

/** The code and message a person should see for a failure (the Alibaba code when there is one). */
export function errorSummary(err: unknown): { code?: string; message: string } {
  const d = alibabaDetails(err);
  if (d) return { code: d.code, message: `${d.message} (${d.operation}) — ${d.nextStep}` };
  const app = applicationCause(err);
  if (app) return { code: app.type ?? undefined, message: app.message };
  return { message: err instanceof Error ? err.message : String(err) };
}
