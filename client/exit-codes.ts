// What `acp` exits with (README.md, Commands). Scripts and CI read these, so the mapping lives in one place:
// 0 done, 2 bad input, 3 rejected/expired/over budget/cancelled, 4 provisioning failed (released), 5
// script failed (released), 6 a simulated run whose process has ended. 1 is "acp itself could not do what was asked" (no server, a bug, not built yet).
import type { RunStatus } from '../workflows/messages';

export const EXIT = {
  ok: 0,
  error: 1,
  badInput: 2,
  declined: 3,
  provisioningFailed: 4,
  scriptFailed: 5,
  /** A simulated run whose `acp … --simulate` process has ended: its cloud went with it. */
  simulationGone: 6,
  /** Ctrl-C: the run goes on without us (128 + SIGINT, what shells expect). */
  detached: 130,
} as const;
export type ExitCode = (typeof EXIT)[keyof typeof EXIT];

/** An error a person can act on: one sentence, what to do next, and the exit code it ends `acp` with. */
export class CliError extends Error {
  readonly exitCode: ExitCode;
  readonly next?: string;
  constructor(exitCode: ExitCode, message: string, next?: string) {
    super(message);
    this.name = 'CliError';
    this.exitCode = exitCode;
    this.next = next;
  }
}

export const badInput = (message: string, next?: string) => new CliError(EXIT.badInput, message, next);

/** The exit code of a finished `provision` run, from its result. */
export function exitCodeForRun(result: Pick<RunStatus, 'status' | 'error'>): ExitCode {
  switch (result.status) {
    case 'SUCCEEDED':
      return EXIT.ok;
    case 'REJECTED':
    case 'EXPIRED':
    case 'OVER_BUDGET':
    case 'CANCELLED':
      return EXIT.declined;
    case 'FAILED':
      return result.error?.code === 'ScriptFailed' ? EXIT.scriptFailed : EXIT.provisioningFailed;
    default:
      // Not terminal (BLOCKED, RUNNING …): only reached when the caller stopped following the run.
      return EXIT.error;
  }
}

/** The exit code of a finished `quote` run: something recommended, or nothing inside the budget. */
export function exitCodeForQuote(result: Pick<RunStatus, 'status' | 'recommended'>): ExitCode {
  if (result.status === 'SUCCEEDED' && result.recommended !== undefined) return EXIT.ok;
  if (result.status === 'OVER_BUDGET') return EXIT.declined;
  return EXIT.provisioningFailed;
}

/**
 * The exit code of a workflow that failed instead of returning a result: bad input the workflow
 * refused (`InvalidIntent`) is the user's to fix; a cancelled run was someone's decision; anything
 * else is a provisioning failure (the workflow releases before it fails).
 */
export function exitCodeForFailure(failureType: string | undefined, cancelled: boolean): ExitCode {
  if (cancelled) return EXIT.declined;
  if (failureType === 'InvalidIntent') return EXIT.badInput;
  return EXIT.provisioningFailed;
}
