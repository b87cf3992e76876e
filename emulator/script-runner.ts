// Runs a user's script for real (exec mode 'local') or pretends (mode 'none').
// 'local' runs `bash script.sh` in a fresh temp directory with a minimal environment (the
// emulator's own credentials never leak into scripts), in its own process group so a timeout can
// kill everything it started. The timeout here is in wall-clock seconds (World.runScript converts
// from the emulated clock).
import { spawn } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { ScriptRun } from './types';

/** Output kept per run; Cloud Assistant itself keeps 24 KB, products trim further. */
export const OUTPUT_CAP_BYTES = 256 * 1024;

export interface ScriptOptions {
  timeoutSeconds: number;
  env?: Record<string, string>;
  /** Aborting kills the run's process group (a stopped command, a released instance). */
  signal?: AbortSignal;
  /** Sees every piece of output as it arrives (kept or not). */
  onOutput?: (chunk: Buffer) => void;
}

export async function runLocalScript(
  script: string,
  opts: ScriptOptions,
): Promise<Omit<ScriptRun, 'durationMs'>> {
  const dir = await mkdtemp(join(tmpdir(), 'acp-emulator-run-'));
  try {
    const file = join(dir, 'script.sh');
    await writeFile(file, script, { mode: 0o700 });
    return await new Promise((resolve) => {
      const child = spawn('bash', [file], {
        cwd: dir,
        detached: true,
        stdio: ['ignore', 'pipe', 'pipe'],
        env: {
          PATH: process.env.PATH ?? '/usr/local/bin:/usr/bin:/bin',
          HOME: dir,
          LANG: 'C.UTF-8',
          TMPDIR: dir,
          ...opts.env,
        },
      });
      const chunks: Buffer[] = [];
      let kept = 0;
      let dropped = 0;
      const collect = (b: Buffer) => {
        opts.onOutput?.(b);
        const room = OUTPUT_CAP_BYTES - kept;
        if (room > 0) {
          const part = b.subarray(0, room);
          chunks.push(part);
          kept += part.length;
        }
        dropped += Math.max(0, b.length - Math.max(room, 0));
      };
      child.stdout.on('data', collect);
      child.stderr.on('data', collect);
      let timedOut = false;
      const timer = setTimeout(() => {
        timedOut = true;
        killGroup(child.pid);
      }, Math.max(0.05, opts.timeoutSeconds) * 1000);
      const stop = () => killGroup(child.pid);
      opts.signal?.addEventListener('abort', stop, { once: true });
      if (opts.signal?.aborted) stop();
      let done = false;
      const finish = (exitCode: number) => {
        if (done) return;
        done = true;
        clearTimeout(timer);
        opts.signal?.removeEventListener('abort', stop);
        resolve({
          exitCode: timedOut ? 124 : exitCode,
          output: Buffer.concat(chunks).toString('utf8'),
          timedOut,
          droppedBytes: dropped,
        });
      };
      child.on('error', (err) => {
        chunks.push(Buffer.from(`bash: ${err.message}\n`));
        finish(127);
      });
      // 'exit', not 'close': a script that backgrounds a service keeps the pipes open forever.
      // Let the pipes drain briefly, then kill whatever it left behind in its process group.
      child.on('exit', (code, signal) => {
        setTimeout(() => {
          killGroup(child.pid);
          finish(code ?? (signal ? 128 + 9 : 1));
        }, 50);
      });
    });
  } finally {
    await rm(dir, { recursive: true, force: true }).catch(() => {});
  }
}

function killGroup(pid: number | undefined) {
  if (!pid) return;
  try {
    process.kill(-pid, 'SIGKILL');
  } catch {
    // already gone
  }
}
