// What a person sees, as pure functions of the run's status: the step lines, the
// comparison table, the prompt, the receipt. No I/O here, so every line can be tested as data.
import { usageQuantityText } from '../planner/pricing';
import { describeAttempt } from '../planner/spot';
import type { Intent, QuoteOption, RegionChoice, Script, ScriptCheck } from '../planner/types';
import {
  blockedNextStep,
  type ResourceRecord,
  type RunStatus,
  TERMINAL_STATUSES,
} from '../workflows/messages';

/** A line that is printed once: the key says which fact it reports, so a re-poll does not repeat it. */
export interface StepLine {
  key: string;
  text: string;
}

/** What the client knows that the status query does not carry. */
export interface StepContext {
  /** The script as the CLI read and checked it (the workflow only sees its content). */
  script?: { script: Script; check: ScriptCheck };
  /** A `quote` run: it ends with the recommendation, not a receipt (nothing was created). */
  quote?: boolean;
  /** A `--simulate` run: its cloud lives in the following process, which has to stay for a retry. */
  simulated?: boolean;
}

const LABEL_WIDTH = 10;

export function step(mark: '✔' | '✘' | '!' | ' ', label: string, text: string): string {
  return `${mark} ${label.padEnd(LABEL_WIDTH)} ${text}`.trimEnd();
}

export function cny(n: number): string {
  return n.toFixed(2);
}

/** "~10 s", "~3 min", "~1.5 h". */
export function formatReadyIn(seconds: number): string {
  if (seconds < 60) return `~${Math.max(1, Math.round(seconds))} s`;
  if (seconds < 3600) return `~${Math.round(seconds / 60)} min`;
  return `~${Math.round((seconds / 3600) * 10) / 10} h`;
}

/** "850 ms", "12 s", "3 m 4 s", "1 h 52 m". */
export function formatElapsed(ms: number): string {
  if (ms < 1000) return `${Math.round(ms)} ms`;
  const s = Math.round(ms / 1000);
  if (s < 60) return `${s} s`;
  const m = Math.floor(s / 60);
  if (m < 60) return `${m} m ${s % 60} s`;
  return `${Math.floor(m / 60)} h ${m % 60} m`;
}

/** "00:41:12". */
export function formatClock(ms: number): string {
  const s = Math.max(0, Math.floor(ms / 1000));
  const pad = (n: number) => String(n).padStart(2, '0');
  return `${pad(Math.floor(s / 3600))}:${pad(Math.floor((s % 3600) / 60))}:${pad(s % 60)}`;
}

const RESOURCE_WORDS: Record<string, string> = {
  vpc: 'VPC',
  vswitch: 'vSwitch',
  'security-group': 'security group',
  instance: 'ECS instance',
  function: 'FC function',
  cluster: 'ACK cluster',
  'k8s-job': 'Kubernetes Job',
  'dlc-job': 'DLC job',
};

export function resourceLabel(r: Pick<ResourceRecord, 'type' | 'id'>): string {
  return `${RESOURCE_WORDS[r.type] ?? r.type} ${r.id}`;
}

// ---- the comparison table ----

export interface TableOptions {
  /** Feasible rows shown before "… N more"; infeasible rows are always shown. */
  maxRows?: number;
  /** Marks the option a person (or --yes) chose instead of the recommendation. */
  chosen?: QuoteOption;
  /** What was asked: a spec bigger than that says so in its row, and why under the table. */
  intent?: Pick<Intent, 'cpu' | 'memoryGiB' | 'gpu'>;
  /** The moment the ages of cached prices and stock are measured from (default: now). */
  now?: number;
}

/** How old the oldest of a time the feasible rows carry is, or undefined when none carries it. */
function oldestAge(options: QuoteOption[], at: (o: QuoteOption) => string | undefined, now: number) {
  const times = options.filter((o) => o.feasible && at(o)).map((o) => Date.parse(at(o)!));
  return times.length === 0 ? undefined : Math.max(0, now - Math.min(...times));
}

