// Every product the planner knows, by id. Typed as a full record: a product added to PRODUCTS
// (planner/types.ts) without its facts here does not compile.

import { ack } from './ack';
import { ecs } from './ecs';
import type { ProductCatalogue } from './facts';
import { fc } from './fc';
import { pai } from './pai';

/** In the order products are listed to a person (PRODUCTS). */
export const PRODUCT_FACTS: ProductCatalogue = { ecs, fc, ack, pai };
