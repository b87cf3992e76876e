// `npm run bench`: every benchmark of issue 6 on one real Temporal dev server and one emulator, each
// figure a ratio against a baseline measured in the same run. Prints a table and writes
// bench/results.json (date, machine facts, every figure). Nothing here asserts on time.
//
// Sizes (env): BENCH_REPS (quote repetitions, default 3), BENCH_SEEDS (catalogues, 50),
// BENCH_SAGAS (40), BENCH_PARKED (1000), BENCH_CONFIRMED (100 of the parked run full sagas; the rest
// are rejected), BENCH_LATENCY_MS (150).
import { writeFileSync } from 'node:fs';
import os from 'node:os';
import { join } from 'node:path';
import { coldPath } from './cold-path';
import { CPU_INTENT, GPU_INTENT } from './intents';
import { optimality } from './optimality';
import { orchestration } from './orchestration';
import { quoteTime } from './quote-time';
import { scale } from './scale';
import { renderSpotTable, spotBench } from './spot';
import { startBenchStack } from './stack';

const num = (name: string, fallback: number) => Number(process.env[name] ?? fallback);

export const TARGETS = {
  quoteSpeedupAt8: 8,
  optimality: 1,
  orchestration: 0.8,
  parkedRssMiB: 300,
};

async function main(): Promise<void> {
  const sizes = {
    latencyMs: num('BENCH_LATENCY_MS', 150),
    quoteReps: num('BENCH_REPS', 3),
    catalogues: num('BENCH_SEEDS', 50),
    sagas: num('BENCH_SAGAS', 40),
    sagaConcurrency: 10,
    parked: num('BENCH_PARKED', 1000),
    confirmed: num('BENCH_CONFIRMED', 100),
  };
  const began = Date.now();
  const log = (m: string) => console.error(`[${((Date.now() - began) / 1000).toFixed(0)} s] ${m}`);
  log('starting Temporal dev server, emulator, bundles');
  const stack = await startBenchStack();
  const results: Record<string, unknown> = {
    date: new Date().toISOString(),
    machine: {
      cpus: os.cpus().length,
      cpuModel: os.cpus()[0]?.model,
      memoryGiB: Math.round((os.totalmem() / 2 ** 30) * 10) / 10,
      node: process.version,
      platform: `${os.platform()} ${os.release()}`,
      temporalServer: 'temporal CLI dev server (SQLite), started by test/support/temporal.ts',
    },
    sizes,
    targets: TARGETS,
  };
  try {
    const acp = await stack.startWorker('acp', `bench-acp-${process.pid}`);
    log('1/5 quote time');
    results.quoteTime = await quoteTime(
      stack,
      acp.taskQueue,
      [GPU_INTENT, CPU_INTENT],
      sizes.latencyMs,
      sizes.quoteReps,
    );
    log('2/5 optimality');
    results.optimality = await optimality(
      stack,
      acp.taskQueue,
      [CPU_INTENT, GPU_INTENT],
      Array.from({ length: sizes.catalogues }, (_, i) => i + 1),
    );
    await acp.stop();
    log('3/5 orchestration');
    results.orchestration = await orchestration(stack, sizes.sagas, sizes.sagaConcurrency);
    log('4/5 scale');
    results.scale = await scale(stack, sizes.parked, sizes.confirmed, sizes.sagaConcurrency, 10 * 60_000);
    log('5/5 cold path');
    results.coldPath = await coldPath(stack.address);
    log('spot + recovery');
    const spotWorker = await stack.startWorker('acp', `bench-spot-${process.pid}`);
    results.spot = await spotBench(stack, spotWorker.taskQueue, num('BENCH_SPOT_RUNS', 50));
    await spotWorker.stop();
  } finally {
    results.totalSeconds = Math.round((Date.now() - began) / 1000);
    await stack.stop();
  }
  writeFileSync(join(__dirname, 'results.json'), `${JSON.stringify(results, null, 2)}\n`);
  console.log(renderTable(results));
  log('wrote bench/results.json');
}

