// Commands back to back on one task queue, as a person types them: each one ends. The worker a
// command embeds leaves with it, but the server keeps listing its poller for about a minute; the next
// command must not count on it (it used to, and waited forever). Real runs here: the `acp emulator`
// process answers as Alibaba Cloud (through the official SDKs), `acp run` without --simulate.
import assert from 'node:assert/strict';
import { hostname } from 'node:os';
import { after, before, describe, test } from 'node:test';
import { NativeConnection, Worker } from '@temporalio/worker';
import {
  EMBEDDED_PREFIX,
  embeddedWorkerIdentity,
  lastingWorkers,
  type PollerSeen,
  simulationOwnerAlive,
} from '../../client/worker-liveness';
import { workflowBundle } from '../support/temporal';
import { acp, emptyHome, scrubbedEnv, serve } from './spawn-acp';

const HOST = hostname();

describe('which pollers are workers that stay', () => {
  const now = 1_000_000_000;
  const seen = (identity: string, agoMs = 1_000): PollerSeen => ({ identity, lastAccessMs: now - agoMs });
  const alive = new Set([111]);
  const lasting = (pollers: PollerSeen[]) =>
    lastingWorkers(pollers, now, HOST, (pid) => alive.has(pid)).map((p) => p.identity);

  test("a CLI command's embedded worker never counts, even while it still polls", () => {
    assert.ok(embeddedWorkerIdentity(111, HOST).startsWith(EMBEDDED_PREFIX));
    assert.deepEqual(lasting([seen(embeddedWorkerIdentity(111, HOST))]), []);
  });

  test('a worker of this machine counts only while its process lives', () => {
    assert.deepEqual(lasting([seen(`111@${HOST}`), seen(`222@${HOST}`)]), [`111@${HOST}`]);
  });

  test("a simulated run's process is alive while its embedded worker's pid is (or, elsewhere, it polls)", () => {
    const alive = (pid: number) => pid === 111;
    assert.equal(simulationOwnerAlive([seen(embeddedWorkerIdentity(111, HOST))], now, HOST, alive), true);
    assert.equal(simulationOwnerAlive([seen(embeddedWorkerIdentity(222, HOST))], now, HOST, alive), false);
    assert.equal(
      simulationOwnerAlive([seen(embeddedWorkerIdentity(9, 'laptop'), 5_000)], now, HOST, alive),
      true,
    );
    assert.equal(
      simulationOwnerAlive([seen(embeddedWorkerIdentity(9, 'laptop'), 300_000)], now, HOST, alive),
      false,
    );
    assert.equal(simulationOwnerAlive([], now, HOST, alive), false);
  });

  test('a worker of another machine counts while it polled within a long poll', () => {
    assert.deepEqual(lasting([seen('7@build-box', 30_000), seen('8@build-box', 120_000)]), ['7@build-box']);
  });
});

describe('back to back on one task queue', () => {
  let emulator: Awaited<ReturnType<typeof serve>>;
  let env: NodeJS.ProcessEnv;
  const queue = `test-back-to-back-${process.pid}`;

  before(async () => {
    emulator = await serve(['emulator', '--json'], scrubbedEnv({ HOME: emptyHome() }));
    env = scrubbedEnv({
      HOME: emptyHome(),
      ...emulator.doc.env,
      ACP_TASK_QUEUE: queue,
    });
    assert.ok(env.TEMPORAL_ADDRESS, 'the suite runs against a Temporal server (scripts/test.mjs)');
  });
  after(async () => {
    await emulator?.stop();
  });

  test('a quote, then two real runs against `acp emulator`: each one finishes', async () => {
    const commands: [string, string[]][] = [
      ['quote', ['quote', '2 vCPU 4 GB for 1 hour', '--product', 'ecs', '--json']],
      ['run 1', ['run', '--product', 'ecs', '--inline', 'echo first-run', '--yes', '--json']],
      ['run 2', ['run', '--product', 'ecs', '--inline', 'echo second-run', '--yes', '--json']],
    ];
    for (const [what, args] of commands) {
      const r = await acp(args, env, 150_000);
      assert.equal(r.code, 0, `${what}: exit ${r.code}\n${r.stderr}`);
      const doc = JSON.parse(r.stdout);
      assert.equal(doc.status, 'SUCCEEDED', `${what}: ${doc.message}`);
      // Each command carried its own run: the previous command's worker, gone, was not counted.
      assert.match(r.stderr, new RegExp(`no worker polls task queue ${queue}`), what);
      if (what !== 'quote') {
        assert.match(doc.execution?.outputTail ?? '', what === 'run 1' ? /first-run/ : /second-run/);
        assert.deepEqual(doc.leftBehind, [], `${what}: nothing left behind`);
      }
    }
  });

  test('a worker seen on the queue that is gone: the command says so after the wait and carries the run', async () => {
    // A worker of another machine that polled a moment ago and then went away (its host lost).
    const connection = await NativeConnection.connect({ address: env.TEMPORAL_ADDRESS! });
    const ghost = await Worker.create({
      connection,
      taskQueue: queue,
      identity: '4242@a-host-that-went-away',
      workflowBundle: await workflowBundle(),
      activities: {},
    });
    const ran = ghost.run();
    await new Promise((r) => setTimeout(r, 1_500));
    ghost.shutdown();
    await ran;
    await connection.close();

    const r = await acp(
      ['quote', '2 vCPU 4 GB for 1 hour', '--product', 'ecs', '--json'],
      { ...env, ACP_WORKER_WAIT_SECONDS: '3' },
      150_000,
    );
    assert.equal(r.code, 0, r.stderr);
    assert.equal(JSON.parse(r.stdout).status, 'SUCCEEDED');
    assert.match(r.stderr, /task queue \S+ has a worker \(4242@a-host-that-went-away\)/);
    assert.match(
      r.stderr,
      new RegExp(`no worker has picked up this run's next step for \\d+ s on task queue ${queue}`),
      'the wait is said, with the queue',
    );
  });
});
