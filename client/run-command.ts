// `acp run` and `acp quote`: validate the request here, find (or start) Temporal, a worker and — with
// --simulate — the emulator, start the workflow, and follow it: step lines, the comparison, the
// confirmation prompt, the script's output, the receipt. Ctrl-C detaches; the run goes on.
import { randomBytes } from 'node:crypto';
import { userInfo } from 'node:os';
import {
  WorkflowExecutionAlreadyStartedError,
  WorkflowFailedError,
  type WorkflowHandle,
} from '@temporalio/client';
import { ApplicationFailure, CancelledFailure } from '@temporalio/common';
import type { ProvisionRequest } from '../planner/types';
import { confirmSignal, type RunStatus, rejectSignal, statusQuery } from '../workflows/messages';
import type { provision, quote } from '../workflows/provision';
import { requireCredentials } from './credentials-check';
import {
  CliError,
  EXIT,
  type ExitCode,
  exitCodeForFailure,
  exitCodeForQuote,
  exitCodeForRun,
} from './exit-codes';
import {
  type EmbeddedWorker,
  openTemporal,
  type SimulatedCloud,
  startEmbeddedWorker,
  startSimulatedCloud,
  type TemporalStack,
  workerPolls,
} from './local-stack';
import { ProgressPrinter } from './progress';
import { askConfirmation } from './prompt';
import { howToConfirm, isFinal, type StepContext, step } from './render';
import { flagForField, type PreparedRequest, prepareRequest, type RequestFlags } from './request';

export interface RunFlags extends RequestFlags {
  json?: boolean;
  simulate?: boolean;
  workflowId?: string;
}

const POLL_MS = 300;
const TABLE_ROWS = 10;

/** Where human lines go: stdout normally; stderr under --json, whose stdout is the document alone. */
interface Io {
  human: NodeJS.WritableStream & { isTTY?: boolean; columns?: number };
  prefix: string;
  json: boolean;
  notify(line: string): void;
}

function ioFor(flags: RunFlags): Io {
  const prefix = flags.simulate ? '[SIMULATED] ' : '';
  const human = flags.json ? process.stderr : process.stdout;
  return {
    human,
    prefix,
    json: Boolean(flags.json),
    notify: (line) => process.stderr.write(`${prefix}acp: ${line}\n`),
  };
}

/** Everything a run needs, opened in the order that starts nothing before it is known to be usable. */
interface RunStack {
  temporal: TemporalStack;
  taskQueue: string;
  worker?: EmbeddedWorker;
  simulated?: SimulatedCloud;
  close(): Promise<void>;
}

async function openRunStack(flags: RunFlags, io: Io): Promise<RunStack> {
  const viaEmulator = Boolean(process.env.ACP_ALIBABA_ENDPOINT);
  // On a shared cluster a remote worker may hold the credentials; locally, the worker will be ours.
  let credentialsChecked = flags.simulate || viaEmulator;
  if (!credentialsChecked && !process.env.TEMPORAL_ADDRESS) {
    await requireCredentials();
    credentialsChecked = true;
  }
  const temporal = await openTemporal(io.notify);
  let simulated: SimulatedCloud | undefined;
  try {
    if (flags.simulate) {
      simulated = await startSimulatedCloud();
      io.notify(
        `no Alibaba Cloud account is used: an in-process emulator at ${simulated.endpoint} answers every call`,
      );
      const worker = await startEmbeddedWorker(temporal, simulated.taskQueue, simulated.clients);
      const sim = simulated;
      return {
        temporal,
        taskQueue: sim.taskQueue,
        worker,
        simulated: sim,
        close: async () => {
          await sim.stop();
          await temporal.close();
        },
      };
    }
    const { taskQueue } = require('../worker/worker') as typeof import('../worker/worker');
    const queue = taskQueue();
    if (await workerPolls(temporal, queue)) {
      return { temporal, taskQueue: queue, close: () => temporal.close() };
    }
    if (!credentialsChecked) await requireCredentials();
    io.notify(
      `no worker polls task queue ${queue} on ${temporal.where}: running one in this process while this command follows the run (\`acp worker\` keeps runs going without a terminal)`,
    );
    const worker = await startEmbeddedWorker(temporal, queue);
    return { temporal, taskQueue: queue, worker, close: () => temporal.close() };
  } catch (err) {
    await simulated?.stop();
    await temporal.close();
    throw err;
  }
}

