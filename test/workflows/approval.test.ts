// The person's yes or no (workflows/approval.ts, docs/operators.md "Approving and rejecting"), on the
// real provision workflow and a real Temporal server, with the cloud replaced by plain functions: the
// paths that are slow or hard to arrange on the emulator — a price that rose between the quote and
// the create, signals that arrive before the comparison is ready, a confirmation nobody gives for
// 30 minutes, a bad or a second confirmation. The end-to-end tests (provision-ecs.test.ts,
// quote.test.ts) cover the same messages against the emulator; these pin the rules.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { Context } from '@temporalio/activity';
import { WorkflowUpdateFailedError } from '@temporalio/client';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { Worker } from '@temporalio/worker';
import type { Activities } from '../../activities';
import type { Offer, RegionFindings } from '../../activities/market';
import { estimateTotal } from '../../planner/pricing';
import type { ProvisionRequest } from '../../planner/types';
import {
  approveUpdate,
  type ConfirmInput,
  confirmSignal,
  type ProvisionResult,
  type RejectInput,
  rejectSignal,
  statusQuery,
} from '../../workflows/messages';
import { provision } from '../../workflows/provision';
import { runResult } from '../support/run-result';
import { startTemporal, startTimeSkipping, uniqueTaskQueue, workflowBundle } from '../support/temporal';
import { waitFor, waitForStatus } from '../support/waiting';

const REGION = 'cn-hangzhou';
const DURATION_MINUTES = 120;
/** What the stub cloud sells, cheapest first: option 1 and option 2 of every comparison. */
const OFFERS: Offer[] = [
  offer('ecs.c6.large', 2, 4, 0.5, `${REGION}-h`),
  offer('ecs.g6.large', 2, 8, 0.8, `${REGION}-i`),
];

function offer(instanceType: string, cpu: number, memoryGiB: number, hourly: number, zone: string): Offer {
  return {
    instanceType,
    cpu,
    memoryGiB,
    gpuAmount: 0,
    gpuSpec: '',
    zones: [zone],
    hourly,
    pricedAt: '2026-01-01T00:00:00Z',
  };
}

/** One run's view of the stub cloud: what it answers, and every call it saw (in order). */
interface StubCloud {
  /** The price DescribePrice answers at the re-quote, as a factor of the quoted one. */
  requoteFactor: number;
  /** The comparison waits for this (signals sent meanwhile arrive while the run is QUOTING). */
  quoteGate?: Promise<void>;
  quoting?: () => void;
  calls: string[];
}

const clouds = new Map<string, StubCloud>();

function cloud(): StubCloud {
  const id = Context.current().info.workflowExecution?.workflowId ?? '';
  const c = clouds.get(id);
  if (!c) throw new Error(`no stub cloud for ${id}`);
  return c;
}

function call(name: string): StubCloud {
  const c = cloud();
  c.calls.push(name);
  return c;
}

const released = (id: string) => async () => {
  call(`release ${id}`);
  return { ids: [id], outcome: 'released' as const };
};

