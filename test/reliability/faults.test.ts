// A flaky cloud: every API call is slowed down, one in five is throttled (with x-acs-retry-after) and
// one in twenty answers 5xx. Every run still succeeds, nothing is left behind and nothing is created
// twice, because Temporal's activity retry is the one retry loop and every create carries a ClientToken.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import * as $Ecs from '@alicloud/ecs20140526';
import { ApplicationFailure } from '@temporalio/common';
import { toFailure } from '../../activities/errors';
import { provision } from '../../workflows/provision';
import { type Stack, startStack } from '../support/stack';

const RUNS = Number(process.env.ACP_FAULT_RUNS ?? 5);
const CREATES = ['CreateVpc', 'CreateVSwitch', 'CreateSecurityGroup', 'RunInstances'] as const;
const TYPES = ['instance', 'security-group', 'vpc', 'vswitch'] as const;

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

  test(`${RUNS} runs under 20 % throttling + 5 % 5xx + 20 ms latency all succeed, leak nothing, duplicate nothing`, async () => {
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
      const handles = await Promise.all(
        Array.from({ length: RUNS }, (_, i) =>
          stack.env.client.workflow.start(provision, {
            taskQueue: stack.taskQueue,
            workflowId: `${tag}-${i}`,
            args: [{ product: 'ecs', script: { content: `echo fault-run-${i}` }, skipConfirmation: true }],
          }),
        ),
      );
      const results = await Promise.all(handles.map((h) => h.result()));
      const { calls } = await stack.admin('/__emulator/calls');
      const failed = calls.filter((c: any) => c.code !== 'OK');
      const throttled = failed.filter((c: any) => c.code === 'Throttling.User').length;
      const serverErrors = failed.filter((c: any) => c.httpStatus >= 500).length;
      assert.ok(
        throttled > 0 && serverErrors > 0,
        `faults were injected (${throttled} throttled, ${serverErrors} 5xx)`,
      );

      const succeeded = results.filter((r) => r.status === 'SUCCEEDED').length;
      for (const r of results) {
        assert.equal(r.status, 'SUCCEEDED', `${r.workflowId}: ${r.message}`);
        assert.match(r.execution?.outputTail ?? '', /fault-run-/);
        assert.deepEqual(r.leftBehind, []);
      }

      // Leaks: nothing of these runs is still alive in the cloud.
      const { resources: live } = await stack.admin('/__emulator/resources');
      const leaks = live.filter((r: any) => String(r.tags?.['acp:workflow-id'] ?? '').startsWith(tag));
      assert.deepEqual(leaks, []);

      // Duplicates: each run ever owned exactly one resource of each type (released or not) …
      const { resources: ever } = await stack.admin('/__emulator/resources?all=1');
      let duplicates = 0;
      for (const h of handles) {
        const mine = ever.filter((r: any) => r.tags?.['acp:workflow-id'] === h.workflowId);
        for (const type of TYPES) {
          const n = mine.filter((r: any) => r.type === type).length;
          assert.equal(n, 1, `${h.workflowId} owned ${n} ${type}(s)`);
          if (n > 1) duplicates += n - 1;
        }
      }
      // … and the call log shows exactly one successful create per resource per run.
      for (const action of CREATES) {
        const ok = calls.filter((c: any) => c.action === action && c.code === 'OK').length;
        assert.equal(ok, RUNS, `${action}: ${ok} successful calls for ${RUNS} runs`);
      }
      console.log(
        `faults: runs=${RUNS} succeeded=${succeeded} leaks=${leaks.length} duplicates=${duplicates} ` +
          `calls=${calls.length} throttled=${throttled} 5xx=${serverErrors}`,
      );
    } finally {
      await stack.admin('/__emulator/reset', { method: 'POST' });
    }
  });
});
