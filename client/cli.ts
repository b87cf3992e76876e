// The `acp` command line (README.md, Commands). This module only declares commands and flags; each command's
// work is imported when it runs, so `acp --help` does not load Temporal, the SDKs or the emulator.
import { Command, CommanderError, Option } from 'commander';
import { PRODUCTS } from '../planner/types';
import { CliError, EXIT, type ExitCode } from './exit-codes';

const collect = (value: string, previous: string[] = []) => [...previous, value];

// Each command's module is required when the command runs (`require`, not `import()`: the CLI runs
// through tsx's CommonJS hook, which does not serve dynamic ESM imports of .ts files).
const commands = () => require('./commands') as typeof import('./commands');
const runCommands = () => commands().runCommands();
const controlCommands = () => commands().controlCommands();
const processCommands = () => commands().processCommands();
const operatorCommands = () => commands().operatorCommands();

/** The flags `run` and `quote` share: the request itself. */
function requestOptions(cmd: Command): Command {
  return cmd
    .argument(
      '[intent...]',
      'what to run, in plain words ("fine-tune qwen-7b on one A10 for 2 hours under 300 CNY")',
    )
    .option('--script <path>', 'the script to run (read here, sent as content)')
    .option('--inline <content>', 'the script to run, given inline')
    .option('--product <product>', `only this product, one of ${PRODUCTS.join(', ')}`)
    .option('--region <region>', 'only this region (e.g. cn-hangzhou)')
    .option('--cpu <n>', 'vCPUs')
    .option('--memory <GiB>', 'memory in GiB')
    .option('--gpu <model[:n]>', 'GPU model and count, e.g. A10 or A100:2')
    .option('--duration <time>', "expected duration: minutes, or '2h', '90m'")
    .option('--budget <amount>', "spending limit: '50 USD', '$50', '300 CNY', '¥300'")
    .option('--service', 'a long-running service: stays up until `acp teardown`, --ttl or the budget')
    .option('--spot', 'spot capacity: cheaper, re-run elsewhere if reclaimed (not for services)')
    .option('--spot-recoveries <n>', 're-runs after spot reclaims (default 3)')
    .option('--spot-fallback', 'run pay-as-you-go if spot cannot finish (retry limit, budget, capacity)')
    .option('--checkpoint', 'spot: keep $ACP_CHECKPOINT_DIR across attempts (an OSS bucket of the run)')
    .option('--port <n>', 'open this TCP port (repeatable)', collect)
    .option('--ssh-cidr <cidr>', 'allow SSH from this CIDR only (never 0.0.0.0/0 by default)')
    .option('--ttl <time>', "how long a service may live, e.g. '8h'")
    .option('--confirm-timeout <time>', "how long to wait for a yes (default '30m')")
    .option(
      '--simulate',
      'run against an in-process Alibaba Cloud emulator: no account, output marked SIMULATED',
    )
    .option('--workflow-id <id>', 'the run id (default acp-<8 hex>)')
    .option('--json', 'print only the result document (JSON) on stdout')
    .option(
      '--verbose',
      "the embedded worker's Temporal SDK log in full (state changes, each failed attempt with its stack)",
    );
}

function jsonOption(cmd: Command): Command {
  return cmd.option('--json', 'print one JSON document on stdout');
}

type Handler = () => Promise<ExitCode>;

