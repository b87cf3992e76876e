// The whole stack a workflow test needs, all real: a Temporal server, the Alibaba emulator, and an acp
// worker whose official SDK clients point at the emulator. One per test file. The worker's key holds
// exactly the policy `acp ram-policy` prints, so every workflow test also proves that policy is
// enough; a test that needs other resources set up uses the unrestricted `adminKey`.
import * as $Cs from '@alicloud/cs20151215';
import type { WorkflowHandle } from '@temporalio/client';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import type { Worker } from '@temporalio/worker';
import {
  type AlibabaClients,
  cloudConfigFromEnv,
  createClients,
  staticCredential,
} from '../../activities/clients';
import { marketOptionsFromEnv } from '../../activities/market';
import { MANAGED_TAG, SHARED_TAG } from '../../activities/tags';
import { type RamPolicy, ramPolicy } from '../../client/ram-policy';
import { DEFAULT_ACCESS_KEY_ID, startEmulator } from '../../emulator';
import type { ProvisionRequest } from '../../planner/types';
import { createAcpWorker } from '../../worker/worker';
import { provision } from '../../workflows/provision';
import { startTemporal, startTimeSkipping, uniqueTaskQueue, workflowBundle } from './temporal';
import { waitFor } from './waiting';

export type RunningEmulator = Awaited<ReturnType<typeof startEmulator>>;

export interface Stack {
  env: TestWorkflowEnvironment;
  emulator: RunningEmulator;
  clients: AlibabaClients;
  taskQueue: string;
  worker: Worker;
  /** A key of the same account without a RAM policy, for a test's own set-up (foreign resources). */
  adminKey: { accessKeyId: string; accessKeySecret: string };
  /** SDK clients with the admin key: a test's own look-ups and set-up, outside acp's policy. */
  adminClients: AlibabaClients;
  /** Admin API of the emulator. */
  admin(path: string, init?: RequestInit): Promise<any>;
  /** What the emulated cloud holds now: one run's resources (by its acp:workflow-id tag), or all. */
  liveResources(workflowId?: string): Promise<any[]>;
  /**
   * Starts a provision run on this stack's worker under the file's next id (`acp-test-<name>-<pid>-<n>`);
   * `started` lists the ids in order, for tests that replay every history the file recorded.
   */
  startProvision(
    request: ProvisionRequest & { blockedTimeout?: string },
  ): Promise<WorkflowHandle<typeof provision>>;
  readonly started: string[];
  stop(): Promise<void>;
}

export interface StackOptions {
  /** A Temporal server this test started itself (e.g. one with the Web UI) instead of the shared one. */
  temporalAddress?: string;
  /** Temporal's time-skipping test server instead (test/support/temporal.ts startTimeSkipping). */
  timeSkipping?: boolean;
  /**
   * The worker's RAM policy: default `ramPolicy()`, the one `acp ram-policy` prints; `false` leaves
   * the key unrestricted (only for a test that is about something else than RAM and cannot run
   * under it — say why where you use it).
   */
  ramPolicy?: RamPolicy | false;
}

const ADMIN_KEY = { accessKeyId: 'acp-test-admin', accessKeySecret: 'acp-test-admin-secret' };

