// The run's visible state: what the status query returns, what the Web UI shows (search attributes,
// memo, Markdown current details) and, at the end, the result. Every status change goes through
// `set`, so the views can never disagree; the memo, written less often, holds the last settled one
// (see planKey).
import {
  ApplicationFailure,
  setCurrentDetails,
  upsertMemo,
  upsertSearchAttributes,
} from '@temporalio/workflow';
import { usageQuantityText } from '../planner/pricing';
import { describeAttempt } from '../planner/spot';
import type { QuoteOption } from '../planner/types';
import {
  type Execution,
  type ResourceRecord,
  type RunStatus,
  type Status,
  TERMINAL_STATUSES,
} from './messages';
import { runGeneration } from './patches';
import { AcpBudget, AcpEstimatedCost, AcpProduct, AcpRegion, AcpStatus } from './search-attributes';

const MAX_EVENTS = 200;

/** What the Web UI's Memo shows of a run (docs/operators.md). */
type Memo = {
  status: Status;
  summary?: string;
  message: string;
  options: string[];
  chosen?: string;
  attempts?: string[];
  endpoints?: string[];
};

/** Statuses a run waits in for a person or the cloud: entering or leaving one rewrites the memo. */
const WAITING: readonly Status[] = ['AWAITING_CONFIRMATION', 'BLOCKED'];

export class RunState {
  readonly status: RunStatus;
  private readonly listeners: ((status: RunStatus) => void)[] = [];
  /** The message of the last status change: what the memo carries (progress lines do not). */
  private statusMessage = '';
  private flushQueued = false;
  private readonly resolved = Promise.resolve();
  /** The memo as last written. */
  private memoWritten?: Memo;
  private readonly attributesWritten = new Map<string, unknown>();
  /** The options as last rendered (table and memo rows), with what they were rendered from. */
  private rendered?: { from: unknown[]; table: string; memoRows: string[] };
  /**
   * Which way this run writes (workflows/patches.ts): runs of generation 0 write the memo at every
   * status change and the search attributes at PARSING too; generation 1 also writes them while
   * QUOTING and the memo whenever the options or the choice change. Their histories replay only
   * that way (docs/operators.md, upgrading workers).
   */
  private readonly generation = runGeneration();

  constructor(workflowId: string) {
    this.status = {
      workflowId,
      status: 'PARSING',
      summary: '',
      message: 'reading the request',
      options: [],
      resourcesCreated: [],
      resourcesReleased: [],
      leftBehind: [],
      kept: [],
      currency: 'CNY',
      warnings: [],
      events: [],
    };
  }

  set(status: Status, message: string): void {
    this.status.status = status;
    this.status.message = message;
    this.statusMessage = message;
    this.event(message);
    this.status.summary = runSummary(this.status);
    this.publish();
    for (const listener of this.listeners) listener(this.status);
  }

  /** Called after every status change (the Slack thread follows the run this way). */
  onStatus(listener: (status: RunStatus) => void): void {
    this.listeners.push(listener);
  }

  event(message: string): void {
    this.status.events.push({ at: new Date(Date.now()).toISOString(), message });
    if (this.status.events.length > MAX_EVENTS)
      this.status.events.splice(0, this.status.events.length - MAX_EVENTS);
  }

  progress(message: string): void {
    this.status.message = message;
    this.event(message);
    this.publish();
  }

  created(r: ResourceRecord): void {
    this.status.resourcesCreated.push(r);
    this.event(`created ${r.type} ${r.id}`);
    this.publish();
  }

  kept(r: ResourceRecord): void {
    this.status.kept.push(r);
    this.event(`reusing ${r.type} ${r.id}`);
  }

  executing(execution: Execution): void {
    this.status.execution = execution;
    this.publish();
  }

  /** A service's addresses (http://IP:PORT), kept in the status, the memo and the details. */
  published(urls: string[]): void {
    this.status.endpoints = urls;
    this.event(`serving at ${urls.join(', ')}`);
    this.publish();
  }

