// Step 5, the comparison, inside the calling workflow: every candidate product says what it must know
// of each region, one look-up per region answers all of them at once (a local activity: no activity
// task to schedule and report, workflows/activity-options.ts), then each product turns what was
// found into its options. The whole comparison is one workflow task and one round trip to the cloud
// (docs/quotes.md). A product that cannot quote answers "not feasible: why" instead of failing, so
// one product's trouble never sinks the comparison.
import { isCancellation } from '@temporalio/workflow';
import type { RegionFindings, RegionNeeds } from '../activities/market';
import { sortOptions } from '../planner/pricing';
import { productDecisions } from '../planner/products';
import type { Intent, Product, PublicNetworkNeed, QuoteOption } from '../planner/types';
import { described, lookup, lookupOnce } from './activity-options';
import { errorSummary } from './failures';
import { runGeneration } from './patches';
import { stepsFor } from './products';
import { notFeasible as notFeasibleRow } from './products/kit';
import type { QuoteInput } from './products/types';

/** Every product's options, sorted as a person reads them (planner sortOptions, regions in order). */
export async function quoteProducts(
  intent: Intent,
  regions: string[],
  products: Product[],
  /** A public address the job needs (planner/network.ts): ECS rows carry its price. */
  network?: PublicNetworkNeed,
): Promise<QuoteOption[]> {
  const inputs = products.map(
    (product): QuoteInput => ({ product, intent, regions, ...(network ? { network } : {}) }),
  );
  const needs: RegionNeeds = Object.assign(
    {},
    ...inputs.map((input) => stepsFor(input.product).needs?.(input) ?? {}),
  );
  const found = Object.keys(needs).length > 0 ? await lookUpRegions(regions, needs) : [];
  const settled = await Promise.all(inputs.map((input) => quoteProduct(input, found)));
  // Every product shows: the ones the decision tree left out say why (unless the user named one).
  const excluded: QuoteOption[] = intent.product
    ? []
    : productDecisions(intent)
        .filter((d) => !d.candidate)
        .map((d) => ({
          ...notFeasible(
            { product: d.product, intent, regions: ['—'] },
            d.reason ?? 'not a candidate for this job',
          ),
        }));
  return sortOptions([...settled.flat(), ...excluded], regions, { spot: intent.spot });
}

/**
 * Every region at once, in one local activity: one marker in the history and one activation to resume,
 * where a look-up per region costs a command, a dispatch and a result each (docs/quotes.md). A region
 * it could not answer is asked again on its own with the look-up's retries; a region whose look-up
 * keeps failing is reported, not fatal. Runs started before this asked region by region (the patch:
 * any generation from 1 on looks up at once).
 */
async function lookUpRegions(regions: string[], needs: RegionNeeds): Promise<RegionFindings[]> {
  const asked = Object.keys(needs) as (keyof RegionNeeds)[];
  let found: RegionFindings[] = [];
  let again = regions;
  if (regions.length > 1 && runGeneration() >= 1) {
    const all = await described(
      lookupOnce.lookUpRegions,
      `Stock and prices in ${regions.join(', ')} (${asked.join(', ')})`,
      { regionIds: regions, needs },
    ).catch((err: unknown) => {
      if (isCancellation(err)) throw err;
      return undefined;
    });
    if (all) ({ found, again } = all);
  }
  const retried = await Promise.all(
    again.map((regionId) =>
      described(lookup.lookUpRegion, `Stock and prices in ${regionId} (${asked.join(', ')})`, {
        regionId,
        needs,
      }).catch((err: unknown): RegionFindings => {
        if (isCancellation(err)) throw err;
        const why = errorSummary(err).message;
        return { regionId, failed: Object.fromEntries(asked.map((need) => [need, why])) };
      }),
    ),
  );
  const byRegion = new Map([...found, ...retried].map((f) => [f.regionId, f]));
  return regions.map((regionId) => byRegion.get(regionId)!);
}

async function quoteProduct(input: QuoteInput, found: RegionFindings[]): Promise<QuoteOption[]> {
  try {
    return await stepsFor(input.product).quote(input, found);
  } catch (err) {
    if (isCancellation(err)) throw err;
    const cause = err instanceof Error && err.cause instanceof Error ? err.cause : err;
    return [notFeasible(input, cause instanceof Error ? cause.message : String(cause))];
  }
}

function notFeasible(input: QuoteInput, reason: string): QuoteOption {
  const { product, regions, intent } = input;
  return notFeasibleRow(
    { product, region: regions[0] ?? '—', durationMinutes: intent.durationMinutes },
    reason,
  );
}
