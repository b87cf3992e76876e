// The commands that look at or steer a run that already exists: `status`, `logs`, `list`, `confirm`,
// `reject`, `teardown`, `retry`. Each is one Temporal call (plus a describe to say "no such run" or
// "not waiting for that" as a sentence instead of a gRPC error). Signals need no worker to be accepted;
// the status query does, so when no worker answers, what the search attributes know is shown instead.
import { userInfo } from 'node:os';
import type { WorkflowExecutionDescription, WorkflowHandle } from '@temporalio/client';
import { WorkflowNotFoundError } from '@temporalio/common';
import { type RunStatus, STATUSES, type Status, statusQuery, TERMINAL_STATUSES } from '../workflows/messages';
import {
  AcpBudget,
  AcpEstimatedCost,
  AcpProduct,
  AcpRegion,
  AcpStatus,
} from '../workflows/search-attributes';
import { badInput, CliError, EXIT, type ExitCode } from './exit-codes';
import { openTemporal, SIMULATED_QUEUE_PREFIX, type TemporalStack } from './local-stack';
import { outputDelta, type RunRow, renderRunList, renderStatus } from './render';
import { runOutcome } from './run-result';
import { simulationOwnerAliveOn } from './worker-liveness';

export interface ControlFlags {
  json?: boolean;
}

const RUN_TYPES = new Set(['provision', 'quote']);
const QUERY_TIMEOUT_MS = 10_000;

function notify(line: string): void {
  process.stderr.write(`acp: ${line}\n`);
}

function printJson(doc: unknown): void {
  process.stdout.write(`${JSON.stringify(doc, null, 2)}\n`);
}

function print(lines: string[]): void {
  for (const l of lines) process.stdout.write(`${l}\n`);
}

async function withTemporal<T>(fn: (t: TemporalStack) => Promise<T>): Promise<T> {
  const t = await openTemporal(notify, 'existing');
  try {
    return await fn(t);
  } finally {
    await t.close();
  }
}

/** The run's handle and description, or "no run X" as a sentence (exit 2). */
async function findRun(
  t: TemporalStack,
  workflowId: string,
): Promise<{ handle: WorkflowHandle; description: WorkflowExecutionDescription }> {
  const handle = t.client.workflow.getHandle(workflowId);
  try {
    const description = await handle.describe();
    if (!RUN_TYPES.has(description.type)) {
      throw badInput(`${workflowId} is a ${description.type} workflow, not an acp run`, 'check `acp list`');
    }
    return { handle, description };
  } catch (err) {
    if (err instanceof WorkflowNotFoundError)
      throw badInput(`no run ${workflowId} on ${t.where}`, 'check `acp list`');
    throw err;
  }
}

/** The status the workflow's search attributes hold (no worker needed). */
function recordedStatus(d: WorkflowExecutionDescription): Status | undefined {
  const v = d.typedSearchAttributes.get(AcpStatus);
  return v && (STATUSES as readonly string[]).includes(v) ? (v as Status) : undefined;
}

function withTimeout<T>(p: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  return Promise.race([
    p.finally(() => clearTimeout(timer)),
    new Promise<T>((_, reject) => {
      timer = setTimeout(() => reject(new Error(`${what} got no answer within ${ms / 1000} s`)), ms);
    }),
  ]);
}

type Snapshot =
  | { kind: 'status'; status: RunStatus }
  | { kind: 'failed'; message: string; type?: string; executionStatus: string };

/** The run's RunStatus: its result when it has ended, the status query while it is open. */
async function snapshot(handle: WorkflowHandle, d: WorkflowExecutionDescription): Promise<Snapshot> {
  if (d.status.name !== 'RUNNING') {
    const outcome = await runOutcome(handle);
    if (outcome.kind === 'result') return { kind: 'status', status: outcome.result };
    return {
      kind: 'failed',
      message: outcome.failure.message,
      type: outcome.failure.code,
      executionStatus: d.status.name,
    };
  }
  try {
    return {
      kind: 'status',
      status: await withTimeout(handle.query(statusQuery), QUERY_TIMEOUT_MS, 'the status query'),
    };
  } catch (err) {
    throw new CliError(
      EXIT.error,
      `${handle.workflowId} is ${recordedStatus(d) ?? 'running'} but no worker answered its status query (${(err as Error).message})`,
      'start one with `acp worker` (a --simulate run needs the `acp run --simulate` that started it)',
    );
  }
}