/** How old the cloud prices under the table are: cached ones say so (QuoteOption.pricedAt). */
export function priceAgeLine(options: QuoteOption[], now: number): string | undefined {
  const oldest = oldestAge(options, (o) => o.pricedAt, now);
  if (oldest === undefined) return undefined;
  if (oldest < 60_000) return '  prices: asked of the cloud just now';
  return `  prices: cached, the oldest ${formatElapsed(oldest)} old; acp asks again before it creates anything`;
}

/** A stock answer younger than this reads as just asked. */
const STOCK_JUST_NOW_MS = 5_000;

/**
 * How old the stock under the table is where it was not asked just now (PAI-DLC's pool, kept a
 * minute: QuoteOption.stockSeenAt); undefined when every row's stock is fresh.
 */
export function stockAgeLine(options: QuoteOption[], now: number): string | undefined {
  const oldest = oldestAge(options, (o) => o.stockSeenAt, now);
  if (oldest === undefined || oldest < STOCK_JUST_NOW_MS) return undefined;
  return `  PAI-DLC stock: as the cloud stated it ${formatElapsed(oldest)} ago; acp asks again before it creates the job`;
}

type Asked = NonNullable<TableOptions['intent']>;

/** What in this option is bigger than asked ("8× A100, asked 2"), or undefined when it fits exactly. */
export function biggerThanAsked(o: QuoteOption, asked: Asked | undefined): string | undefined {
  if (!asked || !o.feasible || o.alternative) return undefined;
  if (asked.gpu) {
    // A GPU spec's vCPU and memory come with the card; only the number of cards is the user's ask.
    return o.gpu && o.gpu.count > asked.gpu.count
      ? `${o.gpu.count}× ${asked.gpu.model}, asked ${asked.gpu.count}`
      : undefined;
  }
  const parts = [
    ...(o.cpu !== undefined && o.cpu > asked.cpu ? [`${o.cpu} vCPU, asked ${asked.cpu}`] : []),
    ...(o.memoryGiB !== undefined && o.memoryGiB > asked.memoryGiB
      ? [`${o.memoryGiB} GiB, asked ${asked.memoryGiB}`]
      : []),
  ];
  return parts.length > 0 ? parts.join('; ') : undefined;
}

/** Why a bigger spec is offered: an exact one exists but costs more, or none is offered at all. */
function whyBigger(o: QuoteOption, options: QuoteOption[], asked: Asked): string {
  const exact = options.find(
    (x) => x.feasible && x.product === o.product && !x.spot && biggerThanAsked(x, asked) === undefined,
  );
  if (exact) return `cheaper here than the exact size (${exact.spec} at CNY ${cny(exact.estimatedTotal)})`;
  return asked.gpu
    ? `no ${o.product} spec with exactly ${asked.gpu.count}× ${asked.gpu.model} is offered where acp looked; this is the smallest that holds them`
    : `no ${o.product} spec of exactly that size is offered where acp looked; this is the smallest that holds it`;
}

function specText(o: QuoteOption, asked: Asked | undefined): string {
  const bigger = biggerThanAsked(o, asked);
  const extras = [
    o.spot ? 'spot' : undefined,
    o.alternative ? 'smaller than asked' : undefined,
    bigger ? `bigger: ${bigger}` : undefined,
  ].filter(Boolean);
  return extras.length > 0 ? `${o.spec} (${extras.join(', ')})` : o.spec;
}

/**
 * The comparison table: numbered feasible rows (the number is what `confirm --option` takes),
 * the recommended one marked, and unnumbered "not feasible: why" rows after them.
 */