function renderTable(r: Record<string, any>): string {
  const lines: string[] = [];
  const f = (x: number | undefined, d = 2) => (x === undefined || Number.isNaN(x) ? '—' : x.toFixed(d));
  const m = r.machine;
  lines.push(
    `acp benchmarks · ${r.date} · ${m.cpus} cpus (${m.cpuModel}) · ${m.memoryGiB} GiB · node ${m.node}`,
  );
  lines.push('');
  lines.push(
    `1. Quote time (emulator latency ${r.sizes.latencyMs} ms per call; median of ${r.sizes.quoteReps}; speedup = skill ms ÷ acp ms; target ≥ ${TARGETS.quoteSpeedupAt8}× at 8 regions vs the full table)`,
  );
  lines.push(
    '   intent                          regions  acp ms (calls)   skill full-table ms (calls)  speedup   skill first-hit ms (calls)  speedup',
  );
  for (const q of r.quoteTime ?? []) {
    lines.push(
      `   ${q.intent.padEnd(32)} ${String(q.regions).padStart(7)}  ${f(q.acpMs, 0).padStart(6)} (${q.acpCalls})`.padEnd(
        61,
      ) +
        `${f(q.fullTableMs, 0).padStart(8)} (${q.fullTableCalls})`.padEnd(29) +
        `${f(q.speedupVsFullTable)}×`.padEnd(10) +
        `${f(q.firstHitMs, 0).padStart(8)} (${q.firstHitCalls})`.padEnd(28) +
        `${f(q.speedupVsFirstHit)}×`,
    );
  }
  lines.push(
    "   5 regions: acp `quote` workflow, planner-chosen mainland regions. 8 regions: bench/quote-in-regions.ts (acp's quote steps with a region list: the planner never yields 8).",
  );
  lines.push(
    '   The first-hit skill answers with one unchecked option after 2 calls; acp prices every fitting spec in every region.',
  );
  lines.push('');
  lines.push(
    `2. Optimality (${r.sizes.catalogues} seeded catalogues, latency 0; acp's cheapest ECS option ÷ exhaustive ECS optimum over the 5 mainland regions; target ${f(TARGETS.optimality, 3)})`,
  );
  for (const o of r.optimality ?? []) {
    lines.push(
      `   ${o.intent.padEnd(32)} acp mean ${f(o.acpMean, 3)} worst ${f(o.acpWorst, 3)} optimal ${o.acpOptimal}/${o.catalogues}   skill first-hit mean ${f(o.baselineMean, 3)} worst ${f(o.baselineWorst, 3)} optimal ${o.baselineOptimal}/${o.catalogues - o.baselineUnfit}${o.baselineUnfit ? ` (${o.baselineUnfit} unfit/unpriced)` : ''}`,
    );
    lines.push(
      `   ${''.padEnd(32)} acp's overall pick (any product) ÷ ECS optimum: mean ${f(o.acpRecommendedMean, 3)} · picks ${Object.entries(
        o.recommendedProducts,
      )
        .map(([k, v]) => `${k} ${v}`)
        .join(', ')}`,
    );
  }
  const o = r.orchestration;
  if (o) {
    lines.push('');
    lines.push(
      `3. Orchestration (latency 0, exec none; ${o.sagas} runs each, ${o.concurrency} in flight; target ≥ ${TARGETS.orchestration})`,
    );
    lines.push(
      `   one-shot ECS saga ${f(o.sagasPerSecond)}/s  ·  raw workflow with the same ${o.sagaActivities} no-op activities in the same ${o.batches.length} batches ${f(o.rawPerSecond)}/s  ·  ratio ${f(o.ratio)}`,
    );
  }
  const s = r.scale;
  if (s) {
    lines.push('');
    lines.push(
      `4. Scale (worker in a child process, RSS = /proc VmRSS; target < ${TARGETS.parkedRssMiB} MB at 1,000 parked)`,
    );
    lines.push(
      `   ${s.parked} parked in ${f(s.parkMs / 1000, 1)} s · worker RSS idle ${f(s.workerRssIdleMiB, 0)} MiB → parked ${f(s.workerRssParkedMiB, 0)} MiB (peak ${f(s.workerRssPeakMiB, 0)}) · +${f(((s.workerRssParkedMiB - s.workerRssIdleMiB) / Math.max(1, s.parked)) * 1024, 0)} KiB per parked run`,
    );
    lines.push(
      `   confirmed ${s.confirmed} (${s.confirmConcurrency} in flight) → ${s.confirmedSucceeded} SUCCEEDED in ${f(s.confirmDrainMs / 1000, 1)} s (${f(s.sagasPerSecond)} sagas/s) · rejected ${s.rejected} drained in ${f(s.rejectDrainMs / 1000, 1)} s${s.note ? ` · ${s.note}` : ''}`,
    );
  }
  const c = r.coldPath;
  if (c) {
    lines.push('');
    lines.push(
      c.measured
        ? `5. Cold path: \`${c.command}\` ${f(c.wallMs / 1000, 1)} s wall (${f(c.wallMs / (o?.probeMs ?? Number.NaN), 1)}× one warm saga of ${f((o?.probeMs ?? Number.NaN) / 1000, 1)} s)`
        : `5. Cold path: not measured — ${c.reason}`,
    );
  }
  const spot = renderSpotTable(r.spot, 6);
  if (spot.length > 0) lines.push('', ...spot);
  lines.push('');
  lines.push(`total ${r.totalSeconds} s`);
  return lines.join('\n');
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
