// Spot runs end to end (docs/spot.md): a real Temporal server, the emulator, the official SDKs. The
// emulator reclaims the spot capacity while the script runs (the instance is locked Recycling, then
// released five minutes later, as Alibaba does); acp notices through the API, releases that attempt
// and re-runs the script on new capacity — the next zone, then the next region — and the receipt
// counts every attempt. Beyond the retry limit the run fails clearly and leaves nothing behind.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import * as $Oss from '@alicloud/oss20190517';
import { endLines } from '../../client/render';
import type { ProvisionRequest } from '../../planner/types';
import { type ProvisionResult, statusQuery } from '../../workflows/messages';
import { runResult } from '../support/run-result';
import { type Stack, startStack } from '../support/stack';
import { waitFor } from '../support/waiting';

let stack: Stack;

before(async () => {
  stack = await startStack('spot');
});
after(async () => {
  await stack?.stop();
});

/** Prints "started", works for a while (80 emulated minutes at the stack's speed), prints "finished". */
const SCRIPT = 'echo started; sleep 8; echo finished';

/**
 * Waits until attempt `k` runs the script (its output says "started"), then reclaims its instance
 * through the emulator, as Alibaba would: the notice now, the release five minutes later.
 */
async function reclaimAttempt(
  handle: Awaited<ReturnType<Stack['startProvision']>>,
  k: number,
  /** What else must hold before the reclaim (the script got as far as the test needs). */
  ready: (s: ProvisionResult) => Promise<boolean> = async () => true,
): Promise<string> {
  const instanceId = await waitFor(async () => {
    const s: ProvisionResult = await handle.query(statusQuery);
    if (['SUCCEEDED', 'FAILED', 'CANCELLED'].includes(s.status))
      throw new Error(`the run ended before attempt ${k} was reclaimed: ${s.status} ${s.message}`);
    const a = s.attempts?.[k - 1];
    // Cloud Assistant shows output once the command ends: a started command is the running script.
    const since = s.events.map((e) => e.message.startsWith(`attempt ${k}:`)).lastIndexOf(true);
    if (
      !a ||
      a.ended ||
      since < 0 ||
      !s.events.slice(since).some((e) => /started the script/.test(e.message))
    )
      return undefined;
    const running = (await stack.liveResources(handle.workflowId)).filter((r) => r.type === 'instance');
    return running.length === 1 && (await ready(s)) ? (running[0].id as string) : undefined;
  }, 90_000);
  const answer = await stack.admin('/__emulator/reclaim', {
    method: 'POST',
    body: JSON.stringify({ id: instanceId }),
  });
  assert.equal(answer.reclaimed, true, JSON.stringify(answer));
  // The instance is locked Recycling and its metadata item says when it goes.
  const meta = await fetch(
    `http://${stack.emulator.endpoint}/__emulator/metadata/${instanceId}/latest/meta-data/instance/spot/termination-time`,
  );
  assert.equal(meta.status, 200);
  assert.match(await meta.text(), /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z$/);
  return instanceId;
}

const spotRun = (extra: Partial<ProvisionRequest> = {}): ProvisionRequest => ({
  product: 'ecs',
  spot: true,
  durationMinutes: 120,
  script: { content: SCRIPT },
  skipConfirmation: true,
  ...extra,
});

