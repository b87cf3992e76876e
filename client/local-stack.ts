// Where a command's run happens, decided so `npx acp run …` works on a fresh machine:
//   Temporal — TEMPORAL_ADDRESS when set; else a server already on 127.0.0.1:7233; else a dev server
//     acp starts in the background (UI on 8233, history in ~/.acp/temporal.db) and leaves running for
//     the next command (building the `temporal` CLI from Go modules first when Go is installed and no
//     binary is); else, with no binary at all, the SDK's local server for the life of this command only.
//   Worker — a long-lived worker already polling the task queue (client/worker-liveness.ts tells one from
//     a poller that is gone); else one embedded in this process for as long as the command follows the run.
//   Cloud — `--simulate`: an emulator in this process, and a task queue of its own so a real worker
//     never picks a simulated run up.
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { closeSync, mkdirSync, openSync, writeFileSync } from 'node:fs';
import { createConnection } from 'node:net';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { Client, Connection } from '@temporalio/client';
import { ApplicationFailure } from '@temporalio/common';
import type { LogEntry, Logger, NativeConnection, Worker } from '@temporalio/worker';
import type { AlibabaClients } from '../activities/clients';
import { CliError, EXIT } from './exit-codes';
import {
  ensureTemporalServer,
  findTemporalServer,
  registerSearchAttributes,
  type ServerSource,
  searchAttributeArgs,
  temporalConnectionOptions,
} from './temporal-server';
import { embeddedWorkerIdentity } from './worker-liveness';

// The worker SDK (native runtime), the test server, the emulator and the cloud SDKs load only for the
// commands that use them: `acp status` needs none of them.
const workerSdk = () => require('@temporalio/worker') as typeof import('@temporalio/worker');
const testingSdk = () => require('@temporalio/testing') as typeof import('@temporalio/testing');

export const LOCAL_HOST = '127.0.0.1';
export const LOCAL_PORT = 7233;
export const LOCAL_UI_PORT = 8233;

export type ServerPlan =
  | { kind: 'address'; address: string }
  | { kind: 'reuse'; address: string }
  | { kind: 'start'; binary: string; address: string }
  | { kind: 'in-process' };

/** The decision alone, from what is known: env, whether 7233 answers, what binary there is. */
export function planServer(
  env: NodeJS.ProcessEnv,
  localListening: boolean,
  source: () => ServerSource,
): ServerPlan {
  const address = `${LOCAL_HOST}:${LOCAL_PORT}`;
  if (env.TEMPORAL_ADDRESS) return { kind: 'address', address: env.TEMPORAL_ADDRESS };
  if (localListening) return { kind: 'reuse', address };
  const s = source();
  if (s.kind === 'binary') return { kind: 'start', binary: s.path, address };
  if (s.kind === 'existing') return { kind: 'address', address: s.address };
  return { kind: 'in-process' };
}

export function acpHome(): string {
  return join(homedir(), '.acp');
}

export interface TemporalStack {
  address: string;
  namespace: string;
  client: Client;
  connection: Connection;
  /** Where it runs, for messages ("a dev server acp started at 127.0.0.1:7233"). */
  where: string;
  nativeConnection(): Promise<NativeConnection>;
  close(): Promise<void>;
}

export type Notify = (line: string) => void;

let runtimeInstalled = false;
let sdkVerbose = false;

/** `acp run --verbose`: the SDK's own log at INFO, every entry with its whole meta, as `acp worker --verbose`. */
export function verboseSdkLog(): void {
  sdkVerbose = true;
}

/**
 * The SDK warns with a page of meta (task token, stack, ids) about failures the run itself reports:
 * "Workflow failed" for every run that did not succeed, "Activity failed" for an attempt that ended
 * in one of acp's classified errors (an Alibaba code, an ApplicationFailure). The CLI's step line and
 * receipt already say both, with the code, so the embedded worker drops them; `acp worker` shortens
 * them to one line (operatorLogger); --verbose keeps them whole.
 */
function expectedFailure(entry: LogEntry): boolean {
  if (entry.message === 'Workflow failed') return true;
  return entry.message === 'Activity failed' && entry.meta?.error instanceof ApplicationFailure;
}

/** One line for a log entry: its level, message, the run or activity it is about, and why. */
function oneLine(entry: LogEntry): string {
  const meta = entry.meta ?? {};
  const error = meta.error;
  const why = error instanceof Error ? `: ${error.message.split('\n')[0]}` : '';
  const about = [meta.workflowId, meta.activityType].filter((x) => typeof x === 'string').join(' ');
  return `[${entry.level}] ${entry.message}${about ? ` (${about})` : ''}${why}`;
}

