// The whole stack a workflow test needs, all real: a Temporal server, the Alibaba emulator, and an acp
// worker whose official SDK clients point at the emulator. One per test file.
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import type { Worker } from '@temporalio/worker';
import {
  type AlibabaClients,
  cloudConfigFromEnv,
  createClients,
  staticCredential,
} from '../../activities/clients';
import { startEmulator } from '../../emulator';
import { createAcpWorker } from '../../worker/worker';
import { startTemporal, uniqueTaskQueue, workflowBundle } from './temporal';

export type RunningEmulator = Awaited<ReturnType<typeof startEmulator>>;

export interface Stack {
  env: TestWorkflowEnvironment;
  emulator: RunningEmulator;
  clients: AlibabaClients;
  taskQueue: string;
  worker: Worker;
  /** Admin API of the emulator. */
  admin(path: string, init?: RequestInit): Promise<any>;
  stop(): Promise<void>;
}

export interface StackOptions {
  /** A Temporal server this test started itself (e.g. one with the Web UI) instead of the shared one. */
  temporalAddress?: string;
}

export async function startStack(
  name: string,
  emulatorOptions: Parameters<typeof startEmulator>[0] = {},
  options: StackOptions = {},
): Promise<Stack> {
  const [env, emulator] = await Promise.all([
    startTemporal(options.temporalAddress),
    startEmulator({ port: 0, exec: 'local', speed: 600, ...emulatorOptions }),
  ]);
  const clients = createClients({
    ...cloudConfigFromEnv(
      { ACP_ALIBABA_ENDPOINT: emulator.endpoint },
      staticCredential(emulator.accessKeyId, emulator.accessKeySecret),
    ),
    timeoutMs: 10_000,
  });
  const taskQueue = uniqueTaskQueue(name);
  const worker = await createAcpWorker({
    connection: env.nativeConnection,
    taskQueue,
    clients,
    workflowBundle: await workflowBundle(),
  });
  const running = worker.run();
  return {
    env,
    emulator,
    clients,
    taskQueue,
    worker,
    async admin(path, init) {
      const r = await fetch(`http://${emulator.endpoint}${path}`, init);
      return r.json();
    },
    async stop() {
      worker.shutdown();
      await running.catch(() => undefined);
      await Promise.all([env.teardown(), emulator.stop()]);
    },
  };
}
