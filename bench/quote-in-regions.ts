// A bench-only twin of acp's `quote` workflow that takes the region list as an argument. The planner
// only ever hands the ECS quote 5 regions (one class: mainland or overseas, DESIGN §1 step 3), so the
// 8-region figure needs this path. Everything else is acp's own code: parseIntent, candidateProducts,
// one `quoteProduct` child per product started together, sortOptions and chooseOption.
import { executeChild, workflowInfo } from '@temporalio/workflow';
import { candidateProducts, parseIntent } from '../planner';
import { chooseOption, sortOptions } from '../planner/pricing';
import type { ProvisionRequest, QuoteOption } from '../planner/types';
import { quoteProduct } from '../workflows/quote';

export interface RegionQuote {
  options: QuoteOption[];
  recommended?: number;
}

export async function quoteInRegions(request: ProvisionRequest, regions: string[]): Promise<RegionQuote> {
  const { workflowId } = workflowInfo();
  const intent = parseIntent(request);
  const products = candidateProducts(intent);
  const settled = await Promise.all(
    products.map((product) =>
      executeChild(quoteProduct, {
        workflowId: `${workflowId}/quote/${product}`,
        args: [{ product, intent, regions }],
      }),
    ),
  );
  const options = sortOptions(settled.flat());
  return { options, recommended: chooseOption(options, intent.budget).recommended };
}
