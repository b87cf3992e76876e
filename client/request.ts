// `acp run` / `acp quote` flags → the workflow input (`ProvisionRequest`, planner/types.ts), validated here
// with the same planner the workflow uses, so bad input is refused before anything starts: no server,
// no worker, no cloud call. The script is read on this machine and sent as content, because the worker
// that runs the workflow may live elsewhere.
import { existsSync, readFileSync, statSync } from 'node:fs';
import { basename, resolve } from 'node:path';
import { checkScript, describeScript, generateScript, parseDuration, parseIntent } from '../planner';
import {
  type Intent,
  IntentError,
  type ProvisionRequest,
  type Script,
  type ScriptCheck,
} from '../planner/types';
import { badInput } from './exit-codes';

export interface RequestFlags {
  script?: string;
  inline?: string;
  product?: string;
  region?: string;
  cpu?: string;
  memory?: string;
  gpu?: string;
  duration?: string;
  budget?: string;
  service?: boolean;
  spot?: boolean;
  spotRecoveries?: string;
  spotFallback?: boolean;
  checkpoint?: boolean;
  port?: string[];
  sshCidr?: string;
  ttl?: string;
  confirmTimeout?: string;
  yes?: boolean;
}

/** A request the planner accepted, with what the CLI shows about it before the workflow does. */
export interface PreparedRequest {
  request: ProvisionRequest;
  intent: Intent;
  /** Absent for a quote of a bare shape ("8 vCPU 16 GB for 3 hours"): a quote runs nothing. */
  script?: Script;
  check?: ScriptCheck;
  /** Notes about how flags were read ("--budget 300 has no currency: CNY"). */
  notes: string[];
}

/** The flag a planner field comes from, so an error can say what to change. */
const FLAG_OF_FIELD: Record<string, string> = {
  intent: 'the request text',
  script: '--script/--inline',
  product: '--product',
  region: '--region',
  cpu: '--cpu',
  memoryGiB: '--memory',
  gpu: '--gpu',
  durationMinutes: '--duration',
  duration: '--duration',
  budget: '--budget',
  service: '--service',
  spot: '--spot',
  spotRecoveries: '--spot-recoveries',
  ports: '--port',
  sshCidr: '--ssh-cidr',
  ttl: '--ttl',
  confirmTimeout: '--confirm-timeout',
};

export function flagForField(field: string): string | undefined {
  return FLAG_OF_FIELD[field] ?? FLAG_OF_FIELD[field.split('.')[0]!];
}

/** The flag each planner field is set by, as RequestFlags names it. */
const FLAG_KEY_OF_FIELD: Record<string, keyof RequestFlags> = {
  script: 'script',
  product: 'product',
  region: 'region',
  cpu: 'cpu',
  memoryGiB: 'memory',
  gpu: 'gpu',
  durationMinutes: 'duration',
  duration: 'duration',
  budget: 'budget',
  service: 'service',
  ports: 'port',
  sshCidr: 'sshCidr',
  ttl: 'ttl',
  confirmTimeout: 'confirmTimeout',
};

/** How a person calls a planner field ("memoryGiB" → "memory", "budget.currency" → "budget currency"). */
const WORDS_OF_FIELD: Record<string, string> = {
  memoryGiB: 'memory',
  durationMinutes: 'duration',
  'budget.amount': 'budget amount',
  'budget.currency': 'budget currency',
  'gpu.model': 'GPU model',
  'gpu.count': 'GPU count',
  sshCidr: 'SSH CIDR',
  confirmTimeout: 'confirmation timeout',
  ports: 'port',
};

/**
 * An IntentError as one sentence naming where the value came from — the flag the person typed, or
 * the request text — and what to change there. `audience: 'tool'` keeps the planner's field names
 * (the MCP server maps those to its tool fields).
 */
export function intentErrorMessage(
  err: IntentError,
  flags: RequestFlags = {},
  audience: 'cli' | 'tool' = 'tool',
): { message: string; next: string } {
  const base = err.field.split('.')[0]!;
  const flagKey = FLAG_KEY_OF_FIELD[err.field] ?? FLAG_KEY_OF_FIELD[base];
  const typed =
    flagKey !== undefined &&
    (flags[flagKey] !== undefined || (flagKey === 'script' && flags.inline !== undefined));
  const flag = typed ? flagForField(err.field) : base === 'intent' ? 'the request text' : undefined;
  if (audience === 'tool') {
    const named = flagForField(err.field);
    return {
      message: err.message,
      next: named ? `change ${named} and try again` : `change ${err.field} and try again`,
    };
  }
  const where = flag ?? 'the request text';
  const sentence = err.message.startsWith(`${err.field}: `)
    ? err.message.slice(err.field.length + 2)
    : err.message;
  const words = WORDS_OF_FIELD[err.field] ?? err.field;
  return {
    message: where.startsWith('--') ? `${where}: ${sentence}` : `${words} (from ${where}): ${sentence}`,
    next: `change ${where === 'the request text' ? `the ${words} in the request text` : where} and try again`,
  };
}

