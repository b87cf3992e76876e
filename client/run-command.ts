// `acp run` and `acp quote`: validate the request here, find (or start) Temporal, a worker and — with
// --simulate — the emulator, start the workflow, and follow it: step lines, the comparison, the
// confirmation prompt, the script's output, the receipt. Ctrl-C detaches; the run goes on.
import { userInfo } from 'node:os';
import { WorkflowExecutionAlreadyStartedError, type WorkflowHandle } from '@temporalio/client';
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
  verboseSdkLog,
} from './local-stack';
import { ProgressPrinter } from './progress';
import { askConfirmation } from './prompt';
import { howToConfirm, isFinal, type StepContext, step } from './render';
import { flagForField, type PreparedRequest, prepareRequest, type RequestFlags } from './request';
import { newWorkflowId, type RunOutcome, runOutcome } from './runs';
import { lastingWorkersOn, waitingForWorkerMs } from './worker-liveness';

export interface RunFlags extends RequestFlags {
  json?: boolean;
  simulate?: boolean;
  workflowId?: string;
  verbose?: boolean;
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
  /** A worker this command runs; it is being created while the workflow starts. */
  worker?: Promise<EmbeddedWorker>;
  simulated?: SimulatedCloud;
  close(): Promise<void>;
}

async function openRunStack(type: 'provision' | 'quote', flags: RunFlags, io: Io): Promise<RunStack> {
  const viaEmulator = Boolean(process.env.ACP_ALIBABA_ENDPOINT);
  // On a shared cluster a remote worker may hold the credentials; locally, the worker will be ours.
  let credentialsChecked = flags.simulate || viaEmulator;
  if (!credentialsChecked && !process.env.TEMPORAL_ADDRESS) {
    await requireCredentials();
    credentialsChecked = true;
  }
  // The emulator starts while the Temporal connection opens: neither needs the other. A quote runs no
  // script, so its emulator skips the script sandbox (and the check that this host can make one).
  const emulator = flags.simulate ? startSimulatedCloud({ scripts: type === 'provision' }) : undefined;
  emulator?.catch(() => undefined);
  const temporal = await openTemporal(io.notify).catch(async (err) => {
    await (await emulator?.catch(() => undefined))?.stop();
    throw err;
  });
  let simulated: SimulatedCloud | undefined;
  try {
    if (emulator) {
      simulated = await emulator;
      io.notify(
        `no Alibaba Cloud account is used: an in-process emulator at ${simulated.endpoint} answers every call`,
      );
      const worker = startEmbeddedWorker(temporal, simulated.taskQueue, simulated.clients);
      worker.catch(() => undefined);
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
    const lasting = await lastingWorkersOn(temporal, queue);
    if (lasting.length > 0) {
      io.notify(
        `task queue ${queue} has a worker (${lasting.join(', ')}); this command only follows the run`,
      );
      return { temporal, taskQueue: queue, close: () => temporal.close() };
    }
    if (!credentialsChecked) await requireCredentials();
    io.notify(
      `no worker polls task queue ${queue} on ${temporal.where}: running one in this process while this command follows the run (\`acp worker\` keeps runs going without a terminal)`,
    );
    const worker = startEmbeddedWorker(temporal, queue);
    worker.catch(() => undefined);
    return { temporal, taskQueue: queue, worker, close: () => temporal.close() };
  } catch (err) {
    await simulated?.stop();
    await temporal.close();
    throw err;
  }
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

type Outcome = RunOutcome | { kind: 'detached' };

const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

interface FollowOptions {
  handle: WorkflowHandle;
  printer?: ProgressPrinter;
  io: Io;
  /** Ask on a TTY when the run waits for a yes. */
  interactive: boolean;
  /** Resolves on Ctrl-C (or Ctrl-C at the prompt): detach, or — simulated — cancel and keep following. */
  interrupt: Interrupt;
  /**
   * When no embedded worker carries the run: called once the run's next task has waited `afterMs`
   * for a worker; may start one here and return it.
   */
  rescue?: { afterMs: number; start(waitedMs: number): Promise<EmbeddedWorker | undefined> };
}

/** Everything but the first turn's describe is paced: the watchdog looks every few seconds. */
const WATCH_EVERY_MS = 2_000;

/** Polls the status query until the workflow ends (or we detach), printing what is new. */
async function follow(o: FollowOptions): Promise<{ outcome: Outcome; last?: RunStatus }> {
  let settled: Outcome | undefined;
  const result: Promise<Outcome> = runOutcome(o.handle);
  result.then((r) => {
    settled = r;
  });
  let detached = false;
  o.interrupt.detach.then(() => {
    detached = true;
  });
  let last: RunStatus | undefined;
  let hinted = false;
  let asked = false;
  let watchedAt = 0;
  let endRescue: (() => void) | undefined;
  let rescued: Promise<unknown> | undefined;
  try {
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
            if ((await prompt(o, last)) === 'interrupted') o.interrupt.fire();
          } else if (!o.interactive && !hinted) {
            hinted = true;
            for (const l of howToConfirm(o.handle.workflowId)) o.io.human.write(`${o.io.prefix}${l}\n`);
          }
        }
      }
      if (o.rescue && !rescued && Date.now() - watchedAt >= WATCH_EVERY_MS) {
        watchedAt = Date.now();
        const waited = await unattendedFor(o.handle);
        if (waited >= o.rescue.afterMs) {
          const worker = await o.rescue.start(waited);
          if (worker) {
            rescued = worker.runUntil(new Promise<void>((r) => (endRescue = r)));
          } else {
            // Nothing more this command can do but say it again later.
            watchedAt = Date.now() + 60_000;
          }
        }
      }
      await Promise.race([sleep(POLL_MS), result, o.interrupt.detach]);
    }
    if (detached) return { outcome: { kind: 'detached' }, last };
    // A run cancelled here has no document of its own: ask the (still running) worker for its last
    // status, which holds what was released.
    if (settled?.kind === 'failure' && settled.failure.cancelled) {
      last = await o.handle.query(statusQuery).catch(() => last);
    }
    return { outcome: settled!, last };
  } finally {
    endRescue?.();
    await rescued?.catch(() => undefined);
  }
}

