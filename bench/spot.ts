// Spot + recovery vs pay-as-you-go (docs/spot.md): for a 4-hour CPU job and a 2-hour A10 job, acp's
// own `quote` workflow prices both on the default catalogue (spot rows from DescribePrice with
// SpotStrategy, risk from DescribeSpotAdvice), then 50 seeded runs of each are played over simulated
// time with the recovery policy the workflow uses (planner/spot.ts nextRecovery): reclaims arrive at
// a seeded rate while a script runs, each reclaim loses the work done and pays a new start, the next
// attempt goes where nextRecovery sends it, and after the retry limit the run falls back to
// pay-as-you-go (as a person allows at confirmation). How this maps to a real run: the prices and the
// placements are what acp would choose; what is simulated is only the time between reclaims (a real
// run notices a reclaim through DescribeInstances within one poll, ≤ 30 s, and releases at once).
// Standalone: `node --import tsx bench/spot.ts`; `npm run bench` runs it too.
import { seededRng } from '../emulator/rng';
import { type AttemptRecord, DEFAULT_SPOT_RECOVERIES, nextRecovery } from '../planner/spot';
import type { ProvisionRequest, QuoteOption } from '../planner/types';
import type { ProvisionResult } from '../workflows/messages';
import type { BenchStack } from './stack';

export interface SpotBenchRow {
  job: string;
  runs: number;
  /** Reclaims per hour of running drawn for every attempt. */
  reclaimsPerHour: number;
  payg: { spec: string; region: string; total: number };
  spot: { spec: string; zone: string; hourly: number; quotedExpectedTotal: number };
  meanCost: number;
  worstCost: number;
  /** mean spot + recovery cost ÷ pay-as-you-go. */
  ratio: number;
  completed: number;
  meanAttempts: number;
  maxAttempts: number;
  fallbacks: number;
  meanHours: number;
}

export const SPOT_JOBS: { name: string; request: ProvisionRequest }[] = [
  {
    name: 'CPU 8 vCPU 16 GiB, 4 h',
    request: {
      cpu: 8,
      memoryGiB: 16,
      durationMinutes: 240,
      spot: true,
      script: { content: 'echo crunching' },
    },
  },
  {
    name: 'GPU 1× A10, 2 h',
    request: {
      intent: 'fine-tune a model on 1x A10 for 2 hours',
      product: 'ecs',
      spot: true,
      script: { content: 'import torch\nprint(torch.cuda.is_available())\ntrainer.train()\n' },
    },
  },
];

/** A notice is seen within one poll; the instance bills until acp releases it. */
const DETECTION_MINUTES = 0.5;

/** One seeded run of `job` over simulated time; returns its attempts. */
export function simulateRun(
  chosen: QuoteOption,
  options: QuoteOption[],
  durationMinutes: number,
  reclaimsPerHour: number,
  seed: number,
): { attempts: AttemptRecord[]; completed: boolean; hours: number } {
  const draw = seededRng(seed);
  const attempts: AttemptRecord[] = [];
  let option = chosen;
  let skip = new Set<string>();
  let hours = 0;
  for (let n = 1; n <= 50; n++) {
    const startup = option.readyInSeconds / 3600;
    const work = durationMinutes / 60;
    // Exponential time to the next reclaim while the script runs; pay-as-you-go is never reclaimed.
    const until = option.spot && reclaimsPerHour > 0 ? -Math.log(1 - draw()) / reclaimsPerHour : Infinity;
    const reclaimed = until < work;
    const billed = startup + (reclaimed ? until + DETECTION_MINUTES / 60 : work);
    hours += billed;
    const zoneId = option.zone;
    attempts.push({
      n,
      product: option.product,
      regionId: option.region,
      ...(zoneId ? { zoneId } : {}),
      spec: option.spec,
      spot: !!option.spot,
      hourly: option.unitPricePerHour,
      startedAt: '',
      cost: option.unitPricePerHour * billed,
      ended: reclaimed ? 'reclaimed' : 'finished',
    });
    if (!reclaimed) return { attempts, completed: true, hours };
    const step = nextRecovery(
      chosen,
      options,
      attempts,
      {
        maxRecoveries: DEFAULT_SPOT_RECOVERIES,
        fallback: true,
      },
      skip,
    );
    if (step.kind === 'give-up') return { attempts, completed: false, hours };
    if (step.kind === 'fallback') option = step.option;
    else {
      const p = step.placement;
      option = { ...p.option, ...(p.zoneId ? { zone: p.zoneId } : {}) };
    }
    skip = new Set(
      attempts
        .filter((a) => a.ended === 'reclaimed')
        .map((a) => `${a.regionId}/${a.zoneId ?? '-'}/${a.spec}`),
    );
  }
  return { attempts, completed: false, hours };
}

