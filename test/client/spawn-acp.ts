// Runs the real `acp` (bin/acp.js) as a user would, with an environment that can never reach a real
// cloud: no Alibaba keys, no instance metadata, no CLI profile, an empty HOME unless given.
import { type ChildProcessWithoutNullStreams, spawn } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';

export const BIN = resolve(__dirname, '../../bin/acp.js');

export interface AcpResult {
  code: number | null;
  stdout: string;
  stderr: string;
  ms: number;
}

export function scrubbedEnv(extra: NodeJS.ProcessEnv = {}): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [k, v] of Object.entries(process.env)) {
    if (k.startsWith('ALIBABA_') || k === 'ACP_ALIBABA_ENDPOINT') continue;
    env[k] = v;
  }
  return {
    ...env,
    ALIBABA_CLOUD_ECS_METADATA_DISABLED: 'true',
    ALIBABA_CLOUD_CLI_PROFILE_DISABLED: 'true',
    ...extra,
  };
}

export function emptyHome(): string {
  return mkdtempSync(join(tmpdir(), 'acp-home-'));
}

export function acp(
  args: string[],
  env: NodeJS.ProcessEnv = scrubbedEnv(),
  timeoutMs = 170_000,
): Promise<AcpResult> {
  const started = Date.now();
  return new Promise((resolvePromise, reject) => {
    const child = spawn(process.execPath, [BIN, ...args], { env, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => {
      stdout += d;
    });
    child.stderr.on('data', (d) => {
      stderr += d;
    });
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`acp ${args.join(' ')} did not finish in ${timeoutMs} ms\n${stdout}\n${stderr}`));
    }, timeoutMs);
    child.on('error', reject);
    child.on('close', (code) => {
      clearTimeout(timer);
      resolvePromise({ code, stdout, stderr, ms: Date.now() - started });
    });
  });
}

/** A long-running `acp` (emulator, slack, codec-server) with --json: resolves with its first JSON document. */
export function serve(
  args: string[],
  env: NodeJS.ProcessEnv,
): Promise<{ child: ChildProcessWithoutNullStreams; doc: any; stop(): Promise<number | null> }> {
  const child = spawn(process.execPath, [BIN, ...args], { env });
  let stdout = '';
  let stderr = '';
  const closed = new Promise<number | null>((resolve) => child.on('close', resolve));
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`acp ${args.join(' ')} printed no document\n${stdout}\n${stderr}`));
    }, 60_000);
    child.stderr.on('data', (d) => {
      stderr += d;
    });
    child.stdout.on('data', (d) => {
      stdout += d;
      try {
        const doc = JSON.parse(stdout);
        clearTimeout(timer);
        resolve({
          child,
          doc,
          stop: () => {
            child.kill('SIGINT');
            return closed;
          },
        });
      } catch {
        // not complete yet
      }
    });
    closed.then((code) => {
      clearTimeout(timer);
      reject(new Error(`acp ${args.join(' ')} exited ${code} before serving\n${stdout}\n${stderr}`));
    });
  });
}
