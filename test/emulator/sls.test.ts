// Simple Log Service and RAM roles through the official SDKs (@alicloud/sls20201230 with its own
// gateway and signature, @alicloud/ram20150501), built as acp builds them for ACP_ALIBABA_ENDPOINT;
// and Function Compute's logConfig: refused as FC refuses it, and the lines a function prints
// shipped to the Logstore.
import assert from 'node:assert/strict';
import { Readable } from 'node:stream';
import { after, before, beforeEach, describe, test } from 'node:test';
import * as $Fc from '@alicloud/fc20230330';
import * as $Ram from '@alicloud/ram20150501';
import * as $Sls from '@alicloud/sls20201230';
import { cloudConfigFromEnv, createClients, staticCredential } from '../../activities/clients';
import { fcClient } from '../support/emulator-clients';
import { rejection, type TestEmulator, testEmulator } from './fixtures';
import { makeZip } from './zip-fixture';

const REGION = 'cn-hangzhou';
const PROJECT = 'acp-logs-test-cn-hangzhou';
const STORE = 'function-output';

let emu: TestEmulator['emu'];
let admin: TestEmulator['admin'];
let fc: ReturnType<typeof fcClient>;
before(async () => {
  ({ emu, admin } = await testEmulator({ speed: 600 }));
  fc = fcClient(emu, { timeoutMs: 30_000 });
});
after(() => emu.stop());
beforeEach(() => admin.reset());

const clientsAs = (accessKeyId = emu.accessKeyId, secret = emu.accessKeySecret) =>
  createClients({
    ...cloudConfigFromEnv({ ACP_ALIBABA_ENDPOINT: emu.endpoint }, staticCredential(accessKeyId, secret)),
    timeoutMs: 10_000,
  });
const sls = () => clientsAs().sls(REGION);
const now = () => Math.floor(Date.now() / 1000);

async function logProject(withIndex = true): Promise<void> {
  await sls().createProject(new $Sls.CreateProjectRequest({ projectName: PROJECT, description: 'test' }));
  await sls().createLogStore(
    PROJECT,
    new $Sls.CreateLogStoreRequest({ logstoreName: STORE, ttl: 7, shardCount: 1 }),
  );
  if (withIndex) await index();
}

const index = () =>
  sls().createIndex(
    PROJECT,
    STORE,
    new $Sls.CreateIndexRequest({
      body: new $Sls.Index({ line: new $Sls.IndexLine({ caseSensitive: false, token: [' ', '\n'] }) }),
    }),
  );

const getLogs = (query: Partial<$Sls.GetLogsRequest> = {}) =>
  sls().getLogs(
    PROJECT,
    STORE,
    new $Sls.GetLogsRequest({ from: now() - 600, to: now() + 600, reverse: false, ...query }),
  );