  /**
   * The Web UI's copies (search attributes, memo, current details) are written once per workflow
   * activation, after everything it changed, and only where they changed: each search-attribute or
   * memo upsert is a history event and a visibility write on the server, which a step-by-step run
   * would otherwise pay at every line of progress. The microtask runs before the activation's
   * commands are sent (and before the workflow's own completion), on replay exactly as the first time.
   */
  private publish(): void {
    if (this.flushQueued) return;
    this.flushQueued = true;
    // A reaction on a promise settled long ago runs exactly when `Promise.resolve().then` would, but
    // makes one promise instead of two: the SDK records a source-mapped stack trace for every promise
    // a workflow makes, and this line's two were 4 % of a saga's workflow-thread time.
    void this.resolved.then(() => {
      this.flushQueued = false;
      this.flush();
    });
  }

  private flush(): void {
    const s = this.status;
    const { table, memoRows } = this.optionsRendered();
    // A run leaves PARSING within the activation it starts in unless it loads its script, and QUOTING
    // within the workflow task it starts in unless a region must be asked again: the first status
    // worth listing is the one after the comparison (a run that fails before fails its workflow).
    if (
      this.generation >= 1 &&
      (s.status === 'PARSING' || (this.generation >= 2 && s.status === 'QUOTING'))
    ) {
      setCurrentDetails(renderDetails(s, table));
      return;
    }
    const chosen = s.chosen ?? (s.recommended !== undefined ? s.options[s.recommended] : undefined);
    const attributes = [
      { key: AcpStatus, value: s.status },
      ...(chosen ? [{ key: AcpProduct, value: chosen.product }] : []),
      ...(chosen || s.region ? [{ key: AcpRegion, value: chosen?.region ?? s.region!.region }] : []),
      ...(s.estimatedCost !== undefined ? [{ key: AcpEstimatedCost, value: s.estimatedCost }] : []),
      ...(s.intent?.budget ? [{ key: AcpBudget, value: s.intent.budget.cny }] : []),
    ].filter((a) => this.attributesWritten.get(a.key.name) !== a.value);
    if (attributes.length > 0) {
      upsertSearchAttributes(attributes as Parameters<typeof upsertSearchAttributes>[0]);
      for (const a of attributes) this.attributesWritten.set(a.key.name, a.value);
    }
    const memo: Memo = {
      status: s.status,
      ...(s.summary ? { summary: s.summary } : {}),
      message: this.statusMessage,
      options: memoRows,
      ...(s.chosen ? { chosen: `${s.chosen.product} ${s.chosen.region} ${s.chosen.spec}` } : {}),
      ...(s.attempts && s.attempts.length > 0 ? { attempts: s.attempts.map(describeAttempt) } : {}),
      ...(s.endpoints?.length ? { endpoints: s.endpoints } : {}),
    };
    const changed = JSON.stringify(memo) !== JSON.stringify(this.memoWritten);
    if (changed && (this.generation === 0 || this.memoWorthy(memo))) {
      upsertMemo(memo);
      this.memoWritten = memo;
    }
    setCurrentDetails(renderDetails(s, table));
  }

  /**
   * The flush runs at every activation of a run that may last days (a service's keep-alive, a long
   * script's polls) while its options change only at the comparison, a new price or a choice: they
   * are rendered again only when an option, the recommendation or the choice is another object.
   */
  private optionsRendered(): { table: string; memoRows: string[] } {
    const s = this.status;
    const from = [s.recommended, s.chosen, ...s.options];
    const before = this.rendered?.from;
    if (!this.rendered || before!.length !== from.length || from.some((x, i) => x !== before![i])) {
      this.rendered = {
        from,
        table: s.options.length > 0 ? renderOptionsMarkdown(s.options, s.recommended, s.chosen) : '',
        memoRows: memoOptions(s.options),
      };
    }
    return this.rendered;
  }