/** Builds the program; each action stores its exit code so `main` can end the process with it. */
export function buildProgram(setExit: (code: ExitCode) => void): Command {
  const program = new Command();
  // Set before the subcommands are declared, which inherit it: parse errors throw to `main`.
  program.exitOverride();
  const action =
    (fn: (...args: any[]) => Handler) =>
    async (...args: any[]) => {
      setExit(await fn(...args)());
    };

  program
    .name('acp')
    .description(
      'Provision Alibaba Cloud compute from a plain intent, durably, on Temporal: the cheapest fit is quoted, confirmed by a person, created, runs your script, and everything it created is released.',
    )
    .showHelpAfterError('(acp --help lists the commands; acp <command> --help their flags)')
    .addHelpText(
      'after',
      '\nExit codes: 0 done · 2 bad input · 3 rejected, expired, over budget or cancelled · 4 provisioning failed (released) · 5 script failed (released) · 6 (acp status) a simulated run whose process has ended\n' +
        'Try it without an account: acp run --simulate --inline "echo hello" --yes',
    );

  requestOptions(
    program.command('run').description('quote, confirm, create, run the script, release: the whole job'),
  )
    .option('-y, --yes', 'skip the confirmation (the estimate is still recorded)')
    .action(
      action((intent: string[], flags) => async () => {
        return runCommands().runCommand(intent.join(' '), flags);
      }),
    );

  requestOptions(
    program.command('quote').description('compare options and prices; nothing is created'),
  ).action(
    action((intent: string[], flags) => async () => {
      return runCommands().quoteCommand(intent.join(' '), flags);
    }),
  );

  jsonOption(
    program
      .command('confirm')
      .description('approve a run waiting for confirmation (the `confirm` signal)')
      .argument('<id>', 'workflow id')
      .option('--option <n>', 'the option number from the table (default: the recommended one)')
      .option('--by <name>', 'who approves (default: your user name)'),
  ).action(action((id: string, flags) => async () => controlCommands().signalCommand('confirm', id, flags)));

  jsonOption(
    program
      .command('reject')
      .description('decline a run waiting for confirmation; nothing is created')
      .argument('<id>', 'workflow id')
      .option('--reason <text>', 'why, for the record')
      .option('--by <name>', 'who rejects (default: your user name)'),
  ).action(action((id: string, flags) => async () => controlCommands().signalCommand('reject', id, flags)));

  jsonOption(
    program
      .command('status')
      .description('where a run stands: status, options, resources, costs')
      .argument('<id>', 'workflow id'),
  ).action(action((id: string, flags) => async () => controlCommands().statusCommand(id, flags)));

  jsonOption(
    program
      .command('list')
      .description(
        'runs on the Temporal server, newest first (a visibility query on the Acp* search attributes)',
      )
      .option('--status <status>', 'only runs in this status, e.g. AWAITING_CONFIRMATION')
      .option('--limit <n>', 'at most this many (default 50)')
      .option('--query <visibility query>', 'an extra visibility filter, e.g. \'AcpProduct="ecs"\''),
  ).action(action((flags) => async () => controlCommands().listCommand(flags)));

  jsonOption(
    program
      .command('logs')
      .description("the script's output (its tail)")
      .argument('<id>', 'workflow id')
      .option('-f, --follow', 'keep printing new output until the run ends'),
  ).action(action((id: string, flags) => async () => controlCommands().logsCommand(id, flags)));

  jsonOption(
    program
      .command('teardown')
      .description('release a long-running service now (the `teardown` signal)')
      .argument('<id>', 'workflow id')
      .option('--reason <text>', 'why, for the record')
      .option('--by <name>', 'who (default: your user name)'),
  ).action(action((id: string, flags) => async () => controlCommands().signalCommand('teardown', id, flags)));

  jsonOption(
    program
      .command('retry')
      .description('resume a BLOCKED run once the quota, balance or permission is fixed (the `retry` signal)')
      .argument('<id>', 'workflow id')
      .option('--by <name>', 'who (default: your user name)'),
  ).action(action((id: string, flags) => async () => controlCommands().signalCommand('retry', id, flags)));

  jsonOption(
    program
      .command('worker')
      .description('run an acp worker on the task queue (ACP_TASK_QUEUE, default compute-provision)')
      .option('--verbose', "the Temporal SDK's own progress (bundling, state changes) on stderr"),
  ).action(
    action((flags) => async () => {
      // First, before the commands' code is loaded: V8 sizes young space as it grows (worker/v8-heap.ts).
      (require('../worker/v8-heap') as typeof import('../worker/v8-heap')).tuneHeapForWorker();
      return processCommands().workerCommand(flags);
    }),
  );

  program
    .command('emulator')
    .description('run the Alibaba Cloud API emulator on its own, and print what to export to use it')
    .option('--port <n>', 'port (default: a free one)')
    .addOption(
      new Option('--exec <mode>', 'run scripts in a sandboxed machine, or not at all').choices([
        'local',
        'none',
      ]),
    )
    .option('--speed <x>', 'emulated seconds per wall second (default 60)')
    .option('--access-key-id <id>', 'the key pair the emulator accepts (with --access-key-secret)')
    .option('--access-key-secret <secret>', 'see --access-key-id')
    .option('--account-id <id>', 'the account id it reports')
    .option('--seed <n>', 'seed for ids and rate faults')
    .option('--json', 'print the environment to export as one JSON document')
    .action(
      action((flags) => async () => {
        return processCommands().emulatorCommand(flags);
      }),
    );

  program
    .command('mcp')
    .description('serve acp to AI agents over MCP (stdio); a person still approves spending')
    .option('--simulate', 'use an in-process Alibaba Cloud emulator (also ACP_SIMULATE=1)')
    .action(action((flags) => async () => commands().mcpCommands().mcpCommand(flags)));

  jsonOption(
    program
      .command('gc')
      .description(
        'find acp-tagged resources whose run is closed or unknown (orphans); --apply releases them',
      )
      .option('--apply', 'release them, instance → security group → vSwitch → VPC (default: list only)')
      .option('--schedule', 'install the sweep as a Temporal Schedule instead of sweeping now')
      .option('--every <interval>', "how often the schedule sweeps (default '1h')")
      .option('--region <region>', 'only this region (repeatable; default: every account region)', collect)
      .option('--simulate', 'refused: a simulated run leaves nothing behind to sweep'),
  ).action(action((flags) => async () => operatorCommands().gcCommand(flags)));

  const network = program
    .command('network')
    .description('the shared VPC every run in a region reuses (past the 10-VPCs-per-region quota)');
  jsonOption(
    network
      .command('share')
      .description('create (once) the acp VPC every run in the region reuses, tagged acp:shared=true')
      .requiredOption('--region <region>', 'the region, e.g. cn-hangzhou')
      .option('--cidr <cidr>', "the VPC's CIDR block (default 172.16.0.0/12)"),
  ).action(action((flags) => async () => operatorCommands().networkShareCommand(flags)));
  jsonOption(
    network
      .command('unshare')
      .description("delete the region's shared VPC once no run's vSwitch is left in it")
      .requiredOption('--region <region>', 'the region, e.g. cn-hangzhou'),
  ).action(action((flags) => async () => operatorCommands().networkUnshareCommand(flags)));

  jsonOption(
    program
      .command('ram-policy')
      .description('print the least-privilege RAM policy acp needs (JSON, for aliyun ram CreatePolicy)'),
  ).action(action((flags) => async () => operatorCommands().ramPolicyCommand(flags)));

  jsonOption(
    program
      .command('slack')
      .description(
        'run the Slack approvals app (needs ACP_SLACK_BOT_TOKEN, ACP_SLACK_SIGNING_SECRET, ACP_SLACK_CHANNEL)',
      )
      .option('--port <n>', "port for Slack's requests to /slack/events (default 3000)"),
  ).action(action((flags) => async () => operatorCommands().slackCommand(flags)));

  jsonOption(
    program
      .command('codec-server')
      .description(
        'serve the payload codec so the Web UI and `temporal` can read ACP_PAYLOAD_KEY-encrypted runs',
      )
      .option('--port <n>', 'port (default 8888)')
      .option('--cors-origin <url>', 'the Web UI origin allowed to call it (default http://localhost:8233)'),
  ).action(action((flags) => async () => operatorCommands().codecServerCommand(flags)));

  return program;
}

