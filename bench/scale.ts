// Figure 4: provision runs parked at AWAITING_CONFIRMATION on one `acp worker` process, started as an
// operator starts it (RSS is its /proc VmRSS), at each level of `levels` (1,000 then 10,000); at each level, how long a parked
// run that the worker had evicted from its cache takes to accept a confirmation (the `approve` update
// returns once the run has replayed its history and taken the answer); then a share confirmed and
// drained as full sagas, a hundred rejected and drained, and the rest terminated (cleanup).
import { runResult } from '../client/runs';
import { approveUpdate, rejectSignal } from '../workflows/messages';
import { inPool } from './pool';
import type { BenchStack } from './stack';

export interface ParkedLevel {
  parked: number;
  parkMs: number;
  workerRssMiB: number;
  workerRssPeakMiB: number;
  /** Median ms from `approve` sent to accepted, for runs parked long before (evicted). */
  confirmAfterEvictionMs: number;
  confirmSamplesMs: number[];
}

export interface ScaleResult {
  levels: ParkedLevel[];
  workerEnv: Record<string, string>;
  workerRssIdleMiB: number;
  maxCachedWorkflows: unknown;
  confirmed: number;
  confirmConcurrency: number;
  confirmDrainMs: number;
  confirmedSucceeded: number;
  sagasPerSecond: number;
  rejected: number;
  rejectDrainMs: number;
  note?: string;
}

/** A region-locked one-shot ECS run: one region look-up before it parks. */
const PARKED_REQUEST = {
  product: 'ecs' as const,
  region: 'cn-hangzhou',
  cpu: 2,
  memoryGiB: 4,
  script: { content: 'echo parked' },
  confirmTimeout: '3h',
};

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] ?? Number.NaN;

export async function scale(
  stack: BenchStack,
  levels: number[],
  confirmN: number,
  confirmConcurrency: number,
  deadlineMs: number,
  /** Added to the worker's environment (e.g. NODE_OPTIONS with V8 heap flags). */
  workerEnv: Record<string, string> = {},
): Promise<ScaleResult> {
  await stack.useCatalogue({ kind: 'ample' });
  await stack.setLatency(0);
  const tag = `${process.pid}-${Date.now()}`;
  const queue = `bench-scale-${tag}`;
  const worker = await stack.startWorker('cli', queue, workerEnv);
  await new Promise((r) => setTimeout(r, 2000));
  const idle = worker.rssMiB();
  let peak = idle;
  const sampler = setInterval(() => {
    peak = Math.max(peak, worker.rssMiB() || 0);
  }, 250);
  const count = async (status: string) =>
    (await stack.client.workflow.count(`TaskQueue = "${queue}" AND AcpStatus = "${status}"`)).count;
  const deadline = performance.now() + deadlineMs;
  const ids: string[] = [];
  const approved = new Set<string>();
  const results: ParkedLevel[] = [];
  let note: string | undefined;
  try {
    for (const level of levels) {
      const t0 = performance.now();
      peak = worker.rssMiB();
      const from = ids.length;
      for (let i = from; i < level; i++) ids.push(`bench-park-${tag}-${i}`);
      await inPool(level - from, 100, (i) =>
        stack.client.workflow.start('provision', {
          taskQueue: queue,
          workflowId: ids[from + i]!,
          args: [PARKED_REQUEST],
        }),
      );
      let awaiting = 0;
      while (awaiting < level - approved.size && performance.now() < deadline) {
        await new Promise((r) => setTimeout(r, 1000));
        awaiting = await count('AWAITING_CONFIRMATION');
      }
      const parkMs = performance.now() - t0;
      if (awaiting < level - approved.size) {
        note = `only ${awaiting} of ${level} parked before the deadline`;
        break;
      }
      await new Promise((r) => setTimeout(r, 3000));
      const rss = worker.rssMiB();
      // The earliest parked runs are long out of the worker's cache (ACP_MAX_CACHED_WORKFLOWS).
      const samples: number[] = [];
      for (const id of ids.filter((x) => !approved.has(x)).slice(0, 10)) {
        const t = performance.now();
        await stack.client.workflow.getHandle(id).executeUpdate(approveUpdate, { args: [{ by: 'bench' }] });
        samples.push(performance.now() - t);
        approved.add(id);
      }
      results.push({
        parked: level,
        parkMs,
        workerRssMiB: rss,
        workerRssPeakMiB: peak,
        confirmAfterEvictionMs: median(samples),
        confirmSamplesMs: samples,
      });
      console.error(
        `  scale: ${level} parked in ${(parkMs / 1000).toFixed(1)} s, worker RSS ${rss.toFixed(0)} MiB (peak ${peak.toFixed(0)}), confirm after eviction ${median(samples).toFixed(0)} ms`,
      );
    }

    // The approved runs plus more, up to confirmN, run their sagas to the end.
    const t1 = performance.now();
    const toConfirm = ids.filter((id) => !approved.has(id)).slice(0, Math.max(0, confirmN - approved.size));
    const { results: extra, started } = await inPool(
      toConfirm.length,
      confirmConcurrency,
      async (i) => {
        const h = stack.client.workflow.getHandle(toConfirm[i]!);
        await h.executeUpdate(approveUpdate, { args: [{ by: 'bench' }] });
        approved.add(toConfirm[i]!);
        return (await runResult(h)).status as string;
      },
      deadline,
    );
    const first = await Promise.all(
      [...approved]
        .filter((id) => !toConfirm.includes(id))
        .map(async (id) => (await runResult(stack.client.workflow.getHandle(id))).status as string),
    );
    const confirmDrainMs = performance.now() - t1;
    const statuses = [...first, ...extra];
    const succeeded = statuses.filter((s) => s === 'SUCCEEDED').length;
    if (started < toConfirm.length)
      note = `${note ? `${note}; ` : ''}confirmed only ${started} before the deadline`;

    // Reject a hundred of the rest (each ends at once, nothing created) and time it; terminate the
    // others, which is a server-side cleanup only (nothing was created for them either).
    const waiting = ids.filter((id) => !approved.has(id));
    const rest = waiting.slice(0, 100);
    await inPool(waiting.length - rest.length, 100, (i) =>
      stack.client.workflow
        .getHandle(waiting[rest.length + i]!)
        .terminate('bench cleanup')
        .catch(() => undefined),
    );
    const t2 = performance.now();
    await inPool(rest.length, 50, (i) =>
      stack.client.workflow.getHandle(rest[i]!).signal(rejectSignal, { by: 'bench', reason: 'bench' }),
    );
    await inPool(rest.length, 50, (i) => runResult(stack.client.workflow.getHandle(rest[i]!)));
    const rejectDrainMs = performance.now() - t2;
    return {
      levels: results,
      workerEnv,
      workerRssIdleMiB: idle,
      maxCachedWorkflows: worker.facts.maxCachedWorkflows,
      confirmed: statuses.length,
      confirmConcurrency,
      confirmDrainMs,
      confirmedSucceeded: succeeded,
      sagasPerSecond: statuses.length / (confirmDrainMs / 1000),
      rejected: rest.length,
      rejectDrainMs,
      ...(note ? { note } : {}),
    };
  } finally {
    clearInterval(sampler);
    await worker.stop();
  }
}
