// How a script runs, decided once before anything is created: a Python file with python, a #! line
// with its interpreter, a shell script as itself; binaries and languages acp has no runner for are
// refused with a sentence that names the file. The shell text products run is executed here too.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { describe, it } from 'node:test';
import { checkScript, runnableScript, scriptKind } from '../../planner';

/** Runs the text a product would run, with sh (the lowest common shell of the products). */
function run(text: string): { code: number | null; out: string } {
  const r = spawnSync('sh', ['-c', text], { encoding: 'utf8' });
  return { code: r.status, out: `${r.stdout}${r.stderr}` };
}

const PY = 'import sys\nprint("ran by python", sys.version_info[0])\n';

describe('scriptKind', () => {
  it('a .py file is Python, whatever its first line', () => {
    assert.deepEqual(scriptKind('print(1)\n', 'train.py'), { ok: true, kind: 'python' });
    assert.deepEqual(scriptKind('x = 1\n', 'jobs/etl.py'), { ok: true, kind: 'python' });
  });
  it('content without a name is Python when its first code line only Python has', () => {
    assert.deepEqual(scriptKind(PY), { ok: true, kind: 'python' });
    assert.equal((scriptKind('# setup\nfrom x import y\ny()\n') as { kind: string }).kind, 'python');
    assert.equal((scriptKind('def main():\n    print(1)\nmain()\n') as { kind: string }).kind, 'python');
  });
  it('a shell script that carries Python in a heredoc stays a shell script', () => {
    const s = "pip install torch\ncat > t.py <<'EOF'\nimport torch\nEOF\npython3 t.py\n";
    assert.deepEqual(scriptKind(s), { ok: true, kind: 'shell' });
    assert.deepEqual(scriptKind('import torch\n', 'template:python-training'), { ok: true, kind: 'shell' });
  });
  it('a #! line wins over the extension and is kept with its argument', () => {
    assert.deepEqual(scriptKind('#!/usr/bin/env python3\nprint(1)\n', 'run.sh'), {
      ok: true,
      kind: 'shebang',
      interpreter: '/usr/bin/env',
      argument: 'python3',
    });
    assert.deepEqual(scriptKind('#!/bin/bash\necho hi\n'), {
      ok: true,
      kind: 'shebang',
      interpreter: '/bin/bash',
    });
  });
  it('.sh and plain commands are shell', () => {
    assert.deepEqual(scriptKind('import numpy\n', 'odd.sh'), { ok: true, kind: 'shell' });
    assert.deepEqual(scriptKind('echo hello\n', 'inline'), { ok: true, kind: 'shell' });
  });
  it('binaries are refused naming what they are', () => {
    const elf = '\u007fELF\u0002\u0001\u0001\u0000\u0000\u0000';
    const e = scriptKind(elf, 'a.out');
    assert.equal(e.ok, false);
    assert.match((e as { error: string }).error, /^a\.out is an ELF executable, not a script/);
    assert.match((scriptKind('PK\u0003\u0004\u0014\u0000', 'model.zip') as { error: string }).error, /zip/);
    assert.match((scriptKind('abc\u0000def') as { error: string }).error, /the script is a binary file/);
  });
  it('a non-UTF-8 text file (GBK comments read as UTF-8) is still a script', () => {
    assert.deepEqual(scriptKind('# \ufffd\ufffd\necho hi\n'), { ok: true, kind: 'shell' });
  });
  it('a language acp has no runner for needs a #! line', () => {
    const r = scriptKind('puts "hi"\n', 'hello.rb');
    assert.equal(r.ok, false);
    assert.match((r as { error: string }).error, /hello\.rb is Ruby.*#!\/usr\/bin\/env ruby/);
    assert.equal(scriptKind('#!/usr/bin/env ruby\nputs "hi"\n', 'hello.rb').ok, true);
  });
});

describe('checkScript refuses what cannot run, before anything is created', () => {
  it('an ELF file is an error naming the file', () => {
    const c = checkScript('\u007fELF\u0002\u0001\u0000\u0000junk', { name: 'train' });
    assert.equal(c.ok, false);
    assert.match(c.errors.join(), /train is an ELF executable/);
  });
  it('a Python file passes', () => assert.equal(checkScript(PY, { name: 'train.py' }).ok, true));
});

describe('runnableScript: the text every product runs', () => {
  it('a shell script is itself', () => {
    assert.equal(runnableScript({ content: 'echo hi\n', source: 'inline' }), 'echo hi\n');
  });
  it('a Python file runs with python3 under sh, and its exit code comes through', () => {
    const text = runnableScript({ content: `${PY}sys.exit(3)\n`, source: 'train.py' });
    assert.match(text, /^#!\/bin\/sh\n/);
    const r = run(text);
    assert.equal(r.code, 3);
    assert.match(r.out, /ran by python 3/);
  });
  it('a #! script runs with the interpreter it names', () => {
    const r = run(
      runnableScript({
        content: '#!/usr/bin/env python3\nimport sys\nprint("via", sys.argv[0])\n',
        source: 'job',
      }),
    );
    assert.equal(r.code, 0, r.out);
    assert.match(r.out, /via .*\/job/);
  });
  it('content with the heredoc delimiter and shell syntax reaches python unchanged', () => {
    const content = 'print("$HOME `id` \\\\n")\nx = """\nACP_SCRIPT_EOF\n"""\nprint(len(x))\n';
    const r = run(runnableScript({ content, source: 'tricky.py' }));
    assert.equal(r.code, 0, r.out);
    assert.equal(r.out, '$HOME `id` \\n\n16\n');
  });
  it('refuses a binary (callers check first)', () => {
    assert.throws(() => runnableScript({ content: '\u007fELF\u0000', source: 'a.out' }), /ELF/);
  });
});