/** A CliError, also one thrown by the commands' own copy of exit-codes.ts (dist/commands.js). */
function isCliError(err: unknown): err is CliError {
  return err instanceof CliError || (err instanceof Error && err.name === 'CliError' && 'exitCode' in err);
}

function reportError(err: unknown, json: boolean): ExitCode {
  if (isCliError(err)) {
    process.stderr.write(`acp: ${err.message}${err.next ? `\n  → ${err.next}` : ''}\n`);
    if (json)
      process.stdout.write(
        `${JSON.stringify({ error: err.message, next: err.next, exitCode: err.exitCode })}\n`,
      );
    return err.exitCode;
  }
  const message = err instanceof Error ? err.message : String(err);
  process.stderr.write(`acp: ${message}\n`);
  if (process.env.ACP_DEBUG && err instanceof Error && err.stack) process.stderr.write(`${err.stack}\n`);
  if (json) process.stdout.write(`${JSON.stringify({ error: message, exitCode: EXIT.error })}\n`);
  return EXIT.error;
}

/** Runs `acp` with `argv` (as in process.argv) and exits with the command's code. */
export async function main(argv: string[]): Promise<void> {
  let code: ExitCode = EXIT.ok;
  const json = argv.includes('--json');
  // `acp status ID | head -3`: the reader went away; what is left to print has no one to read it.
  for (const stream of [process.stdout, process.stderr])
    stream.on('error', (err: NodeJS.ErrnoException) => {
      if (err.code === 'EPIPE') process.exit(code);
      throw err;
    });
  const program = buildProgram((c) => {
    code = c;
  });
  if (argv.length <= 2) {
    // A bare `acp` asks what acp does: the help, and no error.
    program.outputHelp();
    await new Promise<void>((resolve) => process.stdout.write('', () => resolve()));
    process.exit(EXIT.ok);
  }
  try {
    await program.parseAsync(argv);
  } catch (err) {
    if (err instanceof CommanderError) {
      // Commander printed the problem already; --help and --version are not errors.
      code =
        err.code === 'commander.helpDisplayed' || err.code === 'commander.version' ? EXIT.ok : EXIT.badInput;
      if (code !== EXIT.ok && json)
        process.stdout.write(`${JSON.stringify({ error: err.message, exitCode: code })}\n`);
    } else {
      code = reportError(err, json);
    }
  }
  await new Promise<void>((resolve) => process.stdout.write('', () => resolve()));
  process.exit(code);
}