export async function spotBench(
  stack: BenchStack,
  taskQueue: string,
  runs = 50,
  reclaimsPerHour = 0.25,
): Promise<SpotBenchRow[]> {
  await stack.useCatalogue({ kind: 'default' });
  await stack.setLatency(0);
  const rows: SpotBenchRow[] = [];
  for (const [i, job] of SPOT_JOBS.entries()) {
    const quote: ProvisionResult = await stack.client.workflow.execute('quote', {
      taskQueue,
      workflowId: `bench-spot-${process.pid}-${i}`,
      args: [job.request],
    });
    const feasible = quote.options.filter((o) => o.feasible);
    const chosen = quote.recommended !== undefined ? quote.options[quote.recommended] : undefined;
    const payg = feasible
      .filter((o) => !o.spot && !o.alternative && o.product === chosen?.product)
      .sort((a, b) => a.estimatedTotal - b.estimatedTotal)[0];
    if (!chosen?.spot || !payg) throw new Error(`${job.name}: no spot recommendation (${quote.message})`);
    const duration = chosen.durationMinutes;
    const results = Array.from({ length: runs }, (_, seed) =>
      simulateRun(chosen, quote.options, duration, reclaimsPerHour, seed + 1),
    );
    const costs = results.map((r) => r.attempts.reduce((s, a) => s + a.cost, 0));
    const mean = (xs: number[]) => xs.reduce((s, x) => s + x, 0) / xs.length;
    rows.push({
      job: job.name,
      runs,
      reclaimsPerHour,
      payg: { spec: payg.spec, region: payg.region, total: payg.estimatedTotal },
      spot: {
        spec: chosen.spec,
        zone: chosen.zone ?? chosen.region,
        hourly: chosen.unitPricePerHour,
        quotedExpectedTotal: chosen.estimatedTotal,
      },
      meanCost: mean(costs),
      worstCost: Math.max(...costs),
      ratio: mean(costs) / payg.estimatedTotal,
      completed: results.filter((r) => r.completed).length,
      meanAttempts: mean(results.map((r) => r.attempts.length)),
      maxAttempts: Math.max(...results.map((r) => r.attempts.length)),
      fallbacks: results.filter((r) => r.attempts.some((a) => !a.spot)).length,
      meanHours: mean(results.map((r) => r.hours)),
    });
  }
  return rows;
}

export function renderSpotTable(rows: SpotBenchRow[] | undefined, n: number): string[] {
  if (!rows) return [];
  const f = (x: number, d = 2) => x.toFixed(d);
  const lines = [
    `${n}. Spot + recovery vs pay-as-you-go (default catalogue; ${rows[0]?.runs ?? 0} seeded runs per job at ${rows[0]?.reclaimsPerHour ?? 0} reclaims per hour of running; recovery as the workflow does it, fallback to pay-as-you-go after ${DEFAULT_SPOT_RECOVERIES} re-runs)`,
  ];
  for (const r of rows) {
    lines.push(
      `   ${r.job.padEnd(24)} spot ${r.spot.spec} ${r.spot.zone} CNY ${f(r.spot.hourly, 4)}/h · mean CNY ${f(r.meanCost)} (worst ${f(r.worstCost)}, quoted expected ${f(r.spot.quotedExpectedTotal)}) vs pay-as-you-go ${r.payg.spec} CNY ${f(r.payg.total)} · ratio ${f(r.ratio, 3)} · completed ${r.completed}/${r.runs} · attempts mean ${f(r.meanAttempts)} max ${r.maxAttempts} · fallbacks ${r.fallbacks}`,
    );
  }
  return lines;
}

if (require.main === module) {
  void (async () => {
    const { startBenchStack } = await import('./stack');
    const stack = await startBenchStack();
    try {
      const acp = await stack.startWorker('acp', `bench-spot-${process.pid}`);
      const rows = await spotBench(stack, acp.taskQueue, Number(process.env.BENCH_SPOT_RUNS ?? 50));
      await acp.stop();
      console.log(renderSpotTable(rows, 6).join('\n'));
      console.log(JSON.stringify(rows, null, 2));
    } finally {
      await stack.stop();
    }
  })().catch((err) => {
    console.error(err);
    process.exit(1);
  });
}
