// Figure 4: N provision workflows parked at AWAITING_CONFIRMATION on one acp worker (a child process;
// RSS is its /proc VmRSS), then the time to confirm a share of them and drain those to completion,
// and to reject the rest and drain those.

import { runResult } from '../client/run-result';
import { confirmSignal, rejectSignal } from '../workflows/messages';
import { inPool } from './pool';
import type { BenchStack } from './stack';

export interface ScaleResult {
  parked: number;
  parkMs: number;
  workerRssIdleMiB: number;
  workerRssParkedMiB: number;
  workerRssPeakMiB: number;
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

/** A region-locked one-shot ECS run: 6 quote calls (1 region) before it parks. */
const PARKED_REQUEST = {
  product: 'ecs' as const,
  region: 'cn-hangzhou',
  cpu: 2,
  memoryGiB: 4,
  script: { content: 'echo parked' },
  confirmTimeout: '3h',
};

export async function scale(
  stack: BenchStack,
  parked: number,
  confirmN: number,
  confirmConcurrency: number,
  deadlineMs: number,
): Promise<ScaleResult> {
  await stack.useCatalogue({ kind: 'ample' });
  await stack.setLatency(0);
  const tag = `${process.pid}-${Date.now()}`;
  const queue = `bench-scale-${tag}`;
  const worker = await stack.startWorker('acp', queue);
  await new Promise((r) => setTimeout(r, 2000));
  const idle = worker.rssMiB();
  let peak = idle;
  const sampler = setInterval(() => {
    peak = Math.max(peak, worker.rssMiB() || 0);
  }, 500);
  const count = async (status: string) =>
    (await stack.client.workflow.count(`TaskQueue = "${queue}" AND AcpStatus = "${status}"`)).count;
  const deadline = performance.now() + deadlineMs;
  const ids = Array.from({ length: parked }, (_, i) => `bench-park-${tag}-${i}`);
  let note: string | undefined;
  try {
    const t0 = performance.now();
    await inPool(parked, 50, (i) =>
      stack.client.workflow.start('provision', {
        taskQueue: queue,
        workflowId: ids[i]!,
        args: [PARKED_REQUEST],
      }),
    );
    let awaiting = 0;
    while (awaiting < parked && performance.now() < deadline) {
      await new Promise((r) => setTimeout(r, 1000));
      awaiting = await count('AWAITING_CONFIRMATION');
    }
    const parkMs = performance.now() - t0;
    if (awaiting < parked) note = `only ${awaiting} of ${parked} parked before the deadline`;
    await new Promise((r) => setTimeout(r, 3000));
    const rssParked = worker.rssMiB();
    console.error(
      `  scale: ${awaiting} parked in ${(parkMs / 1000).toFixed(1)} s, worker RSS ${rssParked.toFixed(0)} MiB`,
    );

    // Confirm `confirmN` of them, `confirmConcurrency` in flight, each to a full saga.
    const t1 = performance.now();
    const { results, started } = await inPool(
      confirmN,
      confirmConcurrency,
      async (i) => {
        const h = stack.client.workflow.getHandle(ids[i]!);
        await h.signal(confirmSignal, { by: 'bench' });
        return (await runResult(h)).status as string;
      },
      deadline,
    );
    const confirmDrainMs = performance.now() - t1;
    const succeeded = results.filter((s) => s === 'SUCCEEDED').length;
    if (started < confirmN) note = `${note ? `${note}; ` : ''}confirmed only ${started} before the deadline`;

    // Reject the rest: each ends at once, nothing created.
    const rest = ids.slice(started);
    const t2 = performance.now();
    await inPool(rest.length, 50, (i) =>
      stack.client.workflow.getHandle(rest[i]!).signal(rejectSignal, { by: 'bench', reason: 'bench' }),
    );
    await inPool(rest.length, 50, (i) => runResult(stack.client.workflow.getHandle(rest[i]!)));
    const rejectDrainMs = performance.now() - t2;
    return {
      parked: awaiting,
      parkMs,
      workerRssIdleMiB: idle,
      workerRssParkedMiB: rssParked,
      workerRssPeakMiB: peak,
      maxCachedWorkflows: worker.facts.maxCachedWorkflows,
      confirmed: started,
      confirmConcurrency,
      confirmDrainMs,
      confirmedSucceeded: succeeded,
      sagasPerSecond: started / (confirmDrainMs / 1000),
      rejected: rest.length,
      rejectDrainMs,
      ...(note ? { note } : {}),
    };
  } finally {
    clearInterval(sampler);
    await worker.stop();
  }
}
