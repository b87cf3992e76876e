// The products acp can run, by id. The provision workflow looks a product up here and never
// branches on which one it is.
import type { Product } from '../../planner/types';
import { ack } from './ack';
import { ecs } from './ecs';
import { fc } from './fc';
import { pai } from './pai';
import type { ProductSteps } from './types';

/** A full record: a product in PRODUCTS (planner/types.ts) without its steps here does not compile. */
export const PRODUCT_STEPS: Record<Product, ProductSteps> = { ecs, fc, pai, ack };

export function stepsFor(product: Product): ProductSteps {
  return PRODUCT_STEPS[product];
}