/** The activities an ECS run calls, as plain functions; the compiler keeps their names and shapes. */
const stubActivities = {
  async lookUpRegion(input: { regionId: string }): Promise<RegionFindings> {
    const c = call('lookUpRegion');
    c.quoting?.();
    await c.quoteGate;
    return {
      regionId: input.regionId,
      ecs: { regionId: input.regionId, offers: OFFERS, offered: OFFERS.length, fitting: [], soldOut: [] },
    };
  },
  async describeInstancePrice(input: { regionId: string; instanceType: string }) {
    const c = call(`describeInstancePrice ${input.instanceType}`);
    const quoted = OFFERS.find((o) => o.instanceType === input.instanceType)!.hourly;
    return {
      regionId: input.regionId,
      instanceType: input.instanceType,
      hourly: quoted * c.requoteFactor,
      currency: 'CNY',
      detail: [],
      pricedAt: new Date().toISOString(),
    };
  },
  async notifyAwaitingConfirmation() {
    return undefined;
  },
  async postThread() {},
  async findSharedVpc() {
    call('findSharedVpc');
    return undefined;
  },
  async createVpc(input: { regionId: string }) {
    call('createVpc');
    return { regionId: input.regionId, vpcId: 'vpc-stub', cidrBlock: '192.168.0.0/16' };
  },
  async waitVpcAvailable() {},
  async createSecurityGroup() {
    call('createSecurityGroup');
    return { securityGroupId: 'sg-stub' };
  },
  async authorizeSecurityGroup() {},
  async createVSwitch() {
    call('createVSwitch');
    return { vSwitchId: 'vsw-stub' };
  },
  async findImage() {
    return 'ubuntu_22_04_x64_20G_alibase_stub.vhd';
  },
  async runInstance(input: { instanceType: string }) {
    call(`runInstance ${input.instanceType}`);
    return { instanceId: 'i-stub' };
  },
  async waitInstanceRunning() {},
  async extendAutoReleaseTime() {},
  async runCommand() {
    call('runCommand');
    return { invokeId: 't-stub' };
  },
  async describeInvocation() {
    return { status: 'Success', finished: true, exitCode: 0, output: 'stub-ran\n' };
  },
  deleteInstance: released('i-stub'),
  deleteSecurityGroup: released('sg-stub'),
  deleteVSwitch: released('vsw-stub'),
  deleteVpc: released('vpc-stub'),
} satisfies Partial<Activities>;

/** What the run created at the stub cloud (every create call). */
function creates(c: StubCloud): string[] {
  return c.calls.filter((name) => /^(create|runInstance|runCommand)/.test(name));
}

type EarlyMessage = { confirm: ConfirmInput } | { reject: RejectInput };

/** A Temporal server with a worker that runs the real workflow bundle against the stub cloud. */
async function startWorker(env: TestWorkflowEnvironment) {
  const taskQueue = uniqueTaskQueue('approval');
  const worker = await Worker.create({
    connection: env.nativeConnection,
    taskQueue,
    workflowBundle: await workflowBundle(),
    activities: stubActivities,
  });
  const running = worker.run();
  let n = 0;
  const ids: string[] = [];
  return {
    ids,
    /** Starts a run; `early` is sent with the start, before the run could have quoted anything. */
    start(request: Partial<ProvisionRequest> = {}, stub: Partial<StubCloud> = {}, early?: EarlyMessage) {
      n += 1;
      const workflowId = `acp-test-approval-${process.pid}-${taskQueue}-${n}`;
      ids.push(workflowId);
      const c: StubCloud = { requoteFactor: 1, calls: [], ...stub };
      clouds.set(workflowId, c);
      const options = {
        taskQueue,
        workflowId,
        args: [
          {
            product: 'ecs' as const,
            region: REGION,
            cpu: 2,
            memoryGiB: 4,
            durationMinutes: DURATION_MINUTES,
            script: { content: 'echo stub-ran' },
            // Long enough for a loaded machine, short enough that a lost answer fails the test as EXPIRED.
            confirmTimeout: '2m',
            ...request,
          },
        ] as [ProvisionRequest],
      };
      const handle = !early
        ? env.client.workflow.start(provision, options)
        : 'confirm' in early
          ? env.client.workflow.signalWithStart(provision, {
              ...options,
              signal: confirmSignal,
              signalArgs: [early.confirm],
            })
          : env.client.workflow.signalWithStart(provision, {
              ...options,
              signal: rejectSignal,
              signalArgs: [early.reject],
            });
      return { handle, cloud: c };
    },
    async stop() {
      worker.shutdown();
      await running;
    },
  };
}

/** A gate the comparison waits behind, and a promise for the moment the run starts quoting. */
function quoteGate() {
  let open!: () => void;
  let quoting!: () => void;
  const gate = new Promise<void>((r) => {
    open = r;
  });
  const started = new Promise<void>((r) => {
    quoting = r;
  });
  return { stub: { quoteGate: gate, quoting }, open, started };
}

function events(s: ProvisionResult): string[] {
  return s.events.map((e) => e.message);
}

