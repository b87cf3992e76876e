// Scripts by kind, end to end on every product (real Temporal, the emulator, the official SDKs): a
// Python file runs with python on ECS, FC, ACK and PAI-DLC (its own output says so), a #! line is
// honoured, and a binary is refused before anything is created — by the workflow (InvalidIntent)
// and by the CLI (exit 2), with zero calls in the emulator's call log.
import assert from 'node:assert/strict';
import { copyFileSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import type { Product } from '../../planner/types';
import { acp, emptyHome, scrubbedEnv } from '../client/spawn-acp';
import { expectNoDocument, runResult } from '../support/run-result';
import { type Stack, startStack } from '../support/stack';

let stack: Stack;

before(async () => {
  stack = await startStack('script-kinds');
});
after(async () => {
  await stack?.stop();
});

async function liveOf(workflowId: string): Promise<unknown[]> {
  const { resources } = await stack.admin('/__emulator/resources');
  return resources.filter((r: any) => r.tags?.['acp:workflow-id'] === workflowId || r.type === 'k8s-job');
}

/** Python only: bash would stop at `import` ("import: command not found"). */
const PYTHON_JOB = [
  'import platform',
  'import sys',
  '',
  'def main():',
  '    name = sys.argv[0].rsplit("/", 1)[-1]',
  '    print(f"python {platform.python_version()} ran {name}")',
  '',
  'main()',
  '',
].join('\n');

const CREATES =
  /^(RunInstances|CreateVpc|CreateVSwitch|CreateSecurityGroup|CreateFunction|CreateCluster|CreateJob|RunCommand)$/;

describe('a .py script runs with python on every product', () => {
  const products: Product[] = ['ecs', 'fc', 'ack', 'pai'];
  for (const product of products) {
    test(`${product}: train.py prints its python version`, async () => {
      const handle = await stack.startProvision({
        product,
        script: { content: PYTHON_JOB, name: 'train.py' },
        // FC: a one-minute run is invoked synchronously, whose answer carries the output (docs/fc.md).
        ...(product === 'fc' ? { durationMinutes: 1 } : {}),
        skipConfirmation: true,
      });
      const result = await runResult(handle);
      assert.equal(result.status, 'SUCCEEDED', `${result.message}\n${result.execution?.outputTail}`);
      assert.equal(result.execution?.exitCode, 0);
      assert.match(result.execution?.outputTail ?? '', /python 3\.\d+\.\d+ ran train\.py/);
      assert.doesNotMatch(result.execution?.outputTail ?? '', /command not found/);
      assert.deepEqual(result.leftBehind, []);
      assert.deepEqual(await liveOf(handle.workflowId), []);
    });
  }

  test('content without a file name that only Python can run is run by python too', async () => {
    const handle = await stack.startProvision({
      product: 'ecs',
      script: { content: PYTHON_JOB },
      skipConfirmation: true,
    });
    const result = await runResult(handle);
    assert.equal(result.status, 'SUCCEEDED', result.message);
    assert.match(result.execution?.outputTail ?? '', /python 3\.\d+\.\d+ ran script\.py/);
  });

  test('a Python script that exits 3 fails the run with code 3', async () => {
    const handle = await stack.startProvision({
      product: 'ecs',
      script: { content: 'import sys\nprint("failing on purpose")\nsys.exit(3)\n', name: 'fail.py' },
      skipConfirmation: true,
    });
    const result = await runResult(handle);
    assert.equal(result.status, 'FAILED');
    assert.equal(result.execution?.exitCode, 3);
    assert.match(result.execution?.outputTail ?? '', /failing on purpose/);
  });
});

describe('a #! line is honoured', () => {
  test('a file named `job` with #!/usr/bin/env python3 runs with python3', async () => {
    const handle = await stack.startProvision({
      product: 'ecs',
      script: {
        content: '#!/usr/bin/env python3\nimport sys\nprint("shebang ran", sys.argv[0].rsplit("/", 1)[-1])\n',
        name: 'job',
      },
      skipConfirmation: true,
    });
    const result = await runResult(handle);
    assert.equal(result.status, 'SUCCEEDED', `${result.message}\n${result.execution?.outputTail}`);
    assert.match(result.execution?.outputTail ?? '', /shebang ran job/);
  });

  test('on ACK too (the Job runs the file through its #! line)', async () => {
    const handle = await stack.startProvision({
      product: 'ack',
      script: { content: '#!/bin/sh\necho "sh says $0"\n', name: 'hello' },
      skipConfirmation: true,
    });
    const result = await runResult(handle);
    assert.equal(result.status, 'SUCCEEDED', `${result.message}\n${result.execution?.outputTail}`);
    assert.match(result.execution?.outputTail ?? '', /sh says .*\/hello/);
  });
});

describe('a binary is refused before anything is created', () => {
  test('the workflow fails InvalidIntent naming the script, and the cloud saw no call', async () => {
    await stack.admin('/__emulator/calls', { method: 'DELETE' });
    const handle = await stack.startProvision({
      product: 'ecs',
      script: { content: '\u007fELF\u0002\u0001\u0001\u0000\u0000\u0000\u0000', name: 'train' },
      skipConfirmation: true,
    });
    const failure = await expectNoDocument(handle);
    assert.equal(failure.code, 'InvalidIntent');
    assert.match(failure.message, /script: train is an ELF executable, not a script/);
    const { calls } = await stack.admin('/__emulator/calls');
    assert.deepEqual(calls, [], 'not even a quote was asked for');
  });

  test('acp run --script <ELF binary> exits 2 and the emulator sees zero calls', async () => {
    await stack.admin('/__emulator/calls', { method: 'DELETE' });
    const dir = mkdtempSync(join(tmpdir(), 'acp-binary-'));
    const elf = join(dir, 'train');
    copyFileSync('/bin/true', elf); // a real ELF executable
    const zip = join(dir, 'model.py');
    writeFileSync(zip, Buffer.from('504b0304140000000800', 'hex')); // a zip archive named .py
    const env = scrubbedEnv({
      HOME: emptyHome(),
      TEMPORAL_ADDRESS: stack.env.address,
      ACP_ALIBABA_ENDPOINT: stack.emulator.endpoint,
      ALIBABA_CLOUD_ACCESS_KEY_ID: stack.emulator.accessKeyId,
      ALIBABA_CLOUD_ACCESS_KEY_SECRET: stack.emulator.accessKeySecret,
    });
    const elfRun = await acp(['run', '--product', 'ecs', '--script', elf, '--yes'], env);
    assert.equal(elfRun.code, 2, `${elfRun.stdout}\n${elfRun.stderr}`);
    assert.match(elfRun.stderr, /train is an ELF executable, not a script/);
    const zipRun = await acp(['run', '--product', 'ecs', '--script', zip, '--yes'], env);
    assert.equal(zipRun.code, 2, `${zipRun.stdout}\n${zipRun.stderr}`);
    assert.match(zipRun.stderr, /model\.py is a zip archive/);
    const { calls } = await stack.admin('/__emulator/calls');
    assert.deepEqual(
      calls.filter((c: { action: string }) => CREATES.test(c.action)),
      [],
    );
    assert.deepEqual(calls, [], 'acp stopped before asking the cloud anything');
  });
});
