// The emulator's spot market through the official SDKs (emulator/spot.ts): spot prices per zone below
// pay-as-you-go, DescribeSpotPriceHistory and DescribeSpotAdvice in their documented shapes, the
// refusals Alibaba documents for spot parameters, and a reclaim: locked Recycling with the
// termination time in the instance metadata, released five minutes later. PAI-DLC spot jobs cost
// the spec's price × NonProtectSpotDiscount and fail with their pods evicted when reclaimed.
import assert from 'node:assert/strict';
import { after, before, beforeEach, describe, test } from 'node:test';
import * as $Ecs from '@alicloud/ecs20140526';
import { dlcClient } from '../support/emulator-clients';
import {
  createNetwork,
  eventually,
  REGION,
  rejection,
  runRequest,
  type TestEmulator,
  testEmulator,
  ZONE,
} from './fixtures';

let emu: TestEmulator['emu'];
let ecs: TestEmulator['ecs'];
let admin: TestEmulator['admin'];

before(async () => {
  ({ emu, ecs, admin } = await testEmulator());
});
after(() => emu.stop());
beforeEach(() => admin.reset());

const TYPE = 'ecs.g7.large';

async function price(extra: Record<string, unknown>) {
  const r = await ecs.describePrice(
    new $Ecs.DescribePriceRequest({
      regionId: REGION,
      resourceType: 'instance',
      instanceType: TYPE,
      ...extra,
    }),
  );
  return r.body!.priceInfo!.price!.detailInfos!.detailInfo!.find((d) => d.resource === 'instanceType')!
    .tradePrice!;
}