function numberFlag(flag: string, field: string, value: string | undefined): number | undefined {
  if (value === undefined) return undefined;
  const n = Number(value.trim());
  if (value.trim() === '' || !Number.isFinite(n)) {
    throw new IntentError(field, `${flag} takes a number, got ${JSON.stringify(value)}`);
  }
  return n;
}

/** `16`, `16G`, `16GB`, `16 GiB` → 16. */
export function parseMemoryFlag(value: string | undefined): number | undefined {
  if (value === undefined) return undefined;
  const m = /^\s*(-?\d+(?:\.\d+)?)\s*(?:g|gb|gib)?\s*$/i.exec(value);
  if (!m)
    throw new IntentError('memoryGiB', `--memory takes GiB like 16 or 16GiB, got ${JSON.stringify(value)}`);
  return Number(m[1]);
}

/** `A10`, `A10:2`, `2xA100` → {model, count}. The model itself is checked by the planner. */
export function parseGpuFlag(value: string | undefined): ProvisionRequest['gpu'] {
  if (value === undefined) return undefined;
  const v = value.trim();
  const suffix = /^([A-Za-z][\w-]*)(?::(\d+))?$/.exec(v);
  if (suffix) return { model: suffix[1]!, count: suffix[2] === undefined ? 1 : Number(suffix[2]) };
  const prefix = /^(\d+)\s*[x×*]\s*([A-Za-z][\w-]*)$/.exec(v);
  if (prefix) return { model: prefix[2]!, count: Number(prefix[1]) };
  throw new IntentError(
    'gpu',
    `--gpu takes MODEL or MODEL:COUNT (e.g. A10 or A100:2), got ${JSON.stringify(value)}`,
  );
}

/** `90` (minutes), `2h`, `1h30m` → minutes. */
export function parseDurationFlag(value: string | undefined): number | undefined {
  if (value === undefined) return undefined;
  const v = value.trim();
  if (/^\d+(\.\d+)?$/.test(v)) return Number(v);
  return parseDuration(v, 'durationMinutes') / 60_000;
}

/** `50 USD`, `$50`, `USD 50`, `300 CNY`, `¥300`, `300元`, `300 RMB`, `300` (CNY) → {amount, currency}. */
export function parseBudgetFlag(value: string | undefined, notes: string[] = []): ProvisionRequest['budget'] {
  if (value === undefined) return undefined;
  const v = value.trim().replace(/,/g, '');
  const amount = '(\\d+(?:\\.\\d+)?)';
  const patterns: [RegExp, string][] = [
    [new RegExp(`^(?:\\$|US\\$)\\s*${amount}$`, 'i'), 'USD'],
    [new RegExp(`^(?:¥|￥|CN¥)\\s*${amount}$`, 'i'), 'CNY'],
    [new RegExp(`^${amount}\\s*(?:usd|dollars?|\\$)$`, 'i'), 'USD'],
    [new RegExp(`^${amount}\\s*(?:cny|rmb|yuan|元|¥)$`, 'i'), 'CNY'],
    [new RegExp(`^(?:usd)\\s*${amount}$`, 'i'), 'USD'],
    [new RegExp(`^(?:cny|rmb)\\s*${amount}$`, 'i'), 'CNY'],
  ];
  for (const [re, currency] of patterns) {
    const m = re.exec(v);
    if (m) return { amount: Number(m[1]), currency };
  }
  const bare = new RegExp(`^${amount}$`).exec(v);
  if (bare) {
    notes.push(`--budget ${v} has no currency; reading it as CNY (write '${v} USD' or '$${v}' for dollars)`);
    return { amount: Number(bare[1]), currency: 'CNY' };
  }
  throw new IntentError(
    'budget',
    `--budget takes an amount and a currency ('50 USD', '$50', '300 CNY', '¥300'), got ${JSON.stringify(value)}`,
  );
}

/** Whether acp can write the script itself (nginx, static site, docker, training). */
function hasTemplate(intent: Intent): boolean {
  return intent.template !== undefined && intent.template !== 'custom';
}

function parsePorts(values: string[] | undefined): number[] | undefined {
  if (!values || values.length === 0) return undefined;
  return values
    .flatMap((v) => v.split(','))
    .map((p) => {
      const n = Number(p.trim());
      if (!Number.isInteger(n) || n < 1 || n > 65_535) {
        throw new IntentError('ports', `--port takes a TCP port from 1 to 65535, got ${JSON.stringify(p)}`);
      }
      return n;
    });
}

