// The commands that look at or steer a run that already exists: `status`, `logs`, `list`, `confirm`,
// `reject`, `teardown`, `retry`. Each is one Temporal call (plus a describe to say "no such run" or
// "not waiting for that" as a sentence instead of a gRPC error). Signals need no worker to be accepted;
// the status query does, so when no worker answers, what the search attributes know is shown instead.
import { userInfo } from 'node:os';
import type { WorkflowExecutionDescription } from '@temporalio/client';
import { STATUSES, type Status, TERMINAL_STATUSES } from '../workflows/messages';
import { badInput, CliError, EXIT, type ExitCode } from './exit-codes';
import { openTemporal, SIMULATED_QUEUE_PREFIX, type TemporalStack } from './local-stack';
import { outputDelta, renderRunList, renderStatus } from './render';
import {
  closedStatus,
  findProvisionRun,
  findRun,
  listRuns,
  queryStatus,
  type RunVoice,
  recordedStatus,
  runsQuery,
  snapshot,
} from './runs';
import { simulationOwnerAliveOn } from './worker-liveness';

export interface ControlFlags {
  json?: boolean;
}

const CLI_VOICE: RunVoice = {
  noRun: 'check `acp list`',
  notARun: 'check `acp list`',
  isAQuote: 'start the job with `acp run`',
  noWorker: 'start one with `acp worker` (a --simulate run needs the `acp run --simulate` that started it)',
};

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

/** `acp status ID` */
export async function statusCommand(workflowId: string, flags: ControlFlags): Promise<ExitCode> {
  return withTemporal(async (t) => {
    const found = await findRun(t, workflowId, CLI_VOICE);
    const { description } = found;
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
    const snap = await snapshot(found, CLI_VOICE);
    if (snap.kind === 'failed') {
      const { code, message } = snap.failure;
      if (flags.json) {
        printJson({ workflowId, status: closedStatus(snap), error: { code, message } });
      } else {
        print([`${workflowId}  ${snap.closed}`, `  ${code ? `${code}: ` : ''}${message}`]);
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
    const found = await findRun(t, workflowId, CLI_VOICE);
    const snap = await snapshot(found, CLI_VOICE);
    if (snap.kind === 'failed')
      throw new CliError(
        EXIT.badInput,
        `${workflowId} ended before running a script: ${snap.failure.message}`,
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
        s = await queryStatus(found.handle);
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
  let status: Status | undefined;
  if (flags.status) {
    const s = flags.status.trim().toUpperCase().replace(/[- ]/g, '_');
    if (!(STATUSES as readonly string[]).includes(s))
      throw badInput(`--status: unknown status ${flags.status}`, `use one of ${STATUSES.join(', ')}`);
    status = s as Status;
  }
  const filter = runsQuery(status, flags.query);
  const limit = flags.limit === undefined ? 50 : Number(flags.limit);
  if (!Number.isInteger(limit) || limit < 1)
    throw badInput(`--limit takes a positive whole number, got ${flags.limit}`);
  return withTemporal(async (t) => {
    const rows = await listRuns(t.client, filter, limit);
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
    const { handle, description } = await findProvisionRun(t, workflowId, name, CLI_VOICE);
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