  private memoWorthy(memo: Memo): boolean {
    const [now, before] = [memo.status, this.memoWritten?.status];
    const planChanged = planKey(memo) !== planKey(this.memoWritten ?? { options: [] });
    if (planChanged && (this.generation === 1 || settled(now))) return true;
    if (now === before) return false;
    return settled(now) || (before !== undefined && WAITING.includes(before));
  }
}

/**
 * Every memo upsert is a history event and a visibility write, so the memo holds the run as it last
 * settled: it is rewritten when the run waits for a person or the cloud (or stops waiting), runs the
 * script, or ends, and when what it holds beside the status (the options, the choice, the attempts,
 * the addresses) changes while it is settled. The steps in between (QUOTING, PROVISIONING,
 * RELEASING) are in AcpStatus and the current details, which follow every step. (Generation 1 runs
 * also rewrote it whenever the options or the choice changed.)
 */
function settled(status: Status): boolean {
  return WAITING.includes(status) || status === 'RUNNING' || TERMINAL_STATUSES.includes(status);
}

function planKey(memo: Pick<Memo, 'options' | 'chosen' | 'attempts' | 'endpoints'>) {
  return JSON.stringify([memo.options, memo.chosen, memo.attempts, memo.endpoints]);
}

/**
 * The memo's comparison: the first rows in table order and how many more. Temporal warns above 2 KB
 * of memo (limit.memoSize.warn) and every upsert is stored again in visibility, while a quote that
 * prices every fitting type can have dozens of rows; the whole table is in the status query and the
 * run's details.
 */
const MEMO_OPTIONS = 5;
function memoOptions(options: RunStatus['options']): string[] {
  const shown = options
    .slice(0, MEMO_OPTIONS)
    .map((o) => `${o.product} ${o.region} ${o.zone ?? '-'} ${o.spec} CNY ${o.estimatedTotal}`);
  const more = options.length - shown.length;
  return more > 0 ? [...shown, `… ${more} more (acp status lists them all)`] : shown;
}

/**
 * The last step of every run: a SUCCEEDED run completes its workflow with the document as the result;
 * any other end (FAILED, REJECTED, EXPIRED, OVER_BUDGET) fails the workflow, so the Web UI and
 * `temporal workflow list` show it red, with the same document as the failure's details. Clients read
 * it either way through `runResult` (client/runs.ts); docs/operators.md says what an operator
 * sees.
 */
export function endRun(s: RunStatus): RunStatus {
  if (s.status === 'SUCCEEDED') return s;
  throw ApplicationFailure.create({
    message: `${s.status}${s.summary ? ` · ${s.summary}` : ''} — ${s.message}`,
    type: s.status,
    nonRetryable: true,
    details: [s],
  });
}

/**
 * What the run is about in one line, first in its result and in its Web UI failure: product, spec,
 * where and the price ("ecs ecs.c6.large in cn-hangzhou-h · est. CNY 0.22 · budget CNY 50"). Before a
 * choice it names the recommended (or, over budget, the cheapest) option.
 */
export function runSummary(s: RunStatus): string {
  const feasible = s.options.filter((o) => o.feasible);
  const [option, role] = s.chosen
    ? [s.chosen, '']
    : s.recommended !== undefined
      ? [s.options[s.recommended], 'recommended ']
      : feasible.length > 0
        ? [feasible.reduce((a, b) => (b.estimatedTotal < a.estimatedTotal ? b : a)), 'cheapest ']
        : [undefined, ''];
  const parts: string[] = [];
  if (option) {
    const cost = s.accruedCost !== undefined ? ` · accrued CNY ${s.accruedCost.toFixed(2)}` : '';
    parts.push(
      `${role}${option.product} ${option.spec} in ${option.zone ?? option.region}`,
      `est. CNY ${(s.estimatedCost ?? option.estimatedTotal).toFixed(2)}${cost}`,
    );
  } else if (s.region) {
    parts.push(`no feasible option in ${s.region.region}`);
  }
  if (s.intent?.budget) parts.push(`budget CNY ${s.intent.budget.cny.toFixed(2)}`);
  return parts.join(' · ');
}