/**
 * `acp worker`'s log, which an operator reads: the SDK's warnings keep their whole meta, except the
 * failures acp classifies itself (a run that ended FAILED, REJECTED, …; an attempt that met an
 * Alibaba code), which every run fails on purpose so the Web UI shows it red: one line each, with the
 * run and the reason (the run's status has the rest). --verbose: the SDK's log as it is.
 */
export function operatorLogger(
  verbose: boolean,
  write: (line: string) => void = (line) => process.stderr.write(line),
): Logger {
  const { DefaultLogger } = workerSdk();
  if (verbose) return new DefaultLogger('INFO');
  const full = new DefaultLogger('WARN');
  return new DefaultLogger('WARN', (entry) => {
    if (!expectedFailure(entry)) {
      full.log(entry.level, entry.message, entry.meta);
      return;
    }
    const at = new Date(Number(entry.timestampNanos / 1_000_000n)).toISOString();
    write(`${at} ${oneLine(entry)}\n`);
  });
}

/** The SDK's worker runtime logs every state change at INFO on stderr; a CLI shows warnings only. */
async function quietRuntime(): Promise<void> {
  if (runtimeInstalled) return;
  runtimeInstalled = true;
  const { DefaultLogger, Runtime } = workerSdk();
  const logger = sdkVerbose
    ? new DefaultLogger('INFO')
    : new DefaultLogger('WARN', (entry) => {
        if (expectedFailure(entry)) return;
        // Anything else is one line; its meta (ids, task token, stack) is for --verbose.
        process.stderr.write(`acp worker: ${oneLine(entry)}\n`);
      });
  // No shutdown signals: Ctrl-C detaches from (or, simulated, cancels) the run; the CLI decides when
  // its embedded worker stops, not the SDK.
  Runtime.install({ logger, shutdownSignals: [] });
}

function portAnswers(host: string, port: number, timeoutMs = 500): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = createConnection({ host, port });
    const done = (ok: boolean) => {
      socket.destroy();
      resolve(ok);
    };
    socket.setTimeout(timeoutMs, () => done(false));
    socket.once('connect', () => done(true));
    socket.once('error', () => done(false));
  });
}

async function connectWithRetry(address: string, deadlineMs: number): Promise<Connection> {
  // TLS and API key settings that cannot work fail here, once, naming the variable.
  const options = temporalConnectionOptions(address);
  let last: unknown;
  while (Date.now() < deadlineMs) {
    try {
      return await Connection.connect({ ...options, connectTimeout: 1_000 });
    } catch (err) {
      last = err;
      await new Promise((r) => setTimeout(r, 250));
    }
  }
  throw last instanceof Error ? last : new Error(String(last));
}

/** Starts `temporal server start-dev` detached, so it outlives this command and serves the next ones. */
function startDetachedDevServer(binary: string): { pid: number; db: string; log: string } {
  const home = acpHome();
  mkdirSync(home, { recursive: true });
  const db = join(home, 'temporal.db');
  const log = join(home, 'temporal.log');
  const fd = openSync(log, 'a');
  const child = spawn(
    binary,
    [
      'server',
      'start-dev',
      '--ip',
      LOCAL_HOST,
      '--port',
      String(LOCAL_PORT),
      '--ui-port',
      String(LOCAL_UI_PORT),
      '--db-filename',
      db,
      '--log-level',
      'warn',
      ...searchAttributeArgs(),
      '--dynamic-config-value',
      'frontend.enableUpdateWorkflowExecution=true',
    ],
    { detached: true, stdio: ['ignore', fd, fd] },
  );
  child.unref();
  closeSync(fd);
  if (child.pid === undefined)
    throw new CliError(
      EXIT.error,
      `could not start ${binary}`,
      'set TEMPORAL_ADDRESS to a running Temporal server',
    );
  writeFileSync(join(home, 'temporal.pid'), `${child.pid}\n`);
  return { pid: child.pid, db, log };
}

/** ensureTemporalServer, but a failed build (no network to the Go proxy, say) is a message, not the end. */
function buildOrFindServer(notify: Notify): ServerSource {
  try {
    return ensureTemporalServer();
  } catch (err) {
    notify(
      `could not build the Temporal CLI from Go modules (${(err as Error).message.split('\n')[0]}); see scripts/build-temporal-cli.sh`,
    );
    return findTemporalServer();
  }
}

