// Runs parked at AWAITING_CONFIRMATION past the worker's workflow cache (ACP_MAX_CACHED_WORKFLOWS) are
// dropped from its memory and replayed from their history when the answer comes: the person who
// confirms an hour later sees the same run go on, create what it quoted and release it.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { approveUpdate, rejectSignal } from '../../workflows/messages';
import { runResult } from '../support/run-result';
import { type Stack, startStack } from '../support/stack';
import { waitForStatus } from '../support/waiting';

const CACHE = 2;
let stack: Stack;

before(async () => {
  // The worker reads its cache size when it is created.
  const was = process.env.ACP_MAX_CACHED_WORKFLOWS;
  process.env.ACP_MAX_CACHED_WORKFLOWS = String(CACHE);
  try {
    stack = await startStack('eviction');
  } finally {
    if (was === undefined) delete process.env.ACP_MAX_CACHED_WORKFLOWS;
    else process.env.ACP_MAX_CACHED_WORKFLOWS = was;
  }
});
after(async () => {
  await stack?.stop();
});

describe('parked runs past the workflow cache', () => {
  test('the worker keeps at most its cache in memory; the first run parked, long evicted, is confirmed and completes', async () => {
    const handles = await Promise.all(
      Array.from({ length: CACHE + 3 }, (_, i) =>
        stack.startProvision({
          product: 'ecs',
          script: { content: `echo parked-${i}` },
          confirmTimeout: '10m',
        }),
      ),
    );
    for (const h of handles) await waitForStatus(h, 'AWAITING_CONFIRMATION');
    assert.ok(
      stack.worker.getStatus().numCachedWorkflows <= CACHE,
      `${stack.worker.getStatus().numCachedWorkflows} runs cached, more than ${CACHE}`,
    );

    const [first, ...rest] = handles;
    const accepted = await first!.executeUpdate(approveUpdate, { args: [{ by: 'late-operator' }] });
    assert.ok(accepted, 'the approve update answers with the plan it accepted');
    const result = await runResult(first!);
    assert.equal(result.status, 'SUCCEEDED', result.message);
    assert.equal(result.confirmation?.by, 'late-operator');
    assert.match(result.execution?.outputTail ?? '', /parked-0/);
    assert.deepEqual(
      await stack.liveResources(first!.workflowId),
      [],
      'everything the run created is released',
    );

    for (const h of rest) await h.signal(rejectSignal, { by: 'test', reason: 'done' });
    for (const h of rest) assert.equal((await runResult(h)).status, 'REJECTED');
  });
});
