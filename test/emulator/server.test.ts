// The emulator's front door: signatures, dispatch, error envelopes, RAM, STS, and running it as a
// separate process that an SDK in another process can drive.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { after, before, beforeEach, test } from 'node:test';
import * as $Ecs from '@alicloud/ecs20140526';
import OpenApi, { $OpenApiUtil } from '@alicloud/openapi-core';
import * as $Vpc from '@alicloud/vpc20160428';
import * as $dara from '@darabonba/typescript';
import { ecsClient, emulatorAdmin, emulatorConfig, stsClient, vpcClient } from '../support/emulator-clients';
import { REGION, rejection, type TestEmulator, testEmulator } from './fixtures';

let t: TestEmulator;
before(async () => {
  t = await testEmulator({ accountId: '5555666677778888' });
});
after(() => t.emu.stop());
beforeEach(() => t.admin.reset());

const describeRegions = (client = t.ecs) => client.describeRegions(new $Ecs.DescribeRegionsRequest({}));

test('a wrong secret is refused with SignatureDoesNotMatch (400, JSON body)', async () => {
  const err = await rejection(() => describeRegions(ecsClient(t.emu, { accessKeySecret: 'not-the-secret' })));
  assert.equal(err.name, 'ClientError');
  assert.equal(err.code, 'SignatureDoesNotMatch');
  assert.equal(err.statusCode, 400);
  assert.match(err.requestId, /^[0-9A-F-]{36}$/);
  assert.equal(err.data.HostId, 'ecs.aliyuncs.com');
  assert.match(err.data.Recommend, /^https:\/\/api\.aliyun\.com\/troubleshoot\?q=SignatureDoesNotMatch/);
});

test('an unknown AccessKey id is refused with InvalidAccessKeyId.NotFound', async () => {
  const err = await rejection(() =>
    describeRegions(ecsClient(t.emu, { accessKeyId: 'LTAI-nobody', accessKeySecret: 'x' })),
  );
  assert.equal(err.code, 'InvalidAccessKeyId.NotFound');
  assert.equal(err.statusCode, 404);
  const calls = await t.admin.calls();
  assert.equal(calls.at(-1)!.code, 'InvalidAccessKeyId.NotFound');
});

function rawRpc(action: string, version: string) {
  const client = new OpenApi(emulatorConfig(t.emu));
  return client.callApi(
    new $OpenApiUtil.Params({
      action,
      version,
      protocol: 'HTTPS',
      pathname: '/',
      method: 'POST',
      authType: 'AK',
      style: 'RPC',
      reqBodyType: 'formData',
      bodyType: 'json',
    }),
    new $OpenApiUtil.OpenApiRequest({ query: { RegionId: REGION } }),
    new $dara.RuntimeOptions({}),
  );
}

test('an unknown action answers InvalidAction.NotFound 404; an unknown version InvalidVersion', async () => {
  const err = await rejection(() => rawRpc('DescribeNothing', '2014-05-26'));
  assert.equal(err.code, 'InvalidAction.NotFound');
  assert.equal(err.statusCode, 404);
  const v = await rejection(() => rawRpc('DescribeRegions', '1999-01-01'));
  assert.equal(v.code, 'InvalidVersion');
});

test('form-encoded RPC bodies are read as parameters, and the signature still verifies', async () => {
  const client = new OpenApi(emulatorConfig(t.emu));
  const r = await client.callApi(
    new $OpenApiUtil.Params({
      action: 'DescribeZones',
      version: '2014-05-26',
      protocol: 'HTTPS',
      pathname: '/',
      method: 'POST',
      authType: 'AK',
      style: 'RPC',
      reqBodyType: 'formData',
      bodyType: 'json',
    }),
    new $OpenApiUtil.OpenApiRequest({ body: { RegionId: 'ap-southeast-1' } }),
    new $dara.RuntimeOptions({}),
  );
  assert.equal((r as any).body.Zones.Zone[0].ZoneId, 'ap-southeast-1a');
});

