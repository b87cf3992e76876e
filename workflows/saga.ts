// Compensations for what a run creates. A step's undo is registered *before* its create call, so a
// create that succeeded but whose answer was lost (timeout, crash, cancellation) is still undone:
// each undo finds its resource by id when known, otherwise by the workflow and step tags.
// Undos run newest first inside a non-cancellable scope, so cancelling the workflow cannot skip them.
import { CancellationScope, log } from '@temporalio/workflow';
import type { ResourceRecord } from './messages';

export interface Compensation {
  /** What a person reads: "security group in cn-hangzhou". */
  label: string;
  undo: () => Promise<ResourceRecord[]>;
}

export interface CompensationReport {
  released: ResourceRecord[];
  failed: { label: string; error: string }[];
}

export class Saga {
  private readonly steps: Compensation[] = [];

  /** Registers an undo; call it before the create it undoes. */
  add(label: string, undo: () => Promise<ResourceRecord[]>): void {
    this.steps.push({ label, undo });
  }

  get size(): number {
    return this.steps.length;
  }

  /** Runs every registered undo once, newest first; a failing undo does not stop the others. */
  async compensate(onStep?: (label: string) => void): Promise<CompensationReport> {
    const report: CompensationReport = { released: [], failed: [] };
    await CancellationScope.nonCancellable(async () => {
      while (this.steps.length > 0) {
        const step = this.steps.pop()!;
        onStep?.(step.label);
        try {
          report.released.push(...(await step.undo()));
        } catch (err) {
          const error =
            err instanceof Error
              ? err.cause instanceof Error
                ? err.cause.message
                : err.message
              : String(err);
          log.error('compensation failed', { label: step.label, error });
          report.failed.push({ label: step.label, error });
        }
      }
    });
    return report;
  }
}
