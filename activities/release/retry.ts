// The retry and wait loops every release shares. A release runs inside a saga's release activity,
// inside the `gcSweep` activity, or straight from `acp gc`: it heartbeats and sleeps as an activity
// when it is one (so a cancelled activity stops waiting), and works the same without one. Transient
// answers are retried here, a few seconds apart; what is left after that is the caller's retry policy.
import { Context } from '@temporalio/activity';
import { ApplicationFailure } from '@temporalio/common';
import { describeSdkError, toFailure } from '../errors';

const POLL_MS = 500;
const MAX_ATTEMPTS = 40;

function activity(): Context | undefined {
  try {
    return Context.current();
  } catch {
    return undefined; // `acp gc` calls releases directly
  }
}

/** Heartbeats when running as an activity; does nothing otherwise. */
export function beat(details: unknown): void {
  activity()?.heartbeat(details);
}

export function pause(ms: number): Promise<void> {
  const ctx = activity();
  return ctx ? ctx.sleep(ms) : new Promise((r) => setTimeout(r, ms));
}

/** An answer that may change by itself: throttling, 5xx, a resource still settling. */
function transient(err: unknown, operation: string): boolean {
  // A classified failure (alibabaCall) carries its details; acp's own failures are never "not yet".
  if (err instanceof ApplicationFailure)
    return !err.nonRetryable && (err.details?.[0] as { kind?: string } | undefined)?.kind === 'retryable';
  return describeSdkError(err, operation).kind === 'retryable';
}

/**
 * One release call, retried on transient answers (throttling, 5xx, DependencyViolation right after
 * what depended on it went) and on the kind's own "not now" codes; NotFound is 'gone'.
 */
export async function releaseOne(
  operation: string,
  call: () => Promise<unknown>,
  alsoRetry: readonly string[] = [],
): Promise<'released' | 'gone'> {
  for (let attempt = 1; ; attempt++) {
    try {
      await call();
      return 'released';
    } catch (err) {
      const d = describeSdkError(err, operation);
      if (d.kind === 'not-found') return 'gone';
      const notNow = alsoRetry.includes(d.code);
      if (d.kind !== 'retryable' && !notNow) throw toFailure(err, operation);
      if (attempt >= MAX_ATTEMPTS) {
        // Still "not now": the caller's retry policy (the release activity's) tries again later.
        if (!notNow) throw toFailure(err, operation);
        throw ApplicationFailure.create({
          message: `${d.code}: ${d.message} (${operation})`,
          type: d.code,
          details: [{ ...d, kind: 'retryable' }],
          nonRetryable: false,
        });
      }
      beat({ retrying: operation, code: d.code });
      await pause(Math.min(POLL_MS * attempt, 3_000));
    }
  }
}

/**
 * Polls until `done()` says so, backing off up to `maxIntervalMs`; false after `patienceMs` of wall
 * time. A look-up that fails transiently just counts as "not yet"; any other failure ends the wait.
 */
export async function waitUntil(
  what: string,
  done: () => Promise<boolean>,
  patienceMs: number,
  maxIntervalMs = 3_000,
): Promise<boolean> {
  const deadline = Date.now() + patienceMs;
  let interval = POLL_MS;
  for (;;) {
    const ok = await done().catch((err: unknown) => {
      if (transient(err, what)) return false;
      throw err;
    });
    if (ok) return true;
    if (Date.now() > deadline) return false;
    beat({ waitingFor: what });
    await pause(interval);
    interval = Math.min(interval * 2, maxIntervalMs);
  }
}

/** The failure a wait that ran out of patience ends with: retryable, the resource may still go. */
export function gaveUp(what: string, patienceMs: number): ApplicationFailure {
  return ApplicationFailure.retryable(
    `gave up after ${patienceMs / 60_000} min waiting for ${what}`,
    'ReleaseTimeout',
  );
}
