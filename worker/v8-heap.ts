// How much memory V8 keeps around the worker's live data. Left to itself on a machine with gigabytes,
// V8 lets each heap grow to about four times what survived its last full collection and young-object
// space to 32 MB, in the main thread and again in the workflow thread: a worker holding ~140 MB of
// live data sat at 550 MB resident with 1,000 runs parked. A worker is long-lived and mostly waits,
// so `acp worker` trades a little collection work for memory (docs/quotes.md, "Runs that wait for a
// person"). Flags set at run time reach the main thread's collector at once and the workflow thread's
// heap when it is created; young space only stops growing from where it is, so `acp worker` sets them
// first thing (client/cli.ts), before it loads the commands' code.
import v8 from 'node:v8';

/**
 * Old space grows to 1.1× what survived the last full collection (1.3×, V8's factor for small heaps,
 * held 12 MB more with 1,000 runs parked); young space stays at 1 MB per semi-space: the main thread's
 * stops growing, the workflow thread's is created that size. The cost is collection work: replaying
 * an evicted run and running sagas are slower (docs/quotes.md has the figures).
 */
export const WORKER_V8_FLAGS = [
  '--heap-growing-percent=10',
  '--semi-space-growth-factor=1',
  '--max-semi-space-size=1',
] as const;

/** Flags an operator may set to size the heaps themselves (NODE_OPTIONS or node's arguments). */
const OPERATOR_HEAP_FLAG =
  /--(max-old-space-size|max-semi-space-size|min-semi-space-size|max-heap-size|heap-growing-percent|semi-space-growth-factor)\b/;

/**
 * Applies WORKER_V8_FLAGS unless the operator sized the heaps themselves. Returns the flags applied
 * (none when the operator's own win).
 */
export function tuneHeapForWorker(
  env: NodeJS.ProcessEnv = process.env,
  execArgv: readonly string[] = process.execArgv,
): readonly string[] {
  if (OPERATOR_HEAP_FLAG.test(`${env.NODE_OPTIONS ?? ''} ${execArgv.join(' ')}`)) return [];
  for (const flag of WORKER_V8_FLAGS) v8.setFlagsFromString(flag);
  return WORKER_V8_FLAGS;
}
