// `npm run bench:startup`: how fast the `acp` process starts, the precompiled CLI (dist/, built by
// `npm install` through scripts/build.ts) against the baseline of the same command run from the
// TypeScript sources through tsx (ACP_FROM_SOURCES=1), in the same run, on the same server:
//   acp --help                                   target < 0.3 s
//   acp quote --simulate … (warm: caches filled)  target < 2 s, the whole process
// Each figure is the median of BENCH_STARTUP_REPS (default 5) processes: wall time, CPU time (user +
// system, from GNU time when installed: load on a shared machine stretches wall time, not CPU), and
// for the quote the time to its first step line. `node -e 0` is the floor. Also recorded: the sizes of
// what a warm quote loads from dist/ (the bundle, its code cache, the node_modules code cache), which
// is where most of its start-up goes. Writes bench/startup-results.json. Nothing asserts on time.
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, readdirSync, statSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import { join } from 'node:path';
import { startTemporal } from '../test/support/temporal';

const root = join(__dirname, '..');
const REPS = Number(process.env.BENCH_STARTUP_REPS ?? 5);
const GNU_TIME = existsSync('/usr/bin/time') ? '/usr/bin/time' : undefined;

interface Sample {
  wallMs: number;
  cpuMs?: number;
  firstStepMs?: number;
  code: number | null;
}

function once(args: string[], env: NodeJS.ProcessEnv): Promise<Sample> {
  const argv = GNU_TIME
    ? [GNU_TIME, '-f', '@@cpu %U %S', process.execPath, ...args]
    : [process.execPath, ...args];
  const t0 = performance.now();
  return new Promise((resolve, reject) => {
    const child = spawn(argv[0]!, argv.slice(1), { cwd: root, env, stdio: ['ignore', 'pipe', 'pipe'] });
    let firstStepMs: number | undefined;
    let err = '';
    child.stdout.on('data', (d) => {
      if (firstStepMs === undefined && /✔ intent/.test(String(d))) firstStepMs = performance.now() - t0;
    });
    child.stderr.on('data', (d) => {
      err += d;
    });
    child.on('error', reject);
    child.on('close', (code) => {
      const wallMs = performance.now() - t0;
      const cpu = /@@cpu ([\d.]+) ([\d.]+)/.exec(err);
      resolve({
        wallMs,
        code,
        ...(cpu ? { cpuMs: (Number(cpu[1]) + Number(cpu[2])) * 1000 } : {}),
        ...(firstStepMs !== undefined ? { firstStepMs } : {}),
      });
      if (code !== 0 && !args.includes('-e'))
        process.stderr.write(`startup bench: ${args.join(' ')} exited ${code}\n${err.slice(-800)}\n`);
    });
  });
}

const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length === 0 ? Number.NaN : s[Math.floor(s.length / 2)]!;
};

async function measure(args: string[], env: NodeJS.ProcessEnv) {
  await once(args, env); // warm-up: fills the code cache and the OS file cache
  const samples: Sample[] = [];
  for (let i = 0; i < REPS; i++) samples.push(await once(args, env));
  const pick = (k: keyof Sample) =>
    samples.every((s) => typeof s[k] === 'number') ? median(samples.map((s) => s[k] as number)) : undefined;
  return {
    wallMs: pick('wallMs')!,
    cpuMs: pick('cpuMs'),
    firstStepMs: pick('firstStepMs'),
    failures: samples.filter((s) => s.code !== 0).length,
  };
}

