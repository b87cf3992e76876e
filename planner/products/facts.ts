// The shape of what the planner knows about one product. Every product answers the same questions
// (what it is called, what work it runs, whether it can run this intent and if not why), so the
// parser, the decision tree and the ordering read one object instead of branching on product ids.
import type { Intent, IntentError, Product, TaskKind } from '../types';

/** Whether a product is quoted for an intent: its place among the candidates, or why not. */
export type Fit = { feasible: true; rank: number } | { feasible: false; reason: string };

/** What a request locked to a product asks of it, checked while the request is parsed. */
export type LockedRequest = Pick<Intent, 'kind' | 'cpu' | 'memoryGiB' | 'gpu' | 'durationMinutes'>;

export interface ProductFacts {
  id: Product;
  /** The name a person reads ("Function Compute"). */
  name: string;
  /** Words in free text that name the product (English and Chinese), matched on normalised text. */
  textNames: RegExp;
  /** Other spellings the `product` field accepts, lower case ("function compute" for fc). */
  fieldAliases: readonly string[];
  /** The kinds of work it runs when named; a lock asking for another kind is refused. */
  runs: readonly TaskKind[];
  /** It is Kubernetes: the only fit when the user asks for Kubernetes itself. */
  kubernetes: boolean;
  /** A spot run on it can keep a checkpoint directory across attempts (docs/spot.md). */
  checkpoints: boolean;
  /** Among options of equal price, region and start time, lower comes first. */
  tieOrder: number;
  /**
   * Whether the product is compared for this intent when none was named, and if so its rank among
   * the candidates (lower first, the order the run's status names them in); otherwise why not, shown
   * as the product's "not feasible" row.
   */
  fit(intent: Intent): Fit;
  /** A request locked to this product that asks what it cannot give: the error naming the field. */
  lockConflict?(request: LockedRequest): IntentError | undefined;
}

/** Every product's facts, by id: a product missing here does not compile. */
export type ProductCatalogue = Readonly<Record<Product, ProductFacts>>;
