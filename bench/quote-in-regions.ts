// A bench-only twin of acp's `quote` workflow that takes the region list as an argument. The planner
// only ever hands the quote 5 regions (one class: mainland or overseas, step 3
// in docs/architecture.md), so the 8-region figure needs
// this path. Everything else is acp's own code: parseIntent, candidateProducts, quoteProducts (every
// product quoted at once in this workflow task) and chooseOption.
import { candidateProducts, parseIntent } from '../planner';
import { chooseOption } from '../planner/pricing';
import type { ProvisionRequest, QuoteOption } from '../planner/types';
import { quoteProducts } from '../workflows/quote';

export interface RegionQuote {
  options: QuoteOption[];
  recommended?: number;
}

export async function quoteInRegions(request: ProvisionRequest, regions: string[]): Promise<RegionQuote> {
  const intent = parseIntent(request);
  const options = await quoteProducts(intent, regions, candidateProducts(intent));
  return { options, recommended: chooseOption(options, intent.budget).recommended };
}