export function renderOptionsTable(
  options: QuoteOption[],
  recommended: number | undefined,
  opts: TableOptions = {},
): string[] {
  if (options.length === 0) return ['  (no options)'];
  const maxRows = opts.maxRows ?? Number.POSITIVE_INFINITY;
  const header = ['#', 'product', 'region', 'zone', 'spec', 'CNY/h', 'est. total', 'ready in'];
  const numeric = [false, false, false, false, false, true, true, false];
  const rows: { cells: string[]; tail: string }[] = [];
  let shown = 0;
  let hidden = 0;
  const shownIndices: number[] = [];
  options.forEach((o, i) => {
    if (!o.feasible) {
      rows.push({
        cells: ['', o.product, o.region || '—', '—', '—', '—', '—', ''],
        tail: `not feasible: ${o.reason ?? 'no reason given'}`,
      });
      return;
    }
    const isChosen = opts.chosen !== undefined && sameOption(opts.chosen, o);
    if (shown >= maxRows && i !== recommended && !isChosen) {
      hidden += 1;
      return;
    }
    shown += 1;
    shownIndices.push(i);
    const mark = isChosen ? '← chosen' : i === recommended ? '← recommended' : '';
    rows.push({
      cells: [
        String(i + 1),
        o.product,
        o.region,
        o.zone ?? '—',
        specText(o, opts.intent),
        cny(o.unitPricePerHour),
        cny(o.estimatedTotal),
        formatReadyIn(o.readyInSeconds),
      ],
      tail: mark,
    });
  });
  const widths = header.map((h, c) => Math.max(h.length, ...rows.map((r) => r.cells[c]!.length)));
  const line = (cells: string[], tail: string) => {
    const body = cells
      .map((cell, c) => (numeric[c] ? cell.padStart(widths[c]!) : cell.padEnd(widths[c]!)))
      .join('  ');
    // An infeasible row has no "ready in": its reason takes that column's place.
    return `  ${tail && cells[7] === '' ? `${body.slice(0, body.length - widths[7]!)}${tail}` : `${body}${tail ? `   ${tail}` : ''}`}`.trimEnd();
  };
  const out = [line(header, ''), ...rows.map((r) => line(r.cells, r.tail))];
  if (hidden > 0) out.push(`  … ${hidden} more option${hidden === 1 ? '' : 's'} (--json lists them all)`);
  const asked = opts.intent;
  if (asked) {
    const notes = new Map<string, number[]>();
    shownIndices.forEach((i) => {
      const o = options[i]!;
      if (biggerThanAsked(o, asked) === undefined) return;
      const why = whyBigger(o, options, asked);
      notes.set(why, [...(notes.get(why) ?? []), i + 1]);
    });
    for (const [why, rowsOf] of notes) out.push(`  bigger than asked (#${rowsOf.join(', #')}): ${why}`);
  }
  const now = opts.now ?? Date.now();
  for (const line of [priceAgeLine(options, now), stockAgeLine(options, now)]) if (line) out.push(line);
  return out;
}

function sameOption(a: QuoteOption, b: QuoteOption): boolean {
  return (
    a.product === b.product &&
    a.region === b.region &&
    a.spec === b.spec &&
    (a.spot ?? false) === (b.spot ?? false)
  );
}

// ---- step lines ----

function scriptText(script: Script, check: ScriptCheck): string {
  const what = [`${script.lines} line${script.lines === 1 ? '' : 's'}`];
  if (check.frameworks.length > 0) what.push(check.frameworks.join(', '));
  const facts = what.join(', ');
  const fetches =
    check.overseasFetches.length > 0 ? `; fetches from overseas: ${check.overseasFetches.join(', ')}` : '';
  const source = script.source.startsWith('template:')
    ? `generated from the ${script.source.slice(9)} template`
    : script.source;
  return `${source} (${facts}${fetches})`;
}

function quotesText(s: RunStatus): string {
  // Products quoted: the candidates (the other products' rows only say why they were left out).
  const products = s.candidates?.length ?? new Set(s.options.map((o) => o.product)).size;
  const regions = new Set(s.options.map((o) => o.region).filter((r) => r && r !== '—')).size;
  const zones = new Set(s.options.flatMap((o) => o.zones ?? (o.zone ? [o.zone] : [])).map((z) => z)).size;
  const parts = [
    `${products} product${products === 1 ? '' : 's'}`,
    `${regions} region${regions === 1 ? '' : 's'}`,
    ...(zones > 0 ? [`${zones} zone${zones === 1 ? '' : 's'}`] : []),
  ];
  const took = quotingTook(s);
  return `${parts.join(', ')} checked${took !== undefined ? ` in ${formatElapsed(took)}` : ''}`;
}

/** From the run's own event log: the quoting step starts with "comparing …" and ends at the next event. */
function quotingTook(s: RunStatus): number | undefined {
  const i = s.events.findIndex((e) => e.message.startsWith('comparing '));
  const next = i >= 0 ? s.events[i + 1] : undefined;
  if (!next) return undefined;
  return Date.parse(next.at) - Date.parse(s.events[i]!.at);
}

