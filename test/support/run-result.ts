// How a test reads a run's final document: `await runResult(handle)` — never `handle.result()`, which
// throws for every run that did not succeed (FAILED, REJECTED, EXPIRED and OVER_BUDGET runs end as
// failed workflows carrying their document; workflows/run-state.ts endRun). `runOutcome` also tells a
// run with no document (bad input, cancelled) apart; `expectNoDocument` is for tests of those.
import assert from 'node:assert/strict';
import type { RunFailure } from '../../client/runs';
import { runOutcome } from '../../client/runs';

export { documentOfFailure, type RunOutcome, runOutcome, runResult } from '../../client/runs';

/** The run failed without a document (bad input, cancelled, terminated): why. */
export async function expectNoDocument(handle: { result(): Promise<unknown> }): Promise<RunFailure> {
  const outcome = await runOutcome(handle);
  assert.equal(
    outcome.kind,
    'failure',
    outcome.kind === 'result' ? `the run ended ${outcome.result.status}: ${outcome.result.message}` : '',
  );
  return (outcome as { kind: 'failure'; failure: RunFailure }).failure;
}
