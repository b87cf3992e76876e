// The admin API and the catalogue behind it: what tests, benchmarks and operators read and set.
import assert from 'node:assert/strict';
import { after, before, beforeEach, test } from 'node:test';
import * as $Ecs from '@alicloud/ecs20140526';
import { defaultCatalogue, PRICE_SOURCE, randomCatalogue } from '../../emulator/catalogue';
import { startEmulator } from '../../emulator/index';
import { ecsClient, emulatorAdmin } from '../support/emulator-clients';
import { createNetwork, REGION, runRequest, type TestEmulator, testEmulator } from './fixtures';

let t: TestEmulator;
before(async () => {
  t = await testEmulator();
});
after(() => t.emu.stop());
beforeEach(() => t.admin.reset());

test('resources lists live resources with type, id, region, status and tags', async () => {
  const net = await createNetwork(t.emu);
  await t.ecs.runInstances(
    runRequest(net, { tag: [new $Ecs.RunInstancesRequestTag({ key: 'acp:workflow-id', value: 'wf-7' })] }),
  );
  const rows = await t.admin.resources();
  assert.deepEqual(rows.map((r) => r.type).sort(), ['instance', 'security-group', 'vpc', 'vswitch']);
  const inst = rows.find((r) => r.type === 'instance')!;
  assert.equal(inst.regionId, REGION);
  assert.equal(inst.status, 'Pending');
  assert.deepEqual(inst.tags, { 'acp:workflow-id': 'wf-7' });
  await t.ecs.describeRegions(new $Ecs.DescribeRegionsRequest({}));
  t.emu.world.advance(120_000);
  await t.ecs.deleteInstance(new $Ecs.DeleteInstanceRequest({ instanceId: inst.id, force: true }));
  assert.equal(
    (await t.admin.resources()).some((r) => r.id === inst.id),
    false,
  );
  assert.equal((await t.admin.resources({ all: true })).find((r) => r.id === inst.id)!.status, 'Released');
});

test('calls records every API call with "OK" or the error code; DELETE clears it', async () => {
  await t.ecs.describeRegions(new $Ecs.DescribeRegionsRequest({}));
  await assert.rejects(t.ecs.describeZones(new $Ecs.DescribeZonesRequest({ regionId: 'xx-nowhere-1' })));
  const calls = await t.admin.calls();
  assert.deepEqual(
    calls.map((c) => [c.action, c.product, c.code, c.httpStatus]),
    [
      ['DescribeRegions', 'ecs', 'OK', 200],
      ['DescribeZones', 'ecs', 'InvalidRegionId.NotFound', 404],
    ],
  );
  assert.equal(calls[1]!.regionId, 'xx-nowhere-1');
  assert.equal(typeof calls[0]!.at, 'number');
  await t.admin.clearCalls();
  assert.deepEqual(await t.admin.calls(), []);
});

test('reset forgets resources, calls, faults and tokens', async () => {
  const net = await createNetwork(t.emu);
  await t.ecs.runInstances(runRequest(net, { clientToken: 'same' }));
  await t.admin.faults({ throttleRate: 0.5 });
  await t.admin.reset();
  assert.deepEqual(await t.admin.resources(), []);
  assert.deepEqual(await t.admin.calls(), []);
  const net2 = await createNetwork(t.emu);
  await t.ecs.runInstances(runRequest(net2, { clientToken: 'same' }));
  assert.equal((await t.admin.resources()).filter((r) => r.type === 'instance').length, 1);
});

test('cost reports accrued CNY per priced resource and a total; clock advances time', async () => {
  // T4 capacity is in the region's first zones only.
  const net = await createNetwork(t.emu, 'cn-hangzhou-h');
  await t.ecs.runInstances(runRequest(net, { instanceType: 'ecs.gn6i-c4g1.xlarge' }));
  const before = await t.admin.clock();
  const after = await t.admin.advance(3_600_000);
  assert.ok(after.now - before.now >= 3_600_000);
  const cost = await t.admin.cost();
  assert.equal(cost.currency, 'CNY');
  assert.equal(cost.resources.length, 1);
  assert.equal(cost.resources[0]!.type, 'instance');
  // one hour of T4 (11.63) plus a 40 GiB ESSD PL1 disk (0.084)
  assert.ok(Math.abs(cost.total - 11.714) < 0.05, String(cost.total));
  assert.equal(cost.total, cost.resources[0]!.cost);
});

