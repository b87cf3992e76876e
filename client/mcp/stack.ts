// The stack behind the tools: Temporal, a worker and (simulated) the emulator.
import { requireCredentials } from '../credentials-check';
import {
  type EmbeddedWorker,
  openTemporal,
  type SimulatedCloud,
  startEmbeddedWorker,
  startSimulatedCloud,
  type TemporalStack,
} from '../local-stack';
import { lastingWorkersOn } from '../worker-liveness';

export interface McpOptions {
  simulate?: boolean;
  env?: NodeJS.ProcessEnv;
  /** Human lines (stderr). */
  notify?: (line: string) => void;
}

export interface Backend {
  temporal: TemporalStack;
  taskQueue: string;
  simulated?: SimulatedCloud;
}

/**
 * Temporal, a worker and (simulated) the emulator, opened on the first tool call that needs them and
 * kept for the life of the server: an agent's session is the span this process follows its runs for.
 */
export class AcpStack {
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
    const { taskQueue } = require('../../worker/worker') as typeof import('../../worker/worker');
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