describe('SLS: its own protocol', () => {
  test('a project lives in the host <project>.<region>.log.aliyuncs.com; its signature is verified', async () => {
    await logProject();
    const { body } = await sls().getProject(PROJECT);
    assert.equal(body?.projectName, PROJECT);
    assert.equal(body?.region, REGION);
    assert.equal(body?.status, 'Normal');
    const forged = await rejection(() =>
      clientsAs(emu.accessKeyId, 'not-the-secret').sls(REGION).getProject(PROJECT),
    );
    assert.equal(forged.code, 'SignatureNotMatch');
    assert.equal(forged.statusCode, 401);
    const stranger = await rejection(() => clientsAs('LTAI-nobody', 'x').sls(REGION).getProject(PROJECT));
    assert.equal(stranger.code, 'Unauthorized');
    assert.equal(stranger.statusCode, 401);
    const other = await rejection(() => clientsAs().sls('ap-southeast-1').getProject(PROJECT));
    assert.equal(other.code, 'ProjectNotExist', 'a project is in one region only');
  });

  test("errors carry SLS's codes and HTTP statuses", async () => {
    const missing = await rejection(() => sls().getProject(PROJECT));
    assert.deepEqual([missing.code, missing.statusCode], ['ProjectNotExist', 404]);
    await logProject(false);
    const twice = await rejection(() =>
      sls().createProject(new $Sls.CreateProjectRequest({ projectName: PROJECT, description: '' })),
    );
    assert.deepEqual([twice.code, twice.statusCode], ['ProjectAlreadyExist', 400]);
    const store = await rejection(() => sls().getLogStore(PROJECT, 'nope'));
    assert.deepEqual([store.code, store.statusCode], ['LogStoreNotExist', 404]);
    const noIndex = await rejection(() => getLogs());
    assert.deepEqual([noIndex.code, noIndex.statusCode], ['IndexConfigNotExist', 400]);
    await index();
    const again = await rejection(() => index());
    assert.deepEqual([again.code, again.statusCode], ['IndexAlreadyExist', 400]);
    const badName = await rejection(() =>
      sls().createProject(new $Sls.CreateProjectRequest({ projectName: 'Bad_Name', description: '' })),
    );
    assert.equal(badName.statusCode, 400);
  });

  test('GetLogs: only logs indexed on arrival, in [from, to), by topic, oldest or newest first, ≤ 100 a page', async () => {
    await logProject(false);
    const { shipFunctionLogs } = await import('../../emulator/sls');
    const ship = (topic: string, ...messages: string[]) =>
      shipFunctionLogs(
        emu.world,
        { regionId: REGION, project: PROJECT, logstore: STORE },
        messages.map((message) => ({ message, topic, fields: { functionName: topic } })),
      );
    ship('FCLogs:f', 'before the index');
    await index();
    ship('FCLogs:f', 'one', 'two');
    ship('FCLogs:g', 'other function');
    const oldest = await getLogs({ topic: 'FCLogs:f', query: '*' });
    assert.deepEqual(
      oldest.body?.map((l) => l.message),
      ['one', 'two'],
    );
    assert.equal(oldest.headers?.['x-log-progress'], 'Complete');
    assert.equal(oldest.body?.[0]?.__topic__, 'FCLogs:f');
    const newest = await getLogs({ topic: 'FCLogs:f', reverse: true, line: 1 });
    assert.deepEqual(
      newest.body?.map((l) => l.message),
      ['two'],
    );
    const term = await getLogs({ query: 'other and functionName: FCLogs:g' });
    assert.deepEqual(
      term.body?.map((l) => l.message),
      ['other function'],
    );
    const past = await getLogs({ from: now() - 600, to: now() - 300 });
    assert.deepEqual(past.body, [], 'to is exclusive of later logs');
    const tooMany = await rejection(() => getLogs({ line: 101 }));
    assert.deepEqual([tooMany.code, tooMany.statusCode], ['ParameterInvalid', 400]);
  });

  test('RAM: an action the policy does not allow on the project is 401 "denied by sts or ram"', async () => {
    await logProject();
    await admin.addKey({
      accessKeyId: 'LTAI-reader',
      accessKeySecret: 'reader-secret',
      policy: {
        Version: '1',
        Statement: [
          { Effect: 'Allow', Action: ['log:GetProject'], Resource: 'acs:log:*:*:project/acp-logs-*' },
        ],
      },
    });
    const reader = clientsAs('LTAI-reader', 'reader-secret').sls(REGION);
    assert.equal((await reader.getProject(PROJECT)).body?.projectName, PROJECT);
    const denied = await rejection(() =>
      reader.getLogs(PROJECT, STORE, new $Sls.GetLogsRequest({ from: now() - 60, to: now() + 60 })),
    );
    assert.equal(denied.code, 'Unauthorized');
    assert.equal(denied.statusCode, 401);
    assert.match(
      denied.message,
      /denied by sts or ram, action: log:GetLogStoreLogs, resource: acs:log:cn-hangzhou:\d+:project\/acp-logs-test-cn-hangzhou\/logstore\/function-output/,
    );
  });
});