test('keys adds an access key the signature check accepts', async () => {
  await t.admin.addKey({ accessKeyId: 'second', accessKeySecret: 'second-secret' });
  const { body } = await ecsClient(t.emu, {
    accessKeyId: 'second',
    accessKeySecret: 'second-secret',
  }).describeRegions(new $Ecs.DescribeRegionsRequest({}));
  assert.ok(body!.regions!.region!.length >= 10);
});

test('the catalogue: 10 regions, 2–4 zones each, ≥ 30 types, sourced prices', () => {
  const c = defaultCatalogue();
  assert.ok(c.regions.length >= 10);
  for (const r of c.regions) assert.ok(r.zones.length >= 2 && r.zones.length <= 4, r.regionId);
  assert.ok(c.instanceTypes.length >= 30);
  assert.equal(c.hourlyPrice('cn-hangzhou', 'ecs.gn7i-c8g1.2xlarge'), 9.5326);
  assert.equal(c.hourlyPrice('ap-southeast-1', 'ecs.g7.large'), 0.6695);
  assert.equal(c.hourlyPrice('cn-hangzhou', 'ecs.ebmgn7.26xlarge'), undefined);
  assert.match(PRICE_SOURCE, /Dec 2024/);
  for (const family of [
    'ecs.t6',
    'ecs.c6',
    'ecs.c7',
    'ecs.g6',
    'ecs.g7',
    'ecs.r7',
    'ecs.gn6i',
    'ecs.gn6v',
    'ecs.gn7i',
    'ecs.gn7',
    'ecs.ebmgn7',
  ]) {
    assert.ok(
      c.instanceTypes.some((t) => t.family === family),
      family,
    );
  }
});

test('randomCatalogue(seed) is reproducible, differs by seed, and keeps prices within ±30 %', () => {
  const base = defaultCatalogue();
  const a = randomCatalogue(11);
  const b = randomCatalogue(11);
  const c = randomCatalogue(12);
  const price = (cat: typeof a) => cat.hourlyPrice('cn-shanghai', 'ecs.g7.xlarge')!;
  assert.equal(price(a), price(b));
  assert.notEqual(price(a), price(c));
  for (const t of base.instanceTypes) {
    const p = a.hourlyPrice('cn-hangzhou', t.instanceTypeId);
    const q = base.hourlyPrice('cn-hangzhou', t.instanceTypeId);
    if (p === undefined || q === undefined) continue;
    assert.ok(p >= q * 0.7 - 1e-4 && p <= q * 1.3 + 1e-4, t.instanceTypeId);
  }
  const zeros = a.regions
    .flatMap((r) => r.zones.flatMap((z) => Object.values(z.stock)))
    .filter((s) => s === 0);
  assert.ok(zeros.length > 0, 'some (zone, type) pairs are sold out');
});

test('an emulator started on a seeded catalogue prices from it', async () => {
  const emu = await startEmulator({ catalogue: { seed: 3 }, exec: 'none' });
  try {
    const { body } = await ecsClient(emu).describePrice(
      new $Ecs.DescribePriceRequest({ regionId: REGION, instanceType: 'ecs.c7.large' }),
    );
    const detail = body!.priceInfo!.price!.detailInfos!.detailInfo![0]!;
    assert.equal(detail.tradePrice, randomCatalogue(3).hourlyPrice(REGION, 'ecs.c7.large'));
    assert.equal((await emulatorAdmin(emu).clock()).speed, 60);
  } finally {
    await emu.stop();
  }
});