/** Reads `--script PATH`: it must exist, be a file and not be empty. */
export function readScriptFile(path: string): string {
  const full = resolve(path);
  if (!existsSync(full))
    throw badInput(
      `--script: ${path} does not exist`,
      'give the path of the script to run, or --inline CONTENT',
    );
  if (!statSync(full).isFile())
    throw badInput(`--script: ${path} is not a file`, 'give the path of the script file to run');
  const content = readFileSync(full, 'utf8');
  if (content.trim() === '')
    throw badInput(
      `--script: ${path} is empty`,
      'write the commands to run into it, or use --inline CONTENT',
    );
  return content;
}

/** Builds the workflow input from flags. Throws IntentError (a field) or CliError (a file). */
export function buildRequest(text: string, flags: RequestFlags, notes: string[] = []): ProvisionRequest {
  if (flags.script !== undefined && flags.inline !== undefined) {
    throw badInput('--script and --inline both give a script; acp runs one', 'keep one of them');
  }
  const request: ProvisionRequest = {};
  if (text.trim()) request.intent = text.trim();
  // The file name travels with the content: it decides how the script runs (.py → python).
  if (flags.script !== undefined)
    request.script = { content: readScriptFile(flags.script), name: basename(flags.script) };
  if (flags.inline !== undefined) {
    if (flags.inline.trim() === '')
      throw badInput('--inline: the script is empty', 'give the commands to run, e.g. --inline "echo hello"');
    request.script = { content: flags.inline };
  }
  if (flags.product !== undefined)
    request.product = flags.product.trim().toLowerCase() as ProvisionRequest['product'];
  if (flags.region !== undefined) request.region = flags.region.trim();
  const cpu = numberFlag('--cpu', 'cpu', flags.cpu);
  if (cpu !== undefined) request.cpu = cpu;
  const memory = parseMemoryFlag(flags.memory);
  if (memory !== undefined) request.memoryGiB = memory;
  const gpu = parseGpuFlag(flags.gpu);
  if (gpu) request.gpu = gpu;
  const duration = parseDurationFlag(flags.duration);
  if (duration !== undefined) request.durationMinutes = duration;
  const budget = parseBudgetFlag(flags.budget, notes);
  if (budget) request.budget = budget;
  if (flags.service) request.service = true;
  if (flags.spot) request.spot = true;
  if (flags.spotRecoveries !== undefined) request.spotRecoveries = Number(flags.spotRecoveries);
  if (flags.spotFallback) request.spotFallback = true;
  if (flags.checkpoint) request.checkpoint = true;
  const ports = parsePorts(flags.port);
  if (ports) request.ports = ports;
  if (flags.sshCidr !== undefined) request.sshCidr = flags.sshCidr;
  if (flags.ttl !== undefined) request.ttl = flags.ttl;
  if (flags.confirmTimeout !== undefined) request.confirmTimeout = flags.confirmTimeout;
  if (flags.yes) request.skipConfirmation = true;
  return request;
}

/**
 * Flags → a request the planner accepts, or an exit-2 error naming the field. A script named in the
 * text ("run train.py") is read from the working directory when no --script/--inline was given. A
 * quote (`quote: true`) needs no script: with none it prices the shape alone.
 */
export function prepareRequest(
  text: string,
  flags: RequestFlags,
  options: { quote?: boolean; audience?: 'cli' | 'tool' } = {},
): PreparedRequest {
  const notes: string[] = [];
  try {
    const request = buildRequest(text, flags, notes);
    const intent = parseIntent(request);
    if (!request.script && intent.scriptName && existsSync(resolve(intent.scriptName))) {
      request.script = { content: readScriptFile(intent.scriptName), name: basename(intent.scriptName) };
      notes.push(`reading ${intent.scriptName} from ${process.cwd()}`);
    }
    if (request.confirmTimeout !== undefined) parseDuration(request.confirmTimeout, 'confirmTimeout');
    if (request.ttl !== undefined) parseDuration(request.ttl, 'ttl');
    const source = flags.script ?? (flags.inline !== undefined ? 'inline' : intent.scriptName);
    if (options.quote && !request.script && !hasTemplate(intent)) return { request, intent, notes };
    const script =
      request.script?.content !== undefined
        ? describeScript(request.script.content, source ?? 'inline')
        : generateScript(intent);
    const check = checkScript(script.content, { kind: intent.kind, name: script.source });
    if (!check.ok) throw new IntentError('script', check.errors.join('; '));
    return { request, intent, script, check, notes };
  } catch (err) {
    if (err instanceof IntentError) {
      const { message, next } = intentErrorMessage(err, flags, options.audience ?? 'cli');
      throw badInput(message, next);
    }
    throw err;
  }
}
