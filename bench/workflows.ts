// The bench worker's workflow bundle: every acp workflow, plus the bench-only region-list quote.
export * from '../workflows';
export { quoteInRegions } from './quote-in-regions';
