// `npm run bench`: every benchmark of issue 15 on one real Temporal dev server and one emulator, each
// figure against a baseline measured in the same run. Prints one table (measure, acp, baseline,
// ratio, target, pass/fail) and writes bench/results.json (date, machine, every figure). Nothing here
// asserts on time: a FAIL is a finding to report, not a crash.
//
// `npm run bench -- --quick` (or BENCH_QUICK=1): smaller sizes for CI, same figures.
// Sizes (env): BENCH_REPS (quote repetitions, 5), BENCH_SEEDS (catalogues, 50), BENCH_SAGAS (40, all
// started at once), BENCH_PARKED (levels, "1000,10000"), BENCH_CONFIRMED (parked runs confirmed to a
// full saga, 100), BENCH_BURST (concurrent quotes, 100), BENCH_LATENCY_MS (150).
// One figure alone: `node --import tsx bench/orchestration-alone.ts` (orchestration, and with
// BENCH_AGAINST one checkout's workflows against another's in the same window).
import { spawnSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import os from 'node:os';
import { join } from 'node:path';
import { coldPath } from './cold-path';
import { concurrentQuotes } from './concurrent-quotes';
import { CPU_INTENT, CPU_SMALL_INTENT, GPU_INTENT } from './intents';
import { optimality } from './optimality';
import { orchestration } from './orchestration';
import { quoteTime } from './quote-time';
import { scale } from './scale';
import { renderSpotTable, spotBench } from './spot';
import { startBenchStack } from './stack';

const quick = process.argv.includes('--quick') || process.env.BENCH_QUICK === '1';
const num = (name: string, full: number, fast: number) => Number(process.env[name] ?? (quick ? fast : full));

/** glibc's malloc arenas capped, as docker-compose.temporal.yml starts the worker (docs/quotes.md). */
const FEW_ARENAS = { MALLOC_ARENA_MAX: '2' };

export const TARGETS = {
  /** Quote at 8 regions: at least this many times faster than the skill's sequential full table… */
  quoteSpeedupAt8: 10,
  /** …and at most one emulator round trip plus this much. */
  quoteOverheadMs: 150,
  optimality: 1,
  orchestration: 0.9,
  parkedRssMiB: { 1000: 300, 10000: 600 } as Record<number, number>,
  confirmAfterEvictionMs: 1000,
};

async function main(): Promise<void> {
  const sizes = {
    quick,
    latencyMs: num('BENCH_LATENCY_MS', 150, 150),
    quoteReps: num('BENCH_REPS', 5, 3),
    catalogues: num('BENCH_SEEDS', 50, 10),
    sagas: num('BENCH_SAGAS', 40, 20),
    parked: (process.env.BENCH_PARKED ?? (quick ? '1000' : '1000,10000')).split(',').map(Number),
    confirmed: num('BENCH_CONFIRMED', 100, 20),
    burst: num('BENCH_BURST', 100, 100),
  };
  const began = Date.now();
  const log = (m: string) => console.error(`[${((Date.now() - began) / 1000).toFixed(0)} s] ${m}`);
  // `acp worker` (the scale figure) runs what `npm install` builds: build it from these sources first.
  log('npm run build (the precompiled CLI and workflow bundle `acp worker` starts from)');
  const build = spawnSync(
    process.execPath,
    ['--import', 'tsx', join(__dirname, '..', 'scripts', 'build.ts')],
    {
      stdio: 'inherit',
    },
  );
  if (build.status !== 0) throw new Error(`npm run build failed (exit ${build.status})`);
  log(`starting Temporal dev server, emulator, bundles${quick ? ' (quick mode)' : ''}`);
  const stack = await startBenchStack();
  const results: Record<string, any> = {
    date: new Date().toISOString(),
    machine: {
      cpus: os.cpus().length,
      cpuModel: os.cpus()[0]?.model,
      memoryGiB: Math.round((os.totalmem() / 2 ** 30) * 10) / 10,
      loadAverage: os.loadavg().map((x) => Math.round(x * 10) / 10),
      node: process.version,
      platform: `${os.platform()} ${os.release()}`,
      temporalServer: 'temporal CLI dev server (SQLite), started by test/support/temporal.ts',
    },
    sizes,
    targets: TARGETS,
  };
  try {
    const acp = await stack.startWorker('acp', `bench-acp-${process.pid}`);
    log('1/6 quote time');
    results.quoteTime = await quoteTime(
      stack,
      acp.taskQueue,
      [GPU_INTENT, CPU_INTENT],
      sizes.latencyMs,
      sizes.quoteReps,
    );
    await acp.stop();
    log(`2/6 ${sizes.burst} quotes at once, documented flow-control limits`);
    results.burst = await concurrentQuotes(stack, [CPU_INTENT, GPU_INTENT], sizes.burst, sizes.latencyMs);
    log('3/6 optimality');
    // Every seed is another cloud: the optimality worker keeps no prices between quotes.
    const live = await stack.startWorker('acp', `bench-opt-${process.pid}`, { ACP_PRICE_TTL_SECONDS: '0' });
    results.optimality = await optimality(
      stack,
      live.taskQueue,
      [CPU_SMALL_INTENT, CPU_INTENT, GPU_INTENT],
      Array.from({ length: sizes.catalogues }, (_, i) => i + 1),
    );
    await live.stop();
    log('4/6 orchestration');
    results.orchestration = await orchestration(stack, sizes.sagas, sizes.sagas);
    log('5/6 scale');
    results.scale = await scale(stack, sizes.parked, sizes.confirmed, 10, 25 * 60_000);
    // The same worker with two malloc arenas (docs/quotes.md), at the first level.
    results.scaleTuned = await scale(stack, sizes.parked.slice(0, 1), 0, 10, 10 * 60_000, FEW_ARENAS);
    log('6/6 cold path');
    results.coldPath = await coldPath(stack.address);
    log('spot + recovery (docs/spot.md)');
    const spotWorker = await stack.startWorker('acp', `bench-spot-${process.pid}`);
    results.spot = await spotBench(stack, spotWorker.taskQueue, num('BENCH_SPOT_RUNS', 50, 20));
    await spotWorker.stop();
  } finally {
    results.totalSeconds = Math.round((Date.now() - began) / 1000);
    await stack.stop();
  }
  writeFileSync(join(__dirname, 'results.json'), `${JSON.stringify(results, null, 2)}\n`);
  console.log(renderTable(results));
  log('wrote bench/results.json');
}

interface Row {
  measure: string;
  acp: string;
  baseline: string;
  ratio: string;
  target: string;
  pass?: boolean;
}

export function tableRows(r: Record<string, any>): Row[] {
  const rows: Row[] = [];
  const f = (x: number | undefined, d = 0) => (x === undefined || !Number.isFinite(x) ? '—' : x.toFixed(d));
  const lat = r.sizes.latencyMs as number;
  for (const q of r.quoteTime ?? []) {
    const short = q.intent.startsWith('GPU') ? 'GPU' : 'CPU';
    const within = q.acpMs <= lat + TARGETS.quoteOverheadMs;
    rows.push({
      measure: `quote ${short} @${q.regions} regions, ms`,
      acp: `${f(q.acpMs)} (cold ${f(q.coldMs)})`,
      baseline: `${f(q.fullTableMs)} skill`,
      ratio: `${f(q.speedupVsFullTable, 1)}×`,
      target:
        q.regions === 8
          ? `≥ ${TARGETS.quoteSpeedupAt8}×, ≤ ${lat + TARGETS.quoteOverheadMs}`
          : `≤ ${lat + TARGETS.quoteOverheadMs}`,
      pass: q.regions === 8 ? q.speedupVsFullTable >= TARGETS.quoteSpeedupAt8 && within : within,
    });
    if (q.regions === 8)
      rows.push({
        measure: `  API calls, warm quote ${short} @8`,
        acp: `${q.acpCalls} (cold ${q.coldCalls})`,
        baseline: `${q.fullTableCalls} skill`,
        ratio: '',
        target: `≤ ${q.regions}`,
        pass: q.acpCalls <= q.regions,
      });
  }
  const b = r.burst;
  if (b)
    rows.push({
      measure: `${b.quotes} quotes at once, throttling seen`,
      acp: `${b.throttlingSurfaced} (${b.throttledCalls} throttled calls)`,
      baseline: `${f(b.callsPerQuote, 1)} calls/quote`,
      ratio: '',
      target: '0',
      pass: b.throttlingSurfaced === 0 && b.failedQuotes === 0,
    });
  for (const o of r.optimality ?? []) {
    rows.push({
      measure: `pick ÷ optimum, ${o.intent.replace(/,.*/, '')}`,
      acp: `${f(o.acpWorst, 3)} worst`,
      baseline: `${f(o.baselineMean, 3)} skill`,
      ratio: `${o.acpOptimal}/${o.catalogues}`,
      target: `${f(TARGETS.optimality, 3)}`,
      pass: o.acpOptimal === o.catalogues,
    });
  }
  const o = r.orchestration;
  if (o) {
    rows.push({
      measure: `orchestration, runs/s (${o.sagas} at once)`,
      acp: f(o.sagasPerSecond, 2),
      baseline: `${f(o.barePerSecond, 2)} bare`,
      ratio: f(o.ratio, 2),
      target: `≥ ${TARGETS.orchestration}`,
      pass: o.ratio >= TARGETS.orchestration,
    });
    if (o.cpuMsPerRun) {
      const { saga, bare } = o.cpuMsPerRun;
      rows.push({
        measure: '  CPU per run, dev server + worker, ms',
        acp: `${f(saga.server)} + ${f(saga.worker)}`,
        baseline: `${f(bare.server)} + ${f(bare.worker)} bare`,
        ratio: f((bare.server + bare.worker) / (saga.server + saga.worker), 2),
        target: '',
      });
    }
    // Results written before the twin with the Web UI writes have no such rows.
    if (o.writesPerSecond !== undefined) {
      const writes = o.cpuMsPerRun?.writes;
      rows.push({
        measure: "  bare + acp's Web UI writes only",
        acp: `${f(o.writesPerSecond, 2)}${writes ? ` (CPU ${f(writes.server)} + ${f(writes.worker)})` : ''}`,
        baseline: `${f(o.barePerSecond, 2)} bare`,
        ratio: f(o.ratioWrites, 2),
        target: '',
      });
      rows.push({
        measure: '  acp beyond those writes',
        acp: f(o.sagasPerSecond, 2),
        baseline: `${f(o.writesPerSecond, 2)} + writes`,
        ratio: f(o.ratioBeyondWrites, 2),
        target: '',
      });
    }
    rows.push({
      measure: '  vs no-op activities (work included)',
      acp: f(o.sagasPerSecond, 2),
      baseline: `${f(o.rawPerSecond, 2)} raw`,
      ratio: f(o.ratioNoop, 2),
      target: '',
    });
  }
  for (const l of r.scale?.levels ?? []) {
    const cap = TARGETS.parkedRssMiB[l.parked];
    rows.push({
      measure: `worker RSS, ${l.parked.toLocaleString('en')} parked, MiB`,
      acp: `${f(l.workerRssMiB)} (peak ${f(l.workerRssPeakMiB)})`,
      baseline: `${f(r.scale.workerRssIdleMiB)} idle`,
      ratio: '',
      target: cap ? `< ${cap}` : '',
      ...(cap ? { pass: l.workerRssMiB < cap } : {}),
    });
    rows.push({
      measure: `  confirm an evicted run, ms`,
      acp: f(l.confirmAfterEvictionMs),
      baseline: '',
      ratio: '',
      target: `< ${TARGETS.confirmAfterEvictionMs}`,
      pass: l.confirmAfterEvictionMs < TARGETS.confirmAfterEvictionMs,
    });
  }
  for (const l of r.scaleTuned?.levels ?? []) {
    const cap = TARGETS.parkedRssMiB[l.parked];
    rows.push({
      measure: `worker RSS, ${l.parked.toLocaleString('en')} parked, MALLOC_ARENA_MAX=2, MiB`,
      acp: `${f(l.workerRssMiB)} (peak ${f(l.workerRssPeakMiB)})`,
      baseline: `${f(r.scaleTuned.workerRssIdleMiB)} idle`,
      ratio: '',
      target: cap ? `< ${cap}` : '',
      ...(cap ? { pass: l.workerRssMiB < cap } : {}),
    });
  }
  const c = r.coldPath;
  if (c?.measured)
    rows.push({
      measure: 'cold `acp run --simulate`, s',
      acp: f(c.wallMs / 1000, 1),
      baseline: o ? `${f(o.probeMs / 1000, 1)} warm saga` : '',
      ratio: o ? `${f(c.wallMs / o.probeMs, 1)}×` : '',
      target: '',
    });
  return rows;
}

function renderTable(r: Record<string, any>): string {
  const m = r.machine;
  const rows = tableRows(r);
  const header = { measure: 'measure', acp: 'acp', baseline: 'baseline', ratio: 'ratio', target: 'target' };
  const cols = ['measure', 'acp', 'baseline', 'ratio', 'target'] as const;
  const width = Object.fromEntries(
    cols.map((k) => [k, Math.max(header[k].length, ...rows.map((row) => row[k].length))]),
  ) as Record<(typeof cols)[number], number>;
  const line = (row: Omit<Row, 'pass'>, pass: string) =>
    `${cols.map((k) => (k === 'measure' ? row[k].padEnd(width[k]) : row[k].padStart(width[k]))).join('  ')}  ${pass}`;
  const failed = rows.filter((row) => row.pass === false).length;
  return [
    `acp bench · ${r.date} · ${m.cpus} cpus (${m.cpuModel}) · ${m.memoryGiB} GiB · load ${m.loadAverage.join(' ')} · node ${m.node}${r.sizes.quick ? ' · QUICK' : ''}`,
    `emulator latency ${r.sizes.latencyMs} ms per call · ${r.sizes.quoteReps} reps (median) · ${r.sizes.catalogues} catalogues · total ${r.totalSeconds} s`,
    '',
    line(header, 'pass'),
    ...rows.map((row) => line(row, row.pass === undefined ? '' : row.pass ? 'PASS' : 'FAIL')),
    '',
    `${rows.filter((row) => row.pass === true).length} pass, ${failed} fail · details in bench/results.json`,
    ...(r.spot ? ['', ...renderSpotTable(r.spot, 2)] : []),
  ].join('\n');
}

if (require.main === module) {
  main().catch((err) => {
    console.error(err);
    process.exit(1);
  });
}
