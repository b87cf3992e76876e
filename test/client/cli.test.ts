// The `acp` command as a person meets it: help, bad input, no credentials. Nothing here starts a
// server or calls a cloud: every case ends before that, which is what it tests.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { acp, emptyHome, scrubbedEnv } from './spawn-acp';

const COMMANDS = [
  'run',
  'quote',
  'confirm',
  'reject',
  'status',
  'list',
  'logs',
  'teardown',
  'retry',
  'worker',
  'emulator',
  'gc',
  'ram-policy',
  'slack',
  'codec-server',
];

describe('acp', () => {
  test('--help exits 0, lists every command and the exit codes', async () => {
    const r = await acp(['--help']);
    assert.equal(r.code, 0, r.stderr);
    for (const c of COMMANDS) assert.match(r.stdout, new RegExp(`^ {2}${c} `, 'm'), `${c} is listed`);
    assert.match(r.stdout, /Exit codes: 0 done · 2 bad input/);
  });

  test('run --help lists the request flags', async () => {
    const r = await acp(['run', '--help']);
    assert.equal(r.code, 0, r.stderr);
    for (const flag of [
      '--script',
      '--inline',
      '--product',
      '--region',
      '--cpu',
      '--memory',
      '--gpu',
      '--duration',
      '--budget',
      '--service',
      '--port',
      '--ssh-cidr',
      '--ttl',
      '--confirm-timeout',
      '--yes',
      '--json',
      '--simulate',
      '--workflow-id',
    ]) {
      assert.ok(r.stdout.includes(flag), `${flag} is documented`);
    }
  });

  test('a negative --cpu is refused with exit 2, naming cpu, before anything starts', async () => {
    const r = await acp(['run', '--simulate', '--cpu', '-2', '--inline', 'echo hi', '--yes']);
    assert.equal(r.code, 2, r.stderr);
    assert.match(r.stderr, /cpu/);
    assert.match(r.stderr, /--cpu/);
    assert.doesNotMatch(r.stderr, /run acp-\w+ started|Temporal dev server/, 'no run was started');
  });

  test('a --script that does not exist is refused with exit 2, naming --script', async () => {
    const r = await acp(['run', '--simulate', '--script', '/does/not/exist', '--yes']);
    assert.equal(r.code, 2, r.stderr);
    assert.match(r.stderr, /--script: \/does\/not\/exist does not exist/);
  });

  test('with --json, bad input is one JSON document on stdout', async () => {
    const r = await acp(['quote', '--simulate', '--budget', 'lots', '--inline', 'echo hi', '--json']);
    assert.equal(r.code, 2);
    const doc = JSON.parse(r.stdout);
    assert.equal(doc.exitCode, 2);
    assert.match(doc.error, /--budget/);
  });

  test('an unknown flag is bad input (exit 2)', async () => {
    const r = await acp(['run', '--bogus']);
    assert.equal(r.code, 2);
    assert.match(r.stderr, /unknown option '--bogus'/);
  });

  test('without credentials it stops, explains the chain and --simulate, and exits 2', async () => {
    const env = scrubbedEnv({ HOME: emptyHome() });
    delete env.TEMPORAL_ADDRESS;
    const r = await acp(['run', '--inline', 'echo hi', '--yes'], env);
    assert.equal(r.code, 2, r.stderr);
    for (const link of [
      /ALIBABA_CLOUD_ACCESS_KEY_ID/,
      /~\/\.alibabacloud\/credentials/,
      /aliyun configure/,
      /ECS RAM role/,
      /OIDC/,
      /--simulate/,
    ]) {
      assert.match(r.stderr, link);
    }
    assert.doesNotMatch(
      r.stderr,
      /run acp-\w+ started|Temporal dev server|no worker polls/,
      'no server, worker or run was started',
    );
  });
});
