// `acp emulator` and `node --import tsx emulator/main.ts [--port N] [--exec local|none] [--speed X]
// [--access-key-id ID --access-key-secret SECRET] [--account-id ID] [--seed N]`: starts the
// emulator, prints where it listens and what to export, and runs until SIGINT/SIGTERM.
import { startEmulator } from './index';

export interface EmulatorCommandOptions {
  port?: number;
  exec?: 'local' | 'none';
  speed?: number;
  accessKeyId?: string;
  accessKeySecret?: string;
  accountId?: string;
  seed?: number;
  /** Where to print (default stdout). */
  out?: (line: string) => void;
}

export async function runEmulatorCommand(opts: EmulatorCommandOptions = {}): Promise<void> {
  if ((opts.accessKeyId === undefined) !== (opts.accessKeySecret === undefined)) {
    throw new Error('--access-key-id and --access-key-secret must be given together');
  }
  const out = opts.out ?? ((line: string) => process.stdout.write(`${line}\n`));
  const emu = await startEmulator({
    port: opts.port ?? 0,
    exec: opts.exec,
    speed: opts.speed,
    accessKeyId: opts.accessKeyId,
    accessKeySecret: opts.accessKeySecret,
    accountId: opts.accountId,
    seed: opts.seed,
  });
  out(`Alibaba Cloud emulator listening on ${emu.url} (exec ${emu.world.exec}, speed ${emu.world.speed}x)`);
  out(`  access key id:     ${emu.accessKeyId}`);
  out(`  access key secret: ${emu.accessKeySecret}`);
  out(`  account id:        ${emu.accountId}`);
  out(`  admin API:         GET/POST ${emu.url}/__emulator/{resources,calls,faults,cost,clock,reset,keys}`);
  out('export these to point acp at it:');
  out(`  export ACP_ALIBABA_ENDPOINT=${emu.endpoint}`);
  out(`  export ALIBABA_CLOUD_ACCESS_KEY_ID=${emu.accessKeyId}`);
  out(`  export ALIBABA_CLOUD_ACCESS_KEY_SECRET=${emu.accessKeySecret}`);
  out(`  export ALIBABA_CLOUD_ACCOUNT_ID=${emu.accountId}`);
  await new Promise<void>((resolve) => {
    const stop = () => {
      process.off('SIGINT', stop);
      process.off('SIGTERM', stop);
      emu.stop().then(resolve, resolve);
    };
    process.on('SIGINT', stop);
    process.on('SIGTERM', stop);
  });
}

function parseArgs(argv: string[]): EmulatorCommandOptions {
  const opts: EmulatorCommandOptions = {};
  for (let i = 0; i < argv.length; i++) {
    const flag = argv[i]!;
    const value = () => {
      const v = argv[++i];
      if (v === undefined) throw new Error(`${flag} needs a value`);
      return v;
    };
    switch (flag) {
      case '--port':
        opts.port = Number(value());
        break;
      case '--exec': {
        const v = value();
        if (v !== 'local' && v !== 'none') throw new Error('--exec must be local or none');
        opts.exec = v;
        break;
      }
      case '--speed':
        opts.speed = Number(value());
        break;
      case '--access-key-id':
        opts.accessKeyId = value();
        break;
      case '--access-key-secret':
        opts.accessKeySecret = value();
        break;
      case '--account-id':
        opts.accountId = value();
        break;
      case '--seed':
        opts.seed = Number(value());
        break;
      default:
        throw new Error(`unknown option ${flag}`);
    }
  }
  return opts;
}

if (require.main === module) {
  runEmulatorCommand(parseArgs(process.argv.slice(2))).catch((err) => {
    process.stderr.write(`acp emulator: ${err.message}\n`);
    process.exit(2);
  });
}