export async function startStack(
  name: string,
  emulatorOptions: Parameters<typeof startEmulator>[0] = {},
  options: StackOptions = {},
): Promise<Stack> {
  const workerKeyId = emulatorOptions.accessKeyId ?? DEFAULT_ACCESS_KEY_ID;
  const policy = options.ramPolicy === undefined ? ramPolicy() : options.ramPolicy;
  const [serverStart, emulatorStart] = await Promise.allSettled([
    options.timeSkipping ? startTimeSkipping() : startTemporal(options.temporalAddress),
    startEmulator({
      port: 0,
      exec: 'local',
      speed: 600,
      ...emulatorOptions,
      policies: { ...(policy ? { [workerKeyId]: policy } : {}), ...emulatorOptions.policies },
    }),
  ]);
  // One of the two failed: stop the other, or its open handles keep the test file from ever ending.
  if (serverStart.status === 'rejected' || emulatorStart.status === 'rejected') {
    if (serverStart.status === 'fulfilled') await serverStart.value.teardown().catch(() => undefined);
    if (emulatorStart.status === 'fulfilled') await emulatorStart.value.stop();
    throw serverStart.status === 'rejected'
      ? serverStart.reason
      : (emulatorStart as PromiseRejectedResult).reason;
  }
  const env = serverStart.value;
  const emulator = emulatorStart.value;
  const admin = async (path: string, init?: RequestInit) => {
    const r = await fetch(`http://${emulator.endpoint}${path}`, init);
    return r.json();
  };
  const addAdminKey = () => admin('/__emulator/keys', { method: 'POST', body: JSON.stringify(ADMIN_KEY) });
  await addAdminKey();
  const clientsFor = (key: { accessKeyId: string; accessKeySecret: string }) =>
    createClients({
      ...cloudConfigFromEnv(
        { ACP_ALIBABA_ENDPOINT: emulator.endpoint },
        staticCredential(key.accessKeyId, key.accessKeySecret),
      ),
      timeoutMs: 10_000,
    });
  const clients = clientsFor(emulator);
  const taskQueue = uniqueTaskQueue(name);
  const worker = await createAcpWorker({
    connection: env.nativeConnection,
    taskQueue,
    clients,
    workflowBundle: await workflowBundle(),
    // Tests sell out PAI-DLC specs and make or delete shared clusters between quotes (faults, resets):
    // the minute-long caches of both would carry one test's cloud into the next.
    // test/workflows/quote.test.ts tests the caches.
    market: { ...marketOptionsFromEnv(), dlcStockTtlMs: 0, sharedClusterTtlMs: 0 },
  });
  const running = worker.run();
  const started: string[] = [];
  return {
    env,
    emulator,
    clients,
    taskQueue,
    worker,
    adminKey: ADMIN_KEY,
    adminClients: clientsFor(ADMIN_KEY),
    async admin(path, init) {
      const answer = await admin(path, init);
      // A reset forgets added keys; the admin key is part of the stack, so it comes back.
      if (path.startsWith('/__emulator/reset')) await addAdminKey();
      return answer;
    },
    async liveResources(workflowId) {
      const { resources } = (await admin('/__emulator/resources')) as { resources: any[] };
      return workflowId === undefined
        ? resources
        : resources.filter((r: any) => r.tags?.['acp:workflow-id'] === workflowId);
    },
    started,
    startProvision(request) {
      const workflowId = `acp-test-${name}-${process.pid}-${started.length + 1}`;
      started.push(workflowId);
      return env.client.workflow.start(provision, { taskQueue, workflowId, args: [request] });
    },
    async stop() {
      worker.shutdown();
      await running.catch(() => undefined);
      await Promise.all([env.teardown(), emulator.stop()]);
    },
  };
}

/**
 * An ACK cluster as an operator shares one with every run of a region (acp:managed + acp:shared=true),
 * created with the stack's SDK clients; resolves once it is running.
 */
export async function createSharedCluster(stack: Stack, regionId: string): Promise<string> {
  const cs = stack.clients.cs(regionId);
  const created = await cs.createCluster(
    new $Cs.CreateClusterRequest({
      name: 'acp-shared',
      regionId,
      clusterType: 'ManagedKubernetes',
      clusterSpec: 'ack.pro.small',
      // No VPC of its own: ACK creates one in this zone.
      zoneIds: [stack.emulator.world.catalogue.region(regionId)!.zones[0]!.zoneId],
      tags: [
        new $Cs.Tag({ key: MANAGED_TAG, value: 'true' }),
        new $Cs.Tag({ key: SHARED_TAG, value: 'true' }),
      ],
      nodepools: [
        new $Cs.Nodepool({
          nodepoolInfo: new $Cs.NodepoolNodepoolInfo({ name: 'pool' }),
          scalingGroup: new $Cs.NodepoolScalingGroup({ instanceTypes: ['ecs.g7.xlarge'], desiredSize: 1 }),
        }),
      ],
    }),
  );
  const id = created.body?.clusterId;
  if (!id) throw new Error('CreateCluster returned no cluster_id');
  await waitFor(async () =>
    (await cs.describeClusterDetail(id)).body?.state === 'running' ? true : undefined,
  );
  return id;
}