describe('spot runs recover from reclaims', () => {
  test('reclaimed mid-script, the run recovers in another zone, finishes, and the receipt sums both attempts', async () => {
    await stack.admin('/__emulator/reset', { method: 'POST' });
    const handle = await stack.startProvision(spotRun({ region: 'cn-hangzhou' }));
    const first = await reclaimAttempt(handle, 1);
    const result = await runResult(handle);

    assert.equal(result.status, 'SUCCEEDED', result.message);
    assert.ok(result.chosen?.spot, 'the recommended and chosen option is spot, as asked');
    assert.match(result.execution?.outputTail ?? '', /finished/);
    const attempts = result.attempts ?? [];
    assert.equal(attempts.length, 2, JSON.stringify(attempts));
    assert.equal(attempts[0].ended, 'reclaimed');
    assert.match(
      attempts[0].reason ?? '',
      new RegExp(`${first}.*(Recycling|released)`),
      JSON.stringify(attempts[0]),
    );
    assert.equal(attempts[1].ended, 'finished');
    assert.equal(attempts[1].regionId, attempts[0].regionId, 'the second attempt stays in the region');
    assert.notEqual(attempts[1].zoneId, attempts[0].zoneId, 'the second attempt runs in another zone');
    assert.ok(
      attempts.every((a) => a.spot && a.cost > 0),
      `every attempt is spot and cost something: ${JSON.stringify(attempts)}`,
    );
    // The receipt sums every attempt, and says what each cost and why it ended.
    const sum = attempts.reduce((s, a) => s + a.cost, 0);
    assert.ok(Math.abs((result.accruedCost ?? 0) - sum) < 1e-6, `${result.accruedCost} vs ${sum}`);
    const receipt = endLines(result).map((l) => l.text);
    assert.equal(receipt.filter((t) => /attempt\s+#\d spot/.test(t)).length, 2, receipt.join('\n'));
    assert.ok(
      receipt.some((t) => /#1 spot .* reclaimed/.test(t)),
      receipt.join('\n'),
    );
    // Both instances were released; nothing is left.
    assert.deepEqual(result.leftBehind, []);
    const instances = result.resourcesReleased.filter((r) => r.type === 'instance');
    assert.equal(instances.length, 2);
    assert.deepEqual(await stack.liveResources(handle.workflowId), []);
  });

  test('reclaimed twice in a region, the third attempt runs in another region', async () => {
    await stack.admin('/__emulator/reset', { method: 'POST' });
    const handle = await stack.startProvision(spotRun());
    await reclaimAttempt(handle, 1);
    await reclaimAttempt(handle, 2);
    const result = await runResult(handle);

    assert.equal(result.status, 'SUCCEEDED', result.message);
    const attempts = result.attempts ?? [];
    assert.deepEqual(
      attempts.map((a) => a.ended),
      ['reclaimed', 'reclaimed', 'finished'],
    );
    assert.equal(attempts[1].regionId, attempts[0].regionId);
    assert.notEqual(attempts[1].zoneId, attempts[0].zoneId);
    assert.notEqual(attempts[2].regionId, attempts[0].regionId, 'the third attempt leaves the region');
    assert.ok(
      result.events.some((e) => /moving to the next region/.test(e.message)),
      'the status says why it moved',
    );
    assert.deepEqual(result.leftBehind, []);
    assert.deepEqual(await stack.liveResources(handle.workflowId), []);
  });

  test('reclaimed beyond the retry limit: the run fails clearly and leaves nothing behind', async () => {
    await stack.admin('/__emulator/reset', { method: 'POST' });
    const handle = await stack.startProvision(spotRun({ region: 'cn-hangzhou', spotRecoveries: 1 }));
    await reclaimAttempt(handle, 1);
    await reclaimAttempt(handle, 2);
    const result = await runResult(handle);

    assert.equal(result.status, 'FAILED');
    assert.equal(result.error?.code, 'SpotRecoveryLimit');
    assert.match(result.error?.message ?? '', /reclaimed 2 times; the limit is 1 re-run/);
    assert.deepEqual(
      result.attempts?.map((a) => a.ended),
      ['reclaimed', 'reclaimed'],
    );
    assert.ok((result.accruedCost ?? 0) > 0);
    assert.deepEqual(result.leftBehind, []);
    assert.deepEqual(await stack.liveResources(handle.workflowId), []);
  });
});

/**
 * Saves its progress in $ACP_CHECKPOINT_DIR: a fresh attempt starts at step 1, a later one continues
 * from the step the last attempt saved. Step 1 is saved before "started"; the work after it takes
 * long enough for the reclaim to land.
 */
const CHECKPOINTED = [
  'd="$ACP_CHECKPOINT_DIR"',
  'if [ -f "$d/step" ]; then n=$(cat "$d/step"); echo "resuming after step $n"; else n=0; echo "fresh start"; fi',
  'n=$((n+1)); echo "$n" > "$d/step"; echo "saved step $n"',
  'echo started; sleep 8',
  'n=$((n+1)); echo "$n" > "$d/step"; echo "saved step $n"; echo finished',
].join('\n');

describe('spot runs with a checkpoint directory', () => {
  test('reclaimed mid-script, the next attempt in another zone continues from the step the first saved; every bucket is deleted', async () => {
    await stack.admin('/__emulator/reset', { method: 'POST' });
    await stack.admin('/__emulator/roles', {
      method: 'POST',
      body: JSON.stringify({ roleName: 'AcpCheckpointRole', trustedServices: ['ecs.aliyuncs.com'] }),
    });
    const handle = await stack.startProvision(
      spotRun({ region: 'cn-hangzhou', checkpoint: true, script: { content: CHECKPOINTED } }),
    );
    // "started the script" is when the command was sent; under load the machine may not have run a
    // line yet. Reclaim once step 1 is in the bucket, as the scenario says.
    await reclaimAttempt(handle, 1, async (s) => {
      const bucket = s.resourcesCreated.find((r) => r.type === 'oss-bucket')?.id;
      if (!bucket) return false;
      const step = await stack.adminClients
        .oss('cn-hangzhou')
        .getObject(bucket, 'checkpoint/step', new $Oss.GetObjectRequest({}))
        .catch(() => undefined);
      step?.body?.destroy();
      return Boolean(step?.body);
    });
    const result = await runResult(handle);

    assert.equal(result.status, 'SUCCEEDED', result.message);
    const attempts = result.attempts ?? [];
    assert.deepEqual(
      attempts.map((a) => a.ended),
      ['reclaimed', 'finished'],
    );
    assert.notEqual(attempts[1].zoneId, attempts[0].zoneId, 'the second attempt runs in another zone');
    const out = result.execution?.outputTail ?? '';
    assert.match(out, /resuming after step 1/, out);
    assert.match(out, /saved step 3/, 'the second attempt continued from step 1, not from the start');
    assert.doesNotMatch(out, /fresh start/);
    // The bucket was created, tagged as acp's, and deleted with its objects.
    const bucket = result.resourcesCreated.find((r) => r.type === 'oss-bucket');
    assert.ok(bucket, JSON.stringify(result.resourcesCreated));
    assert.match(bucket.id, /^acp-ckpt-[0-9a-f]{16}-cn-hangzhou$/);
    assert.ok(result.resourcesReleased.some((r) => r.id === bucket.id));
    assert.deepEqual(result.leftBehind, []);
    assert.deepEqual(await stack.liveResources(handle.workflowId), []);
    const { resources } = await stack.admin('/__emulator/resources');
    assert.deepEqual(
      resources.filter((r: any) => r.type === 'oss-bucket'),
      [],
    );
  });

  test('without the instance RAM role the run is BLOCKED naming what to create, and leaves nothing', async () => {
    await stack.admin('/__emulator/reset', { method: 'POST' });
    const handle = await stack.startProvision(
      spotRun({
        region: 'cn-hangzhou',
        checkpoint: true,
        script: { content: CHECKPOINTED },
        blockedTimeout: '2s',
      } as any),
    );
    const result = await runResult(handle);
    assert.equal(result.status, 'FAILED', result.message);
    assert.ok(
      result.events.some((e) => /InvalidRamRole\.NotExist.*AcpCheckpointRole/.test(e.message)),
      result.events.map((e) => e.message).join('\n'),
    );
    assert.deepEqual(result.leftBehind, []);
    assert.deepEqual(await stack.liveResources(handle.workflowId), []);
  });
});

describe('PAI-DLC spot jobs recover from reclaims', () => {
  test('a reclaimed DLC spot job is released, re-run in the next region, finishes, and the receipt sums both attempts', async () => {
    await stack.admin('/__emulator/reset', { method: 'POST' });
    const handle = await stack.startProvision(
      spotRun({
        product: 'pai',
        gpu: { model: 'A10', count: 1 },
        intent: 'train with torch',
        checkpoint: true,
        script: { content: `# torch training\n${CHECKPOINTED}` },
      }),
    );
    const jobId = await waitFor(async () => {
      const s: ProvisionResult = await handle.query(statusQuery);
      if (['SUCCEEDED', 'FAILED', 'CANCELLED'].includes(s.status))
        throw new Error(`the run ended before its job was reclaimed: ${s.status} ${s.message}`);
      if (!s.events.some((e) => /DLC job .*: Running/.test(e.message))) return undefined;
      const jobs = (await stack.liveResources(handle.workflowId)).filter(
        (r) => r.type === 'dlc-job' && r.status === 'Running',
      );
      return jobs.length === 1 ? (jobs[0].id as string) : undefined;
    }, 90_000);
    const answer = await stack.admin('/__emulator/reclaim', {
      method: 'POST',
      body: JSON.stringify({ id: jobId }),
    });
    assert.equal(answer.reclaimed, true, JSON.stringify(answer));
    const result = await runResult(handle);

    assert.equal(result.status, 'SUCCEEDED', result.message);
    const attempts = result.attempts ?? [];
    assert.deepEqual(
      attempts.map((a) => [a.product, a.ended]),
      [
        ['pai', 'reclaimed'],
        ['pai', 'finished'],
      ],
    );
    assert.match(attempts[0].reason ?? '', /evicted/);
    assert.notEqual(attempts[1].regionId, attempts[0].regionId, 'PAI-DLC has no zones: the next region');
    assert.ok(
      attempts.every((a) => a.spot && a.cost > 0),
      JSON.stringify(attempts),
    );
    const sum = attempts.reduce((s, a) => s + a.cost, 0);
    assert.ok(Math.abs((result.accruedCost ?? 0) - sum) < 1e-6, `${result.accruedCost} vs ${sum}`);
    // The checkpoint followed the job to the other region.
    assert.match(result.execution?.outputTail ?? '', /resuming after step 1/);
    assert.ok(result.events.some((e) => /checkpoint carried from/.test(e.message)));
    assert.equal(result.resourcesReleased.filter((r) => r.type === 'dlc-job').length, 2);
    assert.equal(result.resourcesReleased.filter((r) => r.type === 'oss-bucket').length, 2);
    assert.deepEqual(result.leftBehind, []);
    assert.deepEqual(await stack.liveResources(handle.workflowId), []);
  });
});
