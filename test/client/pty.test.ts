// `acp run` in a real terminal (issue 4's Done-when): tmux gives the CLI a pseudo-terminal, so it takes
// the TTY path — the comparison table, the `Proceed with option 1 (…)? [y/N/number]` prompt answered
// with a keystroke, live progress, the script's output and the receipt. The whole pane is kept as
// test-artifacts/pty-transcript.txt.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { describe, test } from 'node:test';
import { BIN, emptyHome, scrubbedEnv } from './spawn-acp';

const ARTIFACTS = resolve(__dirname, '../../test-artifacts');
const hasTmux = spawnSync('tmux', ['-V']).status === 0;

/** One tmux server of our own (its own socket), so nothing else's sessions are touched. */
class Terminal {
  readonly socket = `acp-test-${process.pid}`;
  readonly session = 'acp';

  constructor(private readonly env: NodeJS.ProcessEnv) {}

  tmux(...args: string[]): string {
    const r = spawnSync('tmux', ['-L', this.socket, ...args], { env: this.env, encoding: 'utf8' });
    if (r.status !== 0) throw new Error(`tmux ${args.join(' ')}: ${r.stderr}`);
    return r.stdout;
  }

  /** Starts `script` in a 200×50 pane; the server inherits `env`, and so does the command. */
  start(script: string): void {
    this.tmux('new-session', '-d', '-s', this.session, '-x', '200', '-y', '50', `sh ${script}`);
    this.socketPath = this.tmux('display-message', '-p', '#{socket_path}').trim();
  }

  private socketPath = '';

  /** The pane from the top of its history, wrapped lines joined. */
  transcript(): string {
    return this.tmux('capture-pane', '-p', '-J', '-S', '-', '-t', this.session);
  }

  async waitFor(re: RegExp, timeoutMs: number): Promise<RegExpExecArray> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const m = re.exec(this.transcript());
      if (m) return m;
      if (Date.now() > deadline) throw new Error(`the terminal never showed ${re}:\n${this.transcript()}`);
      await new Promise((r) => setTimeout(r, 250));
    }
  }

  sendKeys(...keys: string[]): void {
    this.tmux('send-keys', '-t', this.session, ...keys);
  }

  close(): void {
    try {
      this.tmux('kill-session', '-t', this.session);
    } catch {
      // already gone
    }
    // The server exits with its last session but leaves its socket file behind.
    if (this.socketPath) rmSync(this.socketPath, { force: true });
  }
}

