// One child workflow per candidate product (`<workflowId>/quote/<product>`), started together by the
// parent. A child that cannot quote answers "not feasible: why" instead of failing, so one product's
// trouble never sinks the comparison.
import type { QuoteOption } from '../planner/types';
import { stepsFor } from './products';
import type { QuoteInput } from './products/types';

export async function quoteProduct(input: QuoteInput): Promise<QuoteOption[]> {
  const steps = stepsFor(input.product);
  if (!steps) {
    return [notFeasible(input, `acp cannot provision ${input.product} yet`)];
  }
  try {
    return await steps.quote(input);
  } catch (err) {
    const cause = err instanceof Error && err.cause instanceof Error ? err.cause : err;
    return [notFeasible(input, cause instanceof Error ? cause.message : String(cause))];
  }
}

function notFeasible(input: QuoteInput, reason: string): QuoteOption {
  return {
    product: input.product,
    region: input.regions[0] ?? '—',
    spec: '—',
    unitPricePerHour: 0,
    durationMinutes: input.intent.durationMinutes,
    estimatedTotal: 0,
    readyInSeconds: 0,
    resources: [],
    cleanup: '',
    feasible: false,
    reason,
  };
}
