// `node --import tsx bench/parked.ts`: the scale figure alone (bench/scale.ts), for working on the
// worker's memory without the whole `npm run bench`. BENCH_PARKED (levels, "1000"), BENCH_CONFIRMED
// (parked runs confirmed to a full saga, 20), BENCH_WORKER_ENV (JSON, added to the worker's
// environment). Prints the figure as JSON; writes nothing (bench/results.json is the full run's).
import { spawnSync } from 'node:child_process';
import os from 'node:os';
import { join } from 'node:path';
import { scale } from './scale';
import { startBenchStack } from './stack';

async function main(): Promise<void> {
  const levels = (process.env.BENCH_PARKED ?? '1000').split(',').map(Number);
  const confirmed = Number(process.env.BENCH_CONFIRMED ?? 20);
  const workerEnv = JSON.parse(process.env.BENCH_WORKER_ENV ?? '{}') as Record<string, string>;
  // `acp worker` runs what `npm install` builds: build it from these sources first.
  const build = spawnSync(
    process.execPath,
    ['--import', 'tsx', join(__dirname, '..', 'scripts', 'build.ts')],
    {
      stdio: 'inherit',
    },
  );
  if (build.status !== 0) throw new Error(`npm run build failed (exit ${build.status})`);
  const stack = await startBenchStack();
  const loadBefore = os.loadavg();
  try {
    const result = await scale(stack, levels, confirmed, 10, 120 * 60_000, workerEnv);
    console.log(
      JSON.stringify(
        { date: new Date().toISOString(), loadBefore, loadAfter: os.loadavg(), ...result },
        null,
        2,
      ),
    );
  } finally {
    await stack.stop();
  }
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
