// The `acp` command as a person meets it: help, bad input, no credentials. Nothing here starts a
// server or calls a cloud: every case ends before that, which is what it tests.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { describe, test } from 'node:test';
import { acp, BIN, emptyHome, scrubbedEnv } from './spawn-acp';

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

  test('a bare acp prints the help and exits 0', async () => {
    const r = await acp([]);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /^Usage: acp /m);
    assert.match(r.stdout, /^ {2}run /m);
  });

  test('output cut off by the reader (`acp … | head`) ends quietly, no EPIPE', async () => {
    const child = spawn(process.execPath, [BIN, 'ram-policy'], {
      env: scrubbedEnv(),
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    child.stdout.destroy();
    let stderr = '';
    child.stderr.on('data', (d) => {
      stderr += d;
    });
    const code = await new Promise<number | null>((resolve) => child.on('close', resolve));
    assert.equal(code, 0, stderr);
    assert.doesNotMatch(stderr, /EPIPE|Error|at /);
  });

  test('an unknown currency in the text is refused, naming the text, not dropped', async () => {
    const r = await acp(['quote', '--simulate', '8 vCPU 16 GB for 3 hours under 50 rubles']);
    assert.equal(r.code, 2, r.stderr);
    assert.match(
      r.stderr,
      /budget currency \(from the request text\): "under 50 rubles": acp understands budgets in USD \(\$\) and CNY/,
    );
    assert.match(r.stderr, /change the budget currency in the request text/);
    assert.doesNotMatch(r.stderr, /--budget/, 'the budget came from the text, not a flag');
    assert.doesNotMatch(r.stderr, /started/, 'nothing started');
  });

  test('errors name the flag a person typed, not an internal field', async () => {
    const r = await acp(['quote', '--simulate', '--memory', '-4', '--inline', 'echo hi']);
    assert.equal(r.code, 2, r.stderr);
    assert.match(r.stderr, /acp: --memory: memory \(GiB\) must be greater than zero, got -4/);
    assert.doesNotMatch(r.stderr, /memoryGiB/);
  });

  test('acp worker without credentials points at `acp emulator`, not at a --simulate it does not have', async () => {
    const env = scrubbedEnv({ HOME: emptyHome() });
    const r = await acp(['worker'], env);
    assert.equal(r.code, 2, r.stderr);
    assert.match(r.stderr, /start `acp emulator` and export the ACP_ALIBABA_ENDPOINT/);
    assert.doesNotMatch(r.stderr, /add --simulate/);
    const help = await acp(['worker', '--help']);
    assert.match(help.stdout, /--verbose/);
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
