// RAM policy documents as the emulator enforces them for a RAM user's key: tag conditions on the
// create request (acs:RequestTag) and on the resource acted on (acs:ResourceTag), ARN-scoped
// statements, explicit Deny, the old allow-list form, and start-up policies that survive a reset.
import assert from 'node:assert/strict';
import { after, before, beforeEach, describe, test } from 'node:test';
import * as $Ecs from '@alicloud/ecs20140526';
import * as $Fc from '@alicloud/fc20230330';
import * as $Vpc from '@alicloud/vpc20160428';
import { startEmulator } from '../../emulator/index';
import { ecsClient, emulatorAdmin, fcClient, vpcClient } from '../support/emulator-clients';
import { createNetwork, REGION, rejection, runRequest, type TestEmulator, testEmulator } from './fixtures';
import { makeZip } from './zip-fixture';

const USER = { accessKeyId: 'ram-acp', accessKeySecret: 'ram-acp-secret' };
const MANAGED = [new $Vpc.CreateVpcRequestTag({ key: 'acp:managed', value: 'true' })];
const onlyManaged = (kind: 'RequestTag' | 'ResourceTag') => ({
  StringEquals: { [`acs:${kind}/acp:managed`]: 'true' },
});

let t: TestEmulator;
before(async () => {
  t = await testEmulator();
});
after(() => t.emu.stop());
beforeEach(() => t.admin.reset());

const asUser = (policy: unknown) => t.admin.addKey({ ...USER, policy });
const userVpc = () => vpcClient(t.emu, USER);
const userEcs = () => ecsClient(t.emu, USER);
const createVpc = (tag?: $Vpc.CreateVpcRequestTag[]) =>
  userVpc().createVpc(new $Vpc.CreateVpcRequest({ regionId: REGION, cidrBlock: '10.0.0.0/8', tag }));
/** A VPC made with the account's own (unrestricted) key. */
async function adminVpc(tags: Record<string, string>): Promise<string> {
  const tag = Object.entries(tags).map(([key, value]) => new $Vpc.CreateVpcRequestTag({ key, value }));
  const { body } = await t.vpc.createVpc(new $Vpc.CreateVpcRequest({ regionId: REGION, tag }));
  t.emu.world.advance(60_000);
  return body!.vpcId!;
}
const deleteVpc = (vpcId: string) =>
  userVpc().deleteVpc(new $Vpc.DeleteVpcRequest({ regionId: REGION, vpcId }));
const decoded = (err: any) =>
  JSON.parse(Buffer.from(err.accessDeniedDetail.EncodedDiagnosticMessage, 'base64').toString('utf8'));

describe('acs:RequestTag on a create', () => {
  beforeEach(() =>
    asUser({
      Version: '1',
      Statement: [
        { Effect: 'Allow', Action: 'vpc:CreateVpc', Resource: '*', Condition: onlyManaged('RequestTag') },
      ],
    }),
  );

  test('without the tag in the request the create is denied, and nothing is created', async () => {
    const err = await rejection(() => createVpc());
    assert.equal(err.code, 'Forbidden.RAM');
    assert.equal(err.statusCode, 403);
    assert.equal(err.accessDeniedDetail.AuthAction, 'vpc:CreateVpc');
    assert.equal(err.accessDeniedDetail.NoPermissionType, 'ImplicitDeny');
    assert.deepEqual(decoded(err).UnmetConditions, ['acs:RequestTag/acp:managed']);
    const other = await rejection(() =>
      createVpc([new $Vpc.CreateVpcRequestTag({ key: 'acp:managed', value: 'false' })]),
    );
    assert.equal(other.code, 'Forbidden.RAM', 'the value must match too');
    assert.deepEqual(await t.admin.resources(), []);
  });

  test('with acp:managed=true in the request the VPC is created, carrying the tag', async () => {
    const { body } = await createVpc(MANAGED);
    const [vpc] = await t.admin.resources();
    assert.equal(vpc?.id, body!.vpcId);
    assert.equal(vpc?.tags['acp:managed'], 'true');
  });

  test('FC reads the tags of a CreateFunction from its JSON body', async () => {
    await asUser({
      Version: '1',
      Statement: [
        { Effect: 'Allow', Action: 'fc:CreateFunction', Resource: '*', Condition: onlyManaged('RequestTag') },
      ],
    });
    const create = (name: string, tags: $Fc.Tag[]) =>
      fcClient(t.emu, USER).createFunction(
        new $Fc.CreateFunctionRequest({
          body: new $Fc.CreateFunctionInput({
            functionName: name,
            runtime: 'python3.10',
            handler: 'index.handler',
            code: new $Fc.InputCodeLocation({
              zipFile: makeZip({ 'index.py': 'x = 1\n' }).toString('base64'),
            }),
            tags,
          }),
        }),
      );
    const err = await rejection(() => create('untagged', []));
    assert.equal(err.accessDeniedDetail.AuthAction, 'fc:CreateFunction');
    await create('tagged', [new $Fc.Tag({ key: 'acp:managed', value: 'true' })]);
  });
});

