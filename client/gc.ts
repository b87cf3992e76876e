// `acp gc [--apply] [--schedule]`: finds every acp:managed resource of every product (ECS instances
// and their networks, FC functions, ACK clusters and Jobs on a shared cluster, PAI-DLC jobs) whose
// workflow is closed or unknown to Temporal (an orphan: nobody will release it), lists it, releases
// it with --apply in dependency order, or installs the sweep as an hourly Temporal Schedule running
// the `gcSweep` workflow.
import { Client, Connection, ScheduleAlreadyRunning } from '@temporalio/client';
import type { Duration } from '@temporalio/common';
import { type AlibabaClients, cloudConfigFromEnv, createClients } from '../activities/clients';
import {
  accountRegions,
  countByType,
  type GcRelease,
  listManagedResources,
  type Orphan,
  orphansAmong,
  releaseManagedResources,
} from '../activities/gc';
import { taskQueue as defaultTaskQueue } from '../worker/worker';
import { gcSweep } from '../workflows/gc';
import { dataConverterFromEnv } from './codec';
import { temporalConnectionOptions } from './temporal-server';

export const GC_SCHEDULE_ID = 'acp-gc';

/** ': 2 instance, 1 function …' (nothing for none). */
export function byTypeNote(orphans: readonly Orphan[]): string {
  const counts = Object.entries(countByType(orphans));
  return counts.length ? `: ${counts.map(([type, n]) => `${n} ${type}`).join(', ')}` : '';
}

/** Every orphan in these regions (all Alibaba regions acp knows by default). */
export async function findOrphans(
  temporalClient: Client,
  clients: AlibabaClients,
  regions?: readonly string[],
): Promise<Orphan[]> {
  const where = regions?.length ? [...regions] : await accountRegions(clients);
  return orphansAmong(temporalClient, await listManagedResources(clients, where));
}

export interface GcOptions {
  /** Release the orphans (otherwise only list them). */
  apply?: boolean;
  /** Install (or update) the hourly Temporal Schedule instead of sweeping now. */
  schedule?: boolean;
  /** How often the schedule sweeps (default 1h). */
  every?: string;
  /** Regions to sweep; default: every region the account can use (ECS DescribeRegions). */
  regions?: readonly string[];
  /** A connected Temporal client; otherwise one for TEMPORAL_ADDRESS (default localhost:7233). */
  client?: Client;
  /** Alibaba clients; otherwise the default credentials chain and ACP_ALIBABA_ENDPOINT. */
  clients?: AlibabaClients;
  taskQueue?: string;
  /** Where the human-readable lines go (default stdout). */
  print?: (line: string) => void;
}

export interface GcReport {
  orphans: Orphan[];
  release?: GcRelease;
  scheduleId?: string;
}

/** What `acp gc` does; the CLI maps a report with failed releases to a non-zero exit. */
export async function runGc(opts: GcOptions = {}): Promise<GcReport> {
  const print = opts.print ?? ((l: string) => console.log(l));
  let connection: Connection | undefined;
  let client = opts.client;
  if (!client) {
    connection = await Connection.connect(
      temporalConnectionOptions(process.env.TEMPORAL_ADDRESS || 'localhost:7233'),
    );
    client = new Client({
      connection,
      namespace: process.env.TEMPORAL_NAMESPACE || 'default',
      dataConverter: dataConverterFromEnv(),
    });
  }
  try {
    if (opts.schedule) {
      const scheduleId = await installGcSchedule(client, {
        regions: [...(opts.regions ?? [])],
        apply: opts.apply ?? false,
        every: opts.every ?? '1h',
        taskQueue: opts.taskQueue ?? defaultTaskQueue(),
      });
      print(
        `installed schedule ${scheduleId}: gcSweep every ${opts.every ?? '1h'} (apply=${opts.apply ?? false}; add --apply to release)`,
      );
      return { orphans: [], scheduleId };
    }
    const clients = opts.clients ?? createClients(cloudConfigFromEnv());
    const regions = opts.regions?.length ? [...opts.regions] : await accountRegions(clients);
    const orphans = await findOrphans(client, clients, regions);
    for (const o of orphans)
      print(
        `orphan  ${o.product.padEnd(4)} ${o.type.padEnd(14)} ${o.id.padEnd(26)} ${o.regionId.padEnd(16)} ${o.reason}`,
      );
    print(`${orphans.length} orphan(s) in ${regions.length} region(s)${byTypeNote(orphans)}`);
    if (!opts.apply || orphans.length === 0) {
      if (orphans.length > 0) print('run `acp gc --apply` to release them');
      return { orphans };
    }
    const release = await releaseManagedResources(clients, orphans);
    for (const f of release.failed) print(`FAILED  ${f.type} ${f.id}: ${f.error}`);
    print(
      `released ${release.released.length}, already gone ${release.gone.length}, failed ${release.failed.length}`,
    );
    return { orphans, release };
  } finally {
    await connection?.close();
  }
}

/** Installs (or replaces) the schedule that runs `gcSweep`; returns its id. */
export async function installGcSchedule(
  client: Client,
  opts: { regions: string[]; apply: boolean; every: string; taskQueue: string; scheduleId?: string },
): Promise<string> {
  const scheduleId = opts.scheduleId ?? GC_SCHEDULE_ID;
  const action = {
    type: 'startWorkflow' as const,
    workflowType: gcSweep,
    args: [{ regions: opts.regions, apply: opts.apply }] as [{ regions: string[]; apply: boolean }],
    taskQueue: opts.taskQueue,
    workflowId: `${scheduleId}-sweep`,
  };
  try {
    await client.schedule.create({
      scheduleId,
      spec: { intervals: [{ every: opts.every as Duration }] },
      action,
      policies: { overlap: 'SKIP' },
    });
  } catch (err) {
    if (!(err instanceof ScheduleAlreadyRunning)) throw err;
    await client.schedule.getHandle(scheduleId).update((prev) => ({
      ...prev,
      spec: { intervals: [{ every: opts.every as Duration }] },
      action,
    }));
  }
  return scheduleId;
}
