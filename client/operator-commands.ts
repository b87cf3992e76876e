// The commands an operator runs next to the runs rather than as one: `gc` (orphan sweeper),
// `ram-policy` (the least-privilege policy), `slack` (the approvals app) and `codec-server` (the Web
// UI's window into encrypted payloads). The work lives in gc.ts, ram-policy.ts, slack.ts and codec.ts;
// this module turns flags into their options, checks what each needs first, and prints the outcome.
import { Client } from '@temporalio/client';
import type { GcRelease, Orphan } from '../activities/gc';
import { requireCredentials } from './credentials-check';
import { badInput, CliError, EXIT, type ExitCode } from './exit-codes';
import { openTemporal } from './local-stack';
import { lastingWorkersOn } from './worker-liveness';

function notify(line: string): void {
  process.stderr.write(`acp: ${line}\n`);
}

function print(lines: string[]): void {
  for (const l of lines) process.stdout.write(`${l}\n`);
}

function printJson(doc: unknown): void {
  process.stdout.write(`${JSON.stringify(doc, null, 2)}\n`);
}

function table(header: string[], rows: string[][]): string[] {
  const widths = header.map((h, c) => Math.max(h.length, ...rows.map((r) => (r[c] ?? '').length)));
  const line = (row: string[]) =>
    row
      .map((cell, c) => cell.padEnd(widths[c]!))
      .join('  ')
      .trimEnd();
  return [line(header), ...rows.map(line)];
}

/** `acp gc`'s table: what each orphan is (product and type), where, whose it was and why nobody will release it. */
export function renderOrphans(orphans: Orphan[]): string[] {
  if (orphans.length === 0) return ['no orphans: every acp:managed resource belongs to a running workflow'];
  return table(
    ['product', 'type', 'id', 'region', 'workflow id', 'why orphaned'],
    orphans.map((o) => [o.product, o.type, o.id, o.regionId, o.workflowId ?? '—', o.reason]),
  );
}

export function renderRelease(release: GcRelease): string[] {
  const rows = [
    ...release.released.map((r) => ['released', r.product, r.type, r.id, r.regionId, '']),
    ...release.gone.map((r) => ['already gone', r.product, r.type, r.id, r.regionId, '']),
    ...release.failed.map((r) => ['FAILED', r.product, r.type, r.id, r.regionId, r.error]),
  ];
  const header = ['outcome', 'product', 'type', 'id', 'region', ...(release.failed.length ? ['error'] : [])];
  return [
    ...table(
      header,
      rows.map((r) => r.slice(0, header.length)),
    ),
    `released ${release.released.length} · already gone ${release.gone.length} · failed ${release.failed.length}`,
  ];
}

export interface GcFlags {
  apply?: boolean;
  schedule?: boolean;
  every?: string;
  region?: string[];
  simulate?: boolean;
  json?: boolean;
}

/** `--region a --region b,c` → [a, b, c]. */
function regionsFrom(flags: GcFlags): string[] {
  return (flags.region ?? [])
    .flatMap((r) => r.split(','))
    .map((r) => r.trim())
    .filter(Boolean);
}

/**
 * `acp gc [--apply] [--schedule]`. Only against a Temporal server that already exists: with no
 * server every workflow would look unknown, and every acp resource an orphan.
 */
export async function gcCommand(flags: GcFlags): Promise<ExitCode> {
  if (flags.simulate) {
    throw badInput(
      'acp gc --simulate has nothing to sweep: a simulated run lives in its own in-process emulator, which is gone when the run’s command ends',
      'to sweep an emulator, start it with `acp emulator`, export what it prints (ACP_ALIBABA_ENDPOINT and its keys) and run `acp gc` without --simulate',
    );
  }
  if (flags.every && !flags.schedule) throw badInput('--every only applies with --schedule');
  const regions = regionsFrom(flags);
  // The schedule's sweeps run on a worker, with its credentials; a sweep now runs here, with ours.
  if (!flags.schedule && !process.env.ACP_ALIBABA_ENDPOINT) await requireCredentials();

  const t = await openTemporal(notify, 'existing');
  try {
    const { dataConverterFromEnv } = require('./codec') as typeof import('./codec');
    const { byTypeNote, runGc } = require('./gc') as typeof import('./gc');
    const client = new Client({
      connection: t.connection,
      namespace: t.namespace,
      dataConverter: dataConverterFromEnv(),
    });
    const report = await runGc({
      apply: flags.apply,
      schedule: flags.schedule,
      every: flags.every,
      regions,
      client,
      // The report is printed below, as a table or as JSON.
      print: () => undefined,
    });

    if (report.scheduleId) {
      const { taskQueue } = require('../worker/worker') as typeof import('../worker/worker');
      const queue = taskQueue();
      const polled = (await lastingWorkersOn(t, queue)).length > 0;
      if (flags.json) printJson({ scheduleId: report.scheduleId, taskQueue: queue, workerPolls: polled });
      else
        print([
          `installed Temporal Schedule ${report.scheduleId} on ${t.where}: an orphan sweep every ${flags.every ?? '1h'} in ${regions.length ? regions.join(', ') : 'every account region'}, ${flags.apply ? 'releasing what it finds' : 'listing only (add --apply to release)'}`,
          `  see it with: temporal schedule describe --schedule-id ${report.scheduleId}`,
        ]);
      if (!polled)
        notify(
          `no worker polls task queue ${queue} right now: the sweeps start once \`acp worker\` (with Alibaba credentials) runs`,
        );
      return EXIT.ok;
    }

    const failed = report.release?.failed.length ?? 0;
    if (flags.json) {
      printJson({ orphans: report.orphans, ...(report.release ? { release: report.release } : {}) });
    } else {
      print(renderOrphans(report.orphans));
      if (report.release) print(['', ...renderRelease(report.release)]);
      else if (report.orphans.length > 0)
        print([
          `${report.orphans.length} orphan(s)${byTypeNote(report.orphans)}; \`acp gc --apply\` releases them`,
        ]);
    }
    if (failed > 0) {
      notify(
        `${failed} orphan(s) could not be released (the error is on each line); run \`acp gc --apply\` again`,
      );
      return EXIT.error;
    }
    return EXIT.ok;
  } finally {
    await t.close();
  }
}

