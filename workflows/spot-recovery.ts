// A one-shot on spot capacity (docs/spot.md): run it; when the cloud takes the capacity back, release
// what is left of that attempt at once and re-run the script on new capacity in the next zone or
// region (planner/spot.ts nextRecovery), at most N times and within the budget; then, if the person
// allowed it, once more pay-as-you-go. Every attempt — where, its cost, why it ended — is in the
// status query, the memo and the receipt.
import { ApplicationFailure, CancellationScope } from '@temporalio/workflow';
import { type AttemptRecord, attemptKey, DEFAULT_SPOT_RECOVERIES, nextRecovery } from '../planner/spot';
import type { Intent, QuoteOption } from '../planner/types';
import { errorSummary } from './failures';
import type { Execution } from './messages';
import type { Deployment } from './products/types';
import type { RunState } from './run-state';

export interface AttemptRun {
  /** Deploys `option` (skipping placements in `skip`), then runs the script; `started` when up. */
  runOn(
    option: QuoteOption,
    skip: ReadonlySet<string>,
    started: (d: Deployment) => void,
  ): Promise<{ deployment: Deployment; execution: Execution }>;
  /** Releases one attempt's compute now (Deployer.releaseAttempt). */
  releaseAttempt?(d: Deployment): Promise<void>;
}

/** One attempt's cost, kept to a millionth of a yuan so short attempts still sum exactly. */
export function attemptCost(hourly: number, elapsedMs: number): number {
  return Math.round(((hourly * Math.max(0, elapsedMs)) / 3_600_000) * 1e6) / 1e6;
}

/** The cost of every attempt so far. */
export function attemptsCost(attempts: AttemptRecord[]): number {
  return Math.round(attempts.reduce((s, a) => s + a.cost, 0) * 1e6) / 1e6;
}

export async function runWithRecovery(
  chosen: QuoteOption,
  intent: Intent,
  run: RunState,
  runner: AttemptRun,
  allowFallback: () => boolean,
): Promise<Execution> {
  const s = run.status;
  const attempts: AttemptRecord[] = [];
  s.attempts = attempts;
  let option = chosen;
  let skip = new Set<string>();
  let fellBack = false;
  for (;;) {
    let current: AttemptRecord | undefined;
    let startedMs = 0;
    const started = (d: Deployment) => {
      startedMs = Date.now();
      current = {
        n: attempts.length + 1,
        product: option.product,
        regionId: d.attempt.regionId,
        ...(d.attempt.zoneId ? { zoneId: d.attempt.zoneId } : {}),
        spec: d.attempt.spec,
        spot: !!option.spot,
        hourly: option.unitPricePerHour,
        startedAt: new Date(startedMs).toISOString(),
        cost: 0,
      };
      attempts.push(current);
      run.progress(
        `attempt ${current.n}: ${current.spot ? 'spot ' : ''}${current.spec} in ${current.zoneId ?? current.regionId}`,
      );
    };
    const end = (a: AttemptRecord, ended: AttemptRecord['ended'], reason: string) => {
      a.endedAt = new Date(Date.now()).toISOString();
      a.cost = attemptCost(a.hourly, Date.now() - startedMs);
      a.ended = ended;
      a.reason = reason;
    };
    let result: { deployment: Deployment; execution: Execution };
    try {
      result = await runner.runOn(option, skip, started);
    } catch (err) {
      if (current && !current.ended) end(current, 'stopped', errorSummary(err).message);
      throw err;
    }
    const { deployment, execution } = result;
    const a = current!;
    if (!execution.reclaimed) {
      end(a, execution.exitCode === 0 ? 'finished' : 'failed', `exit code ${execution.exitCode}`);
      return execution;
    }
    end(a, 'reclaimed', execution.reclaimed);
    run.progress(`attempt ${a.n} ${execution.reclaimed}`);
    if (runner.releaseAttempt) {
      const release = runner.releaseAttempt;
      await CancellationScope.nonCancellable(() => release(deployment)).catch((err: unknown) =>
        run.progress(`could not release attempt ${a.n} now (${errorSummary(err).message}); the saga will`),
      );
    }
    if (fellBack) {
      s.execution = execution;
      throw ApplicationFailure.nonRetryable(
        `the pay-as-you-go fallback was taken back too: ${execution.reclaimed}`,
        'SpotReclaimed',
      );
    }
    const step = nextRecovery(
      chosen,
      s.options,
      attempts,
      {
        maxRecoveries: intent.spotRecoveries ?? DEFAULT_SPOT_RECOVERIES,
        ...(intent.budget ? { budgetCny: intent.budget.cny } : {}),
        fallback: allowFallback(),
      },
      skip,
    );
    if (step.kind === 'give-up') {
      s.execution = execution;
      throw ApplicationFailure.nonRetryable(
        `${step.message}; ${attempts.length} attempt${attempts.length === 1 ? '' : 's'} cost CNY ${attemptsCost(attempts).toFixed(2)}`,
        step.code,
      );
    }
    run.progress(step.note);
    if (step.kind === 'fallback') {
      fellBack = true;
      option = step.option;
    } else {
      const p = step.placement;
      const zones = p.option.zones ?? (p.option.zone ? [p.option.zone] : []);
      option = {
        ...p.option,
        ...(p.zoneId ? { zone: p.zoneId, zones: [p.zoneId, ...zones.filter((z) => z !== p.zoneId)] } : {}),
      };
    }
    skip = new Set([...skip, ...attempts.filter((x) => x.ended === 'reclaimed').map(attemptKey)]);
  }
}
