// `acp worker` sizes V8's heaps for a long-lived, mostly waiting process (worker/v8-heap.ts), unless
// the operator sized them: their own flags, in NODE_OPTIONS or on node's command line, win. Each case
// runs in a child process, since V8's flags are the whole process's.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { WORKER_V8_FLAGS } from '../../worker/v8-heap';

const root = join(__dirname, '..', '..');

/** The flags tuneHeapForWorker applied in a node started with `nodeArgs` and NODE_OPTIONS. */
function applied(nodeArgs: string[], nodeOptions?: string): string[] {
  const env = { ...process.env };
  delete env.NODE_OPTIONS;
  if (nodeOptions) env.NODE_OPTIONS = nodeOptions;
  const r = spawnSync(
    process.execPath,
    [
      ...nodeArgs,
      '--import',
      'tsx',
      '-e',
      "console.log(JSON.stringify(require('./worker/v8-heap.ts').tuneHeapForWorker()))",
    ],
    { cwd: root, env, encoding: 'utf8' },
  );
  assert.equal(r.status, 0, r.stderr);
  return JSON.parse(r.stdout.trim().split('\n').at(-1)!);
}

describe('acp worker, V8 heap sizes', () => {
  test('by default the worker trades a little collection work for memory', () => {
    assert.deepEqual(applied([]), [...WORKER_V8_FLAGS]);
  });

  test('an operator who sized the heaps in NODE_OPTIONS keeps their sizes', () => {
    assert.deepEqual(applied([], '--max-old-space-size=2048'), []);
    assert.deepEqual(applied([], '--max-semi-space-size=16'), []);
  });

  test("an operator who sized them on node's command line keeps their sizes", () => {
    assert.deepEqual(applied(['--max-semi-space-size=8']), []);
  });

  test('other node options do not count as sizing the heaps', () => {
    assert.deepEqual(applied([], '--enable-source-maps'), [...WORKER_V8_FLAGS]);
  });
});