/** `acp ram-policy`: the policy document on stdout, ready for `aliyun ram CreatePolicy`. */
export async function ramPolicyCommand(flags: { json?: boolean }): Promise<ExitCode> {
  const { ramPolicyJson } = require('./ram-policy') as typeof import('./ram-policy');
  process.stdout.write(`${ramPolicyJson()}\n`);
  if (!flags.json && process.stdout.isTTY)
    notify(
      'attach it to the RAM user or role acp runs as, e.g. aliyun ram CreatePolicy --PolicyName acp --PolicyDocument "$(acp ram-policy)"',
    );
  return EXIT.ok;
}

function port(flag: string, value: string | undefined, fallback: number): number {
  if (value === undefined) return fallback;
  const n = Number(value);
  if (!Number.isInteger(n) || n < 0 || n > 65535)
    throw badInput(`${flag} takes a port number (0-65535), got ${JSON.stringify(value)}`);
  return n;
}

/** Resolves on Ctrl-C or SIGTERM: how the long-running commands learn to stop. */
function untilStopped(): Promise<NodeJS.Signals> {
  return new Promise((resolve) => {
    const stop = (signal: NodeJS.Signals) => {
      process.off('SIGINT', stop);
      process.off('SIGTERM', stop);
      resolve(signal);
    };
    process.on('SIGINT', stop);
    process.on('SIGTERM', stop);
  });
}

export const SLACK_VARIABLES = [
  'ACP_SLACK_BOT_TOKEN',
  'ACP_SLACK_SIGNING_SECRET',
  'ACP_SLACK_CHANNEL',
] as const;

/** `acp slack [--port N]`: the Bolt app that turns Approve/Reject clicks into signals, until Ctrl-C. */
export async function slackCommand(flags: { port?: string; json?: boolean }): Promise<ExitCode> {
  const missing = SLACK_VARIABLES.filter((v) => !process.env[v]?.trim());
  if (missing.length > 0) {
    throw badInput(
      missing.length === SLACK_VARIABLES.length
        ? `acp slack needs ${missing.join(', ')} to be set`
        : `acp slack also needs ${missing.join(', ')} to be set`,
      'copy the bot token (xoxb-…) from "OAuth & Permissions" and the Signing Secret from "Basic Information" of your Slack app, name the channel to post in, and set the same three for `acp worker`',
    );
  }
  const listenOn = port('--port', flags.port, 3000);
  // Long-running, like a worker: it needs the server the runs are on, one other processes share.
  const t = await openTemporal(notify, 'shared');
  const { address, namespace } = t;
  await t.close();
  const { startSlackApp } = require('./slack') as typeof import('./slack');
  let app: Awaited<ReturnType<typeof startSlackApp>>;
  try {
    app = await startSlackApp({ port: listenOn, temporalAddress: address, namespace });
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'EADDRINUSE')
      throw new CliError(EXIT.error, `port ${listenOn} is in use`, 'pick another with --port');
    throw err;
  }
  const url = `http://<this host>:${app.port}/slack/events`;
  if (flags.json) printJson({ port: app.port, requestUrl: url, temporalAddress: address, namespace });
  else
    print([
      `Slack approvals app listening on port ${app.port}; runs on Temporal at ${address} (namespace ${namespace})`,
      `  set your Slack app's Interactivity Request URL to ${url} (a public https address in front of it)`,
      '  Ctrl-C stops it',
    ]);
  await untilStopped();
  await app.stop();
  return EXIT.ok;
}

