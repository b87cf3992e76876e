// Alibaba's documented flow control, seen through the official SDKs: calls past an API's threshold in
// its window answer the product's throttling error, counted per account × region × API; the next
// window admits calls again. In force from the start, as on a real account.
import assert from 'node:assert/strict';
import { after, before, beforeEach, test } from 'node:test';
import * as $Ecs from '@alicloud/ecs20140526';
import { dlcClient } from '../support/emulator-clients';
import { REGION, rejection, type TestEmulator, testEmulator } from './fixtures';

let t: TestEmulator;
before(async () => {
  t = await testEmulator();
});
after(() => t.emu.stop());
beforeEach(async () => {
  await t.admin.reset();
});

const price = (regionId = REGION) =>
  t.ecs.describePrice(
    new $Ecs.DescribePriceRequest({ regionId, resourceType: 'instance', instanceType: 'ecs.g7.large' }),
  );

/** Waits until at least `ms` of the current fixed window `windowMs` remain, so a burst fits in one. */
async function roomInWindow(windowMs: number, ms: number): Promise<void> {
  const left = windowMs - (Date.now() % windowMs);
  if (left < ms) await new Promise((r) => setTimeout(r, left + 5));
}

test('DescribePrice: 500 calls per minute per region pass, the 501st is refused with 400 Throttling.User', async () => {
  await roomInWindow(60_000, 20_000);
  for (let i = 0; i < 50; i++) await Promise.all(Array.from({ length: 10 }, () => price()));
  const err = await rejection(() => price());
  assert.equal(err.name, 'ThrottlingError');
  assert.equal(err.code, 'Throttling.User');
  assert.equal(err.statusCode, 400);
  assert.match(err.message, /user flow control/);
  // The next window opens when the minute turns: retry-after says when.
  assert.ok(err.retryAfter > 0 && err.retryAfter <= 60_000, `retryAfter ${err.retryAfter}`);
  // Another region and another API of the same account have their own windows.
  await price('cn-shanghai');
  await t.ecs.describeRegions(new $Ecs.DescribeRegionsRequest({}));
  const calls = await t.admin.calls();
  assert.equal(calls.filter((c) => c.action === 'DescribePrice' && c.code === 'OK').length, 501);
  assert.equal(calls.filter((c) => c.code === 'Throttling.User').length, 1);
});

test('a window admits calls again once it has passed; a rule can be replaced or lifted', async () => {
  await t.admin.faults({ flowControl: { 'ecs:DescribePrice': { limit: 3, windowMs: 1000 } } });
  await roomInWindow(1000, 400);
  await Promise.all([price(), price(), price()]);
  assert.equal((await rejection(() => price())).code, 'Throttling.User');
  await new Promise((r) => setTimeout(r, 1000 - (Date.now() % 1000) + 5));
  await price();
  await t.admin.faults({ flowControl: { 'ecs:DescribePrice': null } });
  await Promise.all(Array.from({ length: 10 }, () => price()));
  await t.admin.reset();
  // Reset restores the documented threshold (500/60 s): a handful of calls pass.
  await Promise.all(Array.from({ length: 10 }, () => price()));
});

test('PAI-DLC ListEcsSpecs: 100 per second, refused with its own Throttling code', async () => {
  const dlc = dlcClient(t.emu);
  const list = () =>
    dlc.call('ListEcsSpecs', 'GET', '/api/v1/ecsspecs', {
      query: { AcceleratorType: 'GPU', RegionId: REGION, PageSize: 10 },
    });
  await t.admin.faults({ flowControl: { 'dlc:ListEcsSpecs': { limit: 100, windowMs: 5000 } } });
  await roomInWindow(5000, 3000);
  await Promise.all(Array.from({ length: 100 }, list));
  const err = await rejection(list);
  assert.equal(err.code, 'Throttling');
  assert.equal(err.statusCode, 400);
});

test('a malformed flowControl rule is refused when it is set', async () => {
  await assert.rejects(
    t.admin.faults({ flowControl: { DescribePrice: { limit: 0 } } }),
    /InvalidParameter.*flowControl.DescribePrice must be/,
  );
});