/**
 * The region step names the class of regions the rule picked and why ("mainland: cn-hangzhou and 4
 * more compared — …"); which region wins is the table's business (see whyRecommended).
 */
export function regionText(r: RegionChoice): string {
  if (r.fallbacks.length === 0) return `${r.region} — ${r.reason}`;
  const n = r.fallbacks.length;
  return `${r.overseas ? 'overseas' : 'mainland'}: ${r.region} and ${n} more region${n === 1 ? '' : 's'} compared — ${r.reason}`;
}

/** Why the recommended row is the one: cheapest feasible, and where it beats the rule's first region. */
export function whyRecommended(s: Pick<RunStatus, 'options' | 'recommended' | 'region'>): string[] {
  if (s.recommended === undefined) return [];
  const o = s.options[s.recommended];
  if (!o) return [];
  const first = s.region?.region;
  const where =
    first && o.region !== first && o.region !== '—'
      ? (() => {
          const home = s.options.find(
            (x) => x.feasible && x.region === first && x.product === o.product && !!x.spot === !!o.spot,
          );
          return home
            ? `; ${o.region} quotes it below ${first} (CNY ${cny(home.estimatedTotal)}), the first region of the rule`
            : `; ${first}, the first region of the rule, had no ${o.product} offer`;
        })()
      : '';
  return [`  #${s.recommended + 1} is recommended: the cheapest feasible option${where}`];
}

const ORDER = [
  'PARSING',
  'QUOTING',
  'AWAITING_CONFIRMATION',
  'PROVISIONING',
  'RUNNING',
  'RELEASING',
] as const;

function pastQuoting(s: RunStatus): boolean {
  const i = (ORDER as readonly string[]).indexOf(s.status);
  return i < 0 ? s.options.length > 0 : i > ORDER.indexOf('QUOTING');
}

/** Progress events worth a line of their own: failover, price changes, the budget guard, TTL, teardown. */
const NOTABLE_EVENT =
  /trying the next placement|price rose|budget guard|TTL of|teardown requested|confirmation ignored|retrying after/;

/**
 * Every line the status implies so far, in the order of a run's steps (docs/architecture.md). The printer shows the ones it has
 * not shown yet; the table comes as one line group under the key 'table'.
 */
export function stepLines(s: RunStatus, ctx: StepContext = {}, opts: TableOptions = {}): StepLine[] {
  const lines: StepLine[] = [];
  const add = (key: string, text: string) => lines.push({ key, text });
  if (s.intent) add('intent', step('✔', 'intent', s.intent.summary));
  if (s.intent && ctx.script)
    add('script', step('✔', 'script', scriptText(ctx.script.script, ctx.script.check)));
  else if (s.intent && ctx.quote) add('script', step('✔', 'script', 'none: a quote prices the shape alone'));
  for (const w of s.warnings) add(`warning:${w}`, step('!', 'warning', w));
  if (s.region) add('region', step('✔', 'region', regionText(s.region)));
  if (s.options.length > 0 && pastQuoting(s)) {
    add('quotes', step('✔', 'quotes', quotesText(s)));
    add(
      'table',
      [
        '',
        ...renderOptionsTable(s.options, s.recommended, { intent: s.intent, ...opts }),
        ...whyRecommended(s),
        '',
      ].join('\n'),
    );
    const network = networkLine(s);
    if (network) add('network', network);
  }
  if (s.confirmation?.option !== undefined) {
    const c = s.confirmation;
    const who = c.by === 'skipConfirmation' ? 'with --yes' : `by ${c.by}`;
    add(
      'confirmed',
      step('✔', 'confirmed', `option ${c.option} ${who} at ${clockTime(c.at)} (workflow ${s.workflowId})`),
    );
  }
  for (const e of s.events) {
    if (NOTABLE_EVENT.test(e.message)) add(`event:${e.at}:${e.message}`, step('!', 'note', e.message));
  }
  for (const r of s.resourcesCreated) add(`created:${r.id}`, step('✔', 'created', resourceLabel(r)));
  for (const r of s.kept) add(`kept:${r.id}`, step('✔', 'reusing', resourceLabel(r)));
  if (s.blocked) {
    add(`blocked:${s.blocked.code}`, step('!', 'blocked', `${s.blocked.code}: ${s.blocked.message}`));
    add(`blocked-next:${s.blocked.code}`, step(' ', '', blockedNextStep(s.blocked.nextStep, s.workflowId)));
    if (ctx.simulated)
      add(
        `blocked-simulated:${s.blocked.code}`,
        step(
          ' ',
          '',
          'the simulated cloud lives in this process: keep it open while you retry from another terminal, or press Ctrl-C to release everything',
        ),
      );
  }
  const exec = s.execution;
  if (exec?.startedAt || s.status === 'RUNNING') add('running', step('✔', 'running', runningText(s)));
  if (exec?.exitCode !== undefined) {
    const took =
      exec.startedAt && exec.finishedAt
        ? ` in ${formatElapsed(Date.parse(exec.finishedAt) - Date.parse(exec.startedAt))}`
        : '';
    add('finished', step(exec.exitCode === 0 ? '✔' : '✘', 'finished', `exit ${exec.exitCode}${took}`));
    if (exec.exitCode === 0 && s.intent?.kind === 'service' && s.status === 'RUNNING') {
      const at = s.endpoints?.length ? `${s.endpoints.join(', ')} — ` : '';
      add(
        'serving',
        step('✔', 'serving', `${at}up until \`acp teardown ${s.workflowId}\`, its TTL or the budget guard`),
      );
    }
  }
  if (isFinal(s)) lines.push(...(ctx.quote ? quoteEndLines(s) : endLines(s)));
  return lines;
}