describe('approval, with the cloud stubbed', () => {
  let env: TestWorkflowEnvironment;
  let stub: Awaited<ReturnType<typeof startWorker>>;
  before(async () => {
    env = await startTemporal();
    stub = await startWorker(env);
  });
  after(async () => {
    await stub?.stop();
    await env?.teardown();
  });

  test('the price rose more than 10 % at the re-quote: the run asks again, and a yes to the new price creates it', async () => {
    const started = stub.start({}, { requoteFactor: 1.2 });
    const handle = await started.handle;
    const first = await waitForStatus(handle, 'AWAITING_CONFIRMATION');
    assert.equal(first.recommended, 0);
    await handle.signal(confirmSignal, { by: 'alice' });
    const again = await waitFor(async () => {
      const s = await handle.query(statusQuery);
      return s.status === 'AWAITING_CONFIRMATION' && /price rose/.test(s.message) ? s : undefined;
    });
    const was = estimateTotal(0.5, DURATION_MINUTES);
    const now = estimateTotal(0.6, DURATION_MINUTES);
    assert.equal(
      again.message,
      `the price rose from CNY ${was.toFixed(2)} to CNY ${now.toFixed(2)} since the quote: confirm again`,
    );
    assert.equal(again.options[0]!.unitPricePerHour, 0.6, 'the table shows the new price');
    assert.deepEqual(creates(started.cloud), [], 'nothing is created before the second yes');

    await handle.signal(confirmSignal, { by: 'bob' });
    const result = await runResult(handle);
    assert.equal(result.status, 'SUCCEEDED', result.message);
    assert.equal(result.confirmation?.by, 'bob', 'the second yes is the one on record');
    assert.equal(result.confirmation?.option, 1);
    assert.equal(result.chosen?.unitPricePerHour, 0.6);
    assert.equal(result.estimatedCost, now);
    assert.deepEqual(
      started.cloud.calls.filter((c) => c.startsWith('runInstance')),
      ['runInstance ecs.c6.large'],
      'the re-priced option is created, once',
    );
    assert.deepEqual(result.leftBehind, []);
  });

  test('the price rose and the person says no: REJECTED, nothing created so nothing released', async () => {
    const started = stub.start({}, { requoteFactor: 1.5 });
    const handle = await started.handle;
    await waitForStatus(handle, 'AWAITING_CONFIRMATION');
    await handle.signal(confirmSignal, { by: 'alice', option: 2 });
    await waitFor(async () => {
      const s = await handle.query(statusQuery);
      return /price rose/.test(s.message) ? s : undefined;
    });
    await handle.signal(rejectSignal, { by: 'alice', reason: 'too dear now' });
    const result = await runResult(handle);
    assert.equal(result.status, 'REJECTED');
    assert.match(
      result.message,
      /^the price rose from CNY .* to CNY .*; rejected by alice; nothing was created$/,
    );
    assert.ok(
      Math.abs(result.options[1]!.unitPricePerHour - 1.2) < 1e-9,
      'option 2 was the one priced again',
    );
    assert.deepEqual(
      started.cloud.calls,
      ['lookUpRegion', 'describeInstancePrice ecs.g6.large'],
      'no create and no release call reached the cloud',
    );
    assert.deepEqual(result.resourcesCreated, []);
    assert.deepEqual(result.resourcesReleased, []);
  });

  test('a rise of 10 % or less does not ask again', async () => {
    const started = stub.start({}, { requoteFactor: 1.1 });
    const handle = await started.handle;
    await waitForStatus(handle, 'AWAITING_CONFIRMATION');
    await handle.signal(confirmSignal, { by: 'alice' });
    const result = await runResult(handle);
    assert.equal(result.status, 'SUCCEEDED', result.message);
    assert.equal(
      events(result).filter((e) => /^waiting for confirmation|confirm again$/.test(e)).length,
      1,
      events(result).join('\n'),
    );
    assert.equal(result.chosen?.unitPricePerHour, 0.5, 'the quoted price stands');
  });

  test('a confirm sent before the comparison is ready (with the start) is kept and applied once it is, spotFallback included', async () => {
    const started = stub.start({}, {}, { confirm: { by: 'eager', option: 2, spotFallback: true } });
    const handle = await started.handle;
    const result = await runResult(handle);
    assert.equal(result.status, 'SUCCEEDED', result.message);
    assert.equal(result.confirmation?.by, 'eager');
    assert.equal(result.confirmation?.option, 2);
    assert.equal(result.confirmation?.spotFallback, true);
    assert.deepEqual(
      started.cloud.calls.filter((c) => c.startsWith('runInstance')),
      ['runInstance ecs.g6.large'],
    );
    assert.ok(
      events(result).some((e) => e.startsWith('waiting for confirmation')),
      'the comparison was shown before the early answer counted',
    );
  });

  test('a reject sent before the comparison is ready ends the run REJECTED once quoted, nothing created', async () => {
    const started = stub.start({}, {}, { reject: { by: 'eager', reason: 'wrong account' } });
    const result = await runResult(await started.handle);
    assert.equal(result.status, 'REJECTED');
    assert.equal(result.message, 'rejected by eager: wrong account; nothing was created');
    assert.equal(result.confirmation?.reason, 'wrong account');
    assert.ok(result.options.length > 0, 'the comparison was made and is on record');
    assert.deepEqual(started.cloud.calls, ['lookUpRegion']);
  });

  test('an early confirm naming an option that does not exist is ignored, said so, and the run waits', async () => {
    const started = stub.start({}, {}, { confirm: { by: 'eager', option: 9 } });
    const handle = await started.handle;
    const waiting = await waitFor(async () => {
      const s = await handle.query(statusQuery);
      return events(s).includes('early confirmation ignored: option 9 does not exist (1–2)') ? s : undefined;
    });
    assert.equal(waiting.status, 'AWAITING_CONFIRMATION');
    assert.equal(waiting.confirmation, undefined);
    assert.deepEqual(creates(started.cloud), []);
    await handle.signal(rejectSignal, { by: 'tidy-up' });
    assert.equal((await runResult(handle)).status, 'REJECTED');
  });

  test('while the run quotes, the first message is the one kept and the approve update is refused', async () => {
    const gate = quoteGate();
    const started = stub.start({}, gate.stub);
    const handle = await started.handle;
    await gate.started;
    await handle.signal(confirmSignal, { by: 'eager', option: 2 });
    await handle.signal(rejectSignal, { by: 'second-thoughts' });
    // The update has no options to check yet: refused, not kept. Its answer comes while the comparison
    // is still held back, so both signals before it were handled while quoting too.
    await assert.rejects(
      handle.executeUpdate(approveUpdate, { args: [{ by: 'updater' }] }),
      (err: unknown) =>
        err instanceof WorkflowUpdateFailedError &&
        /is (PARSING|QUOTING), not awaiting confirmation$/.test(String(err.cause?.message)),
    );
    gate.open();
    const result = await runResult(handle);
    assert.equal(result.status, 'SUCCEEDED', result.message);
    assert.equal(result.confirmation?.by, 'eager');
    assert.equal(result.confirmation?.option, 2);
  });

  test('a confirm naming a bad option is refused with the reason, and the run keeps waiting for a good one', async () => {
    const started = stub.start();
    const handle = await started.handle;
    await waitForStatus(handle, 'AWAITING_CONFIRMATION');
    await handle.signal(confirmSignal, { by: 'typo', option: 3 });
    const refused = await waitFor(async () => {
      const s = await handle.query(statusQuery);
      return events(s).includes('confirmation ignored: option 3 does not exist (1–2)') ? s : undefined;
    });
    assert.equal(refused.status, 'AWAITING_CONFIRMATION');
    for (const option of [0, 3, 1.5]) {
      await assert.rejects(
        handle.executeUpdate(approveUpdate, { args: [{ by: 'typo', option }] }),
        (err: unknown) =>
          err instanceof WorkflowUpdateFailedError &&
          String(err.cause?.message) === `option ${option} does not exist (1–2)`,
        `option ${option}`,
      );
    }
    assert.equal((await handle.query(statusQuery)).status, 'AWAITING_CONFIRMATION');
    const accepted = await handle.executeUpdate(approveUpdate, { args: [{ by: 'carol', option: 2 }] });
    assert.equal(accepted.option, 2);
    assert.equal(accepted.by, 'carol');
    assert.equal(accepted.choice.spec, 'ecs.g6.large');
    const result = await runResult(handle);
    assert.equal(result.status, 'SUCCEEDED', result.message);
    assert.equal(result.confirmation?.by, 'carol');
    assert.deepEqual(
      started.cloud.calls.filter((c) => c.startsWith('runInstance')),
      ['runInstance ecs.g6.large'],
    );
  });

  test('a second confirm counts for nothing: the first one is created, once', async () => {
    const started = stub.start();
    const handle = await started.handle;
    await waitForStatus(handle, 'AWAITING_CONFIRMATION');
    await handle.signal(confirmSignal, { by: 'alice', option: 1 });
    await handle.signal(confirmSignal, { by: 'bob', option: 2 });
    await assert.rejects(
      handle.executeUpdate(approveUpdate, { args: [{ by: 'carol', option: 2 }] }),
      (err: unknown) =>
        err instanceof WorkflowUpdateFailedError &&
        /not awaiting confirmation/.test(String(err.cause?.message)),
    );
    const result = await runResult(handle);
    assert.equal(result.status, 'SUCCEEDED', result.message);
    assert.equal(result.confirmation?.by, 'alice');
    assert.equal(result.confirmation?.option, 1);
    assert.deepEqual(
      started.cloud.calls.filter((c) => c.startsWith('runInstance')),
      ['runInstance ecs.c6.large'],
    );
  });

  test('every history recorded above replays without nondeterminism', async () => {
    const histories = [];
    for (const workflowId of stub.ids) {
      histories.push({ workflowId, history: await env.client.workflow.getHandle(workflowId).fetchHistory() });
    }
    let replayed = 0;
    for await (const r of Worker.runReplayHistories({ workflowBundle: await workflowBundle() }, histories)) {
      assert.equal(r.error, undefined, `${r.workflowId}: ${r.error?.message}`);
      replayed += 1;
    }
    assert.equal(replayed, stub.ids.length);
  });
});

