// Signals, queries and updates of the provision workflow, defined once and imported by the workflow,
// the CLI, the Slack app and the MCP server. The names are a contract (step 7 in docs/architecture.md): they are what
// `temporal workflow signal --name confirm` / `temporal workflow query --type status` use.
import { defineQuery, defineSignal, defineUpdate } from '@temporalio/workflow';
import type { RecordedKind } from '../activities/release/kind';
import type { AttemptRecord } from '../planner/spot';
import type { Intent, Product, QuoteOption, RegionChoice, UsageCharge } from '../planner/types';

export const STATUSES = [
  'PARSING',
  'QUOTING',
  'AWAITING_CONFIRMATION',
  'PROVISIONING',
  'RUNNING',
  'RELEASING',
  'SUCCEEDED',
  'FAILED',
  'REJECTED',
  'EXPIRED',
  'OVER_BUDGET',
  'BLOCKED',
  'CANCELLED',
] as const;
export type Status = (typeof STATUSES)[number];

/**
 * A blocked run's next step with this run's retry command in it. The activity layer words the step
 * for every run (`acp retry ID`); the workflow puts the id in, so the status, the memo, `--json` and
 * Slack all say the command to send. Idempotent: views apply it again to runs begun before it.
 */
export function blockedNextStep(nextStep: string, workflowId: string): string {
  const retry = `\`acp retry ${workflowId}\``;
  if (nextStep.includes(retry)) return nextStep;
  const named = nextStep.replaceAll('`acp retry ID`', retry);
  return named === nextStep ? `${nextStep}; then ${retry}` : named;
}

export const TERMINAL_STATUSES: readonly Status[] = [
  'SUCCEEDED',
  'FAILED',
  'REJECTED',
  'EXPIRED',
  'OVER_BUDGET',
  'CANCELLED',
];

export interface ConfirmInput {
  /** 1-based row of the options table; the recommended option when absent. */
  option?: number;
  by?: string;
  /** Spot runs: allow a pay-as-you-go run when spot cannot finish (docs/spot.md). */
  spotFallback?: boolean;
}
export interface RejectInput {
  reason?: string;
  by?: string;
}
export interface TeardownInput {
  reason?: string;
  by?: string;
}
export interface RetryInput {
  by?: string;
}

/** Sent by a person (CLI, Slack, `temporal workflow signal`) to accept the quote. */
export const confirmSignal = defineSignal<[ConfirmInput?]>('confirm');
export const rejectSignal = defineSignal<[RejectInput?]>('reject');
/** Ends a long-running service (and releases it). */
export const teardownSignal = defineSignal<[TeardownInput?]>('teardown');
/** Resumes a BLOCKED run once the quota, balance or permission was fixed. */
export const retrySignal = defineSignal<[RetryInput?]>('retry');
/** Like `confirm`, but answers with the accepted plan (or refuses with a reason). */
export const approveUpdate = defineUpdate<AcceptedPlan, [ConfirmInput]>('approve');
export const statusQuery = defineQuery<RunStatus>('status');

export interface AcceptedPlan {
  option: number;
  choice: QuoteOption;
  by: string;
}

export interface ResourceRecord {
  type: RecordedKind;
  id: string;
  regionId: string;
  /** Reused resources (a shared VPC, an existing cluster) are never released by this run. */
  reused?: boolean;
}

export interface Execution {
  exitCode?: number;
  /** The last lines of the script's output. */
  outputTail: string;
  /** The output was longer than the tail kept: its start is cut (where the product says so). */
  outputCut?: boolean;
  startedAt?: string;
  finishedAt?: string;
  /** The attempt's spot capacity was taken back before the script finished: how acp noticed. */
  reclaimed?: string;
}

export interface Decision {
  by: string;
  at: string;
  option?: number;
  /** The person allowed a pay-as-you-go fallback for a spot run. */
  spotFallback?: boolean;
  reason?: string;
}

export interface BlockedReason {
  code: string;
  message: string;
  nextStep: string;
}

/**
 * What the status query returns at any moment; its final value is the run's result document. Read that
 * with `runResult` (client/runs.ts): a run that did not succeed ends as a failed workflow carrying
 * this document, so `handle.result()` alone would throw for it.
 */
export interface RunStatus {
  workflowId: string;
  status: Status;
  /** Product, spec, where and the price in one line (empty until quotes are in). */
  summary: string;
  /** One sentence on what is happening now. */
  message: string;
  intent?: Intent;
  region?: RegionChoice;
  candidates?: Product[];
  options: QuoteOption[];
  recommended?: number;
  chosen?: QuoteOption;
  confirmation?: Decision;
  resourcesCreated: ResourceRecord[];
  resourcesReleased: ResourceRecord[];
  /** Must be empty at the end of every run; a leak shows here. */
  leftBehind: ResourceRecord[];
  /** Reused resources that stay up on purpose (a shared VPC, an existing ACK cluster). */
  kept: ResourceRecord[];
  execution?: Execution;
  estimatedCost?: number;
  /** Hourly price × time alive, plus the usage charges. */
  accruedCost?: number;
  /** Charges billed by use (an ECS instance's public traffic), itemised on the receipt. */
  usage?: UsageCharge[];
  /** Where a running service answers: http://PUBLIC_IP:PORT per opened port. */
  endpoints?: string[];
  currency: 'CNY';
  /** Every attempt of a spot run (and its pay-as-you-go fallback): where, its cost, why it ended. */
  attempts?: AttemptRecord[];
  blocked?: BlockedReason;
  error?: { code?: string; message: string };
  warnings: string[];
  /** Progress lines, oldest first (bounded). */
  events: { at: string; message: string }[];
}

export type ProvisionResult = RunStatus;
