// The fault table, seen through the official SDK: each fault surfaces as the error class and code
// a real account would see, so acp's retry and fallback logic can be proven against it.
import assert from 'node:assert/strict';
import { after, before, beforeEach, test } from 'node:test';
import * as $Ecs from '@alicloud/ecs20140526';
import * as $Vpc from '@alicloud/vpc20160428';
import { ecsClient, fastRetries } from '../support/emulator-clients';
import {
  createNetwork,
  type Network,
  REGION,
  rejection,
  runRequest,
  type TestEmulator,
  testEmulator,
} from './fixtures';

let t: TestEmulator;
let net: Network;
before(async () => {
  t = await testEmulator();
});
after(() => t.emu.stop());
beforeEach(async () => {
  await t.admin.reset();
  net = await createNetwork(t.emu);
});
const instances = async () => (await t.admin.resources()).filter((r) => r.type === 'instance');

test('soldOut makes RunInstances answer OperationDenied.NoStock (403)', async () => {
  await t.admin.faults({ soldOut: [{ regionId: REGION, instanceType: 'ecs.g7.large' }] });
  const err = await rejection(() => t.ecs.runInstances(runRequest(net)));
  assert.equal(err.code, 'OperationDenied.NoStock');
  assert.equal(err.statusCode, 403);
  assert.equal(err.name, 'ClientError');
  // Other types in the same zone are unaffected.
  await t.ecs.runInstances(runRequest(net, { instanceType: 'ecs.c7.large' }));
});

test('stock runs out and comes back when instances are released', async () => {
  const bare = await createNetwork(t.emu, 'cn-hangzhou-h');
  const req = (amount: number) => runRequest(bare, { instanceType: 'ecs.ebmgn7i.32xlarge', amount });
  const first = await t.ecs.runInstances(req(4));
  assert.equal((await rejection(() => t.ecs.runInstances(req(1)))).code, 'OperationDenied.NoStock');
  t.emu.world.advance(120_000);
  const id = first.body!.instanceIdSets!.instanceIdSet![0]!;
  await t.ecs.deleteInstance(new $Ecs.DeleteInstanceRequest({ instanceId: id, force: true }));
  await t.ecs.runInstances(req(1));
});

test('quota: instances and vCPUs per region answer QuotaExceed.ElasticQuota (403)', async () => {
  await t.admin.faults({ quota: { 'ecs.instances': 1 } });
  await t.ecs.runInstances(runRequest(net));
  const err = await rejection(() => t.ecs.runInstances(runRequest(net)));
  assert.equal(err.code, 'QuotaExceed.ElasticQuota');
  assert.equal(err.statusCode, 403);
  await t.admin.faults({ quota: { 'ecs.instances': 100, 'ecs.vcpus': 4 } });
  await t.ecs.runInstances(runRequest(net));
  assert.equal((await rejection(() => t.ecs.runInstances(runRequest(net)))).code, 'QuotaExceed.ElasticQuota');
  assert.equal((await instances()).length, 2);
});

test('balance 0 blocks paid creates with InvalidAccountStatus.NotEnoughBalance; free ones still work', async () => {
  await t.admin.faults({ balance: 0 });
  const err = await rejection(() => t.ecs.runInstances(runRequest(net)));
  assert.equal(err.code, 'InvalidAccountStatus.NotEnoughBalance');
  assert.equal(err.statusCode, 403);
  await t.vpc.createVpc(new $Vpc.CreateVpcRequest({ regionId: REGION }));
  await t.admin.faults({ balance: 100 });
  await t.ecs.runInstances(runRequest(net));
});

test('throttling surfaces as ThrottlingError with retryAfter from x-acs-retry-after', async () => {
  await t.admin.faults({ throttleRate: 1, throttleRetryAfterMs: 750 });
  const err = await rejection(() => t.ecs.describeRegions(new $Ecs.DescribeRegionsRequest({})));
  assert.equal(err.name, 'ThrottlingError');
  assert.equal(err.code, 'Throttling.User');
  assert.equal(err.statusCode, 400);
  assert.equal(err.retryAfter, 750);
  const calls = await t.admin.calls();
  assert.equal(calls.at(-1)!.code, 'Throttling.User');
});

