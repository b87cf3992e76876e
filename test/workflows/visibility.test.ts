// What an operator sees of a run without a worker — its search attributes (what `acp list` and the Web
// UI's list filter on) and its memo — stays right while the run writes them less often: each upsert is
// a history event and a visibility write on the server (workflows/run-state.ts, docs/operators.md).
// Histories recorded before each change (test/fixtures/histories: generation 0 by main at 3803cce,
// generation 1 by main at 5252361, generation 2 by main at 116583c; workflows/patches.ts) still
// replay: a change to the workflow code that moves a command of a run already under way fails here.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import type { WorkflowHandle } from '@temporalio/client';
import { defineSearchAttributeKey, SearchAttributeType } from '@temporalio/common';
import { historyFromJSON } from '@temporalio/common/lib/proto-utils';
import { Worker } from '@temporalio/worker';
import { confirmSignal, retrySignal } from '../../workflows/messages';
import { SETTLED_MEMO } from '../../workflows/patches';
import type { provision } from '../../workflows/provision';
import { AcpProduct, AcpRegion, AcpStatus } from '../../workflows/search-attributes';
import { runResult } from '../support/run-result';
import { type Stack, startStack } from '../support/stack';
import { workflowBundle } from '../support/temporal';
import { waitFor, waitForStatus } from '../support/waiting';

let stack: Stack;
const TemporalChangeVersion = defineSearchAttributeKey(
  'TemporalChangeVersion',
  SearchAttributeType.KEYWORD_LIST,
);

before(async () => {
  stack = await startStack('visibility');
});
after(async () => {
  await stack?.stop();
});

/** The run's id if a visibility query finds it (the server indexes an upsert a moment after it). */
async function listed(handle: WorkflowHandle, query: string): Promise<boolean> {
  const found = await waitFor(async () => {
    for await (const w of stack.env.client.workflow.list({
      query: `WorkflowId="${handle.workflowId}" AND ${query}`,
    }))
      if (w.workflowId === handle.workflowId) return true;
    return undefined;
  }, 20_000).catch(() => false);
  return found;
}

async function memoOf(handle: WorkflowHandle): Promise<Record<string, any>> {
  return ((await handle.describe()).memo ?? {}) as Record<string, any>;
}

/** Search-attribute and memo upserts in the run's history: each is also a visibility write. */
async function visibilityWrites(handle: WorkflowHandle): Promise<{ attributes: number; memo: number }> {
  const { events = [] } = await handle.fetchHistory();
  return {
    attributes: (events ?? []).filter((e) => e.upsertWorkflowSearchAttributesEventAttributes).length,
    memo: (events ?? []).filter((e) => e.workflowPropertiesModifiedEventAttributes).length,
  };
}

test('a one-shot run is filterable by its final status and its memo says what ran where, in 7 writes', async () => {
  const handle = await stack.startProvision({
    product: 'ecs',
    cpu: 2,
    memoryGiB: 4,
    script: { content: 'echo visible' },
    skipConfirmation: true,
  });
  const result = await runResult(handle);
  assert.equal(result.status, 'SUCCEEDED', result.message);
  const chosen = result.chosen!;
  assert.ok(await listed(handle, 'AcpStatus="SUCCEEDED" AND AcpProduct="ecs"'), 'listed as SUCCEEDED');
  const d = await handle.describe();
  assert.equal(d.typedSearchAttributes.get(AcpStatus), 'SUCCEEDED');
  assert.equal(d.typedSearchAttributes.get(AcpProduct), 'ecs');
  assert.equal(d.typedSearchAttributes.get(AcpRegion), chosen.region);

  const memo = await memoOf(handle);
  assert.equal(memo.status, 'SUCCEEDED');
  assert.equal(memo.message, result.message);
  assert.equal(memo.chosen, `ecs ${chosen.region} ${chosen.spec}`);
  assert.equal(memo.summary, result.summary);
  const first = result.options[0]!;
  assert.match(memo.options[0], new RegExp(`${first.spec} CNY ${first.estimatedTotal}`));

  // Status by status the run went QUOTING → PROVISIONING → RUNNING → RELEASING → SUCCEEDED: one
  // search-attribute write each from PROVISIONING on (QUOTING ended in the workflow task it began in)
  // plus the patch's own (TemporalChangeVersion), and the memo when the script ran and at the end.
  // Generation 0 wrote 6 + 6, generation 1 6 + 3 (QUOTING, and the memo when the choice was made).
  const writes = await visibilityWrites(handle);
  assert.deepEqual(writes, { attributes: 5, memo: 2 });
  // A new run meets only the newest patch id (workflows/patches.ts): one TemporalChangeVersion write.
  assert.deepEqual(d.typedSearchAttributes.get(TemporalChangeVersion), [SETTLED_MEMO]);
});