describe('RAM roles', () => {
  test("the account has FC's service-linked role; a missing role is 404 EntityNotExist.Role", async () => {
    const ram = clientsAs().ram();
    const { body } = await ram.getRole(new $Ram.GetRoleRequest({ roleName: 'AliyunServiceRoleForFC' }));
    assert.match(body?.role?.arn ?? '', /^acs:ram::\d+:role\/aliyunserviceroleforfc$/);
    assert.match(body?.role?.assumeRolePolicyDocument ?? '', /fc\.aliyuncs\.com/);
    await admin.removeRole('AliyunServiceRoleForFC');
    const gone = await rejection(() =>
      ram.getRole(new $Ram.GetRoleRequest({ roleName: 'AliyunServiceRoleForFC' })),
    );
    assert.deepEqual([gone.code, gone.statusCode], ['EntityNotExist.Role', 404]);
  });
});

describe("Function Compute's logConfig", () => {
  const HANDLER = `
def handler(event, context):
    print('first line')
    print('second line', flush=True)
    return 'done'
`;
  const create = (name: string, extra: Record<string, unknown>) =>
    fc.createFunction(
      new $Fc.CreateFunctionRequest({
        body: new $Fc.CreateFunctionInput({
          functionName: name,
          runtime: 'python3.10',
          handler: 'index.handler',
          memorySize: 512,
          cpu: 0.5,
          timeout: 10,
          code: new $Fc.InputCodeLocation({ zipFile: makeZip({ 'index.py': HANDLER }).toString('base64') }),
          ...extra,
        }),
      }),
    );
  const logConfig = (project = PROJECT, logstore = STORE) =>
    new $Fc.LogConfig({ project, logstore, enableRequestMetrics: false, logBeginRule: 'None' });

  test('is refused without the project, the Logstore, or a role FC can write them with', async () => {
    const noProject = await rejection(() => create('f1', { logConfig: logConfig() }));
    assert.deepEqual([noProject.code, noProject.statusCode], ['InvalidArgument', 400]);
    assert.match(noProject.message, new RegExp(`project '${PROJECT}' does not exist`));
    await logProject();
    const noStore = await rejection(() => create('f1', { logConfig: logConfig(PROJECT, 'nope') }));
    assert.match(noStore.message, /logstore 'nope' does not exist/);
    const strangerRole = await rejection(() =>
      create('f1', { logConfig: logConfig(), role: `acs:ram::${emu.accountId}:role/NoSuchRole` }),
    );
    assert.match(strangerRole.message, /role '.*NoSuchRole' does not exist or cannot be assumed/);
    await admin.removeRole('AliyunServiceRoleForFC');
    const noRole = await rejection(() => create('f1', { logConfig: logConfig() }));
    assert.match(noRole.message, /Role is required for turning on logging.*AliyunServiceRoleForFC/);
    assert.deepEqual(
      (await admin.resources()).filter((r) => r.type === 'function'),
      [],
      'no function was created',
    );
    // A role of its own that trusts FC is enough.
    await admin.addRole('AcpFcLogs', ['fc.aliyuncs.com']);
    await create('f1', { logConfig: logConfig(), role: `acs:ram::${emu.accountId}:role/AcpFcLogs` });
  });

  test('ships what the function prints to the Logstore, line by line, with its topic and fields', async () => {
    await logProject();
    await create('f2', { logConfig: logConfig() });
    emu.world.advance(5_000);
    const r = await fc.invokeFunction(
      'f2',
      new $Fc.InvokeFunctionRequest({ body: Readable.from([Buffer.from('{}')]) }),
    );
    assert.equal(r.statusCode, 200);
    const { body } = await getLogs({ topic: 'FCLogs:f2' });
    assert.deepEqual(
      body?.map((l) => l.message),
      ['first line', 'second line'],
      "the function's lines, without the emulator's own trailer",
    );
    assert.equal(body?.[0]?.functionName, 'f2');
    assert.equal(body?.[0]?.qualifier, 'LATEST');
    assert.ok(body?.[0]?.instanceID);
  });
});