describe('acp run in a terminal', () => {
  test('shows the table, asks, takes "y", streams progress and output, ends with the receipt', {
    skip: !hasTmux && 'tmux is not installed (apt-get install -y tmux)',
    timeout: 240_000,
  }, async () => {
    const dir = mkdtempSync(join(tmpdir(), 'acp-pty-'));
    const script = join(dir, 'run.sh');
    // No --yes: on a TTY acp asks. The exit code is printed after, and the pane kept open to read it.
    writeFileSync(
      script,
      [
        `'${process.execPath}' '${BIN}' run --simulate --product ecs --inline 'echo hello-pty'`,
        'echo "acp exited with $?"',
        'exec sleep 600',
        '',
      ].join('\n'),
    );
    const term = new Terminal(
      scrubbedEnv({
        HOME: emptyHome(),
        // The shared test server (scripts/test.mjs sets it); acp would otherwise start its own.
        ...(process.env.TEMPORAL_ADDRESS ? { TEMPORAL_ADDRESS: process.env.TEMPORAL_ADDRESS } : {}),
      }),
    );
    let transcript = '';
    try {
      term.start(script);
      const prompt = await term.waitFor(/Proceed with option 1 \(.*\)\? \[y\/N\/number\] *$/m, 120_000);
      assert.match(prompt[0], /ecs, ≈ CNY [\d.]+/);
      term.sendKeys('y', 'Enter');
      const exited = await term.waitFor(/^acp exited with (\d+)$/m, 150_000);
      transcript = term.transcript();
      assert.equal(exited[1], '0', transcript);
    } finally {
      transcript ||= (() => {
        try {
          return term.transcript();
        } catch {
          return '';
        }
      })();
      term.close();
      mkdirSync(ARTIFACTS, { recursive: true });
      writeFileSync(join(ARTIFACTS, 'pty-transcript.txt'), `${transcript.trimEnd()}\n`);
    }

    const lines = transcript.split('\n').filter((l) => l.trim() && !/^acp exited with/.test(l));
    const at = (re: RegExp) => {
      const i = lines.findIndex((l) => re.test(l));
      assert.ok(i >= 0, `the transcript shows ${re}\n${transcript}`);
      return i;
    };
    const header = at(/# +product +region +zone +spec +CNY\/h +est\. total +ready in/);
    const recommended = at(/^\[SIMULATED\] +1 +ecs .*← recommended$/);
    const asked = at(/Proceed with option 1 \(ecs, ≈ CNY [\d.]+\)\? \[y\/N\/number\] y$/);
    const confirmed = at(/✔ confirmed +option 1 by /);
    const created = at(/✔ created +ECS instance i-/);
    const running = at(/✔ running +the script on /);
    const output = at(/│ hello-pty$/);
    const finished = at(/✔ finished +exit 0/);
    const released = at(/✔ released +ECS instance/);
    const receipt = at(/receipt +estimated CNY [\d.]+ · accrued CNY [\d.]+ · left behind: nothing$/);
    const order = [
      header,
      recommended,
      asked,
      confirmed,
      created,
      running,
      output,
      finished,
      released,
      receipt,
    ];
    assert.deepEqual(
      [...order].sort((a, b) => a - b),
      order,
      `in the order a person sees them\n${transcript}`,
    );
    assert.ok(
      lines.every((l) => l.startsWith('[SIMULATED]')),
      `every line is marked SIMULATED\n${transcript}`,
    );
    assert.match(transcript, /\[SIMULATED\] acp: no Alibaba Cloud account is used/);
  });

  for (const when of ['at the prompt', 'while the script runs'] as const) {
    test(`Ctrl-C ${when} of a simulated run cancels it, releases, and prints the receipt`, {
      skip: !hasTmux && 'tmux is not installed (apt-get install -y tmux)',
      timeout: 240_000,
    }, async () => {
      const dir = mkdtempSync(join(tmpdir(), 'acp-pty-'));
      const script = join(dir, 'run.sh');
      const inline = when === 'at the prompt' ? 'echo never-runs' : 'echo started-sleeping; sleep 120';
      writeFileSync(
        script,
        [
          // Ctrl-C reaches the whole foreground group: the shell itself must live on to print the code.
          "trap ':' INT",
          `'${process.execPath}' '${BIN}' run --simulate --product ecs --inline '${inline}'${when === 'at the prompt' ? '' : ' --yes'}`,
          'echo "acp exited with $?"',
          'exec sleep 600',
          '',
        ].join('\n'),
      );
      const term = new Terminal(
        scrubbedEnv({
          HOME: emptyHome(),
          ...(process.env.TEMPORAL_ADDRESS ? { TEMPORAL_ADDRESS: process.env.TEMPORAL_ADDRESS } : {}),
        }),
      );
      let transcript = '';
      try {
        term.start(script);
        await term.waitFor(
          when === 'at the prompt' ? /\[y\/N\/number\] *$/m : /│ started-sleeping$/m,
          150_000,
        );
        term.sendKeys('C-c');
        const exited = await term.waitFor(/^acp exited with (\d+)$/m, 150_000);
        transcript = term.transcript();
        assert.equal(exited[1], '3', `cancelled runs exit 3\n${transcript}`);
      } finally {
        transcript ||= (() => {
          try {
            return term.transcript();
          } catch {
            return '';
          }
        })();
        term.close();
        mkdirSync(ARTIFACTS, { recursive: true });
        writeFileSync(
          join(ARTIFACTS, `pty-ctrl-c-${when.replace(/ /g, '-')}.txt`),
          `${transcript.trimEnd()}\n`,
        );
      }
      assert.match(
        transcript,
        /the simulated cloud lives in this process, so the run cannot outlive it: cancelling it/,
      );
      assert.doesNotMatch(
        transcript,
        /start `acp worker`/,
        'no advice to start a worker for a simulated run',
      );
      if (when === 'at the prompt') {
        assert.match(transcript, /✘ cancelled +cancelled; nothing was created/);
      } else {
        assert.match(transcript, /✘ cancelled +cancelled; everything it created was released/);
        assert.match(transcript, /✔ released +ECS instance i-/);
      }
      assert.match(transcript, /receipt +estimated CNY [\d.]+ · accrued CNY [\d.]+ · left behind: nothing/);
    });
  }
});
