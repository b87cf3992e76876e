// The acp worker: one process that runs the provision workflow and every activity on the task queue
// `compute-provision` (ACP_TASK_QUEUE). More workers on the same queue scale it out.
import type { DataConverter } from '@temporalio/common';
import { NativeConnection, Worker, type WorkerOptions } from '@temporalio/worker';
import { createActivities } from '../activities';
import { type AlibabaClients, cloudConfigFromEnv, createClients } from '../activities/clients';
import type { MarketOptions } from '../activities/market';
import { dataConverterFromEnv } from '../client/codec';
import { temporalConnectionOptions } from '../client/temporal-server';
import { keepAlive } from './keep-alive';
import { tuneHeapForWorker } from './v8-heap';
import { workflowBundle, workflowSourcesPath } from './workflow-bundle';

export const DEFAULT_TASK_QUEUE = 'compute-provision';

export function taskQueue(env: NodeJS.ProcessEnv = process.env): string {
  return env.ACP_TASK_QUEUE || DEFAULT_TASK_QUEUE;
}

export interface AcpWorkerOptions {
  connection: NativeConnection;
  namespace?: string;
  taskQueue?: string;
  clients?: AlibabaClients;
  /** A pre-built workflow bundle (tests build one and share it across workers). */
  workflowBundle?: WorkerOptions['workflowBundle'];
  /** Payload encryption; by default the AES-GCM codec when ACP_PAYLOAD_KEY is set (client/codec.ts). */
  dataConverter?: DataConverter;
  /** Price and catalogue cache lifetimes (default from ACP_PRICE_TTL_SECONDS etc., activities/market.ts). */
  market?: MarketOptions;
  extra?: Partial<WorkerOptions>;
}

/**
 * Runs kept in the worker's memory between workflow tasks. A run waiting for a person past this many
 * is evicted and replayed from its history when the answer comes (tens of ms), so memory stays flat
 * however many runs wait (docs/quotes.md, "Runs that wait for a person"). Each cached run costs about
 * 0.4 MB; 50 is more than the 40 workflow tasks the worker runs at once, and the cache drops the run
 * idle longest, so runs that are working stay cached and parked ones go first. ACP_MAX_CACHED_WORKFLOWS.
 */
export const DEFAULT_MAX_CACHED_WORKFLOWS = 50;

export function maxCachedWorkflows(env: NodeJS.ProcessEnv = process.env): number {
  const v = env.ACP_MAX_CACHED_WORKFLOWS;
  const n = v === undefined || v === '' ? DEFAULT_MAX_CACHED_WORKFLOWS : Number(v);
  if (!Number.isInteger(n) || n < 2)
    throw new Error(`ACP_MAX_CACHED_WORKFLOWS must be an integer ≥ 2, got ${v}`);
  return n;
}

export function workflowsPath(): string {
  return workflowSourcesPath();
}

export async function createAcpWorker(options: AcpWorkerOptions): Promise<Worker> {
  const clients = options.clients ?? createClients(cloudConfigFromEnv());
  const dataConverter = options.dataConverter ?? dataConverterFromEnv();
  return Worker.create({
    connection: options.connection,
    namespace: options.namespace ?? process.env.TEMPORAL_NAMESPACE ?? 'default',
    taskQueue: options.taskQueue ?? taskQueue(),
    // Prebuilt by `npm install` (worker/workflow-bundle.ts); bundled here only after a source edit.
    workflowBundle: options.workflowBundle ?? (await workflowBundle()),
    activities: createActivities(clients, options.market),
    maxCachedWorkflows: maxCachedWorkflows(),
    // One V8 context for every cached run (each run gets its own globals in it): the default since
    // SDK 1.9, said here because the memory figures rest on it.
    reuseV8Context: true,
    // A killed worker's activities move on after their heartbeat timeout (workflows/activity-options.ts).
    interceptors: { activity: [keepAlive] },
    ...(dataConverter ? { dataConverter } : {}),
    ...options.extra,
  });
}

/** `acp worker`: connects to TEMPORAL_ADDRESS (default localhost:7233) and runs until SIGINT/SIGTERM. */
export async function runWorker(address: string, clients?: AlibabaClients): Promise<void> {
  const connection = await NativeConnection.connect(temporalConnectionOptions(address));
  try {
    const worker = await createAcpWorker({ connection, clients });
    // Again: V8 resets the young-space growth factor when it creates the workflow thread's heap.
    tuneHeapForWorker();
    console.error(`acp worker on ${address}, task queue ${taskQueue()}`);
    await worker.run();
  } finally {
    await connection.close();
  }
}
