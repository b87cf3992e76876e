// What the planner knows about each product and which of them may run a job.
//
// A new product, on the planner's side: its id in PRODUCTS (planner/types.ts), its facts in
// planner/products/<product>.ts (names, the work it runs, fit() with the reason it does not fit,
// tie order, checkpoints or not, the limits a lock on it enforces) and one line in registry.ts,
// which the compiler asks for. The parser, the decision tree and the ordering read the facts; none lists products itself.
export * from './candidates';
export * from './facts';
export { FC_LIMITS, type FcFit, fcFit } from './fc';
export { PRODUCT_FACTS } from './registry';