/** `acp status ID` */
export async function statusCommand(workflowId: string, flags: ControlFlags): Promise<ExitCode> {
  return withTemporal(async (t) => {
    const { handle, description } = await findRun(t, workflowId);
    const orphan = await orphanedSimulation(t, description);
    if (orphan) {
      const recorded = recordedStatus(description) ?? 'RUNNING';
      if (flags.json) printJson({ workflowId, status: recorded, simulated: true, processGone: true });
      else
        print([
          `${workflowId}  ${recorded} (simulated; the process that ran it has ended)`,
          `  ${orphan}`,
          `  end it with: temporal workflow terminate --workflow-id ${workflowId} --reason "its simulation ended"`,
        ]);
      return EXIT.simulationGone;
    }
    const snap = await snapshot(handle, description);
    if (snap.kind === 'failed') {
      if (flags.json) {
        printJson({
          workflowId,
          status: snap.executionStatus === 'CANCELED' ? 'CANCELLED' : 'FAILED',
          error: { code: snap.type, message: snap.message },
        });
      } else {
        print([
          `${workflowId}  ${snap.executionStatus}`,
          `  ${snap.type ? `${snap.type}: ` : ''}${snap.message}`,
        ]);
      }
      return EXIT.ok;
    }
    if (flags.json) printJson(snap.status);
    else print(renderStatus(snap.status));
    return EXIT.ok;
  });
}

/**
 * An open simulated run whose `acp … --simulate` process is gone can never go on (its emulator lived
 * in that process): why, as a sentence, or undefined for any other run.
 */
async function orphanedSimulation(
  t: TemporalStack,
  d: WorkflowExecutionDescription,
): Promise<string | undefined> {
  if (d.status.name !== 'RUNNING' || !d.taskQueue.startsWith(SIMULATED_QUEUE_PREFIX)) return undefined;
  if (await simulationOwnerAliveOn(t, d.taskQueue)) return undefined;
  return 'it was simulated by an `acp … --simulate` process that has ended, and its in-process cloud went with it: the run can never go on, and nothing real was created';
}

/** `acp logs ID [--follow]`: the script's output (its tail, as the status query keeps it). */
export async function logsCommand(
  workflowId: string,
  flags: ControlFlags & { follow?: boolean },
): Promise<ExitCode> {
  return withTemporal(async (t) => {
    const { handle, description } = await findRun(t, workflowId);
    const snap = await snapshot(handle, description);
    if (snap.kind === 'failed')
      throw new CliError(
        EXIT.badInput,
        `${workflowId} ended before running a script: ${snap.message}`,
        `see \`acp status ${workflowId}\``,
      );
    let s = snap.status;
    if (flags.json) {
      printJson({
        workflowId,
        status: s.status,
        exitCode: s.execution?.exitCode,
        output: s.execution?.outputTail ?? '',
        ...(s.execution?.outputCut ? { outputCut: true } : {}),
      });
      return EXIT.ok;
    }
    let shown = s.execution?.outputTail ?? '';
    if (s.execution?.outputCut)
      notify(
        `the output of ${workflowId} is longer than the tail acp keeps: this starts ${shown.length} characters before its end`,
      );
    if (shown) process.stdout.write(shown.endsWith('\n') ? shown : `${shown}\n`);
    if (!flags.follow) {
      if (!s.execution) notify(`${workflowId} has not run its script yet (${s.status}: ${s.message})`);
      return EXIT.ok;
    }
    while (!TERMINAL_STATUSES.includes(s.status)) {
      await new Promise((r) => setTimeout(r, 1_000));
      try {
        s = await withTimeout(handle.query(statusQuery), QUERY_TIMEOUT_MS, 'the status query');
      } catch (err) {
        throw new CliError(
          EXIT.error,
          `lost ${workflowId}: ${(err as Error).message}`,
          `try \`acp status ${workflowId}\``,
        );
      }
      const tail = s.execution?.outputTail ?? '';
      const added = outputDelta(shown, tail);
      shown = tail;
      if (added) process.stdout.write(added);
    }
    if (shown && !shown.endsWith('\n')) process.stdout.write('\n');
    notify(
      `${workflowId} ${s.status}${s.execution?.exitCode !== undefined ? `, exit ${s.execution.exitCode}` : ''}`,
    );
    return EXIT.ok;
  });
}

