// Figure 1: wall time to a full quote table, acp (the `quote` workflow through a real worker) vs the
// skill's sequential search, at a fixed per-call emulator latency. acp's figure is its warm quote (the
// worker's price cache holds the prices; stock is asked live); its first, cold quote is reported too.
import { runResult } from '../client/runs';
import { estimateTotal } from '../planner/pricing';
import type { ProvisionResult } from '../workflows/messages';
import { skillSearch } from './baseline-skill';
import { type BenchIntent, REGIONS_5, REGIONS_8 } from './intents';
import type { RegionQuote } from './quote-in-regions';
import type { BenchStack } from './stack';

export interface QuoteTimeRow {
  intent: string;
  regions: number;
  acpPath: string;
  acpMs: number;
  acpCalls: number;
  acpCallsByAction: Record<string, number>;
  /** The first quote of this intent and region list on the worker: prices not cached yet. */
  coldMs: number;
  coldCalls: number;
  acpOptions: number;
  acpCheapest?: { spec: string; region: string; total: number };
  firstHitMs: number;
  firstHitCalls: number;
  firstHit?: { spec: string; region: string; total?: number };
  fullTableMs: number;
  fullTableCalls: number;
  /** baseline ms ÷ acp ms: how many times faster acp is. */
  speedupVsFullTable: number;
  speedupVsFirstHit: number;
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

export async function quoteTime(
  stack: BenchStack,
  taskQueue: string,
  intents: BenchIntent[],
  latencyMs: number,
  reps: number,
): Promise<QuoteTimeRow[]> {
  await stack.useCatalogue({ kind: 'default' });
  await stack.setLatency(latencyMs);
  let n = 0;
  const rows: QuoteTimeRow[] = [];

  const runAcp = async (intent: BenchIntent, regions: string[]) => {
    n += 1;
    const workflowId = `bench-quote-${process.pid}-${n}`;
    if (regions.length === 5) {
      // acp's own `quote` workflow: the planner picks the 5 mainland regions for these intents.
      const r: ProvisionResult = await runResult(
        await stack.client.workflow.start('quote', { taskQueue, workflowId, args: [intent.request] }),
      );
      if (r.region?.region !== regions[0] || (r.region?.fallbacks.length ?? 0) !== 4)
        throw new Error(`the planner chose ${r.region?.region} + ${r.region?.fallbacks}, not the 5 mainland`);
      return { options: r.options, recommended: r.recommended };
    }
    const r: RegionQuote = await stack.client.workflow.execute('quoteInRegions', {
      taskQueue,
      workflowId,
      args: [intent.request, regions],
    });
    return r;
  };

  for (const intent of intents) {
    for (const regions of [REGIONS_5, REGIONS_8]) {
      // The first pass of each path is the cold one: connections, JIT, the worker's price cache.
      await stack.settle();
      await stack.clearCalls();
      const tCold = performance.now();
      await runAcp(intent, regions);
      const coldMs = performance.now() - tCold;
      const coldCalls = (await stack.calls()).total;
      await skillSearch(stack.clients, { ...intent.skill, regions, mode: 'full-table' });
      const acp: number[] = [];
      const first: number[] = [];
      const full: number[] = [];
      let acpCalls = { total: 0, byAction: {} as Record<string, number> };
      let firstCalls = 0;
      let fullCalls = 0;
      let quote: Awaited<ReturnType<typeof runAcp>> | undefined;
      let firstHit: Awaited<ReturnType<typeof skillSearch>> | undefined;
      for (let i = 0; i < reps; i++) {
        await stack.clearCalls();
        let t = performance.now();
        quote = await runAcp(intent, regions);
        acp.push(performance.now() - t);
        acpCalls = await stack.calls();

        await stack.clearCalls();
        t = performance.now();
        firstHit = await skillSearch(stack.clients, { ...intent.skill, regions, mode: 'first-hit' });
        first.push(performance.now() - t);
        firstCalls = (await stack.calls()).total;

        await stack.clearCalls();
        t = performance.now();
        await skillSearch(stack.clients, { ...intent.skill, regions, mode: 'full-table' });
        full.push(performance.now() - t);
        fullCalls = (await stack.calls()).total;
      }
      const best = quote?.recommended !== undefined ? quote.options[quote.recommended] : undefined;
      const duration = quote?.options[0]?.durationMinutes ?? 60;
      const hit = firstHit?.first;
      const row: QuoteTimeRow = {
        intent: intent.name,
        regions: regions.length,
        acpPath: regions.length === 5 ? 'quote workflow (planner regions)' : 'quoteInRegions (bench-only)',
        acpMs: median(acp),
        acpCalls: acpCalls.total,
        acpCallsByAction: acpCalls.byAction,
        coldMs,
        coldCalls,
        acpOptions: quote?.options.filter((o) => o.feasible).length ?? 0,
        ...(best
          ? { acpCheapest: { spec: best.spec, region: best.region, total: best.estimatedTotal } }
          : {}),
        firstHitMs: median(first),
        firstHitCalls: firstCalls,
        ...(hit
          ? {
              firstHit: {
                spec: hit.instanceType,
                region: hit.regionId,
                ...(hit.pricePerHour !== undefined
                  ? { total: estimateTotal(hit.pricePerHour, duration) }
                  : {}),
              },
            }
          : {}),
        fullTableMs: median(full),
        fullTableCalls: fullCalls,
        speedupVsFullTable: median(full) / median(acp),
        speedupVsFirstHit: median(first) / median(acp),
      };
      rows.push(row);
      console.error(
        `  quote ${intent.name} @${regions.length}: acp ${row.acpMs.toFixed(0)} ms (${row.acpCalls} calls; cold ${row.coldMs.toFixed(0)} ms, ${row.coldCalls} calls), skill full ${row.fullTableMs.toFixed(0)} ms (${row.fullTableCalls}), first-hit ${row.firstHitMs.toFixed(0)} ms (${row.firstHitCalls})`,
      );
    }
  }
  await stack.setLatency(0);
  return rows;
}
