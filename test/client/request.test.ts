// `acp run` flags → the workflow input, refused here (exit 2, naming the field) before anything starts.
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import {
  CliError,
  EXIT,
  exitCodeForFailure,
  exitCodeForQuote,
  exitCodeForRun,
} from '../../client/exit-codes';
import { parseBudgetFlag, parseDurationFlag, parseGpuFlag, prepareRequest } from '../../client/request';

function refused(fn: () => unknown, pattern: RegExp): void {
  assert.throws(fn, (err: unknown) => {
    assert.ok(err instanceof CliError, String(err));
    assert.equal(err.exitCode, EXIT.badInput);
    assert.match(`${err.message} ${err.next ?? ''}`, pattern);
    return true;
  });
}

describe('flags → ProvisionRequest', () => {
  test('budgets in the ways people write them', () => {
    assert.deepEqual(parseBudgetFlag('50 USD'), { amount: 50, currency: 'USD' });
    assert.deepEqual(parseBudgetFlag('$50'), { amount: 50, currency: 'USD' });
    assert.deepEqual(parseBudgetFlag('300 CNY'), { amount: 300, currency: 'CNY' });
    assert.deepEqual(parseBudgetFlag('¥300'), { amount: 300, currency: 'CNY' });
    assert.deepEqual(parseBudgetFlag('300元'), { amount: 300, currency: 'CNY' });
    const notes: string[] = [];
    assert.deepEqual(parseBudgetFlag('300', notes), { amount: 300, currency: 'CNY' });
    assert.match(notes[0]!, /no currency; reading it as CNY/);
  });

  test('GPUs and durations', () => {
    assert.deepEqual(parseGpuFlag('A10'), { model: 'A10', count: 1 });
    assert.deepEqual(parseGpuFlag('A100:2'), { model: 'A100', count: 2 });
    assert.equal(parseDurationFlag('90'), 90);
    assert.equal(parseDurationFlag('2h'), 120);
    assert.equal(parseDurationFlag('1h30m'), 90);
  });

  test('a full request carries every flag and reads the script file here', () => {
    const dir = mkdtempSync(join(tmpdir(), 'acp-request-'));
    const path = join(dir, 'job.sh');
    writeFileSync(path, 'echo from-a-file\n');
    const { request, intent, script } = prepareRequest('run my job', {
      script: path,
      product: 'ECS',
      region: 'cn-shanghai',
      cpu: '4',
      memory: '8GiB',
      duration: '2h',
      budget: '$5',
      port: ['80', '443'],
      sshCidr: '10.0.0.0/8',
      confirmTimeout: '5m',
      yes: true,
    });
    assert.deepEqual(request, {
      intent: 'run my job',
      script: { content: 'echo from-a-file\n', name: 'job.sh' }, // the name decides how it runs
      product: 'ecs',
      region: 'cn-shanghai',
      cpu: 4,
      memoryGiB: 8,
      durationMinutes: 120,
      budget: { amount: 5, currency: 'USD' },
      ports: [80, 443],
      sshCidr: '10.0.0.0/8',
      confirmTimeout: '5m',
      skipConfirmation: true,
    });
    assert.equal(intent.cpu, 4);
    assert.equal(script?.source, path);
  });

  test('bad input names the field and the flag to change', () => {
    refused(() => prepareRequest('', { inline: 'echo hi', cpu: '-2' }), /cpu.*--cpu/);
    refused(() => prepareRequest('', { inline: 'echo hi', cpu: 'many' }), /--cpu/);
    refused(() => prepareRequest('', { inline: 'echo hi', budget: 'lots' }), /--budget/);
    refused(() => prepareRequest('', { inline: 'echo hi', gpu: 'Z99' }), /gpu.*--gpu/);
    refused(() => prepareRequest('', { inline: 'echo hi', port: ['99999'] }), /--port/);
    // The flag the person typed, never the internal field (confirmTimeout).
    refused(
      () => prepareRequest('', { inline: 'echo hi', confirmTimeout: '30' }),
      /^--confirm-timeout: '30' has no unit/,
    );
    assert.throws(
      () => prepareRequest('', { inline: 'echo hi', confirmTimeout: '30' }),
      (err: Error) => !/confirmTimeout/.test(err.message),
    );
    refused(
      () => prepareRequest('', { script: '/does/not/exist' }),
      /--script: \/does\/not\/exist does not exist/,
    );
    refused(() => prepareRequest('', { inline: '# only a comment' }), /script.*nothing to run/);
    refused(() => prepareRequest('', { inline: 'echo a', script: '/x' }), /--script and --inline/);
  });
});

describe('exit codes', () => {
  test('each ending maps to its code', () => {
    assert.equal(exitCodeForRun({ status: 'SUCCEEDED' }), 0);
    assert.equal(exitCodeForRun({ status: 'REJECTED' }), 3);
    assert.equal(exitCodeForRun({ status: 'EXPIRED' }), 3);
    assert.equal(exitCodeForRun({ status: 'OVER_BUDGET' }), 3);
    assert.equal(
      exitCodeForRun({ status: 'FAILED', error: { code: 'OperationDenied.NoStock', message: '' } }),
      4,
    );
    assert.equal(exitCodeForRun({ status: 'FAILED', error: { code: 'ScriptFailed', message: '' } }), 5);
    assert.equal(exitCodeForQuote({ status: 'SUCCEEDED', recommended: 0 }), 0);
    assert.equal(exitCodeForQuote({ status: 'OVER_BUDGET' }), 3);
    assert.equal(exitCodeForFailure('InvalidIntent', false), 2);
    assert.equal(exitCodeForFailure(undefined, true), 3);
    assert.equal(exitCodeForFailure('Unexpected', false), 4);
  });
});
