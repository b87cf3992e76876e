// `acp worker` and `acp emulator`: the two long-running processes a workstation or a cluster runs.
import { requireCredentials } from './credentials-check';
import { badInput, EXIT, type ExitCode } from './exit-codes';
import { openTemporal, operatorLogger } from './local-stack';

/** `acp worker`: the real worker on ACP_TASK_QUEUE, with the default credentials chain. */
export async function workerCommand(flags: { json?: boolean; verbose?: boolean }): Promise<ExitCode> {
  // Without credentials every activity would fail one by one; say so before polling anything.
  if (!process.env.ACP_ALIBABA_ENDPOINT) await requireCredentials('worker');
  // The SDK logs every state change (and, when it bundles, webpack's report) at INFO: only with
  // --verbose. Warnings and errors always show; a run's own failure in one line.
  const { Runtime } = require('@temporalio/worker') as typeof import('@temporalio/worker');
  Runtime.install({ logger: operatorLogger(Boolean(flags.verbose)) });
  const notify = (line: string) => process.stderr.write(`acp: ${line}\n`);
  const temporal = await openTemporal(notify, 'shared');
  const address = temporal.address;
  await temporal.close();
  const { runWorker, taskQueue } = require('../worker/worker') as typeof import('../worker/worker');
  if (flags.json)
    process.stdout.write(
      `${JSON.stringify({ address, namespace: temporal.namespace, taskQueue: taskQueue() })}\n`,
    );
  await runWorker(address);
  return EXIT.ok;
}

export interface EmulatorFlags {
  port?: string;
  exec?: 'local' | 'none';
  speed?: string;
  accessKeyId?: string;
  accessKeySecret?: string;
  accountId?: string;
  seed?: string;
  json?: boolean;
}

function optionalNumber(flag: string, value: string | undefined): number | undefined {
  if (value === undefined) return undefined;
  const n = Number(value);
  if (!Number.isFinite(n) || n < 0) throw badInput(`${flag} takes a number, got ${JSON.stringify(value)}`);
  return n;
}

/** `acp emulator`: delegates to emulator/main.ts; with --json, the variables to export as one document. */
export async function emulatorCommand(flags: EmulatorFlags): Promise<ExitCode> {
  const { runEmulatorCommand } = require('../emulator/main') as typeof import('../emulator/main');
  const env: Record<string, string> = {};
  const json = Boolean(flags.json);
  await runEmulatorCommand({
    port: optionalNumber('--port', flags.port),
    exec: flags.exec,
    speed: optionalNumber('--speed', flags.speed),
    accessKeyId: flags.accessKeyId,
    accessKeySecret: flags.accessKeySecret,
    accountId: flags.accountId,
    seed: optionalNumber('--seed', flags.seed),
    out: (line) => {
      if (!json) {
        process.stdout.write(`${line}\n`);
        return;
      }
      process.stderr.write(`${line}\n`);
      const m = /^\s*export (\w+)=(.*)$/.exec(line);
      if (!m) return;
      env[m[1]!] = m[2]!;
      // The account id is the last variable the emulator prints: the document is complete.
      if (m[1] === 'ALIBABA_CLOUD_ACCOUNT_ID') process.stdout.write(`${JSON.stringify({ env })}\n`);
    },
  });
  return EXIT.ok;
}
