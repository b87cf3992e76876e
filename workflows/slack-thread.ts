// A run's Slack conversation (step 7 in docs/architecture.md): when the run first waits for a yes, the comparison
// goes to the channel with Approve / Reject buttons; every later status change becomes a line in that
// message's thread, and the end of the run its receipt. The worker decides whether Slack is
// configured: without it the first activity returns no thread and nothing else is posted. A Slack
// failure is logged and never changes the run's outcome.

import { CancellationScope, log } from '@temporalio/workflow';
import type { SlackThreadRef } from '../activities/slack';
import { describeAttempt } from '../planner/spot';
import { described, notify } from './activity-options';
import { type RunStatus, TERMINAL_STATUSES } from './messages';
import type { RunState } from './run-state';

export class SlackThread {
  private thread?: Promise<SlackThreadRef | undefined>;
  /** Posts go out one after another, so the thread reads in the order things happened. */
  private queue: Promise<void> = Promise.resolve();
  private announcedConfirmation?: string;

  constructor(run: RunState) {
    run.onStatus((s) => this.follow(s));
  }

  /** Waits for every post to Slack started so far. */
  async flush(): Promise<void> {
    await this.queue;
  }

  private follow(s: RunStatus): void {
    if (!this.thread) {
      if (s.status !== 'AWAITING_CONFIRMATION') return;
      // A copy: the status object keeps changing while the activity is being scheduled.
      const snapshot: RunStatus = JSON.parse(JSON.stringify(s));
      this.thread = quietly(() =>
        described(notify.notifyAwaitingConfirmation, 'Post the comparison to Slack', snapshot),
      );
      return;
    }
    this.post(progressLine(s, this.announcedConfirmation));
    if (s.confirmation) this.announcedConfirmation = confirmationKey(s);
  }

  private post(text: string): void {
    const thread = this.thread;
    this.queue = this.queue.then(async () => {
      const ref = await thread;
      if (!ref) return;
      await quietly(() => described(notify.postThread, 'Post progress to the Slack thread', ref, text));
    });
  }
}

/** Runs a Slack activity outside cancellation (a cancelled run still tells people) and never throws. */
async function quietly<T>(fn: () => Promise<T>): Promise<T | undefined> {
  try {
    return await CancellationScope.nonCancellable(fn);
  } catch (err) {
    log.warn('Slack notification failed; the run goes on', { error: String(err) });
    return undefined;
  }
}

function confirmationKey(s: RunStatus): string {
  return `${s.confirmation?.by}@${s.confirmation?.at}`;
}

/** One thread line per status change; terminal statuses carry the receipt. */
export function progressLine(s: RunStatus, announcedConfirmation?: string): string {
  const lines: string[] = [];
  if (s.confirmation && confirmationKey(s) !== announcedConfirmation && s.status !== 'REJECTED') {
    const c = s.confirmation;
    lines.push(`:white_check_mark: approved by ${c.by}${c.option ? ` (option ${c.option})` : ''}`);
  }
  lines.push(`*${s.status}* ${s.message}`);
  if (TERMINAL_STATUSES.includes(s.status)) lines.push(receiptText(s));
  return lines.join('\n');
}

/** The receipt, as the CLI prints it (client/render.ts): estimated vs accrued cost, what was released, what was left behind. */
export function receiptText(s: RunStatus): string {
  const money = (n: number | undefined) => (n === undefined ? '—' : `CNY ${n.toFixed(2)}`);
  const list = (rs: { type: string; id: string }[]) =>
    rs.length === 0 ? 'nothing' : rs.map((r) => `${r.type} ${r.id}`).join(', ');
  const lines = [
    `receipt: estimated ${money(s.estimatedCost)} · accrued ${money(s.accruedCost)} · left behind: ${list(s.leftBehind)}`,
  ];
  if (s.chosen)
    lines.push(`ran on: ${s.chosen.product} ${s.chosen.spec} in ${s.chosen.zone ?? s.chosen.region}`);
  for (const a of s.attempts ?? []) lines.push(`attempt ${describeAttempt(a)}`);
  if (s.resourcesCreated.length > 0) lines.push(`released: ${list(s.resourcesReleased)}`);
  if (s.execution?.exitCode !== undefined) lines.push(`exit code: ${s.execution.exitCode}`);
  if (s.error) lines.push(`error: ${s.error.code ? `${s.error.code}: ` : ''}${s.error.message}`);
  return lines.join('\n');
}