/** How long the run (or one of its quote children) has had a task no worker picked up. */
async function unattendedFor(handle: WorkflowHandle): Promise<number> {
  try {
    const d = await handle.describe();
    const now = Date.now();
    let waited = waitingForWorkerMs(d, now);
    for (const child of (d.raw.pendingChildren ?? []).slice(0, 8)) {
      if (!child.workflowId) continue;
      const cd = await handle.client.getHandle(child.workflowId).describe();
      waited = Math.max(waited, waitingForWorkerMs(cd, now));
    }
    return waited;
  } catch {
    return 0;
  }
}

/** The TTY prompt; its answer becomes the `confirm`/`reject` signal. */
async function prompt(o: FollowOptions, status: RunStatus): Promise<'interrupted' | undefined> {
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
      return 'interrupted';
    default:
      return undefined;
  }
}

/**
 * Ctrl-C (a SIGINT, or Ctrl-C at the prompt, which readline takes): a real run is left to go on and
 * this command detaches; a simulated one is cancelled, since its cloud lives in this process, and
 * followed until it has released. A second Ctrl-C leaves at once.
 */
interface Interrupt {
  /** Resolves when this command should stop following (never, for a simulated run). */
  detach: Promise<void>;
  fire(): void;
  dispose(): void;
}

function onInterrupt(simulated: boolean, cancel: () => void): Interrupt {
  let resolve!: () => void;
  const detach = new Promise<void>((r) => {
    resolve = r;
  });
  let count = 0;
  const fire = () => {
    count += 1;
    if (count > 1) process.exit(EXIT.detached);
    if (simulated) cancel();
    else resolve();
  };
  const listener = () => fire();
  process.on('SIGINT', listener);
  return { detach, fire, dispose: () => process.off('SIGINT', listener) };
}

function printJson(doc: unknown): void {
  process.stdout.write(`${JSON.stringify(doc, null, 2)}\n`);
}

