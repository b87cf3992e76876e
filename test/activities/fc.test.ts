// The FC activities' pure parts: the code package a function ships, and how an invocation's answer
// (or an async task's status) becomes an exit code and output; and the account-id path of the FC
// endpoint, through the real STS and FC SDKs against the emulator.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import * as $Fc from '@alicloud/fc20230330';
import JSZip from 'jszip';
import { cloudConfigFromEnv, createClients, staticCredential } from '../../activities/clients';
import {
  asyncTaskIdFor,
  functionCode,
  functionNameFor,
  readAsyncTask,
  readInvocation,
} from '../../activities/fc';
import { logProjectFor, readRunOutput } from '../../activities/fc-logs';
import { startEmulator } from '../../emulator';

describe('FC code package', () => {
  test('holds an executable bootstrap, the server and the script', async () => {
    const zip = await JSZip.loadAsync(await functionCode('echo hi\n'));
    assert.deepEqual(Object.keys(zip.files).sort(), ['bootstrap', 'script.sh', 'server.py']);
    assert.equal((zip.files.bootstrap.unixPermissions as number) & 0o777, 0o755);
    assert.equal(await zip.files['script.sh'].async('string'), 'echo hi\n');
    assert.match(await zip.files.bootstrap.async('string'), /exec python3 .*server\.py/);
  });
});

describe('FC names', () => {
  test('are stable per workflow and valid for FC', () => {
    const name = functionNameFor('acp-7f3k2/with:odd chars');
    assert.equal(name, functionNameFor('acp-7f3k2/with:odd chars'));
    assert.notEqual(name, functionNameFor('acp-other'));
    assert.match(name, /^[A-Za-z_][A-Za-z0-9_-]{0,63}$/);
    assert.match(asyncTaskIdFor('wf', name), /^[A-Za-z_][A-Za-z0-9_-]{0,127}$/);
  });
});

describe('reading an invocation', () => {
  test("the server's answer carries the script's exit code and output", () => {
    assert.deepEqual(readInvocation('{"exitCode":3,"output":"boom\\n"}', undefined), {
      exitCode: 3,
      output: 'boom\n',
    });
    assert.deepEqual(readInvocation('{"exitCode":0,"output":"ok"}', undefined), {
      exitCode: 0,
      output: 'ok',
    });
  });

  test('a platform error (x-fc-error-type) is a failed run with the message and the log tail', () => {
    const r = readInvocation(
      '{"errorMessage":"Function timed out after 60 seconds"}',
      'UnhandledInvocationError',
      'started\n',
    );
    assert.equal(r.exitCode, 1);
    assert.equal(r.errorType, 'UnhandledInvocationError');
    assert.equal(r.output, 'started\nFC UnhandledInvocationError: Function timed out after 60 seconds');
  });
});

describe('reading a finished async task from its status alone', () => {
  test('Succeeded is exit 0; Failed, Expired, Invalid are never exit 0 and say why', () => {
    assert.deepEqual(readAsyncTask('Succeeded', undefined), { exitCode: 0, output: '' });
    const failed = readAsyncTask('Failed', 'UnhandledInvocationError');
    assert.equal(failed.exitCode, 1);
    assert.equal(failed.errorType, 'UnhandledInvocationError');
    assert.match(failed.output, /Failed \(UnhandledInvocationError\)/);
    const expired = readAsyncTask('Expired', undefined);
    assert.notEqual(expired.exitCode, 0);
    assert.match(expired.output, /dropped the invocation unrun/);
  });
});

describe("reading a run's log lines", () => {
  test('the exit line of this request gives the exact code and is not output', () => {
    const lines = ['about-to-fail', 'acp-exit-code=3 request-id=req-1'];
    assert.deepEqual(readRunOutput(lines, 'req-1'), { output: 'about-to-fail\n', exitCode: 3 });
  });

  test("another request's exit line (a script printing one, an earlier run) does not end this run", () => {
    const lines = ['acp-exit-code=0 request-id=forged', 'still running'];
    assert.deepEqual(readRunOutput(lines, 'req-2'), { output: 'still running\n' });
  });

  test('a long run keeps its tail', () => {
    const lines = Array.from({ length: 2000 }, (_, i) => `line ${i} ${'x'.repeat(20)}`);
    const out = readRunOutput([...lines, 'acp-exit-code=0 request-id=r'], 'r');
    assert.equal(out.exitCode, 0);
    assert.ok(out.output.length <= 16_000);
    assert.match(out.output, /line 1999 x+\n$/);
  });
});

describe('the shared log project', () => {
  test('one per account and region, a valid SLS project name', () => {
    const name = logProjectFor('1234567890123456', 'ap-southeast-1');
    assert.equal(name, 'acp-logs-1234567890123456-ap-southeast-1');
    assert.match(name, /^[a-z0-9][a-z0-9-]{1,61}[a-z0-9]$/);
  });
});

describe('the FC endpoint names the account', () => {
  let emu: Awaited<ReturnType<typeof startEmulator>>;
  before(async () => {
    emu = await startEmulator({ port: 0, exec: 'none', speed: 600 });
  });
  after(() => emu.stop());

  const clientsWith = (env: Record<string, string>) =>
    createClients({
      ...cloudConfigFromEnv(
        { ACP_ALIBABA_ENDPOINT: emu.endpoint, ...env },
        staticCredential(emu.accessKeyId, emu.accessKeySecret),
      ),
      timeoutMs: 10_000,
    });
  const stsCalls = () => emu.world.calls.filter((c) => c.action === 'GetCallerIdentity').length;
  const list = async (clients: ReturnType<typeof clientsWith>, regionId: string) =>
    (await clients.fc(regionId)).listFunctions(new $Fc.ListFunctionsRequest({}));

  test('from ALIBABA_CLOUD_ACCOUNT_ID, without asking STS', async () => {
    const before = stsCalls();
    const clients = clientsWith({ ALIBABA_CLOUD_ACCOUNT_ID: emu.accountId });
    assert.equal((await list(clients, 'ap-southeast-1')).statusCode, 200);
    assert.equal(stsCalls(), before);
    const listed = emu.world.calls.filter((c) => c.action === 'ListFunctions').at(-1);
    assert.equal(listed?.regionId, 'ap-southeast-1');
  });

  test('else from STS GetCallerIdentity, asked once for every region', async () => {
    const before = stsCalls();
    const clients = clientsWith({});
    await list(clients, 'cn-hangzhou');
    await list(clients, 'ap-southeast-1');
    assert.equal(stsCalls(), before + 1);
    assert.deepEqual(
      emu.world.calls
        .filter((c) => c.action === 'ListFunctions')
        .slice(-2)
        .map((c) => c.regionId),
      ['cn-hangzhou', 'ap-southeast-1'],
    );
  });

  test('another account id is refused by FC (403), not silently served', async () => {
    const clients = clientsWith({ ALIBABA_CLOUD_ACCOUNT_ID: '1111111111111111' });
    await assert.rejects(list(clients, 'cn-hangzhou'), (err: any) => err.statusCode === 403);
  });
});
