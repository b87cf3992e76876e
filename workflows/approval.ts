// A person's yes or no to a run's quote. The `confirm` and `reject` signals and the `approve` update
// all land on one Approval, which the provision workflow asks whenever it needs an answer: once for
// the comparison, and once more when the price rose since the quote. The rules (docs/operators.md,
// "Approving and rejecting"):
// - an answer counts only while the run waits for one; the first answer wins, later ones are ignored;
// - a confirm or reject sent before the comparison is ready (PARSING, QUOTING) is kept, the first one
//   only, and applied when the run starts waiting — one sent at any other time is dropped;
// - a confirm without an option means the recommended one; an option that does not exist or is not
//   feasible is refused (the signal with a progress line, the update with an error) and the run keeps
//   waiting;
// - nobody answering within the timeout is a missing answer: the caller ends the run EXPIRED.
import { condition } from '@temporalio/workflow';
import { parseDuration } from '../planner';
import type { AcceptedPlan, ConfirmInput, Decision, RejectInput } from './messages';
import type { RunState } from './run-state';

export const DEFAULT_CONFIRM_TIMEOUT = '30m';

export type Answer =
  | { kind: 'confirm'; option: number; by: string; spotFallback?: true }
  | { kind: 'reject'; reason?: string; by: string };

type Early = { kind: 'confirm'; input?: ConfirmInput } | { kind: 'reject'; input?: RejectInput };

export class Approval {
  /** How long each question waits, as the request gave it (it is quoted back in the EXPIRED message). */
  readonly timeout: string;
  private waiting = false;
  private answer?: Answer;
  private early?: Early;

  constructor(
    private readonly run: RunState,
    timeout: string | undefined,
  ) {
    this.timeout = timeout ?? DEFAULT_CONFIRM_TIMEOUT;
  }

  /** The `confirm` signal. */
  confirm(input?: ConfirmInput): void {
    if (this.keptForLater({ kind: 'confirm', input }) || !this.open()) return;
    const n = this.optionFor(input);
    if (typeof n === 'string') this.run.progress(`confirmation ignored: ${n}`);
    else this.answer = confirmation(n, input, 'signal');
  }

  /** The `reject` signal. */
  reject(input?: RejectInput): void {
    if (this.keptForLater({ kind: 'reject', input }) || !this.open()) return;
    this.answer = rejection(input);
  }

  /** The `approve` update's validator: the caller hears why a confirmation cannot count. */
  validate(input: ConfirmInput | undefined): void {
    const s = this.run.status;
    if (!this.open()) throw new Error(`run ${s.workflowId} is ${s.status}, not awaiting confirmation`);
    const n = this.optionFor(input);
    if (typeof n === 'string') throw new Error(n);
  }

  /** The `approve` update, once validated: the plan it accepted. */
  approve(input: ConfirmInput | undefined): AcceptedPlan {
    const n = this.optionFor(input) as number;
    const answer = confirmation(n, input, 'update');
    this.answer = answer;
    return { option: n, choice: this.run.status.options[n - 1]!, by: answer.by };
  }

  /**
   * Sets the run AWAITING_CONFIRMATION with `message` and waits for a person: their answer, or
   * undefined when nobody answered within the timeout.
   */
  async ask(message: string): Promise<Answer | undefined> {
    this.answer = undefined;
    this.waiting = true;
    this.run.set('AWAITING_CONFIRMATION', message);
    this.applyEarly();
    await condition(() => this.answer !== undefined, parseDuration(this.timeout, 'confirmTimeout'));
    this.waiting = false;
    return this.answer;
  }

  private open(): boolean {
    return this.waiting && this.answer === undefined;
  }

  /** Before the comparison is ready there is nothing to answer yet: the first message waits for it. */
  private keptForLater(message: Early): boolean {
    const status = this.run.status.status;
    if (this.waiting || (status !== 'PARSING' && status !== 'QUOTING')) return false;
    this.early ??= message;
    return true;
  }

  private applyEarly(): void {
    const e = this.early;
    if (!e) return;
    this.early = undefined;
    if (e.kind === 'reject') {
      this.answer = rejection(e.input);
      return;
    }
    const n = this.optionFor(e.input);
    if (typeof n === 'string') this.run.progress(`early confirmation ignored: ${n}`);
    else this.answer = confirmation(n, e.input, 'signal');
  }

  /** The 1-based option a confirmation names (the recommended one when it names none), or why not. */
  private optionFor(input: ConfirmInput | undefined): number | string {
    const s = this.run.status;
    const n = input?.option ?? (s.recommended !== undefined ? s.recommended + 1 : undefined);
    if (n === undefined) return 'there is no recommended option; name one with --option';
    if (!Number.isInteger(n) || n < 1 || n > s.options.length)
      return `option ${n} does not exist (1–${s.options.length})`;
    if (!s.options[n - 1]!.feasible) return `option ${n} is not feasible: ${s.options[n - 1]!.reason ?? ''}`;
    return n;
  }
}

/** What the run records of an answer (`status.confirmation`). */
export function decisionOf(answer: Answer): Decision {
  return answer.kind === 'confirm'
    ? decision(answer.by, answer.option, undefined, answer.spotFallback)
    : decision(answer.by, undefined, answer.reason);
}

function decision(by: string, option?: number, reason?: string, spotFallback?: boolean): Decision {
  return {
    by,
    at: new Date(Date.now()).toISOString(),
    ...(option !== undefined ? { option } : {}),
    ...(spotFallback ? { spotFallback: true } : {}),
    ...(reason ? { reason } : {}),
  };
}

function confirmation(option: number, input: ConfirmInput | undefined, via: string): Answer {
  return {
    kind: 'confirm',
    option,
    by: input?.by ?? via,
    ...(input?.spotFallback ? { spotFallback: true } : {}),
  };
}

function rejection(input: RejectInput | undefined): Answer {
  return { kind: 'reject', reason: input?.reason, by: input?.by ?? 'signal' };
}
