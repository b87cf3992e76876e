// `acp mcp`: acp as tools for an AI agent, over MCP on stdio. The agent may quote, start a run and
// follow it, but the yes that spends money belongs to a person (`acp confirm`, Slack, the Web UI,
// `temporal workflow signal`), as the skill acp grew from insisted. The one exception is the
// operator's: ACP_AGENT_APPROVAL_LIMIT lets the `approve` tool accept runs estimated below it, and
// the workflow records each such approval as `agent:<client name>`.
//
// stdout is the protocol channel: everything meant for a person goes to stderr.
import { randomBytes } from 'node:crypto';
import { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import { StdioServerTransport } from '@modelcontextprotocol/sdk/server/stdio.js';
import type { CallToolResult } from '@modelcontextprotocol/sdk/types.js';
import {
  WorkflowExecutionAlreadyStartedError,
  type WorkflowExecutionDescription,
  type WorkflowHandle,
} from '@temporalio/client';
import { WorkflowNotFoundError } from '@temporalio/common';
import { z } from 'zod';
import { toCny } from '../planner/pricing';
import { PRODUCTS, type ProvisionRequest, type QuoteOption } from '../planner/types';
import {
  approveUpdate,
  type RunStatus,
  rejectSignal,
  STATUSES,
  type Status,
  statusQuery,
  TERMINAL_STATUSES,
  teardownSignal,
} from '../workflows/messages';
import {
  AcpBudget,
  AcpEstimatedCost,
  AcpProduct,
  AcpRegion,
  AcpStatus,
} from '../workflows/search-attributes';
import { requireCredentials } from './credentials-check';
import { CliError, EXIT, type ExitCode } from './exit-codes';
import {
  type EmbeddedWorker,
  LOCAL_HOST,
  LOCAL_PORT,
  LOCAL_UI_PORT,
  openTemporal,
  type SimulatedCloud,
  startEmbeddedWorker,
  startSimulatedCloud,
  type TemporalStack,
} from './local-stack';
import { cny, renderOptionsTable, renderStatus } from './render';
import { parseBudgetFlag, prepareRequest, type RequestFlags } from './request';
import { type RunFailure, runOutcome } from './run-result';
import { lastingWorkersOn } from './worker-liveness';

const POLL_MS = 300;
/** Feasible rows in a text answer (all of them are in the structured content). */
const TABLE_ROWS = 10;
const QUERY_TIMEOUT_MS = 10_000;
/** How long `quote` and `provision` wait for the comparison before answering "still quoting". */
const COMPARISON_WAIT_MS = 180_000;

// ---- the approval limit (pure) ----

export interface ApprovalLimit {
  /** As the operator wrote it ("20 CNY"). */
  text: string;
  cny: number;
}

/**
 * ACP_AGENT_APPROVAL_LIMIT: unset → no agent approves anything; `20`, `20 CNY`, `$3`, `3 USD` → the
 * CNY amount an agent's approval must stay below. A value acp cannot read refuses every approval.
 */
export function parseApprovalLimit(
  value: string | undefined,
): { kind: 'none' } | { kind: 'limit'; limit: ApprovalLimit } | { kind: 'invalid'; why: string } {
  if (value === undefined || value.trim() === '') return { kind: 'none' };
  try {
    const budget = parseBudgetFlag(value);
    if (!budget || !(budget.amount > 0)) throw new Error('not a positive amount');
    return {
      kind: 'limit',
      limit: { text: value.trim(), cny: toCny(budget.amount, budget.currency as 'CNY' | 'USD') },
    };
  } catch {
    return {
      kind: 'invalid',
      why: `ACP_AGENT_APPROVAL_LIMIT=${JSON.stringify(value)} is not an amount ('20 CNY', '20', '$3')`,
    };
  }
}

export type ApprovalDecision = { allowed: true; why: string } | { allowed: false; why: string };

/** May an agent approve a run estimated at `estimateCny`? Only strictly below the operator's limit. */
export function agentMayApprove(
  limit: ReturnType<typeof parseApprovalLimit>,
  estimateCny: number | undefined,
): ApprovalDecision {
  if (limit.kind === 'none')
    return {
      allowed: false,
      why: 'agents may not approve spending here: the operator has not set ACP_AGENT_APPROVAL_LIMIT',
    };
  if (limit.kind === 'invalid') return { allowed: false, why: limit.why };
  if (estimateCny === undefined)
    return { allowed: false, why: 'the run has no cost estimate to compare with the approval limit' };
  if (estimateCny < limit.limit.cny)
    return {
      allowed: true,
      why: `estimate CNY ${cny(estimateCny)} is below the agent approval limit of CNY ${cny(limit.limit.cny)} (${limit.limit.text})`,
    };
  return {
    allowed: false,
    why: `estimate CNY ${cny(estimateCny)} is not below the agent approval limit of CNY ${cny(limit.limit.cny)} (${limit.limit.text}); a person must approve it`,
  };
}

/** `agent:<name>` from the MCP client's initialize, kept printable and short. */
export function agentName(clientName: string | undefined): string {
  const name = (clientName ?? '')
    .replace(/[^\w.@/+-]+/g, '-')
    .replace(/^-+|-+$/g, '')
    .slice(0, 64);
  return `agent:${name || 'unknown'}`;
}

// ---- tool input → the workflow input, through the CLI's own validation ----

export interface RequestInput {
  intent?: string;
  script?: string;
  scriptPath?: string;
  product?: string;
  region?: string;
  cpu?: number;
  memoryGiB?: number;
  gpu?: string;
  duration?: string | number;
  budget?: string;
  service?: boolean;
  ports?: number[];
  sshCidr?: string;
  ttl?: string;
  confirmTimeout?: string;
}

/** CLI words in the shared validation's messages → the tool's field names. */
const FIELD_OF_FLAG: [RegExp, string][] = [
  [/--script\/--inline/g, 'script/scriptPath'],
  [/--script\b/g, 'scriptPath'],
  [/--inline\b/g, 'script'],
  [/--memory\b/g, 'memoryGiB'],
  [/--port\b/g, 'ports'],
  [/--ssh-cidr\b/g, 'sshCidr'],
  [/--confirm-timeout\b/g, 'confirmTimeout'],
  [/--(cpu|gpu|duration|budget|product|region|ttl)\b/g, '$1'],
  [/the request text/g, 'intent'],
  [/\bdurationMinutes\b/g, 'duration'],
];

function inToolWords(text: string): string {
  return FIELD_OF_FLAG.reduce((t, [re, field]) => t.replace(re, field), text);
}

/** Thrown for tool input acp refuses: the field, the sentence, what to change. */
export class ToolInputError extends Error {
  readonly field: string;
  readonly next: string;
  /** A refused request starts nothing; say so (other refusals, e.g. an approve, change nothing). */
  readonly nothingStarted: boolean;
  constructor(field: string, message: string, next: string, nothingStarted = false) {
    super(message);
    this.name = 'ToolInputError';
    this.field = field;
    this.next = next;
    this.nothingStarted = nothingStarted;
  }
}

const REQUEST_FIELDS = [
  'scriptPath',
  'script',
  'product',
  'region',
  'cpu',
  'memoryGiB',
  'gpu',
  'duration',
  'budget',
  'ports',
  'sshCidr',
  'ttl',
  'confirmTimeout',
  'intent',
];

/** The field a message is about: its `field:` prefix, else the first field it names. */
function fieldOf(message: string): string {
  const prefixed = /^([\w./]+):/.exec(message)?.[1];
  if (prefixed) return prefixed;
  return REQUEST_FIELDS.find((f) => new RegExp(`\\b${f}\\b`).test(message)) ?? 'intent';
}

/**
 * The tool's fields → a `ProvisionRequest`, validated exactly as `acp quote`/`acp run` validate
 * their flags (planner parse, script read and checks). Never sets skipConfirmation.
 */
export function requestFromTool(input: RequestInput, options: { quote?: boolean } = {}): ProvisionRequest {
  const flags: RequestFlags = {
    ...(input.script !== undefined ? { inline: input.script } : {}),
    ...(input.scriptPath !== undefined ? { script: input.scriptPath } : {}),
    ...(input.product !== undefined ? { product: input.product } : {}),
    ...(input.region !== undefined ? { region: input.region } : {}),
    ...(input.cpu !== undefined ? { cpu: String(input.cpu) } : {}),
    ...(input.memoryGiB !== undefined ? { memory: String(input.memoryGiB) } : {}),
    ...(input.gpu !== undefined ? { gpu: input.gpu } : {}),
    ...(input.duration !== undefined ? { duration: String(input.duration) } : {}),
    ...(input.budget !== undefined ? { budget: input.budget } : {}),
    ...(input.service ? { service: true } : {}),
    ...(input.ports !== undefined ? { port: input.ports.map(String) } : {}),
    ...(input.sshCidr !== undefined ? { sshCidr: input.sshCidr } : {}),
    ...(input.ttl !== undefined ? { ttl: input.ttl } : {}),
    ...(input.confirmTimeout !== undefined ? { confirmTimeout: input.confirmTimeout } : {}),
  };
  try {
    const { request } = prepareRequest(input.intent ?? '', flags, { ...options, audience: 'tool' });
    const { skipConfirmation: _never, ...rest } = request;
    return rest;
  } catch (err) {
    if (err instanceof CliError && err.exitCode === EXIT.badInput) {
      const message = inToolWords(err.message);
      const field = fieldOf(message);
      throw new ToolInputError(
        field,
        message,
        err.next ? inToolWords(err.next) : `change ${field} and try again`,
        true,
      );
    }
    throw err;
  }
}

// ---- what a tool answers ----

export interface OptionRow {
  /** What `acp confirm --option` and the approve tool take; absent on rows that are not feasible. */
  option?: number;
  recommended: boolean;
  product: string;
  region: string;
  zone?: string;
  spec: string;
  unitPricePerHour: number;
  estimatedTotal: number;
  durationMinutes: number;
  readyInSeconds: number;
  feasible: boolean;
  reason?: string;
  spot?: boolean;
  smallerThanAsked?: boolean;
}

export function optionRows(s: Pick<RunStatus, 'options' | 'recommended'>): OptionRow[] {
  return s.options.map((o: QuoteOption, i) => ({
    ...(o.feasible ? { option: i + 1 } : {}),
    recommended: i === s.recommended,
    product: o.product,
    region: o.region,
    ...(o.zone ? { zone: o.zone } : {}),
    spec: o.spec,
    unitPricePerHour: o.unitPricePerHour,
    estimatedTotal: o.estimatedTotal,
    durationMinutes: o.durationMinutes,
    readyInSeconds: o.readyInSeconds,
    feasible: o.feasible,
    ...(o.reason ? { reason: o.reason } : {}),
    ...(o.spot ? { spot: true } : {}),
    ...(o.alternative ? { smallerThanAsked: true } : {}),
  }));
}

function recommendation(s: RunStatus): string {
  if (s.recommended === undefined) return `nothing is recommended: ${s.message}`;
  const o = s.options[s.recommended]!;
  return `option ${s.recommended + 1}: ${o.product} ${o.spec} in ${o.zone ?? o.region}, ≈ CNY ${cny(o.estimatedTotal)} for ~${Math.round(o.durationMinutes)} min`;
}

/** Where a person approves a run: every channel acp has, ready to paste. */
export interface HumanChannels {
  cli: string;
  temporal: string;
  webUi: string;
  slack?: string;
  reject: string;
}

export function humanChannels(
  workflowId: string,
  where: { address: string; namespace: string; uiUrl: string; option?: number },
  env: NodeJS.ProcessEnv = process.env,
): HumanChannels {
  const local = where.address === `${LOCAL_HOST}:${LOCAL_PORT}`;
  const prefix = local ? '' : `TEMPORAL_ADDRESS=${where.address} `;
  const ns = where.namespace === 'default' ? '' : ` --namespace ${where.namespace}`;
  const address = local ? '' : ` --address ${where.address}`;
  const option = where.option !== undefined ? ` --option ${where.option}` : '';
  const input = where.option !== undefined ? `{"option": ${where.option}}` : '{}';
  return {
    cli: `${prefix}npx acp confirm ${workflowId}${option}`,
    temporal: `temporal workflow signal${address}${ns} --workflow-id ${workflowId} --name confirm --input '${input}'`,
    webUi: `${where.uiUrl.replace(/\/$/, '')}/namespaces/${encodeURIComponent(where.namespace)}/workflows/${encodeURIComponent(workflowId)}`,
    ...(env.ACP_SLACK_BOT_TOKEN && env.ACP_SLACK_CHANNEL
      ? {
          slack: `the Approve / Reject buttons on the run's message in Slack channel ${env.ACP_SLACK_CHANNEL}`,
        }
      : {}),
    reject: `${prefix}npx acp reject ${workflowId}`,
  };
}

function channelLines(c: HumanChannels): string[] {
  return [
    `  • ${c.cli}`,
    `  • ${c.temporal}`,
    ...(c.slack ? [`  • ${c.slack}`] : []),
    `  • Web UI: ${c.webUi}`,
  ];
}

/** The Web UI of the server at `address`: ACP_TEMPORAL_UI_URL, else the dev server's (gRPC port + 1000). */
export function webUiBase(address: string, env: NodeJS.ProcessEnv = process.env): string {
  if (env.ACP_TEMPORAL_UI_URL) return env.ACP_TEMPORAL_UI_URL;
  const m = /^(.*):(\d+)$/.exec(address);
  if (!m) return `http://localhost:${LOCAL_UI_PORT}`;
  const host = m[1] === LOCAL_HOST || m[1] === '0.0.0.0' ? 'localhost' : m[1];
  return `http://${host}:${Number(m[2]) + 1000}`;
}

// ---- the stack behind the tools ----

export interface McpOptions {
  simulate?: boolean;
  env?: NodeJS.ProcessEnv;
  /** Human lines (stderr). */
  notify?: (line: string) => void;
}

interface Backend {
  temporal: TemporalStack;
  taskQueue: string;
  simulated?: SimulatedCloud;
}

/**
 * Temporal, a worker and (simulated) the emulator, opened on the first tool call that needs them and
 * kept for the life of the server: an agent's session is the span this process follows its runs for.
 */
class AcpStack {
  private connecting?: Promise<TemporalStack>;
  private opening?: Promise<Backend>;
  private stopWorker?: () => void;
  private workerDone?: Promise<unknown>;
  /** Runs this server started, so a simulated run does not outlive the emulator it lives in. */
  readonly started = new Set<string>();

  constructor(
    private readonly options: McpOptions,
    private readonly notify: (line: string) => void,
  ) {}

  /**
   * Temporal alone: enough to look at and signal runs. Simulated runs answer their status query only
   * from this process's worker, so there it is the whole stack.
   */
  async connect(): Promise<{ temporal: TemporalStack }> {
    if (this.options.simulate) return this.open();
    return { temporal: await this.temporal() };
  }

  /** Temporal, a worker for the task queue and (simulated) the emulator: what starting a run needs. */
  open(): Promise<Backend> {
    this.opening ??= this.openOnce().catch((err) => {
      this.opening = undefined;
      throw err;
    });
    return this.opening;
  }

  private temporal(): Promise<TemporalStack> {
    this.connecting ??= openTemporal(this.notify).catch((err) => {
      this.connecting = undefined;
      throw err;
    });
    return this.connecting;
  }

  private async openOnce(): Promise<Backend> {
    const env = this.options.env ?? process.env;
    const temporal = await this.temporal();
    if (this.options.simulate) {
      const simulated = await startSimulatedCloud();
      this.notify(
        `no Alibaba Cloud account is used: an in-process emulator at ${simulated.endpoint} answers every call`,
      );
      try {
        const worker = await startEmbeddedWorker(temporal, simulated.taskQueue, simulated.clients);
        this.keepWorker(worker);
      } catch (err) {
        await simulated.stop();
        throw err;
      }
      return { temporal, taskQueue: simulated.taskQueue, simulated };
    }
    const { taskQueue } = require('../worker/worker') as typeof import('../worker/worker');
    const queue = taskQueue(env);
    if ((await lastingWorkersOn(temporal, queue)).length > 0) return { temporal, taskQueue: queue };
    if (!env.ACP_ALIBABA_ENDPOINT) await requireCredentials();
    this.notify(
      `no worker polls task queue ${queue} on ${temporal.where}: running one in this process while the MCP server lives (\`acp worker\` keeps runs going without it)`,
    );
    this.keepWorker(await startEmbeddedWorker(temporal, queue));
    return { temporal, taskQueue: queue };
  }

  private keepWorker(worker: EmbeddedWorker): void {
    const stop = new Promise<void>((resolve) => {
      this.stopWorker = resolve;
    });
    this.workerDone = worker.runUntil(stop).catch((err) => {
      this.notify(`the embedded worker stopped: ${(err as Error).message}`);
    });
  }

  /**
   * Simulated runs end with the process (their cloud is in it), so the ones still open are terminated;
   * real runs stay with Temporal for the next worker.
   */
  async close(): Promise<void> {
    const b = await this.opening?.catch(() => undefined);
    const temporal = await this.connecting?.catch(() => undefined);
    if (b?.simulated) {
      await Promise.all(
        [...this.started].map((id) =>
          b.temporal.client.workflow
            .getHandle(id)
            .terminate('the `acp mcp --simulate` server that ran it (and its emulated cloud) stopped')
            .catch(() => undefined),
        ),
      );
    } else if (this.stopWorker && this.started.size > 0) {
      this.notify(
        `runs started here (${[...this.started].join(', ')}) wait for a worker: \`acp worker\` carries them on`,
      );
    }
    this.stopWorker?.();
    if (this.workerDone) await Promise.race([this.workerDone, sleep(1_500)]);
    await b?.simulated?.stop().catch(() => undefined);
    await temporal?.close().catch(() => undefined);
  }
}

const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

function withTimeout<T>(p: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  return Promise.race([
    p.finally(() => clearTimeout(timer)),
    new Promise<T>((_, reject) => {
      timer = setTimeout(() => reject(new Error(`${what} got no answer within ${ms / 1000} s`)), ms);
    }),
  ]);
}

function newWorkflowId(kind: 'run' | 'quote'): string {
  return `acp-${kind === 'quote' ? 'quote-' : ''}${randomBytes(4).toString('hex')}`;
}

// ---- runs: find, read, wait ----

const RUN_TYPES = new Set(['provision', 'quote']);

async function findRun(
  t: TemporalStack,
  workflowId: string,
): Promise<{ handle: WorkflowHandle; description: WorkflowExecutionDescription }> {
  const handle = t.client.workflow.getHandle(workflowId);
  try {
    const description = await handle.describe();
    if (!RUN_TYPES.has(description.type))
      throw new CliError(EXIT.badInput, `${workflowId} is a ${description.type} workflow, not an acp run`);
    return { handle, description };
  } catch (err) {
    if (err instanceof WorkflowNotFoundError)
      throw new CliError(EXIT.badInput, `no run ${workflowId} on ${t.where}`, 'check the list tool');
    throw err;
  }
}

type Snapshot =
  | { kind: 'status'; status: RunStatus }
  | { kind: 'failed'; failure: RunFailure; closed: string };

/** The run's RunStatus: its result once it ended, the status query while it is open. */
async function snapshot(handle: WorkflowHandle, d: WorkflowExecutionDescription): Promise<Snapshot> {
  if (d.status.name !== 'RUNNING') {
    const outcome = await runOutcome(handle);
    if (outcome.kind === 'result') return { kind: 'status', status: outcome.result };
    return { kind: 'failed', failure: outcome.failure, closed: d.status.name };
  }
  try {
    return {
      kind: 'status',
      status: await withTimeout(handle.query(statusQuery), QUERY_TIMEOUT_MS, 'the status query'),
    };
  } catch (err) {
    const recorded = d.typedSearchAttributes.get(AcpStatus);
    throw new CliError(
      EXIT.error,
      `${handle.workflowId} is ${recorded ?? 'running'} but no worker answered its status query (${(err as Error).message})`,
      'start one with `acp worker` (a simulated run needs the `acp mcp --simulate` server that started it)',
    );
  }
}

type Waited = { kind: 'status'; status: RunStatus; final: boolean } | { kind: 'failed'; failure: RunFailure };

/** Follows a run until `enough` says so (or it ends, or `ms` pass): the comparison is what tools wait for. */
async function waitFor(
  handle: WorkflowHandle,
  enough: (s: RunStatus) => boolean,
  ms: number,
): Promise<Waited | undefined> {
  let ended: Waited | undefined;
  const result = runOutcome(handle).then(
    (o): Waited =>
      o.kind === 'result'
        ? { kind: 'status', status: o.result, final: true }
        : { kind: 'failed', failure: o.failure },
  );
  result.then((r) => {
    ended = r;
  });
  const deadline = Date.now() + ms;
  let last: RunStatus | undefined;
  while (!ended && Date.now() < deadline) {
    try {
      last = await withTimeout(handle.query(statusQuery), QUERY_TIMEOUT_MS, 'the status query');
      if (enough(last)) return { kind: 'status', status: last, final: false };
    } catch {
      // The first workflow task has not run yet, or the run just closed: the next turn tells.
    }
    await Promise.race([sleep(POLL_MS), result]);
  }
  return ended ?? (last ? { kind: 'status', status: last, final: false } : undefined);
}

// ---- results ----

interface ToolAnswer {
  text: string;
  structured: Record<string, unknown>;
}

function ok(prefix: string, a: ToolAnswer): CallToolResult {
  return {
    content: [{ type: 'text', text: `${prefix}${a.text}` }],
    structuredContent: prefix ? { simulated: true, ...a.structured } : a.structured,
  };
}

function toolError(prefix: string, text: string, structured: Record<string, unknown> = {}): CallToolResult {
  return {
    isError: true,
    content: [{ type: 'text', text: `${prefix}${text}` }],
    structuredContent: { ...(prefix ? { simulated: true } : {}), error: text, ...structured },
  };
}

/** Any failure a tool meets, as a tool error: a field and what to change for bad input. */
function errorResult(prefix: string, err: unknown): CallToolResult {
  if (err instanceof ToolInputError) {
    const sentence = err.message.startsWith(`${err.field}:`) ? err.message : `${err.field}: ${err.message}`;
    return toolError(
      prefix,
      `invalid input — ${sentence} (${err.next})${err.nothingStarted ? '. Nothing was started.' : ''}`,
      { field: err.field, ...(err.nothingStarted ? { started: false } : {}) },
    );
  }
  if (err instanceof CliError) {
    return toolError(prefix, `${err.message}${err.next ? ` — ${err.next}` : ''}`);
  }
  return toolError(prefix, err instanceof Error ? err.message : String(err));
}

function statusText(s: RunStatus): string {
  return renderStatus(s).join('\n');
}

// ---- the server ----

/** The MCP server with acp's tools; `connect` it to a transport. */
export function createAcpMcpServer(options: McpOptions = {}): { server: McpServer; close(): Promise<void> } {
  const env = options.env ?? process.env;
  const notify = options.notify ?? ((line: string) => process.stderr.write(`acp mcp: ${line}\n`));
  const stack = new AcpStack(options, notify);
  const prefix = options.simulate ? '[SIMULATED] ' : '';
  const limit = parseApprovalLimit(env.ACP_AGENT_APPROVAL_LIMIT);
  if (limit.kind === 'invalid') notify(`${limit.why}; the approve tool refuses every run`);

  const server = new McpServer(
    { name: 'acp', version: '0.1.0' },
    {
      instructions:
        'acp provisions Alibaba Cloud compute (ECS, Function Compute, ACK, PAI-DLC) from a plain intent. ' +
        'Use `quote` to compare options (nothing is created) and `provision` to start a run: it waits for a ' +
        "person's confirmation, which you must ask the user for (never approve spending yourself). " +
        'Follow runs with `status` and `logs`; end services with `teardown`.',
    },
  );
  const agent = () => agentName(server.server.getClientVersion()?.name);

  const run = <A>(fn: (args: A) => Promise<CallToolResult>) => {
    return async (args: A): Promise<CallToolResult> => {
      try {
        return await fn(args);
      } catch (err) {
        return errorResult(prefix, err);
      }
    };
  };

  const requestShape = {
    intent: z
      .string()
      .max(4_000)
      .optional()
      .describe(
        'What to run, in plain words: the task, size, GPU, duration and budget ("fine-tune qwen-7b on one A10 for 2 hours under 300 CNY", "deploy nginx", "8 vCPU 16 GB, run a.sh")',
      ),
    script: z
      .string()
      .min(1, 'the script is empty')
      .optional()
      .describe('The script to run, given inline (shell; python with a shebang)'),
    scriptPath: z
      .string()
      .min(1, 'the path is empty')
      .optional()
      .describe('Path of the script on the machine this server runs on; read here and sent as content'),
    product: z.enum(PRODUCTS).optional().describe('Only this product: ecs, fc, ack or pai (PAI-DLC)'),
    region: z
      .string()
      .regex(/^[a-z]{2}(-[a-z0-9]+)+$/, 'a region id looks like cn-hangzhou or ap-southeast-1')
      .optional()
      .describe('Only this region, e.g. cn-hangzhou'),
    cpu: z.number().gt(0, 'vCPUs must be more than 0').max(1_024).optional().describe('vCPUs'),
    memoryGiB: z.number().gt(0, 'memory must be more than 0 GiB').max(16_384).optional(),
    gpu: z.string().min(1).optional().describe('GPU model and count: "A10", "A100:2"'),
    duration: z
      .union([z.number().gt(0, 'a duration must be more than 0 minutes'), z.string().min(1)])
      .optional()
      .describe('Expected duration: minutes (90), or "2h", "90m"'),
    budget: z.string().min(1).optional().describe('Spending limit: "50 USD", "$50", "300 CNY", "¥300"'),
    service: z
      .boolean()
      .optional()
      .describe('A long-running service: stays up until `teardown`, its ttl or the budget'),
    ports: z.array(z.number().int().min(1).max(65_535)).max(32).optional().describe('TCP ports to open'),
    sshCidr: z.string().optional().describe('Allow SSH (22) from this CIDR only; never 0.0.0.0/0 by default'),
    ttl: z.string().optional().describe('How long a service may live, e.g. "8h"'),
  };
  const idShape = { id: z.string().min(1, 'a run id like acp-1a2b3c4d').describe('The run (workflow) id') };

  server.registerTool(
    'quote',
    {
      title: 'Compare options and prices',
      description:
        'Quotes every product and region that fits the intent against the real price and stock APIs and returns the options table, cheapest feasible first, with the recommended row. Nothing is created.',
      inputSchema: z.object(requestShape).strict(),
      annotations: { readOnlyHint: true, openWorldHint: true },
    },
    run(async (input) => {
      const request = requestFromTool(input, { quote: true });
      const b = await stack.open();
      const workflowId = newWorkflowId('quote');
      const handle = await b.temporal.client.workflow.start('quote', {
        taskQueue: b.taskQueue,
        workflowId,
        args: [request],
        staticSummary: `acp quote (${agent()}): ${request.intent ?? request.product ?? 'script'}`.slice(
          0,
          200,
        ),
      });
      stack.started.add(workflowId);
      const waited = await waitFor(handle, () => false, COMPARISON_WAIT_MS);
      return comparisonAnswer(workflowId, waited, true);
    }),
  );

  server.registerTool(
    'provision',
    {
      title: 'Start a run (a person approves it)',
      description:
        'Starts a provisioning run: it quotes, then WAITS for a person to approve the recommended option before anything is created. Returns the run id, the recommendation, the options table and where the user can approve it (acp confirm, temporal workflow signal, Slack, Web UI). Ask the user to approve; do not approve it yourself. Then follow it with `status` and `logs`.',
      inputSchema: z
        .object({
          ...requestShape,
          confirmTimeout: z
            .string()
            .optional()
            .describe('How long the run waits for a yes before it expires (default "30m")'),
          workflowId: z
            .string()
            .regex(/^[\w.-]{1,200}$/, 'letters, digits, ".", "_" and "-" only')
            .optional()
            .describe('The run id (default acp-<8 hex>)'),
        })
        .strict(),
      annotations: { destructiveHint: false, openWorldHint: true },
    },
    run(async ({ workflowId: requestedId, ...input }) => {
      const request = requestFromTool(input);
      const b = await stack.open();
      const workflowId = requestedId ?? newWorkflowId('run');
      let handle: WorkflowHandle;
      try {
        handle = await b.temporal.client.workflow.start('provision', {
          taskQueue: b.taskQueue,
          workflowId,
          args: [request],
          staticSummary: `acp run (${agent()}): ${request.intent ?? request.product ?? 'script'}`.slice(
            0,
            200,
          ),
        });
      } catch (err) {
        if (err instanceof WorkflowExecutionAlreadyStartedError)
          throw new ToolInputError(
            'workflowId',
            `a run with id ${workflowId} already exists`,
            'pick another workflowId, or follow it with the status tool',
            true,
          );
        throw err;
      }
      stack.started.add(workflowId);
      const waited = await waitFor(
        handle,
        (s) => s.status !== 'PARSING' && s.status !== 'QUOTING',
        COMPARISON_WAIT_MS,
      );
      return comparisonAnswer(workflowId, waited, false, b);
    }),
  );

  /** The answer of quote/provision once the comparison is ready (or the run ended). */
  function comparisonAnswer(
    workflowId: string,
    waited: Waited | undefined,
    quoteOnly: boolean,
    b?: Backend,
  ): CallToolResult {
    if (!waited)
      return ok(prefix, {
        text: `${workflowId} is still quoting; ask again with the status tool`,
        structured: { workflowId, status: 'QUOTING' },
      });
    if (waited.kind === 'failed') {
      const f = waited.failure;
      if (f.code === 'InvalidIntent') {
        const field = f.field ?? 'intent';
        const sentence = f.message.startsWith(`${field}:`) ? f.message : `${field}: ${f.message}`;
        return toolError(
          prefix,
          `invalid input — ${sentence}. The run ${workflowId} ended; nothing was created.`,
          {
            workflowId,
            field,
            started: true,
            created: false,
          },
        );
      }
      return toolError(prefix, `${workflowId} failed: ${f.message}`, { workflowId, ...f });
    }
    const s = waited.status;
    const table = renderOptionsTable(s.options, s.recommended, {
      maxRows: TABLE_ROWS,
      intent: s.intent,
    }).join('\n');
    const base = {
      workflowId,
      status: s.status,
      message: s.message,
      ...(s.intent ? { intent: s.intent.summary } : {}),
      ...(s.region ? { region: s.region } : {}),
      options: optionRows(s),
      ...(s.recommended !== undefined ? { recommended: s.recommended + 1 } : {}),
      ...(s.estimatedCost !== undefined ? { estimatedCost: s.estimatedCost } : {}),
      currency: 'CNY',
      warnings: s.warnings,
    };
    if (quoteOnly) {
      return ok(prefix, {
        text: `quote ${workflowId}: ${recommendation(s)}. Nothing was created.\n${table}`,
        structured: base,
      });
    }
    if (s.status !== 'AWAITING_CONFIRMATION') {
      return ok(prefix, {
        text: `run ${workflowId} is ${s.status}: ${s.message}\n${table}`,
        structured: base,
      });
    }
    const channels = humanChannels(workflowId, {
      address: b!.temporal.address,
      namespace: b!.temporal.namespace,
      uiUrl: webUiBase(b!.temporal.address, env),
    });
    const simulatedNote = options.simulate
      ? ['This run lives in this MCP server (its cloud is emulated): it goes on only while the server runs.']
      : [];
    return ok(prefix, {
      text: [
        `run ${workflowId} is waiting for a person to approve ${recommendation(s)}. Nothing is created until they do.`,
        'Show the user the options and ask them to approve in one of:',
        ...channelLines(channels),
        `(another row: add --option N / "option": N; to decline: ${channels.reject})`,
        'Then follow the run with the status and logs tools.',
        ...simulatedNote,
        table,
      ].join('\n'),
      structured: { ...base, approveAt: channels },
    });
  }

  server.registerTool(
    'status',
    {
      title: 'Where a run stands',
      description:
        'Status of a run: its step (AWAITING_CONFIRMATION, RUNNING, SUCCEEDED…), the options, who confirmed, resources created and released, exit code, estimated and accrued cost.',
      inputSchema: z.object(idShape).strict(),
      annotations: { readOnlyHint: true },
    },
    run(async ({ id }) => {
      const b = await stack.connect();
      const { handle, description } = await findRun(b.temporal, id);
      const snap = await snapshot(handle, description);
      if (snap.kind === 'failed') {
        const status = snap.failure.cancelled
          ? 'CANCELLED'
          : snap.closed === 'TERMINATED'
            ? 'TERMINATED'
            : 'FAILED';
        return ok(prefix, {
          text: `${id} ${status}: ${snap.failure.code ? `${snap.failure.code}: ` : ''}${snap.failure.message}`,
          structured: { workflowId: id, status, final: true, error: snap.failure },
        });
      }
      const s = snap.status;
      return ok(prefix, {
        text: statusText(s),
        structured: {
          ...(s as unknown as Record<string, unknown>),
          final: TERMINAL_STATUSES.includes(s.status),
          options: optionRows(s),
          ...(s.recommended !== undefined ? { recommended: s.recommended + 1 } : {}),
        },
      });
    }),
  );

  server.registerTool(
    'logs',
    {
      title: "The script's output",
      description: "The tail of the run's script output and its exit code (once it ran).",
      inputSchema: z.object(idShape).strict(),
      annotations: { readOnlyHint: true },
    },
    run(async ({ id }) => {
      const b = await stack.connect();
      const { handle, description } = await findRun(b.temporal, id);
      const snap = await snapshot(handle, description);
      if (snap.kind === 'failed')
        return toolError(prefix, `${id} ended before running a script: ${snap.failure.message}`, {
          workflowId: id,
        });
      const s = snap.status;
      const output = s.execution?.outputTail ?? '';
      return ok(prefix, {
        text: s.execution
          ? `${id} ${s.status}${s.execution.exitCode !== undefined ? `, exit ${s.execution.exitCode}` : ''}\n${output}`
          : `${id} has not run its script yet (${s.status}: ${s.message})`,
        structured: {
          workflowId: id,
          status: s.status,
          ...(s.execution?.exitCode !== undefined ? { exitCode: s.execution.exitCode } : {}),
          output,
        },
      });
    }),
  );

  server.registerTool(
    'list',
    {
      title: 'Runs on the Temporal server',
      description: 'acp runs, newest first, with status, product, region, estimate and budget (CNY).',
      inputSchema: z
        .object({
          status: z.enum(STATUSES).optional().describe('Only runs in this status'),
          limit: z.number().int().min(1).max(500).optional().describe('At most this many (default 50)'),
        })
        .strict(),
      annotations: { readOnlyHint: true },
    },
    run(async ({ status, limit = 50 }) => {
      const b = await stack.connect();
      let query = 'WorkflowType="provision"';
      if (status) query += ` AND AcpStatus="${status}"`;
      const runs: Record<string, unknown>[] = [];
      for await (const w of b.temporal.client.workflow.list({ query, pageSize: Math.min(limit, 100) })) {
        const recorded = w.typedSearchAttributes.get(AcpStatus);
        const open = w.status.name === 'RUNNING';
        runs.push({
          workflowId: w.workflowId,
          status:
            !open && recorded && !TERMINAL_STATUSES.includes(recorded as Status)
              ? w.status.name
              : (recorded ?? w.status.name),
          product: w.typedSearchAttributes.get(AcpProduct),
          region: w.typedSearchAttributes.get(AcpRegion),
          estimatedCost: w.typedSearchAttributes.get(AcpEstimatedCost),
          budget: w.typedSearchAttributes.get(AcpBudget),
          startTime: w.startTime.toISOString(),
        });
        if (runs.length >= limit) break;
      }
      const lines = runs.map(
        (r) =>
          `${r.workflowId}  ${r.status}${r.product ? `  ${r.product}` : ''}${r.region ? `  ${r.region}` : ''}${r.estimatedCost !== undefined ? `  CNY ${cny(r.estimatedCost as number)}` : ''}`,
      );
      return ok(prefix, {
        text: runs.length === 0 ? 'no runs match' : lines.join('\n'),
        structured: { query, runs },
      });
    }),
  );

  server.registerTool(
    'teardown',
    {
      title: 'Release a long-running service',
      description:
        'Ends a long-running service run: everything it created is released. Recorded as done by this agent.',
      inputSchema: z.object({ ...idShape, reason: z.string().max(500).optional() }).strict(),
      annotations: { destructiveHint: true, idempotentHint: true },
    },
    run(async ({ id, reason }) => {
      const b = await stack.connect();
      const { handle, description } = await openProvisionRun(b, id, 'teardown');
      if (description.status.name !== 'RUNNING')
        throw new CliError(EXIT.badInput, `${id} has already ended`, 'see the status tool');
      const by = agent();
      await handle.signal(teardownSignal, { by, ...(reason ? { reason } : {}) });
      return ok(prefix, {
        text: `teardown sent to ${id} as ${by}; it releases everything it created — follow it with the status tool`,
        structured: { workflowId: id, signal: 'teardown', by },
      });
    }),
  );

  server.registerTool(
    'reject',
    {
      title: 'Withdraw a run waiting for approval',
      description:
        'Declines a run that waits for confirmation (for example one started with the wrong request); nothing is created.',
      inputSchema: z.object({ ...idShape, reason: z.string().max(500).optional() }).strict(),
      annotations: { destructiveHint: false, idempotentHint: true },
    },
    run(async ({ id, reason }) => {
      const b = await stack.connect();
      const { handle, description } = await openProvisionRun(b, id, 'reject');
      const recorded = description.typedSearchAttributes.get(AcpStatus);
      if (description.status.name !== 'RUNNING' || (recorded && recorded !== 'AWAITING_CONFIRMATION'))
        throw new CliError(
          EXIT.badInput,
          `${id} is ${recorded ?? description.status.name}, not awaiting confirmation`,
          'see the status tool',
        );
      const by = agent();
      await handle.signal(rejectSignal, { by, ...(reason ? { reason } : {}) });
      return ok(prefix, {
        text: `rejected ${id} as ${by}; nothing is created`,
        structured: { workflowId: id, signal: 'reject', by },
      });
    }),
  );

  server.registerTool(
    'approve',
    {
      title: 'Approve a run (only under the operator’s limit)',
      description:
        'Approves a run waiting for confirmation ON BEHALF OF AN AGENT. Refused unless the operator set ACP_AGENT_APPROVAL_LIMIT and the estimate is below it; the approval is recorded as agent:<your client name>. Above the limit, ask the user to approve through the channels the provision tool returned.',
      inputSchema: z
        .object({
          ...idShape,
          option: z
            .number()
            .int()
            .min(1, 'options are numbered from 1')
            .optional()
            .describe('The option number from the table (default: the recommended one)'),
        })
        .strict(),
      annotations: { destructiveHint: false, openWorldHint: true },
    },
    run(async ({ id, option }) => {
      const b = await stack.connect();
      const { handle, description } = await openProvisionRun(b, id, 'approve');
      const snap = await snapshot(handle, description);
      if (snap.kind === 'failed' || snap.status.status !== 'AWAITING_CONFIRMATION')
        throw new CliError(
          EXIT.badInput,
          `${id} is ${snap.kind === 'failed' ? snap.closed : snap.status.status}, not awaiting confirmation`,
          'see the status tool',
        );
      const s = snap.status;
      const n = option ?? (s.recommended !== undefined ? s.recommended + 1 : undefined);
      const chosen = n !== undefined ? s.options[n - 1] : undefined;
      if (n === undefined || !chosen || !chosen.feasible)
        throw new ToolInputError(
          'option',
          n === undefined
            ? 'there is no recommended option'
            : `option ${n} is not a feasible row of the table (1–${s.options.length})`,
          'name a numbered row of the options table',
        );
      const channels = humanChannels(id, {
        address: b.temporal.address,
        namespace: b.temporal.namespace,
        uiUrl: webUiBase(b.temporal.address, env),
        option: n,
      });
      const decision = agentMayApprove(limit, chosen.estimatedTotal);
      if (!decision.allowed) {
        return toolError(
          prefix,
          [
            `not approved: ${decision.why}.`,
            `Ask the user to approve option ${n} (≈ CNY ${cny(chosen.estimatedTotal)}) themselves, in one of:`,
            ...channelLines(channels),
          ].join('\n'),
          {
            workflowId: id,
            approved: false,
            option: n,
            estimatedCost: chosen.estimatedTotal,
            ...(limit.kind === 'limit' ? { approvalLimitCny: limit.limit.cny } : {}),
            reason: decision.why,
            approveAt: channels,
          },
        );
      }
      const by = agent();
      const plan = await withTimeout(
        handle.executeUpdate(approveUpdate, { args: [{ option: n, by }] }),
        QUERY_TIMEOUT_MS * 3,
        'the approve update',
      );
      notify(`${id}: option ${plan.option} approved by ${by} (${decision.why})`);
      return ok(prefix, {
        text: `approved option ${plan.option} of ${id} as ${by}: ${decision.why}. Follow it with the status and logs tools.`,
        structured: {
          workflowId: id,
          approved: true,
          option: plan.option,
          by: plan.by,
          estimatedCost: plan.choice.estimatedTotal,
          ...(limit.kind === 'limit' ? { approvalLimitCny: limit.limit.cny } : {}),
        },
      });
    }),
  );

  async function openProvisionRun(b: { temporal: TemporalStack }, id: string, what: string) {
    const found = await findRun(b.temporal, id);
    if (found.description.type !== 'provision')
      throw new CliError(EXIT.badInput, `${id} is a quote; it creates nothing and takes no ${what}`);
    return found;
  }

  return { server, close: () => stack.close() };
}

/** `acp mcp [--simulate]`: serves the tools on stdin/stdout until the client goes away. */
export async function mcpCommand(flags: { simulate?: boolean }): Promise<ExitCode> {
  // stdout carries the protocol; a stray console.log from any library must not corrupt it.
  console.log = console.error;
  console.info = console.error;
  console.debug = console.error;
  const simulate = Boolean(flags.simulate) || process.env.ACP_SIMULATE === '1';
  const { server, close } = createAcpMcpServer({ simulate });
  const transport = new StdioServerTransport();
  const closed = new Promise<void>((resolve) => {
    process.stdin.once('end', resolve);
    process.stdin.once('close', resolve);
    process.once('SIGTERM', resolve);
    process.once('SIGINT', resolve);
    transport.onclose = () => resolve();
  });
  await server.connect(transport);
  process.stderr.write(
    `acp mcp: serving on stdio${simulate ? ' (SIMULATED: an in-process emulator, no account)' : ''}\n`,
  );
  await closed;
  await close();
  await server.close().catch(() => undefined);
  return EXIT.ok;
}