/** The public address the recommended (or chosen) ECS option includes, priced per GB (docs/network.md). */
function networkLine(s: RunStatus): string | undefined {
  const o = s.chosen ?? (s.recommended !== undefined ? s.options[s.recommended] : undefined);
  const n = o?.network;
  if (!n) return undefined;
  const why =
    n.reason === 'service' ? 'the service’s visitors' : `the script’s downloads (${n.fetches.join(', ')})`;
  return step(
    ' ',
    'network',
    `public IP for ${why}: CNY ${cny(n.cnyPerGbOut)}/GB out, inbound free (pay-by-traffic, Alibaba list price of ${n.date}); at most CNY ${cny(n.maxCnyPerHour)}/h at its ${n.maxBandwidthOutMbps} Mbit/s cap, not in est. total`,
  );
}

/** The end of `acp quote`: what it would run, or why nothing fits. */
export function quoteEndLines(s: RunStatus): StepLine[] {
  if (s.status === 'SUCCEEDED' && s.recommended !== undefined) {
    const o = s.options[s.recommended]!;
    return [
      {
        key: 'recommended',
        text: step(
          '✔',
          'recommended',
          `option ${s.recommended + 1}: ${o.product} ${o.spec} in ${o.zone ?? o.region}, ≈ CNY ${cny(o.estimatedTotal)}; nothing was created`,
        ),
      },
    ];
  }
  const label = s.status === 'OVER_BUDGET' ? 'over budget' : s.status.toLowerCase();
  return [{ key: 'quote-end', text: step('✘', label, `${s.message}; nothing was created`) }];
}

function runningText(s: RunStatus): string {
  const where = s.chosen ? `${s.chosen.spec} in ${s.chosen.zone ?? s.chosen.region}` : '';
  return `the script${where ? ` on ${where}` : ''}`;
}

function clockTime(iso: string): string {
  const d = new Date(iso);
  return Number.isNaN(d.getTime())
    ? iso
    : `${String(d.getHours()).padStart(2, '0')}:${String(d.getMinutes()).padStart(2, '0')}`;
}

export function isFinal(s: Pick<RunStatus, 'status'>): boolean {
  return TERMINAL_STATUSES.includes(s.status);
}

