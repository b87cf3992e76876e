// Figure 5: wall time of `acp run --simulate … --yes` as a fresh process, with the Temporal server
// already running (TEMPORAL_ADDRESS). It brings up its own emulator and worker, so this is the cold
// path a person sees; it is compared with one warm saga on a running worker (figure 3's probe).
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';

export interface ColdPathResult {
  measured: boolean;
  command: string;
  wallMs?: number;
  exitCode?: number | null;
  reason?: string;
  outputTail?: string;
}

export async function coldPath(address: string): Promise<ColdPathResult> {
  const root = join(__dirname, '..');
  const args = ['bin/acp.js', 'run', '--simulate', '--inline', 'echo hello-from-bench', '--yes'];
  const command = `acp ${args.slice(1).join(' ')}`;
  if (!existsSync(join(root, 'client/cli.ts')))
    return { measured: false, command, reason: 'client/cli.ts does not exist yet' };
  const t = performance.now();
  const child = spawn(process.execPath, args, {
    cwd: root,
    env: { ...process.env, TEMPORAL_ADDRESS: address },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  child.stdout.on('data', (d) => {
    out += d;
  });
  child.stderr.on('data', (d) => {
    out += d;
  });
  const exitCode = await new Promise<number | null>((resolve) => {
    const timer = setTimeout(() => child.kill('SIGKILL'), 180_000);
    child.on('exit', (code) => {
      clearTimeout(timer);
      resolve(code);
    });
  });
  const wallMs = performance.now() - t;
  const outputTail = out.trim().split('\n').slice(-6).join('\n');
  if (exitCode !== 0)
    return { measured: false, command, exitCode, reason: `exited with code ${exitCode}`, outputTail };
  return { measured: true, command, wallMs, exitCode, outputTail };
}
