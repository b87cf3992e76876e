// Patch ids of workflow code that changed the commands a run sends (docs/operators.md, upgrading
// workers). Changes made together share one id: the SDK writes a TemporalChangeVersion search
// attribute for every distinct id a run meets, a history event and a visibility write each time. A
// later change to the same code nests its id in front of the earlier one (`runGeneration`), so a new
// run meets only the newest id and pays for one.
import { patched } from '@temporalio/workflow';

/**
 * December 2026: the run state writes fewer visibility updates (workflows/run-state.ts), and a
 * comparison asks every region in one local activity (workflows/quote.ts). Runs started before
 * replay the old way.
 */
export const FEWER_WRITES_ONE_LOOK_UP = 'acp-2026-12-fewer-writes-one-look-up';

/**
 * December 2026, later: no search attributes while the run is still comparing (the comparison
 * usually ends in the workflow task it starts in, where the next status overwrites them at once),
 * and the memo is written only when the run settles (workflows/run-state.ts). Includes
 * FEWER_WRITES_ONE_LOOK_UP.
 */
export const SETTLED_MEMO = 'acp-2026-12-settled-memo';

/**
 * Which of the changes above a run took: 2 for SETTLED_MEMO, 1 for FEWER_WRITES_ONE_LOOK_UP alone,
 * 0 for neither. The newest id is asked first, so a new run records only that one; a run that took
 * an older one finds its own marker in its history.
 */
export function runGeneration(): 0 | 1 | 2 {
  if (patched(SETTLED_MEMO)) return 2;
  return patched(FEWER_WRITES_ONE_LOOK_UP) ? 1 : 0;
}