async function main(): Promise<void> {
  const built = spawnSync(
    process.execPath,
    ['-e', 'process.exit(require("./bin/prebuilt").fresh() ? 0 : 1)'],
    {
      cwd: root,
    },
  );
  if (built.status !== 0) {
    process.stderr.write('dist/ is missing or older than the sources: running npm run build first\n');
    const b = spawnSync('npm', ['run', 'build'], { cwd: root, stdio: 'inherit' });
    if (b.status !== 0) throw new Error('npm run build failed');
  }
  const env = await startTemporal();
  const base: NodeJS.ProcessEnv = {
    ...process.env,
    TEMPORAL_ADDRESS: env.address,
    ALIBABA_CLOUD_ECS_METADATA_DISABLED: 'true',
    ALIBABA_CLOUD_CLI_PROFILE_DISABLED: 'true',
  };
  const fromSources = { ...base, ACP_FROM_SOURCES: '1' };
  const quote = ['bin/acp.js', 'quote', '--simulate', '2 vCPU 4 GB for 1 hour', '--product', 'ecs'];
  const loadBefore = os.loadavg()[0];
  try {
    const rows = {
      nodeFloor: await measure(['-e', '0'], base),
      helpPrebuilt: await measure(['bin/acp.js', '--help'], base),
      helpFromSources: await measure(['bin/acp.js', '--help'], fromSources),
      quotePrebuilt: await measure(quote, base),
      quoteFromSources: await measure(quote, fromSources),
    };
    const ratio = (a: number | undefined, b: number | undefined) =>
      a !== undefined && b !== undefined ? Math.round((a / b) * 100) / 100 : undefined;
    const dist = join(root, 'dist');
    const sizes = Object.fromEntries(
      readdirSync(dist)
        .filter((f) => f === 'commands.js' || /\.quote\.cache$/.test(f))
        .map((f) => [f, statSync(join(dist, f)).size]),
    );
    const results = {
      date: new Date().toISOString(),
      machine: { cpus: os.cpus().length, node: process.version, loadAverage: [loadBefore, os.loadavg()[0]] },
      reps: REPS,
      targets: { helpMs: 300, warmQuoteMs: 2000 },
      rows,
      distBytes: sizes,
      ratios: {
        helpWall: ratio(rows.helpPrebuilt.wallMs, rows.helpFromSources.wallMs),
        helpCpu: ratio(rows.helpPrebuilt.cpuMs, rows.helpFromSources.cpuMs),
        quoteWall: ratio(rows.quotePrebuilt.wallMs, rows.quoteFromSources.wallMs),
        quoteCpu: ratio(rows.quotePrebuilt.cpuMs, rows.quoteFromSources.cpuMs),
      },
    };
    writeFileSync(join(__dirname, 'startup-results.json'), `${JSON.stringify(results, null, 2)}\n`);
    const ms = (n: number | undefined) => (n === undefined ? '—' : `${Math.round(n)} ms`);
    console.log('command                          wall        cpu         first step');
    for (const [name, r] of Object.entries(rows))
      console.log(
        `${name.padEnd(32)} ${ms(r.wallMs).padEnd(11)} ${ms(r.cpuMs).padEnd(11)} ${ms(r.firstStepMs)}${r.failures ? `  (${r.failures} failed)` : ''}`,
      );
    console.log(
      `targets: --help ${rows.helpPrebuilt.wallMs < 300 ? 'met' : 'missed'} (< 300 ms), warm quote ${rows.quotePrebuilt.wallMs < 2000 ? 'met' : 'missed'} (< 2000 ms wall)`,
    );
    console.log(
      `dist/ a quote loads: ${Object.entries(sizes)
        .map(([f, b]) => `${f} ${(b / 1e6).toFixed(1)} MB`)
        .join(', ')}`,
    );
    console.log(
      `prebuilt / from sources: --help wall ${results.ratios.helpWall}, cpu ${results.ratios.helpCpu}; quote wall ${results.ratios.quoteWall}, cpu ${results.ratios.quoteCpu} (load average ${loadBefore.toFixed(1)} → ${os.loadavg()[0].toFixed(1)} on ${os.cpus().length} CPUs)`,
    );
  } finally {
    await env.teardown();
  }
}

main().then(
  () => process.exit(0),
  (err) => {
    console.error(err);
    process.exit(1);
  },
);