function stepContext(prepared: PreparedRequest, quoteOnly: boolean): StepContext {
  return {
    ...(prepared.script && prepared.check
      ? { script: { script: prepared.script, check: prepared.check } }
      : {}),
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
  const prepared = prepareRequest(text, flags, { quote: type === 'quote' });
  const request = type === 'quote' ? { ...prepared.request, skipConfirmation: undefined } : prepared.request;
  for (const n of prepared.notes) io.notify(n);
  if (flags.verbose) verboseSdkLog();

  const stack = await openRunStack(type, flags, io);
  try {
    const workflowId = flags.workflowId ?? newWorkflowId(type === 'quote' ? 'quote' : 'run');
    const handle = await startWorkflow(stack, type, workflowId, request);
    // The workflow waits on the server for the worker being created meanwhile; without it, it ends.
    const worker = await stack.worker?.catch(async (err: unknown) => {
      await handle.terminate('acp could not start its worker').catch(() => undefined);
      throw err;
    });
    io.notify(
      `${type === 'quote' ? 'quote' : 'run'} ${workflowId} started on ${stack.temporal.where}, task queue ${stack.taskQueue}`,
    );
    const tty = Boolean(io.human.isTTY);
    // --json: the document is the output; progress would only be noise for the program reading it.
    const printer = new ProgressPrinter({
      out: io.human,
      tty,
      prefix: io.prefix,
      context: {
        ...stepContext(prepared, type === 'quote'),
        ...(stack.simulated ? { simulated: true } : {}),
      },
      table: { maxRows: TABLE_ROWS },
    });
    const interactive = type === 'provision' && !flags.yes && Boolean(process.stdin.isTTY) && tty;
    const interrupt = onInterrupt(Boolean(stack.simulated), () => {
      printer.pause();
      io.human.write('\n');
      io.notify(
        'the simulated cloud lives in this process, so the run cannot outlive it: cancelling it (everything it created is released)…',
      );
      handle.cancel().catch(() => undefined);
    });
    const following = follow({
      handle,
      printer: io.json ? undefined : printer,
      io,
      interactive,
      interrupt,
      rescue: stack.worker ? undefined : rescueWith(stack, io),
    });
    let outcome: Outcome;
    let last: RunStatus | undefined;
    try {
      ({ outcome, last } = worker ? await worker.runUntil(following) : await following);
    } finally {
      interrupt.dispose();
      printer.stop();
    }
    return await finish({ type, outcome, last, handle, printer, io, stack });
  } finally {
    await stack.close();
  }
}

/** Seconds a run's task may wait for the worker this command counted on before it steps in. */
function workerWaitMs(): number {
  const s = Number(process.env.ACP_WORKER_WAIT_SECONDS);
  return Number.isFinite(s) && s > 0 ? s * 1000 : 20_000;
}

/**
 * The worker this command saw on the queue may be gone (killed a moment ago, on another host): when
 * the run's next task has waited too long, say so, and carry the run in this process when this
 * machine can (it has credentials, or the emulator endpoint).
 */
function rescueWith(stack: RunStack, io: Io): FollowOptions['rescue'] {
  return {
    afterMs: workerWaitMs(),
    start: async (waitedMs) => {
      const waited = `${Math.round(waitedMs / 1000)} s`;
      if (!process.env.ACP_ALIBABA_ENDPOINT) {
        try {
          await requireCredentials();
        } catch {
          io.notify(
            `no worker has picked up this run's next step for ${waited} on task queue ${stack.taskQueue}: start \`acp worker\` (with Alibaba credentials) against ${stack.temporal.address}; the run waits for it`,
          );
          return undefined;
        }
      }
      io.notify(
        `no worker has picked up this run's next step for ${waited} on task queue ${stack.taskQueue} (the worker seen there is gone): running one in this process while this command follows the run (\`acp worker\` keeps runs going without a terminal)`,
      );
      return startEmbeddedWorker(stack.temporal, stack.taskQueue);
    },
  };
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

  const facts = outcome.failure;
  const flag = facts.field ? flagForField(facts.field) : undefined;
  const next =
    facts.code === 'InvalidIntent'
      ? `change ${flag ?? facts.field ?? 'the request'} and try again`
      : `see \`acp status ${handle.workflowId}\` and the Web UI for the history`;
  const final = last && isFinal(last) ? last : undefined;
  if (final && facts.cancelled && !io.json) {
    // Cancelled (Ctrl-C on a simulated run, or `temporal workflow cancel`): what was released, the receipt.
    printer.update(final);
  } else {
    process.stderr.write(
      `${io.prefix}${step('✘', facts.cancelled ? 'cancelled' : 'failed', `${facts.message} — ${next}`)}\n`,
    );
  }
  printer.stop();
  if (io.json) {
    printJson({
      ...(final ?? last ?? {}),
      workflowId: handle.workflowId,
      status: facts.cancelled ? 'CANCELLED' : 'FAILED',
      error: {
        ...(facts.code ? { code: facts.code } : {}),
        message: facts.message,
        ...(facts.field ? { field: facts.field } : {}),
      },
      ...(await simulatedFields(handle.workflowId)),
    });
  }
  return exitCodeForFailure(facts.code, facts.cancelled);
}