test('throttling at 50 % is ridden out by SDK retries, reproducibly for a given seed', async () => {
  const pattern = async () => {
    await t.admin.faults({
      seed: 7,
      throttleRate: 0.5,
      throttleRetryAfterMs: 1,
      rateActions: ['DescribeZones'],
    });
    await t.admin.clearCalls();
    const client = ecsClient(t.emu, { retryOptions: fastRetries(20, 1) });
    for (let i = 0; i < 5; i++)
      await client.describeZones(new $Ecs.DescribeZonesRequest({ regionId: REGION }));
    return (await t.admin.calls()).map((c) => c.code).join(',');
  };
  const a = await pattern();
  const b = await pattern();
  assert.equal(a, b);
  assert.match(a, /Throttling\.User/);
  assert.equal(a.split(',').filter((c) => c === 'OK').length, 5);
});

test('errorRate answers 500 InternalError / 503 ServiceUnavailable as ServerError', async () => {
  await t.admin.faults({ errorRate: 1 });
  const seen = new Set<string>();
  for (let i = 0; i < 8; i++) {
    const err = await rejection(() => t.ecs.describeRegions(new $Ecs.DescribeRegionsRequest({})));
    assert.equal(err.name, 'ServerError');
    assert.ok([500, 503].includes(err.statusCode));
    seen.add(err.code);
  }
  assert.ok([...seen].every((c) => c === 'InternalError' || c === 'ServiceUnavailable'));
});

test('latency beyond the client timeout is a RequestTimeoutError; rateActions scopes it', async () => {
  await t.admin.faults({ latencyMs: 1500, rateActions: ['DescribeRegions'] });
  const impatient = ecsClient(t.emu, { timeoutMs: 200 });
  const err = await rejection(() => impatient.describeRegions(new $Ecs.DescribeRegionsRequest({})));
  assert.equal(err.name, 'RequestTimeoutError');
  await impatient.describeZones(new $Ecs.DescribeZonesRequest({ regionId: REGION }));
});

test('a lost RunInstances response still created the instance; the same ClientToken finds it', async () => {
  await t.admin.faults({ dropResponse: [{ action: 'RunInstances', count: 1 }] });
  const lost = await rejection(() => t.ecs.runInstances(runRequest(net, { clientToken: 'wf-9/run' })));
  assert.ok(['ECONNRESET', 'EPIPE'].includes(lost.code) || /socket hang up/.test(lost.message), String(lost));
  assert.equal((await instances()).length, 1, 'applied server-side');
  const retried = await t.ecs.runInstances(runRequest(net, { clientToken: 'wf-9/run' }));
  assert.equal(retried.body!.instanceIdSets!.instanceIdSet![0], (await instances())[0]!.id);
  assert.equal((await instances()).length, 1, 'no second instance');
  const calls = (await t.admin.calls()).filter((c) => c.action === 'RunInstances');
  assert.deepEqual(
    calls.map((c) => [c.code, c.dropped ?? false]),
    [
      ['OK', true],
      ['OK', false],
    ],
  );
});

test('a lost response can also come back as 503 after the action applied', async () => {
  await t.admin.faults({ dropResponse: [{ action: 'RunInstances', count: 1, mode: '503' }] });
  const client = ecsClient(t.emu, { retryOptions: fastRetries(3, 1) });
  const r = await client.runInstances(runRequest(net, { clientToken: 'wf-10/run' }));
  assert.equal((await instances()).length, 1);
  assert.equal(r.body!.instanceIdSets!.instanceIdSet![0], (await instances())[0]!.id);
});

test('inject returns an exact error for the next N calls', async () => {
  await t.admin.faults({
    inject: [
      {
        action: 'RunInstances',
        code: 'QuotaExceed.AfterpayInstance',
        status: 400,
        message: 'Living afterpay instances quota exceeded.',
        count: 1,
      },
    ],
  });
  const err = await rejection(() => t.ecs.runInstances(runRequest(net)));
  assert.equal(err.code, 'QuotaExceed.AfterpayInstance');
  assert.equal(err.message.includes('Living afterpay instances quota exceeded.'), true);
  await t.ecs.runInstances(runRequest(net));
});

test('unknown fault keys are refused', async () => {
  await assert.rejects(t.admin.faults({ nonsense: 1 }), /unknown fault/);
});