/** The closing lines: why it ended (when it did not succeed), what was released, and the receipt. */
export function endLines(s: RunStatus): StepLine[] {
  const lines: StepLine[] = [];
  const add = (key: string, text: string) => lines.push({ key, text });
  switch (s.status) {
    case 'FAILED':
      add(
        'failed',
        step(
          '✘',
          'failed',
          s.error ? `${s.error.code ? `${s.error.code}: ` : ''}${s.error.message}` : s.message,
        ),
      );
      break;
    case 'REJECTED':
      add('rejected', step('✘', 'rejected', s.message));
      break;
    case 'EXPIRED':
      add('expired', step('✘', 'expired', s.message));
      break;
    case 'OVER_BUDGET':
      add('over-budget', step('✘', 'over budget', `${s.message}; nothing was created`));
      break;
    case 'CANCELLED':
      add('cancelled', step('✘', 'cancelled', s.message));
      break;
  }
  for (const a of s.attempts ?? [])
    add(`attempt-${a.n}`, step(a.ended === 'reclaimed' ? '!' : ' ', 'attempt', describeAttempt(a)));
  if (s.resourcesReleased.length > 0)
    add('released', step('✔', 'released', s.resourcesReleased.map(resourceLabel).join(', ')));
  if (s.leftBehind.length > 0)
    add(
      'left-behind',
      step('✘', 'LEFT', `behind and still billing: ${s.leftBehind.map(resourceLabel).join(', ')}`),
    );
  add('receipt', step(' ', 'receipt', receipt(s)));
  return lines;
}

export function receipt(s: RunStatus): string {
  const parts: string[] = [];
  parts.push(s.estimatedCost !== undefined ? `estimated CNY ${cny(s.estimatedCost)}` : 'estimated —');
  parts.push(`accrued CNY ${cny(s.accruedCost ?? 0)}`);
  for (const u of s.usage ?? [])
    parts.push(`${u.item} ${usageQuantityText(u)} × CNY ${cny(u.unitPrice)}/${u.unit} = CNY ${cny(u.cost)}`);
  parts.push(
    `left behind: ${s.leftBehind.length === 0 ? 'nothing' : s.leftBehind.map((r) => r.id).join(', ')}`,
  );
  if (s.kept.length > 0) parts.push(`kept on purpose: ${s.kept.map(resourceLabel).join(', ')}`);
  return parts.join(' · ');
}

// ---- the confirmation prompt ----

/** "Proceed with option 1 (ecs, ≈ CNY 0.42, within budget 300)? [y/N/number] " */
export function confirmQuestion(s: RunStatus): string {
  const i = s.recommended;
  if (i === undefined)
    return 'No option is recommended. Choose an option number, or N to reject: [N/number] ';
  const o = s.options[i]!;
  const budget = s.intent?.budget ? `, within budget ${formatBudget(s.intent.budget)}` : '';
  return `Proceed with option ${i + 1} (${o.product}, ≈ CNY ${cny(o.estimatedTotal)}${budget})? [y/N/number] `;
}

function formatBudget(b: { amount: number; currency: string; cny: number }): string {
  return b.currency === 'CNY' ? `${b.amount}` : `${b.currency} ${b.amount} (CNY ${cny(b.cny)})`;
}

export type Answer =
  | { kind: 'confirm'; option: number }
  | { kind: 'reject' }
  | { kind: 'invalid'; why: string };

/** Reads the prompt's answer: y/yes → the recommended option, a number → that option, anything else → no. */
export function readAnswer(text: string, s: Pick<RunStatus, 'options' | 'recommended'>): Answer {
  const t = text.trim().toLowerCase();
  if (t === 'y' || t === 'yes') {
    if (s.recommended === undefined)
      return { kind: 'invalid', why: 'there is no recommended option; type its number' };
    return { kind: 'confirm', option: s.recommended + 1 };
  }
  if (/^\d+$/.test(t)) {
    const n = Number(t);
    const o = s.options[n - 1];
    if (!o) return { kind: 'invalid', why: `there is no option ${n}` };
    if (!o.feasible) return { kind: 'invalid', why: `option ${n} is not feasible: ${o.reason ?? ''}` };
    return { kind: 'confirm', option: n };
  }
  return { kind: 'reject' };
}

/** How to answer a run waiting for a yes, from anywhere. */
export function howToConfirm(workflowId: string): string[] {
  return [
    `waiting for confirmation of ${workflowId}; answer from any terminal:`,
    `  acp confirm ${workflowId} [--option N]    or    acp reject ${workflowId}`,
    `  temporal workflow signal -w ${workflowId} --name confirm --input '{"option": 1}'`,
  ];
}

