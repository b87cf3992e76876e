// The planner: pure decisions (no I/O, no clock, no randomness), safe to import from workflow code.

export * from './durations';
export * from './fetches';
export * from './intent';
export * from './pricing';
export * from './products';
export * from './region';
export * from './script-kind';
export * from './scripts';
export * from './specs';
export * from './types';