export function renderOptionsMarkdown(
  options: QuoteOption[],
  recommended?: number,
  chosen?: QuoteOption,
): string {
  if (options.length === 0) return '_no options yet_';
  const isChosen = (o: QuoteOption) =>
    chosen !== undefined &&
    chosen.product === o.product &&
    chosen.spec === o.spec &&
    chosen.region === o.region;
  const rows = options.map((o, i) => {
    const mark = isChosen(o) ? ' **chosen**' : i === recommended ? ' ← recommended' : '';
    const num = o.feasible ? String(i + 1) : '';
    return o.feasible
      ? `| ${num} | ${o.product} | ${o.region} | ${o.zone ?? '—'} | ${o.spec}${o.spot ? ' (spot)' : ''} | ${o.unitPricePerHour.toFixed(2)} | ${o.estimatedTotal.toFixed(2)} | ~${Math.ceil(o.readyInSeconds / 60)} min |${mark} |`
      : `| | ${o.product} | ${o.region} | — | — | — | — | not feasible: ${o.reason ?? ''} | |`;
  });
  return [
    '| # | product | region | zone | spec | CNY/h | est. total | ready in | |',
    '|---|---|---|---|---|---|---|---|---|',
    ...rows,
  ].join('\n');
}

function renderDetails(s: RunStatus, optionsTable: string): string {
  const lines = [`### ${s.status}`, '', ...(s.summary ? [`**${s.summary}**`, ''] : []), s.message, ''];
  if (s.intent) lines.push(`**Intent:** ${s.intent.summary}`, '');
  if (s.region) lines.push(`**Region:** ${s.region.region} — ${s.region.reason}`, '');
  if (optionsTable) lines.push(optionsTable, '');
  if (s.status === 'AWAITING_CONFIRMATION') {
    lines.push(
      `Approve with \`acp confirm ${s.workflowId}\` or \`temporal workflow signal -w ${s.workflowId} --name confirm\`.`,
      '',
    );
  }
  if (s.attempts && s.attempts.length > 0) {
    lines.push('**Attempts:**', ...s.attempts.map((a) => `- ${describeAttempt(a)}`), '');
  }
  if (s.endpoints?.length) lines.push(`**Serving at:** ${s.endpoints.join(', ')}`, '');
  const network = (s.chosen ?? (s.recommended !== undefined ? s.options[s.recommended] : undefined))?.network;
  if (network) {
    lines.push(
      `**Public IP:** pay-by-traffic, CNY ${network.cnyPerGbOut.toFixed(2)}/GB out (inbound free), at most CNY ${network.maxCnyPerHour.toFixed(2)}/h at ${network.maxBandwidthOutMbps} Mbit/s — not in the estimate (${network.source}, ${network.date})`,
      '',
    );
  }
  if (s.resourcesCreated.length > 0) {
    lines.push(`**Created:** ${s.resourcesCreated.map((r) => `${r.type} ${r.id}`).join(', ')}`, '');
  }
  if (s.resourcesReleased.length > 0) {
    lines.push(`**Released:** ${s.resourcesReleased.map((r) => `${r.type} ${r.id}`).join(', ')}`, '');
  }
  if (s.leftBehind.length > 0)
    lines.push(`**Left behind:** ${s.leftBehind.map((r) => `${r.type} ${r.id}`).join(', ')}`, '');
  if (s.execution?.outputTail) {
    lines.push('**Output (tail):**', '```', s.execution.outputTail.split('\n').slice(-15).join('\n'), '```');
  }
  if (s.estimatedCost !== undefined) {
    lines.push(
      `Estimated CNY ${s.estimatedCost.toFixed(2)}${s.accruedCost !== undefined ? ` · accrued CNY ${s.accruedCost.toFixed(2)}` : ''}`,
    );
  }
  for (const u of s.usage ?? []) {
    lines.push(
      `${u.item}: ${usageQuantityText(u)} × CNY ${u.unitPrice.toFixed(2)}/${u.unit} = CNY ${u.cost.toFixed(2)}`,
    );
  }
  return lines.join('\n');
}
