// The precompiled CLI (scripts/build.ts, run by `npm install` through `prepare`) must bundle: when it
// cannot — a new dependency with a native addon, say — `prepare` only warns and every `acp` command
// quietly starts from the TypeScript sources, several times slower. This builds the CLI's two files
// into a scratch directory inside the repo (so node_modules resolves) and loads what it built.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { after, test } from 'node:test';

const root = join(__dirname, '..', '..');
const out = join(root, `.build-test-${process.pid}`);
after(() => rmSync(out, { recursive: true, force: true }));

test('the precompiled CLI bundles every dependency, and what it built loads', () => {
  const build = spawnSync(
    process.execPath,
    ['--import', 'tsx', 'scripts/build.ts', '--cli-only', '--out', out],
    { cwd: root, encoding: 'utf8' },
  );
  assert.equal(build.status, 0, `the build failed:\n${build.stderr}`);
  assert.ok(existsSync(join(out, 'acp.js')) && existsSync(join(out, 'commands.js')));
  const load = spawnSync(process.execPath, ['-e', `require(${JSON.stringify(join(out, 'commands.js'))})`], {
    cwd: root,
    encoding: 'utf8',
  });
  assert.equal(load.status, 0, `dist/commands.js does not load:\n${load.stderr}`);
});
