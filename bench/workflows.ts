// The bench worker's workflow bundle: every acp workflow, plus the bench-only region-list quote and
// the bare-workflow twin of a one-shot ECS run (the orchestration yardstick).
export * from '../workflows';
export { bareEcsRun } from './bare-run';
export { quoteInRegions } from './quote-in-regions';