test('a RAM allow-list denies other actions with Forbidden.RAM and AccessDeniedDetail', async () => {
  await t.admin.addKey({
    accessKeyId: 'ram-reader',
    accessKeySecret: 'reader-secret',
    policy: ['ecs:Describe*', 'sts:*'],
  });
  const reader = { accessKeyId: 'ram-reader', accessKeySecret: 'reader-secret' };
  await describeRegions(ecsClient(t.emu, reader));
  const err = await rejection(() =>
    vpcClient(t.emu, reader).createVpc(new $Vpc.CreateVpcRequest({ regionId: REGION })),
  );
  assert.equal(err.code, 'Forbidden.RAM');
  assert.equal(err.statusCode, 403);
  assert.equal(err.accessDeniedDetail.AuthAction, 'vpc:CreateVpc');
  assert.equal(err.accessDeniedDetail.NoPermissionType, 'ImplicitDeny');
  assert.ok(err.accessDeniedDetail.PolicyType);
  assert.ok(err.accessDeniedDetail.EncodedDiagnosticMessage);
  const who = await stsClient(t.emu, reader).getCallerIdentity();
  assert.equal(who.body!.identityType, 'RAMUser');
  assert.equal(who.body!.accountId, '5555666677778888');
  assert.equal(who.body!.arn, 'acs:ram::5555666677778888:user/ram-reader');
  // The account's own key is not restricted by the other key's policy.
  await vpcClient(t.emu).createVpc(new $Vpc.CreateVpcRequest({ regionId: REGION }));
});

test('STS GetCallerIdentity reports the configured account', async () => {
  const { body } = await stsClient(t.emu).getCallerIdentity();
  assert.equal(body!.accountId, '5555666677778888');
  assert.equal(body!.identityType, 'Account');
  assert.equal(body!.arn, 'acs:ram::5555666677778888:root');
  assert.ok(body!.userId && body!.principalId && body!.requestId);
});

test('non-API paths get a JSON error, never an HTML page', async () => {
  const res = await fetch(`${t.emu.url}/some/where`);
  assert.equal(res.status, 400);
  const body = (await res.json()) as { Code: string; RequestId: string };
  assert.equal(body.Code, 'MissingParameter');
  assert.ok(body.RequestId);
});

test('`node emulator/main.ts --port 0` serves another process', async () => {
  const child = spawn(
    process.execPath,
    [
      '--import',
      'tsx',
      'emulator/main.ts',
      '--port',
      '0',
      '--exec',
      'none',
      '--speed',
      '600',
      '--access-key-id',
      'k1',
      '--access-key-secret',
      's1',
    ],
    { cwd: `${__dirname}/../..`, stdio: ['ignore', 'pipe', 'inherit'] },
  );
  try {
    let out = '';
    const endpoint = await new Promise<string>((resolve, reject) => {
      child.stdout.on('data', (b: Buffer) => {
        out += b.toString();
        // Wait for the whole banner: stdout may arrive in several chunks.
        const m = /ACP_ALIBABA_ENDPOINT=(\S+)[\s\S]*ALIBABA_CLOUD_ACCOUNT_ID=/.exec(out);
        if (m) resolve(m[1]!);
      });
      child.once('exit', (code) => reject(new Error(`emulator exited ${code}: ${out}`)));
    });
    assert.match(endpoint, /^127\.0\.0\.1:\d+$/);
    assert.match(out, /ALIBABA_CLOUD_ACCESS_KEY_ID=k1/);
    const target = { endpoint, accessKeyId: 'k1', accessKeySecret: 's1' };
    const { body } = await ecsClient(target).describeRegions(new $Ecs.DescribeRegionsRequest({}));
    assert.ok(body!.regions!.region!.length >= 10);
    const calls = await emulatorAdmin(target).calls();
    assert.deepEqual(
      calls.map((c) => [c.action, c.code, c.httpStatus]),
      [['DescribeRegions', 'OK', 200]],
    );
  } finally {
    child.kill('SIGTERM');
    const [code] = await once(child, 'exit');
    assert.equal(code, 0);
  }
});