/** `acp codec-server [--port N]`: the endpoint that lets the Web UI and `temporal` read encrypted payloads. */
export async function codecServerCommand(flags: {
  port?: string;
  corsOrigin?: string;
  json?: boolean;
}): Promise<ExitCode> {
  const listenOn = port('--port', flags.port, 8888);
  const { payloadKeyFromEnv, startCodecServer } = require('./codec') as typeof import('./codec');
  let key: Buffer | undefined;
  try {
    key = payloadKeyFromEnv();
  } catch (err) {
    throw badInput((err as Error).message);
  }
  if (!key) {
    throw badInput(
      'acp codec-server needs ACP_PAYLOAD_KEY, the key the worker and the CLI encrypt payloads with',
      'set the same ACP_PAYLOAD_KEY as your workers (a new one: openssl rand -base64 32)',
    );
  }
  let server: Awaited<ReturnType<typeof startCodecServer>>;
  try {
    server = await startCodecServer(listenOn, flags.corsOrigin ? { corsOrigin: flags.corsOrigin } : {});
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'EADDRINUSE')
      throw new CliError(EXIT.error, `port ${listenOn} is in use`, 'pick another with --port');
    throw err;
  }
  const origin = flags.corsOrigin ?? process.env.ACP_CODEC_CORS_ORIGIN ?? 'http://localhost:8233';
  if (flags.json)
    printJson({
      url: server.url,
      port: server.port,
      corsOrigin: origin,
      uiCodecEndpointFlag: `--ui-codec-endpoint ${server.url}`,
    });
  else
    print([
      `codec endpoint at ${server.url} (POST /encode, /decode), for a Web UI served from ${origin}`,
      `  dev server:      temporal server start-dev --ui-codec-endpoint ${server.url} …`,
      `  temporal CLI:    temporal workflow show -w ID --codec-endpoint ${server.url}`,
      `  compose Web UI:  TEMPORAL_CODEC_ENDPOINT=${server.url} with --cors-origin http://localhost:8080`,
      '  Ctrl-C stops it',
    ]);
  await untilStopped();
  await server.close();
  return EXIT.ok;
}

export interface NetworkFlags {
  region?: string;
  cidr?: string;
  json?: boolean;
}

function networkRegion(flags: NetworkFlags): string {
  if (!flags.region) throw badInput('--region is required: the shared VPC lives in one region');
  if (!/^[a-z]{2}(-[a-z0-9]+)+$/.test(flags.region))
    throw badInput(`--region ${flags.region} is not an Alibaba Cloud region id (e.g. cn-hangzhou)`);
  return flags.region;
}

async function networkClients() {
  if (!process.env.ACP_ALIBABA_ENDPOINT) await requireCredentials();
  const { cloudConfigFromEnv, createClients } =
    require('../activities/clients') as typeof import('../activities/clients');
  return createClients(cloudConfigFromEnv());
}

/** `acp network share --region R`: the one VPC every run in R reuses (see activities/vpc.ts). */
export async function networkShareCommand(flags: NetworkFlags): Promise<ExitCode> {
  const regionId = networkRegion(flags);
  const { ensureSharedVpc, SHARED_VPC_CIDR } =
    require('../activities/vpc') as typeof import('../activities/vpc');
  const { vpc, created } = await ensureSharedVpc(
    await networkClients(),
    regionId,
    flags.cidr ?? SHARED_VPC_CIDR,
  );
  if (flags.json) printJson({ ...vpc, created });
  else
    print([
      `${created ? 'created' : 'already shared'}: VPC ${vpc.vpcId} (${vpc.cidrBlock}) in ${regionId}, tagged acp:shared=true`,
      '  every acp run in this region now adds its own vSwitch and security group to it instead of creating a VPC',
    ]);
  return EXIT.ok;
}

/** `acp network unshare --region R`: deletes the shared VPC once no vSwitch is left in it. */
export async function networkUnshareCommand(flags: NetworkFlags): Promise<ExitCode> {
  const regionId = networkRegion(flags);
  const { releaseSharedVpc } = require('../activities/vpc') as typeof import('../activities/vpc');
  const outcome = await releaseSharedVpc(await networkClients(), regionId);
  if (flags.json) printJson(outcome);
  else if (!outcome.vpcId) print([`no shared acp VPC in ${regionId}`]);
  else if (outcome.released) print([`released shared VPC ${outcome.vpcId} in ${regionId}`]);
  if (outcome.inUseBy.length > 0) {
    notify(
      `shared VPC ${outcome.vpcId} still holds vSwitch(es) ${outcome.inUseBy.join(', ')} of running jobs; try again when they end (or \`acp gc --apply\` for orphans)`,
    );
    return EXIT.error;
  }
  return EXIT.ok;
}