function newWorkflowId(kind: 'run' | 'quote'): string {
  return `acp-${kind === 'quote' ? 'quote-' : ''}${randomBytes(4).toString('hex')}`;
}

function whoAmI(): string {
  try {
    return userInfo().username;
  } catch {
    return process.env.USER ?? 'cli';
  }
}

async function startWorkflow(
  stack: RunStack,
  type: 'provision' | 'quote',
  workflowId: string,
  request: ProvisionRequest,
): Promise<WorkflowHandle<typeof provision | typeof quote>> {
  try {
    return await stack.temporal.client.workflow.start<typeof provision>(type, {
      taskQueue: stack.taskQueue,
      workflowId,
      args: [request],
      staticSummary:
        `acp ${type === 'quote' ? 'quote' : 'run'}: ${request.intent ?? request.product ?? 'script'}`.slice(
          0,
          200,
        ),
    });
  } catch (err) {
    if (err instanceof WorkflowExecutionAlreadyStartedError) {
      throw new CliError(
        EXIT.badInput,
        `a run with id ${workflowId} already exists`,
        `pick another --workflow-id, or follow it with \`acp status ${workflowId}\``,
      );
    }
    throw err;
  }
}

type Outcome =
  | { kind: 'result'; result: RunStatus }
  | { kind: 'failure'; error: unknown }
  | { kind: 'detached' };

interface FailureFacts {
  type?: string;
  field?: string;
  message: string;
  cancelled: boolean;
}

async function failureFacts(error: unknown): Promise<FailureFacts> {
  if (error instanceof WorkflowFailedError) {
    const cause = error.cause;
    if (cause instanceof CancelledFailure) return { message: 'the run was cancelled', cancelled: true };
    if (cause instanceof ApplicationFailure) {
      const details = cause.details?.[0] as { field?: string } | undefined;
      return {
        type: cause.type ?? undefined,
        field: details?.field,
        message: cause.message,
        cancelled: false,
      };
    }
    return { message: cause?.message ?? error.message, cancelled: false };
  }
  return { message: error instanceof Error ? error.message : String(error), cancelled: false };
}

const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

interface FollowOptions {
  handle: WorkflowHandle;
  printer?: ProgressPrinter;
  io: Io;
  /** Ask on a TTY when the run waits for a yes. */
  interactive: boolean;
  /** Resolves on Ctrl-C. */
  detach: Promise<void>;
}

/** Polls the status query until the workflow ends (or we detach), printing what is new. */
async function follow(o: FollowOptions): Promise<{ outcome: Outcome; last?: RunStatus }> {
  let settled: Outcome | undefined;
  const result = o.handle.result().then(
    (r: RunStatus): Outcome => ({ kind: 'result', result: r }),
    (e: unknown): Outcome => ({ kind: 'failure', error: e }),
  );
  result.then((r) => {
    settled = r;
  });
  let detached = false;
  o.detach.then(() => {
    detached = true;
  });
  let last: RunStatus | undefined;
  let hinted = false;
  let asked = false;
  while (!settled && !detached) {
    try {
      last = await o.handle.query(statusQuery);
    } catch {
      // The first workflow task has not run yet, or the run just closed: the next turn tells.
    }
    if (last && !settled) {
      o.printer?.update(last);
      if (last.status === 'AWAITING_CONFIRMATION') {
        if (o.interactive && !asked) {
          asked = true;
          const answer = await prompt(o, last);
          if (answer === 'detach') detached = true;
        } else if (!o.interactive && !hinted) {
          hinted = true;
          for (const l of howToConfirm(o.handle.workflowId)) o.io.human.write(`${o.io.prefix}${l}\n`);
        }
      }
    }
    await Promise.race([sleep(POLL_MS), result, o.detach]);
  }
  if (detached) return { outcome: { kind: 'detached' }, last };
  return { outcome: settled!, last };
}

