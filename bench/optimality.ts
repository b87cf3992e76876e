// Figure 2: on seeded random catalogues (prices ±30 %, a quarter of (zone, type) pairs sold out),
// acp's recommended total ÷ the exhaustive optimum, and the skill's first hit ÷ the same optimum.
// Latency 0. Regions: the 5 mainland regions both acp's planner and the skill's default list use.

import { runResult } from '../client/run-result';
import { parseIntent } from '../planner';
import { estimateTotal } from '../planner/pricing';
import { fitsIntent } from '../planner/specs';
import type { ProvisionResult } from '../workflows/messages';
import { skillSearch } from './baseline-skill';
import { cheapestFeasible } from './exhaustive';
import { type BenchIntent, REGIONS_5 } from './intents';
import type { BenchStack } from './stack';

export interface OptimalityRow {
  intent: string;
  catalogues: number;
  /** acp's cheapest ECS option ÷ the exhaustive ECS optimum. */
  acpMean: number;
  acpWorst: number;
  acpOptimal: number;
  baselineMean: number;
  baselineWorst: number;
  baselineOptimal: number;
  /** Catalogues where the skill's first hit did not fit the intent or had no price. */
  baselineUnfit: number;
  /** acp's overall recommendation (any product) ÷ the ECS optimum; < 1 when another product is cheaper. */
  acpRecommendedMean: number;
  recommendedProducts: Record<string, number>;
  acpMisses: { seed: number; acp: string; best: string }[];
}

export async function optimality(
  stack: BenchStack,
  taskQueue: string,
  intents: BenchIntent[],
  seeds: number[],
): Promise<OptimalityRow[]> {
  const rows: OptimalityRow[] = [];
  for (const intent of intents) {
    const parsed = parseIntent(intent.request);
    const acp: number[] = [];
    const base: number[] = [];
    const overall: number[] = [];
    const products: Record<string, number> = {};
    let unfit = 0;
    const misses: OptimalityRow['acpMisses'] = [];
    for (const seed of seeds) {
      await stack.useCatalogue({ kind: 'seed', seed });
      await stack.setLatency(0);
      const { best } = await cheapestFeasible(stack.clients, parsed, REGIONS_5);
      if (!best) throw new Error(`seed ${seed}: nothing feasible for ${intent.name}`);
      const quote: ProvisionResult = await runResult(
        await stack.client.workflow.start('quote', {
          taskQueue,
          workflowId: `bench-opt-${process.pid}-${seed}-${rows.length}`,
          args: [intent.request],
        }),
      );
      // The exhaustive search covers the ECS catalogue, so the figure is acp's ECS choice (its cheapest
      // regular ECS option); the overall recommendation may be another product and is reported apart.
      const recommended = quote.recommended !== undefined ? quote.options[quote.recommended] : undefined;
      if (recommended) {
        overall.push(recommended.estimatedTotal / best.total);
        products[recommended.product] = (products[recommended.product] ?? 0) + 1;
      }
      const chosen = quote.options
        .filter((o) => o.product === 'ecs' && o.feasible && !o.spot && !o.alternative)
        .sort((a, b) => a.estimatedTotal - b.estimatedTotal)[0];
      acp.push(chosen ? chosen.estimatedTotal / best.total : Number.POSITIVE_INFINITY);
      if (!chosen || chosen.estimatedTotal > best.total)
        misses.push({
          seed,
          acp: chosen ? `${chosen.spec} ${chosen.region} ${chosen.estimatedTotal}` : 'none',
          best: `${best.instanceType} ${best.regionId} ${best.total}`,
        });
      const skill = await skillSearch(stack.clients, {
        ...intent.skill,
        regions: REGIONS_5,
        mode: 'first-hit',
      });
      const hit = skill.first;
      const facts = hit && stack.emulator.world.catalogue.instanceType(hit.instanceType);
      if (!hit || hit.pricePerHour === undefined || !facts || !fitsIntent(facts, parsed)) {
        unfit += 1;
        continue;
      }
      base.push(estimateTotal(hit.pricePerHour, parsed.durationMinutes) / best.total);
    }
    const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / Math.max(1, xs.length);
    const optimal = (xs: number[]) => xs.filter((x) => x <= 1 + 1e-9).length;
    const row: OptimalityRow = {
      intent: intent.name,
      catalogues: seeds.length,
      acpMean: mean(acp),
      acpWorst: Math.max(...acp),
      acpOptimal: optimal(acp),
      baselineMean: mean(base),
      baselineWorst: base.length > 0 ? Math.max(...base) : Number.NaN,
      baselineOptimal: optimal(base),
      baselineUnfit: unfit,
      acpRecommendedMean: mean(overall),
      recommendedProducts: products,
      acpMisses: misses,
    };
    rows.push(row);
    console.error(
      `  optimality ${intent.name}: acp mean ${row.acpMean.toFixed(3)} (optimal ${row.acpOptimal}/${seeds.length}), skill mean ${row.baselineMean.toFixed(3)} (optimal ${row.baselineOptimal})`,
    );
  }
  return rows;
}