// ---- output streaming ----

/**
 * The text appended between two reads of a bounded output tail: the new tail starts with the end of
 * the old one (or the whole old one while the output is shorter than the bound).
 */
export function outputDelta(previous: string, next: string): string {
  if (next.startsWith(previous)) return next.slice(previous.length);
  for (let k = Math.min(previous.length, next.length); k > 0; k--) {
    if (previous.endsWith(next.slice(0, k))) return next.slice(k);
  }
  return next;
}

/** Output lines as shown under the steps. */
export function outputLines(text: string): string[] {
  return text
    .replace(/\n$/, '')
    .split('\n')
    .map((l) => `  │ ${l}`);
}

// ---- status and list ----

/** `acp status ID`: where the run stands, the table, resources and costs. */
export function renderStatus(s: RunStatus): string[] {
  const out = [`${s.workflowId}  ${s.status}`, `  ${s.message}`];
  if (s.intent) out.push(step(' ', 'intent', s.intent.summary));
  if (s.region) out.push(step(' ', 'region', regionText(s.region)));
  if (s.options.length > 0)
    out.push(
      '',
      ...renderOptionsTable(s.options, s.recommended, { chosen: s.chosen, intent: s.intent }),
      ...whyRecommended(s),
      '',
    );
  if (s.status === 'AWAITING_CONFIRMATION') out.push(...howToConfirm(s.workflowId).map((l) => `  ${l}`));
  if (s.blocked)
    out.push(
      step(
        '!',
        'blocked',
        `${s.blocked.code}: ${s.blocked.message} — ${blockedNextStep(s.blocked.nextStep, s.workflowId)}`,
      ),
    );
  if (s.confirmation) {
    const c = s.confirmation;
    out.push(
      step(
        ' ',
        'decided',
        `${c.option !== undefined ? `option ${c.option}` : 'rejected'} by ${c.by} at ${c.at}${c.reason ? ` (${c.reason})` : ''}`,
      ),
    );
  }
  if (s.endpoints?.length) out.push(step(' ', 'serving', s.endpoints.join(', ')));
  if (s.resourcesCreated.length > 0)
    out.push(step(' ', 'created', s.resourcesCreated.map(resourceLabel).join(', ')));
  if (s.resourcesReleased.length > 0)
    out.push(step(' ', 'released', s.resourcesReleased.map(resourceLabel).join(', ')));
  if (s.execution?.exitCode !== undefined) out.push(step(' ', 'exit code', String(s.execution.exitCode)));
  if (s.error) out.push(step('✘', 'error', `${s.error.code ? `${s.error.code}: ` : ''}${s.error.message}`));
  out.push(step(' ', 'receipt', receipt(s)));
  return out;
}

export interface RunRow {
  workflowId: string;
  status?: string;
  product?: string;
  region?: string;
  estimatedCost?: number;
  budget?: number;
  startTime?: Date;
  type: string;
  /** Run by `acp … --simulate` against its in-process emulator. */
  simulated?: boolean;
}

/** `acp list`: one line per run, newest first. */
export function renderRunList(rows: RunRow[]): string[] {
  if (rows.length === 0) return ['no runs match'];
  const header = ['workflow id', 'status', 'product', 'region', 'est. CNY', 'budget CNY', 'started'];
  const cells = rows.map((r) => [
    `${r.workflowId}${[r.type === 'quote' ? 'quote' : '', r.simulated ? 'simulated' : '']
      .filter(Boolean)
      .map((w) => ` (${w})`)
      .join('')}`,
    r.status ?? '—',
    r.product ?? '—',
    r.region ?? '—',
    r.estimatedCost !== undefined ? cny(r.estimatedCost) : '—',
    r.budget !== undefined ? cny(r.budget) : '—',
    r.startTime ? r.startTime.toISOString().replace('T', ' ').slice(0, 16) : '—',
  ]);
  const widths = header.map((h, c) => Math.max(h.length, ...cells.map((row) => row[c]!.length)));
  const line = (row: string[]) =>
    row
      .map((cell, c) => cell.padEnd(widths[c]!))
      .join('  ')
      .trimEnd();
  return [line(header), ...cells.map(line)];
}
