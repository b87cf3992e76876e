// Patch ids of workflow code that changed the commands a run sends (docs/operators.md, upgrading
// workers). Changes made together share one id: the SDK writes a TemporalChangeVersion search
// attribute for every distinct id a run meets, a history event and a visibility write each time.

/**
 * December 2026: the run state writes fewer visibility updates (workflows/run-state.ts), and a
 * comparison asks every region in one local activity (workflows/quote.ts). Runs started before
 * replay the old way.
 */
export const FEWER_WRITES_ONE_LOOK_UP = 'acp-2026-12-fewer-writes-one-look-up';
