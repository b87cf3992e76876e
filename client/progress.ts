// Live progress of one run on a terminal: each step line once, the script's output as it grows, and —
// on a TTY only — one spinner line under them saying what is happening now. Fed with status snapshots;
// the lines themselves come from render.ts.
import type { RunStatus } from '../workflows/messages';
import {
  cny,
  formatClock,
  isFinal,
  outputDelta,
  outputLines,
  type StepContext,
  stepLines,
  type TableOptions,
} from './render';

export interface ProgressOptions {
  out: NodeJS.WritableStream & { isTTY?: boolean; columns?: number };
  tty: boolean;
  /** Put in front of every line ("[SIMULATED] "). */
  prefix: string;
  context: StepContext;
  table?: TableOptions;
}

const FRAMES = ['⠋', '⠙', '⠹', '⠸', '⠼', '⠴', '⠦', '⠧', '⠇', '⠏'];

const PHASE: Record<string, string> = {
  PARSING: 'parsing',
  QUOTING: 'quoting',
  AWAITING_CONFIRMATION: 'waiting',
  PROVISIONING: 'creating',
  RUNNING: 'running',
  RELEASING: 'releasing',
  BLOCKED: 'blocked',
};

export class ProgressPrinter {
  private readonly shown = new Set<string>();
  private output = '';
  private partial = '';
  private latest?: RunStatus;
  private frame = 0;
  private timer?: NodeJS.Timeout;
  private spinnerShown = false;

  constructor(private readonly opts: ProgressOptions) {}

  /** Prints what is new in this snapshot. */
  update(s: RunStatus): void {
    this.latest = s;
    this.clearSpinner();
    for (const line of stepLines(s, this.opts.context, this.opts.table)) {
      // The script's output belongs between "running" and "finished".
      if (line.key === 'finished' || isEndKey(line.key)) this.flushOutput(s, true);
      if (this.shown.has(line.key)) continue;
      this.shown.add(line.key);
      this.print(line.text);
      if (line.key === 'running') this.flushOutput(s, false);
    }
    if (this.shown.has('running') && !this.shown.has('finished')) this.flushOutput(s, false);
    if (this.opts.tty && !isFinal(s)) this.startSpinner();
    else this.stopSpinner();
    this.drawSpinner();
  }

  /** A line from outside the run (the prompt's answer, a hint). */
  note(text: string): void {
    this.clearSpinner();
    this.print(text);
    this.drawSpinner();
  }

  /** Stops the spinner before the prompt or the end. */
  pause(): void {
    this.stopSpinner();
  }

  stop(): void {
    this.stopSpinner();
  }

  private flushOutput(s: RunStatus, final: boolean): void {
    const tail = s.execution?.outputTail ?? '';
    const added = outputDelta(this.output, tail);
    this.output = tail;
    let text = this.partial + added;
    this.partial = '';
    if (!final) {
      // Hold a line back until it is complete, so "epoch 3/8" is not printed as "epo" + "ch 3/8".
      const cut = text.lastIndexOf('\n');
      this.partial = text.slice(cut + 1);
      text = text.slice(0, cut + 1);
    }
    if (text.length > 0) for (const l of outputLines(text)) this.print(l);
  }

  private print(text: string): void {
    for (const l of text.split('\n')) this.opts.out.write(`${`${this.opts.prefix}${l}`.trimEnd()}\n`);
  }

  private startSpinner(): void {
    if (this.timer) return;
    this.timer = setInterval(() => {
      this.frame = (this.frame + 1) % FRAMES.length;
      this.clearSpinner();
      this.drawSpinner();
    }, 100);
    this.timer.unref();
  }

  private stopSpinner(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
    this.clearSpinner();
  }

  private clearSpinner(): void {
    if (!this.spinnerShown) return;
    this.opts.out.write('\r\x1b[2K');
    this.spinnerShown = false;
  }

  private drawSpinner(): void {
    const s = this.latest;
    if (!this.timer || !s) return;
    const width = Math.max(20, (this.opts.out.columns ?? 100) - 1);
    const text = `${this.opts.prefix}${FRAMES[this.frame]} ${(PHASE[s.status] ?? s.status.toLowerCase()).padEnd(10)} ${spinnerText(s)}`;
    this.opts.out.write(text.length > width ? `${text.slice(0, width - 1)}…` : text);
    this.spinnerShown = true;
  }
}

function isEndKey(key: string): boolean {
  return [
    'failed',
    'rejected',
    'expired',
    'over-budget',
    'cancelled',
    'released',
    'left-behind',
    'receipt',
  ].includes(key);
}

function spinnerText(s: RunStatus): string {
  if (s.status === 'RUNNING' && s.execution?.startedAt) {
    const elapsed = Date.now() - Date.parse(s.execution.startedAt);
    const unit = s.chosen?.unitPricePerHour;
    const accrued = unit !== undefined ? ` · accrued ≈ CNY ${cny((unit * elapsed) / 3_600_000)}` : '';
    return `${formatClock(elapsed)}${accrued}`;
  }
  return s.message;
}