/** The TTY prompt; its answer becomes the `confirm`/`reject` signal. */
async function prompt(o: FollowOptions, status: RunStatus): Promise<'detach' | undefined> {
  o.printer?.pause();
  const elsewhere = (async () => {
    for (;;) {
      await sleep(1_000);
      try {
        const s = await o.handle.query(statusQuery);
        if (s.status !== 'AWAITING_CONFIRMATION') return;
      } catch {
        return;
      }
    }
  })();
  const answer = await askConfirmation(
    status,
    { input: process.stdin, output: o.io.human, prefix: o.io.prefix },
    elsewhere,
  );
  const by = whoAmI();
  switch (answer.kind) {
    case 'confirm':
      await o.handle.signal(confirmSignal, { option: answer.option, by });
      return undefined;
    case 'reject':
      await o.handle.signal(rejectSignal, { by, reason: 'declined at the prompt' });
      return undefined;
    case 'interrupted':
      return 'detach';
    default:
      return undefined;
  }
}

/** Ctrl-C once: detach (or, simulated, cancel and release). Twice: leave at once. */
function onInterrupt(handler: () => void): { promise: Promise<void>; dispose(): void } {
  let resolve!: () => void;
  const promise = new Promise<void>((r) => {
    resolve = r;
  });
  let count = 0;
  const listener = () => {
    count += 1;
    if (count > 1) process.exit(EXIT.detached);
    handler();
    resolve();
  };
  process.on('SIGINT', listener);
  return { promise, dispose: () => process.off('SIGINT', listener) };
}

function printJson(doc: unknown): void {
  process.stdout.write(`${JSON.stringify(doc, null, 2)}\n`);
}

function stepContext(prepared: PreparedRequest, quoteOnly: boolean): StepContext {
  return {
    script: { script: prepared.script, check: prepared.check },
    ...(quoteOnly ? { quote: true } : {}),
  };
}

/** `acp run`: the whole job, followed to its receipt. */
export async function runCommand(text: string, flags: RunFlags): Promise<ExitCode> {
  return execute('provision', text, flags);
}

/** `acp quote`: the comparison only; nothing is created. */
export async function quoteCommand(text: string, flags: RunFlags): Promise<ExitCode> {
  return execute('quote', text, flags);
}

async function execute(type: 'provision' | 'quote', text: string, flags: RunFlags): Promise<ExitCode> {
  const io = ioFor(flags);
  const prepared = prepareRequest(text, flags);
  const request = type === 'quote' ? { ...prepared.request, skipConfirmation: undefined } : prepared.request;
  for (const n of prepared.notes) io.notify(n);

  const stack = await openRunStack(flags, io);
  try {
    const workflowId = flags.workflowId ?? newWorkflowId(type === 'quote' ? 'quote' : 'run');
    const handle = await startWorkflow(stack, type, workflowId, request);
    io.notify(
      `${type === 'quote' ? 'quote' : 'run'} ${workflowId} started on ${stack.temporal.where}, task queue ${stack.taskQueue}`,
    );
    const tty = Boolean(io.human.isTTY);
    // --json: the document is the output; progress would only be noise for the program reading it.
    const printer = new ProgressPrinter({
      out: io.human,
      tty,
      prefix: io.prefix,
      context: stepContext(prepared, type === 'quote'),
      table: { maxRows: TABLE_ROWS },
    });
    const interactive = type === 'provision' && !flags.yes && Boolean(process.stdin.isTTY) && tty;
    const interrupt = onInterrupt(() => {
      if (stack.simulated) {
        io.notify(
          'the simulated cloud lives in this process, so the run cannot outlive it: cancelling it (everything it created is released)…',
        );
        handle.cancel().catch(() => undefined);
      }
    });
    // A simulated run is cancelled, not left behind: keep following it until it has released.
    const detach = stack.simulated ? new Promise<void>(() => undefined) : interrupt.promise;
    const following = follow({ handle, printer: io.json ? undefined : printer, io, interactive, detach });
    let outcome: Outcome;
    let last: RunStatus | undefined;
    try {
      ({ outcome, last } = stack.worker ? await stack.worker.runUntil(following) : await following);
    } finally {
      interrupt.dispose();
      printer.stop();
    }
    return await finish({ type, outcome, last, handle, printer, io, stack });
  } finally {
    await stack.close();
  }
}

