// Chaos in CI size: the worker runs as a child process and is SIGKILLed at random moments and
// restarted while runs of all four products (ECS one-shots and a TTL-ended service, FC, ACK, PAI-DLC)
// are in flight (bench/chaos.ts; `npm run chaos` runs 32). Then the Temporal server itself — a dev
// server with a SQLite file — is killed and restarted mid-run, and the run completes.
import assert from 'node:assert/strict';
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import { Client, Connection } from '@temporalio/client';
import { NativeConnection } from '@temporalio/worker';
import { cloudConfigFromEnv, createClients, staticCredential } from '../../activities/clients';
import { CHAOS_PRODUCTS, chaosLines, runChaos } from '../../bench/chaos';
import { findTemporalServer, searchAttributeArgs } from '../../client/temporal-server';
import { startEmulator } from '../../emulator';
import { createAcpWorker } from '../../worker/worker';
import { type ProvisionResult, statusQuery } from '../../workflows/messages';
import { provision } from '../../workflows/provision';
import { runResult } from '../support/run-result';
import { startTemporal, uniqueTaskQueue, workflowBundle } from '../support/temporal';

const cleanups: (() => Promise<unknown>)[] = [];
after(async () => {
  for (const c of cleanups.reverse()) await c().catch(() => undefined);
});

describe('chaos', () => {
  test('the worker is SIGKILLed and restarted mid-runs of every product: all terminal, no leaks, no duplicates', async () => {
    const env = await startTemporal();
    cleanups.push(() => env.teardown());
    const runs = Number(process.env.ACP_CHAOS_RUNS ?? 8);
    const report = await runChaos({
      client: env.client,
      address: env.address,
      runs,
      kills: Number(process.env.ACP_CHAOS_KILLS ?? 3),
      seed: Number(process.env.ACP_CHAOS_SEED ?? 5),
      log: (l) => console.log(l),
    });
    for (const l of chaosLines(report)) console.log(l);
    assert.ok(report.kills >= 1, 'the worker was killed at least once mid-run');
    assert.deepEqual(report.stuck, [], 'no run was left open');
    assert.equal(report.terminal, runs, 'every run reached a terminal status');
    assert.deepEqual(report.statuses, { SUCCEEDED: runs });
    for (const product of CHAOS_PRODUCTS) {
      const f = report.byProduct[product];
      assert.ok(f.runs >= 1, `${product} was in the mix`);
      assert.equal(f.leaks, 0, `${product}: live resources of finished runs`);
      assert.equal(f.duplicates, 0, `${product}: a run owned two resources of one step`);
      // Every resource came from a successful create; the extra successes are same-resource replays.
      assert.ok(f.createReplays >= 0, `${product}: a resource without a successful create call`);
    }
  });
});

function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const s = createServer().listen(0, '127.0.0.1', () => {
      const { port } = s.address() as { port: number };
      s.close(() => resolve(port));
    });
  });
}

function temporalBinary(): string {
  const source = findTemporalServer({ ...process.env, TEMPORAL_ADDRESS: '' });
  if (source.kind !== 'binary') throw new Error('the server-restart test needs the temporal CLI binary');
  return source.path;
}

describe('Temporal server restart', () => {
  test('a dev server with --db-filename is killed and restarted mid-run; the run completes', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'acp-restart-'));
    cleanups.push(async () => rmSync(dir, { recursive: true, force: true }));
    const port = await freePort();
    const address = `127.0.0.1:${port}`;
    const bin = temporalBinary();
    const args = [
      'server',
      'start-dev',
      '--ip',
      '127.0.0.1',
      '--port',
      String(port),
      '--headless',
      '--log-level',
      'error',
      '--db-filename',
      join(dir, 'temporal.db'),
      ...searchAttributeArgs(),
    ];
    let server: ChildProcess | undefined;
    const startServer = async () => {
      server = spawn(bin, args, { stdio: 'ignore' });
      for (let i = 0; i < 150; i++) {
        try {
          const c = await Connection.connect({ address, connectTimeout: 500 });
          await c.workflowService.getSystemInfo({});
          await c.close();
          return;
        } catch {
          await new Promise((r) => setTimeout(r, 200));
        }
      }
      throw new Error('the dev server did not come up');
    };
    const killServer = () =>
      new Promise<void>((resolve) => {
        const s = server;
        if (!s || s.exitCode !== null || s.signalCode !== null) return resolve();
        s.once('exit', () => resolve());
        s.kill('SIGKILL');
      });
    cleanups.push(killServer);
    await startServer();

    const emulator = await startEmulator({ port: 0, exec: 'local', speed: 600 });
    cleanups.push(() => emulator.stop());
    const clients = createClients({
      ...cloudConfigFromEnv(
        { ACP_ALIBABA_ENDPOINT: emulator.endpoint },
        staticCredential(emulator.accessKeyId, emulator.accessKeySecret),
      ),
      timeoutMs: 10_000,
    });
    const nativeConnection = await NativeConnection.connect({ address });
    const taskQueue = uniqueTaskQueue('restart');
    const worker = await createAcpWorker({
      connection: nativeConnection,
      taskQueue,
      clients,
      workflowBundle: await workflowBundle(),
    });
    const running = worker.run();
    cleanups.push(async () => {
      if (worker.getState() === 'RUNNING') worker.shutdown();
      await running.catch(() => undefined);
      await nativeConnection.close();
    });
    const connection = await Connection.connect({ address });
    cleanups.push(() => connection.close());
    const client = new Client({ connection });

    const handle = await client.workflow.start(provision, {
      taskQueue,
      workflowId: `acp-restart-${process.pid}`,
      args: [
        { product: 'ecs', script: { content: 'sleep 2; echo survived-restart' }, skipConfirmation: true },
      ],
    });
    const deadline = Date.now() + 60_000;
    for (;;) {
      const s: ProvisionResult = await handle.query(statusQuery);
      if (s.resourcesCreated.some((r) => r.type === 'instance')) break;
      if (Date.now() > deadline) throw new Error(`still ${s.status}`);
      await new Promise((r) => setTimeout(r, 100));
    }
    const before: ProvisionResult = await handle.query(statusQuery);
    await killServer();
    await new Promise((r) => setTimeout(r, 1_000));
    await startServer();

    const result = await runResult(handle);
    assert.equal(result.status, 'SUCCEEDED', result.message);
    assert.match(result.execution?.outputTail ?? '', /survived-restart/);
    const { resources } = (await (await fetch(`${emulator.url}/__emulator/resources`)).json()) as {
      resources: unknown[];
    };
    assert.deepEqual(resources, []);
    console.log(
      `server-restart: killedAt=${before.status} resourcesAtKill=${before.resourcesCreated.length} final=${result.status} leaks=${resources.length}`,
    );
  });
});
