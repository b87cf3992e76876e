// A flaky cloud, for a run of every product: every API call is slowed down, one in five is throttled (with x-acs-retry-after) and
// one in twenty answers 5xx. Every run still succeeds, nothing is left behind and nothing is created
// twice, because Temporal's activity retry is the one retry loop and every create carries a ClientToken.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import * as $Ecs from '@alicloud/ecs20140526';
import { ApplicationFailure } from '@temporalio/common';
import { toFailure } from '../../activities/errors';
import { accountRuns, type CallRow, PRODUCT_REGION, productOfCall } from '../../bench/run-accounting';
import type { Product } from '../../planner/types';
import { provision } from '../../workflows/provision';
import { type Stack, startStack } from '../support/stack';

const PER_PRODUCT = Number(process.env.ACP_FAULT_RUNS_PER_PRODUCT ?? 2);
const PRODUCTS: Product[] = ['ecs', 'fc', 'ack', 'pai'];
const RUNS = PER_PRODUCT * PRODUCTS.length;

let stack: Stack;

before(async () => {
  stack = await startStack('faults');
});
after(async () => {
  await stack?.stop();
});

async function setFaults(table: Record<string, unknown>) {
  await stack.admin('/__emulator/faults', { method: 'POST', body: JSON.stringify(table) });
}

describe('a throttled, failing, slow cloud', () => {
  test('a throttled SDK call becomes a retryable failure whose next delay is x-acs-retry-after', async () => {
    await stack.admin('/__emulator/reset', { method: 'POST' });
    await setFaults({ throttleRate: 1, throttleRetryAfterMs: 1234 });
    let thrown: unknown;
    try {
      await stack.clients
        .ecs('cn-hangzhou')
        .describeRegions(new $Ecs.DescribeRegionsRequest({ acceptLanguage: 'en-US' }));
    } catch (err) {
      thrown = err;
    } finally {
      await stack.admin('/__emulator/reset', { method: 'POST' });
    }
    assert.ok(thrown, 'the emulator throttled the call');
    const failure = toFailure(thrown, 'DescribeRegions');
    assert.ok(failure instanceof ApplicationFailure);
    assert.equal(failure.type, 'Throttling.User');
    assert.equal(failure.nonRetryable, false);
    assert.equal(failure.nextRetryDelay, 1234, 'the server-given delay wins over the retry policy');
    console.log(`faults: Throttling.User x-acs-retry-after=1234 → nextRetryDelay=${failure.nextRetryDelay}`);
  });

  test(`${RUNS} runs of ECS, FC, ACK and PAI-DLC under 20 % throttling + 5 % 5xx + 20 ms latency all succeed, leak nothing, duplicate nothing`, async () => {
    await stack.admin('/__emulator/reset', { method: 'POST' });
    await setFaults({
      throttleRate: 0.2,
      errorRate: 0.05,
      latencyMs: 20,
      throttleRetryAfterMs: 150,
      seed: 7,
    });
    const tag = `acp-faults-${process.pid}`;
    try {
      const runs = PRODUCTS.flatMap((product) =>
        Array.from({ length: PER_PRODUCT }, (_, i) => ({ product, workflowId: `${tag}-${product}-${i}` })),
      );
      const handles = await Promise.all(
        runs.map(({ product, workflowId }) =>
          stack.env.client.workflow.start(provision, {
            taskQueue: stack.taskQueue,
            workflowId,
            args: [
              {
                product,
                region: PRODUCT_REGION[product],
                script: { content: `echo fault-run-${workflowId}` },
                skipConfirmation: true,
              },
            ],
          }),
        ),
      );
      const results = await Promise.all(handles.map((h) => h.result()));
      const { calls } = (await stack.admin('/__emulator/calls')) as { calls: CallRow[] };
      const { resources: live } = await stack.admin('/__emulator/resources');
      const { resources: ever } = await stack.admin('/__emulator/resources?all=1');

      for (const [i, r] of results.entries()) {
        assert.equal(r.status, 'SUCCEEDED', `${runs[i].workflowId}: ${r.message}`);
        assert.match(r.execution?.outputTail ?? '', new RegExp(`fault-run-${runs[i].workflowId}`));
        assert.deepEqual(r.leftBehind, []);
      }
      const lines: string[] = [];
      for (const product of PRODUCTS) {
        const mine = runs.filter((r) => r.product === product).map((r) => ({ ...r, finished: true }));
        const account = accountRuns(product, mine, ever, live, calls);
        const own = calls.filter((c) => productOfCall(c) === product);
        const throttled = own.filter((c) => c.code === 'Throttling.User').length;
        const serverErrors = own.filter((c) => c.httpStatus >= 500).length;
        assert.equal(account.leaks, 0, `${product}: leaks`);
        assert.equal(account.duplicates, 0, `${product}: duplicates`);
        assert.equal(account.createReplays, 0, `${product}: exactly one successful create per resource`);
        assert.ok(throttled > 0, `${product}: its calls were throttled too (${throttled})`);
        lines.push(
          `faults: product=${product} runs=${mine.length} succeeded=${mine.length} leaks=${account.leaks} duplicates=${account.duplicates} creates=${account.creates} createReplays=${account.createReplays} calls=${own.length} throttled=${throttled} 5xx=${serverErrors}`,
        );
      }
      const throttled = calls.filter((c) => c.code === 'Throttling.User').length;
      const serverErrors = calls.filter((c) => c.httpStatus >= 500).length;
      assert.ok(serverErrors > 0, `5xx were injected (${serverErrors})`);
      for (const l of lines) console.log(l);
      console.log(
        `faults: runs=${RUNS} succeeded=${results.filter((r) => r.status === 'SUCCEEDED').length} leaks=0 duplicates=0 calls=${calls.length} throttled=${throttled} 5xx=${serverErrors}`,
      );
    } finally {
      await stack.admin('/__emulator/reset', { method: 'POST' });
    }
  });
});