describe('approval nobody gives (time-skipping server)', () => {
  let env: TestWorkflowEnvironment;
  let stub: Awaited<ReturnType<typeof startWorker>>;
  before(async () => {
    env = await startTimeSkipping();
    stub = await startWorker(env);
  });
  after(async () => {
    await stub?.stop();
    await env?.teardown();
  });

  test('unanswered for the default 30 minutes: EXPIRED, nothing created', async () => {
    const started = stub.start({ confirmTimeout: undefined });
    const handle = await started.handle;
    await waitForStatus(handle, 'AWAITING_CONFIRMATION');
    await env.sleep('29m');
    assert.equal(
      (await handle.query(statusQuery)).status,
      'AWAITING_CONFIRMATION',
      'still waiting at 29 min',
    );
    const result = await runResult(handle);
    assert.equal(result.status, 'EXPIRED');
    assert.equal(result.message, 'nobody confirmed within 30m; nothing was created');
    assert.deepEqual(started.cloud.calls, ['lookUpRegion']);
    assert.deepEqual(result.resourcesCreated, []);
  });

  test('the price rose and nobody confirms again: EXPIRED, nothing created', async () => {
    const started = stub.start({}, { requoteFactor: 2 });
    const handle = await started.handle;
    await waitForStatus(handle, 'AWAITING_CONFIRMATION');
    await handle.signal(confirmSignal, { by: 'alice' });
    await waitFor(async () => {
      const s = await handle.query(statusQuery);
      return /price rose/.test(s.message) ? s : undefined;
    });
    const result = await runResult(handle);
    assert.equal(result.status, 'EXPIRED');
    assert.match(result.message, /^the price rose from .*; not confirmed again; nothing was created$/);
    assert.deepEqual(creates(started.cloud), []);
  });
});