interface FinishInput {
  type: 'provision' | 'quote';
  outcome: Outcome;
  last?: RunStatus;
  handle: WorkflowHandle;
  printer: ProgressPrinter;
  io: Io;
  stack: RunStack;
}

async function finish({ type, outcome, last, handle, printer, io, stack }: FinishInput): Promise<ExitCode> {
  const simulatedFields = async (workflowId: string) => {
    if (!stack.simulated) return {};
    const live = (await stack.simulated.liveResources()) as { tags?: Record<string, string> }[];
    return {
      simulated: true,
      emulator: { liveResources: live.filter((r) => r.tags?.['acp:workflow-id'] === workflowId) },
    };
  };

  if (outcome.kind === 'detached') {
    const id = handle.workflowId;
    const lines = [
      `detached from ${id}; it keeps running.`,
      `  follow it: acp status ${id}   ·   acp logs ${id} --follow`,
      ...(stack.worker
        ? [`  no other worker was polling ${stack.taskQueue}: start \`acp worker\` so it can go on`]
        : []),
    ];
    for (const l of lines) process.stderr.write(`${io.prefix}${l}\n`);
    if (io.json) printJson({ workflowId: id, status: last?.status ?? 'UNKNOWN', detached: true });
    return EXIT.detached;
  }

  if (outcome.kind === 'result') {
    const r = outcome.result;
    if (!io.json) printer.update(r);
    printer.stop();
    const extra = await simulatedFields(r.workflowId);
    const leaked = (extra as { emulator?: { liveResources: unknown[] } }).emulator?.liveResources ?? [];
    if (leaked.length > 0) {
      process.stderr.write(
        `${io.prefix}${step('✘', 'LEAK', `${leaked.length} resource(s) of ${r.workflowId} are still live in the emulator`)}\n`,
      );
    }
    if (io.json) printJson({ ...r, ...extra });
    return type === 'quote' ? exitCodeForQuote(r) : exitCodeForRun(r);
  }

  const facts = await failureFacts(outcome.error);
  const flag = facts.field ? flagForField(facts.field) : undefined;
  const next =
    facts.type === 'InvalidIntent'
      ? `change ${flag ?? facts.field ?? 'the request'} and try again`
      : `see \`acp status ${handle.workflowId}\` and the Web UI for the history`;
  const final = last && isFinal(last) ? last : undefined;
  printer.stop();
  process.stderr.write(
    `${io.prefix}${step('✘', facts.cancelled ? 'cancelled' : 'failed', `${facts.message} — ${next}`)}\n`,
  );
  if (io.json) {
    printJson({
      ...(final ?? last ?? {}),
      workflowId: handle.workflowId,
      status: facts.cancelled ? 'CANCELLED' : 'FAILED',
      error: {
        ...(facts.type ? { code: facts.type } : {}),
        message: facts.message,
        ...(facts.field ? { field: facts.field } : {}),
      },
      ...(await simulatedFields(handle.workflowId)),
    });
  }
  return exitCodeForFailure(facts.type, facts.cancelled);
}