function namespaceFromEnv(): string {
  return process.env.TEMPORAL_NAMESPACE || 'default';
}

/**
 * How far a command may go to get a server: `run`/`quote` start one; `worker` needs one other
 * processes can reach (no in-process server); `status`, `confirm` … only look at an existing one,
 * since a fresh server has no runs to show.
 */
export type ServerNeed = 'start-if-needed' | 'shared' | 'existing';

/** Connects to (or starts) the Temporal server a command uses; tells the user once when it starts one. */
export async function openTemporal(
  notify: Notify,
  need: ServerNeed = 'start-if-needed',
): Promise<TemporalStack> {
  const namespace = namespaceFromEnv();
  const plan = planServer(
    process.env,
    !process.env.TEMPORAL_ADDRESS && (await portAnswers(LOCAL_HOST, LOCAL_PORT)),
    // A command that may start a server builds the `temporal` CLI from Go modules when there is none
    // (a fresh machine with Go); one that only looks at existing runs never waits minutes for that.
    need === 'existing' ? () => findTemporalServer() : () => buildOrFindServer(notify),
  );
  if (need === 'existing' && (plan.kind === 'start' || plan.kind === 'in-process')) {
    throw new CliError(
      EXIT.error,
      `no Temporal server answers on ${LOCAL_HOST}:${LOCAL_PORT} and TEMPORAL_ADDRESS is not set, so there are no runs to look at`,
      'set TEMPORAL_ADDRESS to the server your runs are on, or start one with `acp run`',
    );
  }
  if (need === 'shared' && plan.kind === 'in-process') {
    throw new CliError(
      EXIT.error,
      'no Temporal server to connect to: TEMPORAL_ADDRESS is not set, nothing answers on 127.0.0.1:7233 and there is no `temporal` binary',
      'set TEMPORAL_ADDRESS, put `temporal` on PATH (or TEMPORAL_CLI_PATH), or run scripts/build-temporal-cli.sh',
    );
  }

  if (plan.kind === 'in-process') {
    await quietRuntime();
    notify(
      "no `temporal` binary found (TEMPORAL_CLI_PATH, PATH, ~/.cache/acp): starting the SDK's local Temporal server for this command only",
    );
    const { TestWorkflowEnvironment } = testingSdk();
    const { SEARCH_ATTRIBUTES } =
      require('../workflows/search-attributes') as typeof import('../workflows/search-attributes');
    const env = await TestWorkflowEnvironment.createLocal({
      server: { searchAttributes: SEARCH_ATTRIBUTES },
    });
    return {
      address: env.address,
      namespace: env.namespace ?? 'default',
      client: env.client,
      connection: env.connection,
      where: `an in-process Temporal server at ${env.address} (gone when this command ends)`,
      nativeConnection: async () => env.nativeConnection,
      close: () => env.teardown(),
    };
  }

  let connection: Connection;
  let where: string;
  if (plan.kind === 'start') {
    const started = startDetachedDevServer(plan.binary);
    try {
      connection = await connectWithRetry(plan.address, Date.now() + 30_000);
    } catch (err) {
      throw new CliError(
        EXIT.error,
        `the Temporal dev server acp started (pid ${started.pid}) did not answer on ${plan.address}: ${(err as Error).message}`,
        `see ${started.log}`,
      );
    }
    where = `a Temporal dev server acp started at ${plan.address}`;
    notify(
      `started a Temporal dev server at ${plan.address} (pid ${started.pid}); Web UI http://localhost:${LOCAL_UI_PORT}; history in ${started.db}; it keeps running for the next commands (stop it with \`kill ${started.pid}\`)`,
    );
  } else {
    try {
      connection = await connectWithRetry(plan.address, Date.now() + 5_000);
    } catch (err) {
      const origin = plan.kind === 'address' ? 'TEMPORAL_ADDRESS' : 'the server already on 127.0.0.1:7233';
      throw new CliError(
        EXIT.error,
        `cannot reach Temporal at ${plan.address} (${origin}): ${(err as Error).message}`,
        'start it, or unset TEMPORAL_ADDRESS to let acp start a local one',
      );
    }
    where =
      plan.kind === 'address' ? `Temporal at ${plan.address}` : `the Temporal server on ${plan.address}`;
  }
  try {
    await registerSearchAttributes(connection, namespace);
  } catch (err) {
    notify(
      `could not check acp's search attributes on ${plan.address} (${(err as Error).message}); \`acp list\` and status updates need them registered`,
    );
  }
  const client = new Client({ connection, namespace });
  let native: Promise<NativeConnection> | undefined;
  return {
    address: plan.address,
    namespace,
    client,
    connection,
    where,
    nativeConnection: () => {
      native ??= quietRuntime().then(async () => {
        return workerSdk().NativeConnection.connect(temporalConnectionOptions(plan.address));
      });
      return native;
    },
    async close() {
      if (native) await (await native).close().catch(() => undefined);
      await connection.close();
    },
  };
}

