// Figure 1b: the API budget under load. `count` quotes started at once on a fresh worker (cold price
// cache), CPU and GPU intents alternating, 8 regions, at a fixed emulator latency, with Alibaba's
// documented flow-control limits in force in the emulator (its default). Counts every call the
// emulator saw, every Throttling it answered, and every quote whose table shows a throttling error or
// that failed: what a user would see.

import type { BenchIntent } from './intents';
import { REGIONS_8 } from './intents';
import { inPool } from './pool';
import type { RegionQuote } from './quote-in-regions';
import type { BenchStack } from './stack';

export interface ConcurrentQuotesResult {
  quotes: number;
  wallMs: number;
  /** API calls the emulator answered during the burst, and per quote. */
  calls: number;
  callsPerQuote: number;
  byAction: Record<string, number>;
  /** Throttling answers the emulator gave (the client-side flow control should leave none). */
  throttledCalls: number;
  /** Quotes that failed or show a throttling error in a row: what users would see. */
  throttlingSurfaced: number;
  failedQuotes: number;
  /** Quotes whose table has no feasible option. */
  emptyQuotes: number;
}

export async function concurrentQuotes(
  stack: BenchStack,
  intents: BenchIntent[],
  count: number,
  latencyMs: number,
): Promise<ConcurrentQuotesResult> {
  await stack.useCatalogue({ kind: 'default' });
  await stack.setLatency(latencyMs);
  const worker = await stack.startWorker('acp', `bench-burst-${process.pid}-${Date.now()}`);
  try {
    await stack.clearCalls();
    const t = performance.now();
    const { results } = await inPool(count, count, async (i) => {
      const intent = intents[i % intents.length]!;
      try {
        const r: RegionQuote = await stack.client.workflow.execute('quoteInRegions', {
          taskQueue: worker.taskQueue,
          workflowId: `bench-burst-${process.pid}-${i}-${Date.now()}`,
          args: [intent.request, REGIONS_8],
        });
        return { ok: true, r };
      } catch (err) {
        return { ok: false, err: String(err) };
      }
    });
    const wallMs = performance.now() - t;
    const { calls } = (await stack.admin('/__emulator/calls')) as {
      calls: { action: string; code: string }[];
    };
    const byAction: Record<string, number> = {};
    for (const c of calls) byAction[c.action] = (byAction[c.action] ?? 0) + 1;
    const throttled = (text: string) => /Throttling/i.test(text);
    const failed = results.filter((x) => !x.ok);
    const surfaced = results.filter((x) =>
      x.ok ? x.r!.options.some((o) => throttled(o.reason ?? '')) : throttled(x.err ?? ''),
    ).length;
    return {
      quotes: count,
      wallMs,
      calls: calls.length,
      callsPerQuote: calls.length / count,
      byAction,
      throttledCalls: calls.filter((c) => throttled(c.code)).length,
      throttlingSurfaced: surfaced,
      failedQuotes: failed.length,
      emptyQuotes: results.filter((x) => x.ok && !x.r!.options.some((o) => o.feasible)).length,
    };
  } finally {
    await worker.stop();
    await stack.setLatency(0);
  }
}