describe('the spot market', () => {
  test('spot costs less than pay-as-you-go, differs by zone, and a protected hour costs more', async () => {
    const list = await price({});
    const k = await price({ spotStrategy: 'SpotAsPriceGo', zoneId: ZONE, spotDuration: 0 });
    const j = await price({ spotStrategy: 'SpotAsPriceGo', zoneId: 'cn-hangzhou-j', spotDuration: 0 });
    const kProtected = await price({ spotStrategy: 'SpotAsPriceGo', zoneId: ZONE, spotDuration: 1 });
    assert.ok(k < list * 0.5 && k > list * 0.1, `${k} vs ${list}`);
    assert.notEqual(k, j);
    assert.ok(kProtected > k);
  });

  test('DescribeSpotPriceHistory answers hourly points per zone in the documented shape', async () => {
    const r = await ecs.describeSpotPriceHistory(
      new $Ecs.DescribeSpotPriceHistoryRequest({
        regionId: REGION,
        networkType: 'vpc',
        instanceType: TYPE,
        zoneId: ZONE,
        spotDuration: 0,
      }),
    );
    const points = r.body!.spotPrices!.spotPriceType!;
    assert.equal(r.body!.currency, 'CNY');
    assert.ok(points.length >= 3, 'three hours of hourly points by default');
    for (const p of points) {
      assert.equal(p.zoneId, ZONE);
      assert.equal(p.instanceType, TYPE);
      assert.match(p.timestamp!, /^\d{4}-\d{2}-\d{2}T\d{2}:00:00Z$/);
      assert.ok(p.spotPrice! < p.originPrice!);
    }
    // The last point is what a spot instance created now is billed.
    assert.equal(
      points.at(-1)!.spotPrice,
      await price({ spotStrategy: 'SpotAsPriceGo', zoneId: ZONE, spotDuration: 0 }),
    );
    const missing = await rejection(() =>
      ecs.describeSpotPriceHistory(
        new $Ecs.DescribeSpotPriceHistoryRequest({ regionId: REGION, instanceType: TYPE }),
      ),
    );
    assert.equal(missing.code, 'MissingParameter');
    const bad = await rejection(() =>
      ecs.describeSpotPriceHistory(
        new $Ecs.DescribeSpotPriceHistoryRequest({
          regionId: REGION,
          networkType: 'vpc',
          instanceType: TYPE,
          spotDuration: 2,
        }),
      ),
    );
    assert.equal(bad.code, 'InvalidSpotDuration');
  });

  test('DescribeSpotAdvice reports a documented release-rate class and discount per zone', async () => {
    const r = await ecs.describeSpotAdvice(
      new $Ecs.DescribeSpotAdviceRequest({ regionId: REGION, instanceTypes: [TYPE] }),
    );
    const rows = r.body!.availableSpotZones!.availableSpotZone!.flatMap((z) =>
      z.availableSpotResources!.availableSpotResource!.map((a) => ({ zone: z.zoneId, ...a })),
    );
    assert.ok(rows.length >= 2);
    for (const a of rows) {
      assert.ok(['0-3%', '3-5%', '5-10%', '10-100%'].includes(a.interruptRateDesc!), a.interruptRateDesc);
      assert.ok(a.averageSpotDiscount! >= 1 && a.averageSpotDiscount! <= 100);
    }
  });

  test('spot parameters Alibaba refuses are refused with the documented codes', async () => {
    const net = await createNetwork(emu);
    const refused = async (extra: Record<string, unknown>) =>
      (await rejection(() => ecs.runInstances(runRequest(net, { zoneId: ZONE, ...extra })))).code;
    assert.equal(
      await refused({ spotPriceLimit: 1 }),
      'InvalidSpotPriceLimit',
      'a limit without SpotWithPriceLimit',
    );
    assert.equal(
      await refused({ spotStrategy: 'SpotWithPriceLimit' }),
      'InvalidSpotPriceLimit',
      'SpotWithPriceLimit without a limit',
    );
    assert.equal(
      await refused({ spotStrategy: 'SpotWithPriceLimit', spotPriceLimit: 0.001 }),
      'InvalidSpotPriceLimit.LowerThanPublicPrice',
    );
    assert.equal(await refused({ spotStrategy: 'SpotAsPriceGo', spotDuration: 3 }), 'InvalidSpotDuration');
    assert.equal(
      await refused({ spotDuration: 1 }),
      'InvalidSpotDuration',
      'a protection period without spot',
    );
    assert.equal(
      await refused({ spotStrategy: 'SpotAsPriceGo', instanceChargeType: 'PrePaid' }),
      'InvalidSpotPrepaid',
    );
    assert.equal(
      await refused({ spotStrategy: 'SpotAsPriceGo', instanceType: 'ecs.ebmgn7i.32xlarge' }),
      'InvalidInstanceType.ValueNotSupported',
    );
    const noZone = await rejection(() =>
      ecs.runInstances(runRequest(net, { spotStrategy: 'SpotAsPriceGo' })),
    );
    assert.equal(noZone.code, 'InvalidSpotParam.EmptyZoneID');
    assert.deepEqual(
      await admin.resources(),
      (await admin.resources()).filter((r) => r.type !== 'instance'),
    );
  });

  test('a reclaim: locked Recycling with the termination time in the metadata, released five minutes later', async () => {
    const net = await createNetwork(emu);
    const created = await ecs.runInstances(
      runRequest(net, { zoneId: ZONE, spotStrategy: 'SpotAsPriceGo', spotDuration: 0, amount: 1 }),
    );
    const id = created.body!.instanceIdSets!.instanceIdSet![0]!;
    emu.world.advance(120_000);
    const describe = async () =>
      (
        await ecs.describeInstances(
          new $Ecs.DescribeInstancesRequest({ regionId: REGION, instanceIds: JSON.stringify([id]) }),
        )
      ).body!.instances!.instance ?? [];
    const metadata = () =>
      fetch(
        `http://${emu.endpoint}/__emulator/metadata/${id}/latest/meta-data/instance/spot/termination-time`,
      );
    const [before] = await describe();
    assert.equal(before!.spotStrategy, 'SpotAsPriceGo');
    assert.equal(before!.spotDuration, 0);
    assert.deepEqual(before!.operationLocks!.lockReason, []);
    assert.equal((await metadata()).status, 404, 'no termination time before a reclaim');

    const r = await fetch(`http://${emu.endpoint}/__emulator/reclaim`, {
      method: 'POST',
      body: JSON.stringify({ id }),
    });
    assert.equal(r.status, 200);
    const [locked] = await describe();
    assert.equal(locked!.operationLocks!.lockReason![0]!.lockReason, 'Recycling');
    const m = await metadata();
    assert.equal(m.status, 200);
    const at = Date.parse(await m.text());
    assert.ok(Math.abs(at - (emu.world.wallNow() + 5 * 60_000)) < 60_000, 'the release is five minutes away');

    emu.world.advance(4 * 60_000);
    assert.equal((await describe()).length, 1, 'still there during the notice');
    emu.world.advance(61_000);
    assert.deepEqual(await describe(), [], 'released after the notice');
  });

  test('a reclaim rule takes spot instances only, after they run', async () => {
    const net = await createNetwork(emu);
    await admin.faults({ reclaim: [{ product: 'ecs', afterMs: 10 * 60_000 }] });
    const spot = (
      await ecs.runInstances(
        runRequest(net, { zoneId: ZONE, spotStrategy: 'SpotAsPriceGo', spotDuration: 0 }),
      )
    ).body!.instanceIdSets!.instanceIdSet![0]!;
    const payg = (await ecs.runInstances(runRequest(net, { zoneId: ZONE }))).body!.instanceIdSets!
      .instanceIdSet![0]!;
    emu.world.advance(2 * 60_000); // both Running
    emu.world.advance(10 * 60_000); // the rule's notice
    emu.world.advance(6 * 60_000); // the release after the notice
    const live = (await admin.resources()).filter((r) => r.type === 'instance').map((r) => r.id);
    assert.deepEqual(live, [payg]);
    assert.ok(!live.includes(spot));
  });
});