export interface EmbeddedWorker {
  taskQueue: string;
  /** Runs the worker until `until` settles, then shuts it down; resolves with `until`'s value. */
  runUntil<T>(until: Promise<T>): Promise<T>;
}

/** A worker in this process on `taskQueue`, with the given cloud clients (default: the real chain). */
export async function startEmbeddedWorker(
  stack: TemporalStack,
  taskQueue: string,
  clients?: AlibabaClients,
): Promise<EmbeddedWorker> {
  const connection = await stack.nativeConnection();
  const { createAcpWorker } = require('../worker/worker') as typeof import('../worker/worker');
  const worker: Worker = await createAcpWorker({
    connection,
    namespace: stack.namespace,
    taskQueue,
    clients,
    extra: {
      // Says "gone with this command" to the next command that looks for a worker (worker-liveness.ts).
      identity: embeddedWorkerIdentity(),
      // Workflow code on this thread (the SDK's debugMode), not on a worker thread: a thread loads the
      // SDK and its protobuf definitions a second time, half a second of CPU before the first step,
      // for a worker that carries this command's run (or an MCP session's few). It also lifts the
      // SDK's 5 s limit on one workflow activation, a guard against workflow code stuck in a loop;
      // `acp worker` keeps both.
      debugMode: true,
    },
  });
  return {
    taskQueue,
    runUntil: (until) => worker.runUntil(until),
  };
}

/** Simulated runs live on a task queue of their own, named so: `acp list` and `acp status` tell them. */
export const SIMULATED_QUEUE_PREFIX = 'acp-simulate-';

export interface SimulatedCloud {
  clients: AlibabaClients;
  endpoint: string;
  taskQueue: string;
  /** Live resources in the emulator (what a leak would be). */
  liveResources(): Promise<unknown[]>;
  stop(): Promise<void>;
}

/**
 * `--simulate`: the emulator in this process, clients signed with its keys, a task queue of its own.
 * `scripts: false` (a quote): nothing will run a script, so no sandbox is prepared for one.
 */
export async function startSimulatedCloud({
  scripts = true,
}: {
  scripts?: boolean;
} = {}): Promise<SimulatedCloud> {
  const { startEmulator } = require('../emulator') as typeof import('../emulator');
  const { cloudConfigFromEnv, createClients, staticCredential } =
    require('../activities/clients') as typeof import('../activities/clients');
  // Scripts really run (in an emulated machine, docs/simulation.md); the cloud's own waits (boot,
  // Running) go 600× faster.
  const { DEFAULT_CHECKPOINT_ROLE } =
    require('../planner/checkpoint') as typeof import('../planner/checkpoint');
  const emu = await startEmulator({
    port: 0,
    exec: scripts ? 'local' : 'none',
    speed: 600,
    // The simulated account is set up as docs/spot.md asks of a real one: it has the instance RAM role
    // checkpoints mount their bucket with (a simulate user has no RAM console to create it in).
    roles: [
      {
        roleName: process.env.ACP_CHECKPOINT_ROLE || DEFAULT_CHECKPOINT_ROLE,
        trustedServices: ['ecs.aliyuncs.com'],
      },
    ],
  });
  const clients = createClients(
    cloudConfigFromEnv(
      { ...process.env, ACP_ALIBABA_ENDPOINT: emu.endpoint },
      staticCredential(emu.accessKeyId, emu.accessKeySecret),
    ),
  );
  return {
    clients,
    endpoint: emu.endpoint,
    taskQueue: `${SIMULATED_QUEUE_PREFIX}${process.pid}-${randomBytes(3).toString('hex')}`,
    async liveResources() {
      const r = await fetch(`${emu.url}/__emulator/resources`);
      const body = (await r.json()) as { resources?: unknown[] };
      return body.resources ?? [];
    },
    stop: () => emu.stop(),
  };
}
