// The worker's TTL cache for prices and catalogue facts: a fresh answer is served with the moment the
// cloud gave it, an expired one never is, answers are refreshed in the background before they
// expire, and many quotes asking at once make one call. Time is a fake clock: nothing here waits.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { TtlCache } from '../../activities/price-cache';

function clock(start = 1_000_000) {
  let t = start;
  return { now: () => t, advance: (ms: number) => (t += ms) };
}

/** A fetch that answers 1, 2, 3, … and counts its calls; `fail` makes the next one throw. */
function source() {
  const s = {
    calls: 0,
    fail: false,
    fetch: async () => {
      s.calls += 1;
      if (s.fail) throw new Error('Throttling.User');
      return s.calls;
    },
  };
  return s;
}

const settle = () => new Promise((r) => setImmediate(r));

describe('TtlCache', () => {
  test('within the TTL the cached answer is served with the time it was fetched', async () => {
    const c = clock();
    const cache = new TtlCache<number>({ ttlMs: 60_000, now: c.now });
    const src = source();
    const first = await cache.get('cn-hangzhou/ecs.g7.large', src.fetch);
    assert.deepEqual(first, { value: 1, fetchedAt: 1_000_000 });
    c.advance(20_000);
    const again = await cache.get('cn-hangzhou/ecs.g7.large', src.fetch);
    assert.deepEqual(again, { value: 1, fetchedAt: 1_000_000 }, 'its age is 20 s, not 0');
    assert.equal(src.calls, 1);
  });

  test('an answer at or past its TTL is never served: the caller waits for a new one', async () => {
    const c = clock();
    const cache = new TtlCache<number>({ ttlMs: 60_000, now: c.now });
    const src = source();
    await cache.get('k', src.fetch);
    c.advance(60_000);
    const fresh = await cache.get('k', src.fetch);
    assert.deepEqual(fresh, { value: 2, fetchedAt: 1_060_000 });
    // When the cloud cannot answer, the expired value is not a fallback.
    c.advance(60_000);
    src.fail = true;
    await assert.rejects(cache.get('k', src.fetch), /Throttling/);
  });

  test('past half its TTL an answer is still served, and refreshed in the background', async () => {
    const c = clock();
    const cache = new TtlCache<number>({ ttlMs: 60_000, now: c.now });
    const src = source();
    await cache.get('k', src.fetch);
    c.advance(31_000);
    const served = await cache.get('k', src.fetch);
    assert.deepEqual(served, { value: 1, fetchedAt: 1_000_000 }, 'no wait for the refresh');
    await settle();
    assert.equal(src.calls, 2);
    assert.deepEqual(cache.peek('k'), { value: 2, fetchedAt: 1_031_000 });
  });

  test('refreshDue renews what was read recently and forgets what nobody read for a TTL', async () => {
    const c = clock();
    const cache = new TtlCache<number>({ ttlMs: 60_000, now: c.now });
    const read = source();
    const idle = source();
    await cache.get('read', read.fetch);
    await cache.get('idle', idle.fetch);
    c.advance(40_000);
    await cache.get('read', read.fetch); // served, and refreshed in the background
    await settle();
    c.advance(35_000);
    assert.equal(await cache.refreshDue(), 1, 'only the entry read within the TTL is refreshed');
    assert.equal(read.calls, 3);
    assert.equal(idle.calls, 1);
    assert.equal(cache.peek('idle'), undefined, 'expired and unread: dropped');
    assert.equal(cache.size, 1);
  });

  test('a failed background refresh keeps the answer until its TTL, then it is not served', async () => {
    const c = clock();
    const cache = new TtlCache<number>({ ttlMs: 60_000, now: c.now });
    const src = source();
    await cache.get('k', src.fetch);
    c.advance(45_000);
    src.fail = true;
    assert.deepEqual(await cache.get('k', src.fetch), { value: 1, fetchedAt: 1_000_000 });
    await settle();
    c.advance(15_000);
    await assert.rejects(cache.get('k', src.fetch));
  });

  test('concurrent misses of one key share one fetch', async () => {
    const cache = new TtlCache<number>({ ttlMs: 60_000 });
    const src = source();
    const answers = await Promise.all(Array.from({ length: 100 }, () => cache.get('k', src.fetch)));
    assert.equal(src.calls, 1);
    assert.ok(answers.every((a) => a.value === 1));
  });

  test('fetchLive asks the cloud whatever the cache holds, and the next read sees its answer', async () => {
    const c = clock();
    const cache = new TtlCache<number>({ ttlMs: 60_000, now: c.now });
    const src = source();
    await cache.get('k', src.fetch);
    c.advance(1_000);
    assert.deepEqual(await cache.fetchLive('k', src.fetch), { value: 2, fetchedAt: 1_001_000 });
    assert.deepEqual(await cache.get('k', src.fetch), { value: 2, fetchedAt: 1_001_000 });
    assert.equal(src.calls, 2);
  });

  test('a TTL of 0 turns caching off: every read asks', async () => {
    const cache = new TtlCache<number>({ ttlMs: 0 });
    const src = source();
    await cache.get('k', src.fetch);
    await cache.get('k', src.fetch);
    assert.equal(src.calls, 2);
  });
});
