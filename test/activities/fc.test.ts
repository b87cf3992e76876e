// The FC activities' pure parts: the code package a function ships, and how an invocation's answer
// becomes an exit code and output.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import JSZip from 'jszip';
import { asyncTaskIdFor, functionCode, functionNameFor, readInvocation } from '../../activities/fc';

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