test('a run waiting for a yes is filterable as AWAITING_CONFIRMATION with the options in its memo', async () => {
  const handle = await stack.startProvision({
    product: 'ecs',
    cpu: 2,
    memoryGiB: 4,
    script: { content: 'echo confirmed' },
    confirmTimeout: '5m',
  });
  const awaiting = await waitForStatus(handle, 'AWAITING_CONFIRMATION');
  assert.ok(await listed(handle, 'AcpStatus="AWAITING_CONFIRMATION"'), 'listed as AWAITING_CONFIRMATION');
  const waitingMemo = await memoOf(handle);
  assert.equal(waitingMemo.status, 'AWAITING_CONFIRMATION');
  assert.equal(waitingMemo.message, awaiting.message);
  // The first five rows and a line saying how many more (the status query has them all).
  assert.equal(waitingMemo.options.length, awaiting.options.length > 5 ? 6 : awaiting.options.length);
  assert.equal(waitingMemo.chosen, undefined);

  await handle.signal(confirmSignal, { option: 2, by: 'operator' });
  const result = await runResult(handle);
  assert.equal(result.status, 'SUCCEEDED', result.message);
  assert.ok(await listed(handle, 'AcpStatus="SUCCEEDED"'), 'listed as SUCCEEDED');
  const memo = await memoOf(handle);
  assert.equal(memo.status, 'SUCCEEDED');
  assert.equal(memo.message, result.message);
  assert.equal(memo.chosen, `ecs ${result.chosen!.region} ${result.chosen!.spec}`);
  assert.equal(result.chosen!.spec, awaiting.options[1]!.spec, 'the second row was run');
  // AWAITING_CONFIRMATION, PROVISIONING (it stopped waiting), RUNNING and SUCCEEDED write both;
  // RELEASING and the patch only search attributes. Generation 0: 7 + 7; generation 1: 7 + 4.
  const writes = await visibilityWrites(handle);
  assert.deepEqual(writes, { attributes: 6, memo: 4 });
});

test('a quota error BLOCKS the run: every view says why and names its retry; retried once the quota is raised, it succeeds', async () => {
  await stack.admin('/__emulator/faults', {
    method: 'POST',
    body: JSON.stringify({ quota: { 'ecs.instances': 0 } }),
  });
  try {
    const handle = await stack.startProvision({
      product: 'ecs',
      script: { content: 'echo after-retry' },
      skipConfirmation: true,
    });
    const blocked = await waitForStatus(handle, 'BLOCKED');
    assert.match(blocked.blocked?.code ?? '', /QuotaExceed/);
    assert.match(blocked.blocked?.nextStep ?? '', /quota/i);
    assert.ok(await listed(handle, 'AcpStatus="BLOCKED"'), 'listed as BLOCKED');
    const memo = await waitFor(async () => {
      const m = await memoOf(handle);
      return m.status === 'BLOCKED' ? m : undefined;
    }, 20_000);
    assert.equal(memo.message, blocked.message);
    assert.match(memo.message, /QuotaExceed/);
    // Every view names this run's retry command: the status, its message, the Web UI's memo.
    const retry = `\`acp retry ${handle.workflowId}\``;
    assert.ok(blocked.blocked?.nextStep.includes(retry), blocked.blocked?.nextStep);
    assert.ok(blocked.message.includes(retry), blocked.message);
    assert.doesNotMatch(blocked.message, /acp retry ID/);
    assert.ok(memo.message.includes(retry), memo.message);
    // Lift the quota (a reset would also wipe the VPC this run already made).
    await stack.admin('/__emulator/faults', {
      method: 'POST',
      body: JSON.stringify({ quota: { 'ecs.instances': 1000 } }),
    });
    await handle.signal(retrySignal, { by: 'ops' });
    // Retrying, the memo no longer says BLOCKED (it says PROVISIONING or later).
    await waitFor(async () => ((await memoOf(handle)).status !== 'BLOCKED' ? true : undefined), 20_000);
    const result = await runResult(handle);
    assert.equal(result.status, 'SUCCEEDED', result.message);
    assert.match(result.execution?.outputTail ?? '', /after-retry/);
    assert.equal((await memoOf(handle)).status, 'SUCCEEDED');
    assert.deepEqual(await stack.liveResources(handle.workflowId), []);
  } finally {
    await stack.admin('/__emulator/reset', { method: 'POST' });
  }
});

test('histories recorded before, and every one above, replay without nondeterminism', async () => {
  const dir = join(__dirname, '..', 'fixtures', 'histories');
  const recorded = ['oneshot', 'confirmed']
    .flatMap((run) => [0, 1, 2].map((generation) => `provision-ecs-${run}-generation-${generation}`))
    .map((name) => ({
      workflowId: name,
      history: historyFromJSON(JSON.parse(readFileSync(join(dir, `${name}.json`), 'utf8'))),
    }));
  const fresh = [];
  for (const workflowId of stack.started) {
    fresh.push({
      workflowId,
      history: await stack.env.client.workflow.getHandle<typeof provision>(workflowId).fetchHistory(),
    });
  }
  let replayed = 0;
  for await (const r of Worker.runReplayHistories({ workflowBundle: await workflowBundle() }, [
    ...recorded,
    ...fresh,
  ])) {
    assert.equal(r.error, undefined, `${r.workflowId}: ${r.error?.message}`);
    replayed += 1;
  }
  assert.equal(replayed, recorded.length + stack.started.length);
});
