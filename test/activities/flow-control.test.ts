// acp's side of Alibaba's flow control: calls are spaced per account × region × API so no documented
// window can overflow, other keys never wait on each other, a cancelled wait gives nothing back that
// others need, and operators with raised thresholds can say so. A fake clock: nothing here waits.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { apiLimitsFromEnv, DOCUMENTED_LIMITS, FlowControl } from '../../activities/flow-control';

/** A fake clock whose sleep records the wake-up time and returns at once (advancing the clock). */
function fakeTime() {
  let t = 0;
  const woke: number[] = [];
  return {
    now: () => t,
    set: (ms: number) => (t = ms),
    woke,
    sleep: async (ms: number, signal?: AbortSignal) => {
      if (signal?.aborted) throw signal.reason;
      woke.push(t + ms);
    },
  };
}

const key = (over: Partial<{ account: string; regionId: string; product: string; action: string }> = {}) => ({
  account: 'acct',
  regionId: 'cn-hangzhou',
  product: 'ecs',
  action: 'DescribePrice',
  ...over,
});

describe('FlowControl', () => {
  test('DescribePrice: 450 calls (500 less the 10 % margin) go at once, the next waits for the window to slide', async () => {
    const time = fakeTime();
    const flow = new FlowControl({ now: time.now, sleep: time.sleep });
    assert.deepEqual(flow.limitOf('ecs', 'DescribePrice'), { limit: 450, windowMs: 60_000 });
    time.set(1_000);
    for (let i = 0; i < 450; i++) assert.equal(await flow.admit(key()), 0);
    time.set(5_000);
    assert.equal(await flow.admit(key()), 56_000, 'the first call of the window was at 1 s: 61 s');
    assert.equal(await flow.admit(key()), 56_000, 'the 452nd shares the moment the 2nd leaves');
    assert.equal(flow.stats.delayed, 2);
  });

  test('no window of any length holds more than the limit, however calls arrive', async () => {
    const time = fakeTime();
    const flow = new FlowControl({
      limits: { 'dlc:ListEcsSpecs': { limit: 10, windowMs: 1_000 } },
      headroom: 1,
      now: time.now,
      sleep: time.sleep,
    });
    const sent: number[] = [];
    for (let i = 0; i < 95; i++) {
      time.set(i * 7); // a burst faster than the limit
      const waited = await flow.admit(key({ product: 'dlc', action: 'ListEcsSpecs' }));
      sent.push(i * 7 + waited);
    }
    for (const at of sent) assert.ok(sent.filter((s) => s > at - 1_000 && s <= at).length <= 10);
    // Alibaba's windows are fixed and aligned (minute T, T+1): none of them overflows either.
    const perWindow = new Map<number, number>();
    for (const at of sent)
      perWindow.set(Math.floor(at / 1_000), (perWindow.get(Math.floor(at / 1_000)) ?? 0) + 1);
    assert.ok([...perWindow.values()].every((n) => n <= 10));
  });

  test('each account, region and API has its own window; undocumented APIs never wait', async () => {
    const time = fakeTime();
    const flow = new FlowControl({
      limits: { 'ecs:DescribePrice': { limit: 1, windowMs: 60_000 } },
      headroom: 1,
      now: time.now,
      sleep: time.sleep,
    });
    assert.equal(await flow.admit(key()), 0);
    assert.equal(await flow.admit(key({ regionId: 'cn-shanghai' })), 0);
    assert.equal(await flow.admit(key({ account: 'other' })), 0);
    for (let i = 0; i < 50; i++) assert.equal(await flow.admit(key({ action: 'DescribeInstances' })), 0);
    assert.equal(await flow.admit(key()), 60_000);
  });

  test('a cancelled wait rejects and leaves later callers no worse off (nothing is held)', async () => {
    const time = fakeTime();
    const flow = new FlowControl({
      limits: { 'ecs:DescribePrice': { limit: 2, windowMs: 1_000 } },
      headroom: 1,
      now: time.now,
      sleep: time.sleep,
    });
    await flow.admit(key());
    await flow.admit(key());
    const cancelled = new AbortController();
    cancelled.abort(new Error('activity cancelled'));
    await assert.rejects(flow.admit(key(), cancelled.signal), /activity cancelled/);
    // A retry of that activity and another caller both get moments; nobody waits forever.
    const retry = await flow.admit(key());
    const other = await flow.admit(key());
    assert.ok(retry <= 2_000 && other <= 2_000, `waits ${retry}, ${other}`);
  });

  test('dozens of calls waiting on one activity: cancelling it stops every one, and Node sees no listener leak', async () => {
    // The real sleep: a look-up asking eight regions at once waits on its activity's one signal.
    const flow = new FlowControl({
      limits: { 'ecs:DescribePrice': { limit: 1, windowMs: 60_000 } },
      headroom: 1,
    });
    const warnings: string[] = [];
    const onWarning = (w: Error) => warnings.push(`${w.name}: ${w.message}`);
    process.on('warning', onWarning);
    try {
      const activity = new AbortController();
      assert.equal(await flow.admit(key(), activity.signal), 0);
      const waiting = Array.from({ length: 30 }, () => flow.admit(key(), activity.signal));
      activity.abort(new Error('activity cancelled'));
      const ends = await Promise.allSettled(waiting);
      assert.deepEqual(
        ends.map((e) => (e.status === 'rejected' ? (e.reason as Error).message : e.status)),
        Array(30).fill('activity cancelled'),
      );
      // Node reports a listener leak on the next turn of the event loop.
      await new Promise((resolve) => setImmediate(resolve));
      assert.deepEqual(warnings, []);
    } finally {
      process.off('warning', onWarning);
    }
  });

  test('ACP_API_LIMITS raises, adds or lifts a threshold; nonsense is refused with the variable named', () => {
    const limits = apiLimitsFromEnv({
      ACP_API_LIMITS: JSON.stringify({
        'ecs:DescribePrice': { limit: 1000, windowSeconds: 60 },
        'ecs:DescribeInstances': { limit: 50, windowSeconds: 1 },
        'vpc:CreateVpc': null,
      }),
    });
    assert.deepEqual(limits['ecs:DescribePrice'], { limit: 1000, windowMs: 60_000 });
    assert.deepEqual(limits['ecs:DescribeInstances'], { limit: 50, windowMs: 1_000 });
    assert.equal(limits['vpc:CreateVpc'], undefined);
    assert.deepEqual(limits['vpc:CreateVSwitch'], DOCUMENTED_LIMITS['vpc:CreateVSwitch']);
    assert.throws(() => apiLimitsFromEnv({ ACP_API_LIMITS: '{' }), /ACP_API_LIMITS must be JSON/);
    assert.throws(
      () => apiLimitsFromEnv({ ACP_API_LIMITS: '{"ecs:DescribePrice":{"limit":0,"windowSeconds":60}}' }),
      /ACP_API_LIMITS.ecs:DescribePrice/,
    );
  });
});