describe('PAI-DLC spot jobs', () => {
  const dlcEmu = () => dlcClient(emu);
  const jobBody = (spec: Record<string, unknown>) => ({
    DisplayName: 'acp-spot',
    JobType: 'PyTorchJob',
    UserCommand: 'echo epoch-1',
    JobSpecs: [
      { Type: 'Worker', Image: 'pytorch:latest', PodCount: 1, EcsSpec: 'ecs.gn7i-c8g1.2xlarge', ...spec },
    ],
  });

  test('SpotSpec is refused unless it names SpotWithPriceLimit and exactly one limit', async () => {
    const dlc = dlcEmu();
    for (const spec of [
      { UseSpotInstance: true },
      { UseSpotInstance: true, SpotSpec: { SpotStrategy: 'SpotAsPriceGo', SpotDiscountLimit: 0.5 } },
      {
        UseSpotInstance: true,
        SpotSpec: { SpotStrategy: 'SpotWithPriceLimit', SpotDiscountLimit: 0.5, SpotPriceLimit: 1 },
      },
      { UseSpotInstance: true, SpotSpec: { SpotStrategy: 'SpotWithPriceLimit', SpotDiscountLimit: 2 } },
    ]) {
      const err = await rejection(() =>
        dlc.call('CreateJob', 'POST', '/api/v1/jobs', { body: jobBody(spec) }),
      );
      assert.equal(err.statusCode ?? err.data?.statusCode, 400, JSON.stringify(spec));
    }
  });

  test('a spot job bills at the spec price × NonProtectSpotDiscount and fails with its pods evicted when reclaimed', async () => {
    const slow = await testEmulator({ speed: 600, exec: 'local' });
    try {
      const dlc = dlcClient(slow.emu);
      const specs = (
        await dlc.call('ListEcsSpecs', 'GET', '/api/v1/ecsspecs', {
          query: { InstanceTypes: 'ecs.gn7i-c8g1.2xlarge' },
        })
      ).body.EcsSpecs[0];
      assert.ok(specs.NonProtectSpotDiscount > 0 && specs.NonProtectSpotDiscount < 1);
      const body = jobBody({
        UseSpotInstance: true,
        SpotSpec: { SpotStrategy: 'SpotWithPriceLimit', SpotDiscountLimit: specs.NonProtectSpotDiscount },
      });
      body.UserCommand = 'echo epoch-1; sleep 30';
      const { body: created } = await dlc.call('CreateJob', 'POST', '/api/v1/jobs', { body });
      const getJob = async () => (await dlc.call('GetJob', 'GET', `/api/v1/jobs/${created.JobId}`)).body;
      await eventually(async () => (await getJob()).Status === 'Running', 20_000);
      const pod = (await slow.admin.cost()).resources.find((r) => r.type === 'dlc-pod');
      assert.ok(pod);
      const r = await fetch(`http://${slow.emu.endpoint}/__emulator/reclaim`, {
        method: 'POST',
        body: JSON.stringify({ id: created.JobId }),
      });
      assert.equal(r.status, 200);
      const failed = await eventually(async () => {
        const j = await getJob();
        return j.Status === 'Failed' ? j : undefined;
      }, 20_000);
      assert.equal(failed.Pods[0].SubStatus, 'Evicted');
      assert.match(failed.ReasonMessage, /evicted/);
    } finally {
      await slow.emu.stop();
    }
  });
});
