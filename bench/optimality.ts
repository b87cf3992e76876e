// Figure 2: on seeded random clouds (prices ±30 %, regional promotions cutting one (region, type) in
// eight to 35–60 %, a quarter of (zone, type) pairs sold out), the true cost of acp's pick ÷ the true
// cheapest feasible way to run the job, both priced by the independent exhaustive search
// (bench/exhaustive.ts, no acp code). Also acp's cheapest option of each product ÷ that product's
// optimum (the spec choice inside a product, which the overall pick can hide behind a cheaper
// product), and the skill's first hit ÷ the optimum. Latency 0; the 5 mainland regions.
import { runResult } from '../client/runs';
import { skillSearch } from './baseline-skill';
import { type Optimum, type Placement, trueCheapest } from './exhaustive';
import { type BenchIntent, REGIONS_5 } from './intents';
import type { BenchStack } from './stack';

/** The parts of acp's quote result this figure reads (the `quote` workflow's ProvisionResult). */
interface AcpQuote {
  options: {
    product: string;
    region: string;
    spec: string;
    estimatedTotal: number;
    feasible: boolean;
    spot?: boolean;
    alternative?: boolean;
  }[];
  recommended?: number;
}

export interface OptimalityRow {
  intent: string;
  catalogues: number;
  /** True cost of acp's recommended option ÷ the true cheapest (1 = optimal). */
  acpMean: number;
  acpWorst: number;
  acpOptimal: number;
  /** Catalogues whose optimum is not among the 4 smallest fitting types (nor FC). */
  beyondSmallest: number;
  /** Per product: acp's cheapest regular option ÷ that product's optimum. */
  perProduct: Record<string, { mean: number; worst: number; optimal: number; n: number }>;
  /** acp's estimate of its pick = its true cost (the quote is not only the right pick, but right). */
  estimateExact: number;
  picks: Record<string, number>;
  baselineMean: number;
  baselineWorst: number;
  baselineOptimal: number;
  /** Catalogues where the skill's first hit had no price. */
  baselineUnpriced: number;
  misses: { seed: number; acp: string; best: string }[];
}

const key = (p: { product: string; region?: string; regionId?: string; spec: string }) =>
  p.product === 'fc' ? 'fc' : `${p.product}/${p.regionId ?? p.region}/${p.spec}`;

/** What the exhaustive search says an acp option really costs (undefined: it does not fit). */
function truthOf(opt: Optimum, pick: AcpQuote['options'][number]): Placement | undefined {
  return opt.all.find((p) => key(p) === key(pick));
}

export async function optimality(
  stack: BenchStack,
  taskQueue: string,
  intents: BenchIntent[],
  seeds: number[],
): Promise<OptimalityRow[]> {
  const acc = intents.map(() => ({
    acp: [] as number[],
    perProduct: {} as Record<string, number[]>,
    exact: 0,
    beyond: 0,
    base: [] as number[],
    unpriced: 0,
    picks: {} as Record<string, number>,
    misses: [] as OptimalityRow['misses'],
  }));
  const target = {
    endpoint: stack.emulator.endpoint,
    accessKeyId: stack.emulator.accessKeyId,
    accessKeySecret: stack.emulator.accessKeySecret,
  };
  for (const seed of seeds) {
    await stack.useCatalogue({ kind: 'seed', seed, promotions: true });
    await stack.setLatency(0);
    for (const [i, intent] of intents.entries()) {
      const a = acc[i]!;
      const opt = await trueCheapest(target, intent.job, REGIONS_5);
      const best = opt.best;
      if (!best) throw new Error(`seed ${seed}: nothing can run ${intent.name}`);
      if (best.product !== 'fc' && !opt.fittingSmallestFirst.slice(0, 4).includes(best.spec)) a.beyond += 1;
      // A quote that ends OVER_BUDGET fails its workflow with the same document: read it either way.
      const quote: AcpQuote = await runResult(
        await stack.client.workflow.start('quote', {
          taskQueue,
          workflowId: `bench-opt-${process.pid}-${seed}-${i}`,
          args: [intent.request],
        }),
      );
      const pick = quote.recommended !== undefined ? quote.options[quote.recommended] : undefined;
      const truth = pick ? truthOf(opt, pick) : undefined;
      const ratio = truth ? truth.total / best.total : Number.POSITIVE_INFINITY;
      a.acp.push(ratio);
      if (pick) a.picks[pick.product] = (a.picks[pick.product] ?? 0) + 1;
      if (pick && truth && Math.abs(pick.estimatedTotal - truth.total) < 0.005) a.exact += 1;
      if (ratio > 1 + 1e-9)
        a.misses.push({
          seed,
          acp: pick
            ? `${pick.product} ${pick.spec} ${pick.region} ${truth?.total ?? 'does not fit'}`
            : 'none',
          best: `${best.product} ${best.spec} ${best.regionId} ${best.total}`,
        });
      for (const [product, optimum] of Object.entries(opt.byProduct)) {
        const mine = quote.options
          .filter((o) => o.product === product && o.feasible && !o.spot && !o.alternative)
          .map((o) => truthOf(opt, o)?.total ?? Number.POSITIVE_INFINITY)
          .sort((x, y) => x - y)[0];
        // A product acp does not offer for this job (PAI-DLC for a script) has no figure.
        if (mine === undefined && !quote.options.some((o) => o.product === product)) continue;
        const ratios = a.perProduct[product] ?? [];
        ratios.push((mine ?? Number.POSITIVE_INFINITY) / optimum!.total);
        a.perProduct[product] = ratios;
      }
      const skill = await skillSearch(stack.clients, {
        ...intent.skill,
        regions: REGIONS_5,
        mode: 'first-hit',
      });
      const hit = skill.first;
      if (!hit || hit.pricePerHour === undefined) a.unpriced += 1;
      else a.base.push(Math.round(((hit.pricePerHour * intent.job.minutes) / 60) * 100) / 100 / best.total);
    }
  }
  const mean = (xs: number[]) => xs.reduce((s, x) => s + x, 0) / Math.max(1, xs.length);
  const optimal = (xs: number[]) => xs.filter((x) => x <= 1 + 1e-9).length;
  return intents.map((intent, i) => {
    const a = acc[i]!;
    const row: OptimalityRow = {
      intent: intent.name,
      catalogues: seeds.length,
      acpMean: mean(a.acp),
      acpWorst: Math.max(...a.acp),
      acpOptimal: optimal(a.acp),
      beyondSmallest: a.beyond,
      perProduct: Object.fromEntries(
        Object.entries(a.perProduct).map(([p, xs]) => [
          p,
          { mean: mean(xs), worst: Math.max(...xs), optimal: optimal(xs), n: xs.length },
        ]),
      ),
      estimateExact: a.exact,
      picks: a.picks,
      baselineMean: mean(a.base),
      baselineWorst: a.base.length > 0 ? Math.max(...a.base) : Number.NaN,
      baselineOptimal: optimal(a.base),
      baselineUnpriced: a.unpriced,
      misses: a.misses,
    };
    console.error(
      `  optimality ${row.intent}: acp mean ${row.acpMean.toFixed(3)} worst ${row.acpWorst.toFixed(3)} (optimal ${row.acpOptimal}/${row.catalogues}; ${row.beyondSmallest} optima beyond the 4 smallest types), skill mean ${row.baselineMean.toFixed(3)}`,
    );
    return row;
  });
}