/** `acp list [--status S] [--limit N]`: a visibility query on acp's search attributes. */
export async function listCommand(
  flags: ControlFlags & { status?: string; limit?: string; query?: string },
): Promise<ExitCode> {
  let filter = 'WorkflowType="provision"';
  if (flags.status) {
    const s = flags.status.trim().toUpperCase().replace(/[- ]/g, '_');
    if (!(STATUSES as readonly string[]).includes(s))
      throw badInput(`--status: unknown status ${flags.status}`, `use one of ${STATUSES.join(', ')}`);
    filter += ` AND AcpStatus="${s}"`;
  }
  if (flags.query) filter += ` AND (${flags.query})`;
  const limit = flags.limit === undefined ? 50 : Number(flags.limit);
  if (!Number.isInteger(limit) || limit < 1)
    throw badInput(`--limit takes a positive whole number, got ${flags.limit}`);
  return withTemporal(async (t) => {
    const rows: RunRow[] = [];
    for await (const w of t.client.workflow.list({ query: filter, pageSize: Math.min(limit, 100) })) {
      const recorded = w.typedSearchAttributes.get(AcpStatus);
      const open = w.status.name === 'RUNNING';
      rows.push({
        workflowId: w.workflowId,
        type: w.type,
        ...(w.taskQueue.startsWith(SIMULATED_QUEUE_PREFIX) ? { simulated: true } : {}),
        // A run that failed outright (bad input) never reached a final AcpStatus: say how it closed.
        status:
          !open && recorded && !TERMINAL_STATUSES.includes(recorded as Status)
            ? w.status.name
            : (recorded ?? w.status.name),
        product: w.typedSearchAttributes.get(AcpProduct),
        region: w.typedSearchAttributes.get(AcpRegion),
        estimatedCost: w.typedSearchAttributes.get(AcpEstimatedCost),
        budget: w.typedSearchAttributes.get(AcpBudget),
        startTime: w.startTime,
      });
      if (rows.length >= limit) break;
    }
    if (flags.json) printJson({ query: filter, runs: rows });
    else print(renderRunList(rows));
    return EXIT.ok;
  });
}

export interface SignalFlags extends ControlFlags {
  option?: string;
  by?: string;
  reason?: string;
}

type SignalName = 'confirm' | 'reject' | 'teardown' | 'retry';

/** Which recorded statuses a signal makes sense in; anything else is refused with a sentence. */
const ACCEPTS: Record<SignalName, Status[] | 'open'> = {
  confirm: ['AWAITING_CONFIRMATION'],
  reject: ['AWAITING_CONFIRMATION'],
  retry: ['BLOCKED'],
  teardown: 'open',
};

function defaultBy(): string {
  try {
    return userInfo().username;
  } catch {
    return process.env.USER ?? 'cli';
  }
}

/** `acp confirm|reject|teardown|retry ID`: one signal, sent only when the run is in a state to take it. */
export async function signalCommand(
  name: SignalName,
  workflowId: string,
  flags: SignalFlags,
): Promise<ExitCode> {
  let option: number | undefined;
  if (flags.option !== undefined) {
    option = Number(flags.option);
    if (!Number.isInteger(option) || option < 1)
      throw badInput(`--option takes an option number from the table (1, 2, …), got ${flags.option}`);
  }
  return withTemporal(async (t) => {
    const { handle, description } = await findRun(t, workflowId);
    if (description.type !== 'provision')
      throw badInput(
        `${workflowId} is a quote; it creates nothing and takes no ${name}`,
        'start the job with `acp run`',
      );
    const recorded = recordedStatus(description);
    if (description.status.name !== 'RUNNING') {
      throw badInput(
        `${workflowId} has already ended (${recorded ?? description.status.name})`,
        `see \`acp status ${workflowId}\``,
      );
    }
    const accepts = ACCEPTS[name];
    if (accepts !== 'open' && recorded && !accepts.includes(recorded)) {
      const wanted = accepts.map((s) => s.toLowerCase().replace(/_/g, ' ')).join(' or ');
      throw badInput(`${workflowId} is ${recorded}, not ${wanted}`, `see \`acp status ${workflowId}\``);
    }
    const by = flags.by ?? defaultBy();
    const input =
      name === 'confirm'
        ? { ...(option !== undefined ? { option } : {}), by }
        : name === 'retry'
          ? { by }
          : { by, ...(flags.reason ? { reason: flags.reason } : {}) };
    await handle.signal(name, input);
    if (flags.json) printJson({ workflowId, signal: name, input });
    else {
      const what =
        name === 'confirm'
          ? `confirmed ${option !== undefined ? `option ${option}` : 'the recommended option'}`
          : `sent ${name}`;
      print([`${what} for ${workflowId} as ${by}; follow it with \`acp status ${workflowId}\``]);
    }
    return EXIT.ok;
  });
}
