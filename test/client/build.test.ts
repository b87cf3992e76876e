// The precompiled CLI (scripts/build.ts, run by `npm install` through `prepare`) must bundle: when it
// cannot — a new dependency with a native addon, say — `prepare` only warns and every `acp` command
// quietly starts from the TypeScript sources, several times slower. This builds the CLI's two files
// into a scratch directory inside the repo (so node_modules resolves) and loads what it built.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { build } from 'esbuild';
import { parseIntent } from '../../planner';
import { asciiOnly } from '../../worker/ascii-only';

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
  // Held by every process as one byte per character only when all are ASCII (worker/ascii-only.ts).
  for (const file of ['acp.js', 'commands.js']) {
    const at = readFileSync(join(out, file)).findIndex((b) => b > 0x7f);
    assert.equal(at, -1, `${file} has a non-ASCII byte at ${at}`);
  }
});

test('the planner escaped to ASCII reads Chinese intents as the sources do (its regular expressions hold them)', async () => {
  mkdirSync(out, { recursive: true });
  const bundled = await build({
    entryPoints: [join(root, 'planner', 'index.ts')],
    bundle: true,
    platform: 'node',
    format: 'cjs',
    write: false,
    logLevel: 'error',
  });
  const code = bundled.outputFiles[0]!.text;
  assert.match(
    code,
    /[\u0080-\uffff]/,
    'esbuild escaped everything itself: this test no longer tests the pass',
  );
  const file = join(out, 'planner.js');
  writeFileSync(file, asciiOnly(code));
  const built = require(file) as typeof import('../../planner');
  for (const intent of [
    '8核16G 跑 a.sh',
    '半小时',
    '竞价 4核8G',
    '不需要 gpu 2核4G 在杭州区域',
    '８核１６Ｇ 2小时',
  ]) {
    assert.deepEqual(built.parseIntent({ intent }), parseIntent({ intent }), intent);
  }
});