describe('acs:ResourceTag on a delete', () => {
  beforeEach(() =>
    asUser({
      Version: '1',
      Statement: [
        { Effect: 'Allow', Action: 'vpc:DeleteVpc', Resource: '*', Condition: onlyManaged('ResourceTag') },
      ],
    }),
  );

  test('a VPC without acp:managed=true cannot be deleted; it stays', async () => {
    const vpcId = await adminVpc({ team: 'payments' });
    const err = await rejection(() => deleteVpc(vpcId));
    assert.equal(err.code, 'Forbidden.RAM');
    assert.equal(err.accessDeniedDetail.AuthAction, 'vpc:DeleteVpc');
    assert.equal(decoded(err).AuthResource, `acs:vpc:${REGION}:${t.emu.accountId}:vpc/${vpcId}`);
    assert.deepEqual(
      (await t.admin.resources()).map((r) => r.id),
      [vpcId],
    );
  });

  test('a VPC tagged acp:managed=true is deleted', async () => {
    const vpcId = await adminVpc({ 'acp:managed': 'true' });
    await deleteVpc(vpcId);
    assert.deepEqual(await t.admin.resources(), []);
  });

  test('a VPC that does not exist gets the product’s NotFound, not a RAM denial', async () => {
    const err = await rejection(() => deleteVpc('vpc-bp1nothere000000000'));
    assert.equal(err.code, 'InvalidVpcId.NotFound');
  });
});

test('an explicit Deny wins over an Allow that covers the same call', async () => {
  await asUser({
    Version: '1',
    Statement: [
      { Effect: 'Allow', Action: 'vpc:*', Resource: '*' },
      {
        Effect: 'Deny',
        Action: 'vpc:Delete*',
        Resource: '*',
        Condition: { StringLike: { 'acs:ResourceTag/env': 'prod*' } },
      },
    ],
  });
  const prod = await adminVpc({ env: 'production' });
  const dev = await adminVpc({ env: 'dev' });
  const err = await rejection(() => deleteVpc(prod));
  assert.equal(err.code, 'Forbidden.RAM');
  assert.equal(err.accessDeniedDetail.NoPermissionType, 'ExplicitDeny');
  await deleteVpc(dev);
  assert.deepEqual(
    (await t.admin.resources()).map((r) => r.id),
    [prod],
  );
});

test('a statement scoped to instance ARNs covers RunCommand only together with one on command ARNs', async () => {
  const net = await createNetwork(t.emu);
  const run = async (tags: Record<string, string>) => {
    const tag = Object.entries(tags).map(([key, value]) => new $Ecs.RunInstancesRequestTag({ key, value }));
    const { body } = await t.ecs.runInstances(runRequest(net, { tag }));
    t.emu.world.advance(120_000);
    return body!.instanceIdSets!.instanceIdSet![0]!;
  };
  const ours = await run({ 'acp:managed': 'true' });
  const theirs = await run({});
  const onInstances = {
    Effect: 'Allow',
    Action: 'ecs:RunCommand',
    Resource: 'acs:ecs:*:*:instance/*',
    Condition: onlyManaged('ResourceTag'),
  };
  const runCommand = (instanceId: string) =>
    userEcs().runCommand(
      new $Ecs.RunCommandRequest({
        regionId: REGION,
        type: 'RunShellScript',
        commandContent: 'true',
        instanceId: [instanceId],
      }),
    );
  await asUser({ Version: '1', Statement: [onInstances] });
  const noCommand = await rejection(() => runCommand(ours));
  assert.equal(decoded(noCommand).AuthResource, `acs:ecs:${REGION}:${t.emu.accountId}:command/*`);

  await asUser({
    Version: '1',
    Statement: [
      onInstances,
      { Effect: 'Allow', Action: 'ecs:RunCommand', Resource: 'acs:ecs:*:*:command/*' },
    ],
  });
  await runCommand(ours);
  const other = await rejection(() => runCommand(theirs));
  assert.equal(decoded(other).AuthResource, `acs:ecs:${REGION}:${t.emu.accountId}:instance/${theirs}`);
});

test('the allow-list form is still one Allow on every resource', async () => {
  await asUser(['vpc:Create*']);
  await createVpc();
  const err = await rejection(() =>
    userVpc().describeVpcs(new $Vpc.DescribeVpcsRequest({ regionId: REGION })),
  );
  assert.equal(err.accessDeniedDetail.AuthAction, 'vpc:DescribeVpcs');
});

test('a malformed policy is refused when it is loaded', async () => {
  await assert.rejects(
    asUser({ Version: '1', Statement: [{ Effect: 'Permit', Action: 'vpc:*' }] }),
    /400 .*MalformedPolicyDocument/,
  );
  await assert.rejects(
    asUser({
      Version: '1',
      Statement: [
        { Effect: 'Allow', Action: 'vpc:*', Condition: { IpAddress: { 'acs:SourceIp': '10.0.0.0/8' } } },
      ],
    }),
    /not IpAddress/,
  );
});

test('a start-up policy holds for its key from the first call and after a reset', async () => {
  const emu = await startEmulator({
    speed: 1,
    policies: {
      'acp-emulator-key': {
        Version: '1',
        Statement: [
          { Effect: 'Allow', Action: 'vpc:CreateVpc', Resource: '*', Condition: onlyManaged('RequestTag') },
        ],
      },
    },
  });
  try {
    const create = (tag?: $Vpc.CreateVpcRequestTag[]) =>
      vpcClient(emu).createVpc(new $Vpc.CreateVpcRequest({ regionId: REGION, tag }));
    assert.equal((await rejection(() => create())).code, 'Forbidden.RAM');
    await emulatorAdmin(emu).reset();
    assert.equal((await rejection(() => create())).code, 'Forbidden.RAM');
    await create(MANAGED);
  } finally {
    await emu.stop();
  }
});
