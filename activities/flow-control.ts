// Alibaba's API flow control, kept on our side of the wire: Alibaba counts calls per account, per
// region and per API in fixed windows and answers Throttling past the threshold (docs/quotes.md).
// acp spaces its own calls so that no window can overflow: before each call it reserves the earliest
// moment at which fewer than the limit (less a 10 % margin for network jitter and other clients of
// the account) fall in the window ending then, and waits for it. Reservations are only ever times,
// never held permits, so a retried, cancelled or crashed activity cannot starve the others.

/** Calls per window, as Alibaba documents them. The key is `<product>:<Action>`. */
export interface ApiLimit {
  limit: number;
  windowMs: number;
}

/**
 * Documented thresholds (per account × region × API):
 * - ECS: DescribePrice 500/60 s (api.aliyun.com DescribePrice, 2024-12-26; ECS API quota table);
 *   CreateCommand 1000, DetachNetworkInterface 500, JoinSecurityGroup 1000, CreateDiagnosticReport 60
 *   per 60 s (ECS API quota table).
 * - VPC: CreateVpc and CreateVSwitch 300/60 s (api.aliyun.com CreateVpc 2024-05-21; VPC API quota).
 * - PAI-DLC: ListJobs, ListEcsSpecs, StopJob, UpdateJob, DeleteJob, GetPodLogs, GetJobEvents 100/1 s
 *   (PAI-DLC API quota; the PAI-DSW quota page shows the same for ListEcsSpecs).
 * - STS: AssumeRole 100/1 s (STS FAQ).
 * Other APIs have no published figure; acp does not guess one. An account whose thresholds were
 * raised in the Quota Center sets ACP_API_LIMITS (JSON: {"ecs:DescribePrice": {"limit": 1000,
 * "windowSeconds": 60}}).
 */
export const DOCUMENTED_LIMITS: Readonly<Record<string, ApiLimit>> = {
  'ecs:DescribePrice': { limit: 500, windowMs: 60_000 },
  'ecs:CreateCommand': { limit: 1000, windowMs: 60_000 },
  'ecs:DetachNetworkInterface': { limit: 500, windowMs: 60_000 },
  'ecs:JoinSecurityGroup': { limit: 1000, windowMs: 60_000 },
  'ecs:CreateDiagnosticReport': { limit: 60, windowMs: 60_000 },
  'vpc:CreateVpc': { limit: 300, windowMs: 60_000 },
  'vpc:CreateVSwitch': { limit: 300, windowMs: 60_000 },
  'dlc:ListJobs': { limit: 100, windowMs: 1_000 },
  'dlc:ListEcsSpecs': { limit: 100, windowMs: 1_000 },
  'dlc:StopJob': { limit: 100, windowMs: 1_000 },
  'dlc:UpdateJob': { limit: 100, windowMs: 1_000 },
  'dlc:DeleteJob': { limit: 100, windowMs: 1_000 },
  'dlc:GetPodLogs': { limit: 100, windowMs: 1_000 },
  'dlc:GetJobEvents': { limit: 100, windowMs: 1_000 },
  'sts:AssumeRole': { limit: 100, windowMs: 1_000 },
};

/** The share of a documented threshold acp uses. */
export const HEADROOM = 0.9;

/** DOCUMENTED_LIMITS with ACP_API_LIMITS laid over them (a null limit removes one). */
export function apiLimitsFromEnv(env: NodeJS.ProcessEnv = process.env): Record<string, ApiLimit> {
  const limits: Record<string, ApiLimit> = { ...DOCUMENTED_LIMITS };
  if (!env.ACP_API_LIMITS) return limits;
  let parsed: unknown;
  try {
    parsed = JSON.parse(env.ACP_API_LIMITS);
  } catch {
    throw new Error(
      'ACP_API_LIMITS must be JSON: {"ecs:DescribePrice": {"limit": 500, "windowSeconds": 60}}',
    );
  }
  for (const [key, value] of Object.entries(parsed as Record<string, unknown>)) {
    if (value === null) {
      delete limits[key];
      continue;
    }
    const v = value as { limit?: unknown; windowSeconds?: unknown };
    const positive = (n: unknown) => typeof n === 'number' && n > 0;
    if (!positive(v.limit) || !positive(v.windowSeconds))
      throw new Error(`ACP_API_LIMITS.${key} needs a positive limit and windowSeconds`);
    limits[key] = { limit: v.limit as number, windowMs: (v.windowSeconds as number) * 1000 };
  }
  return limits;
}

export interface CallKey {
  account: string;
  regionId: string;
  product: string;
  action: string;
}

export interface FlowControlOptions {
  limits?: Record<string, ApiLimit>;
  headroom?: number;
  now?: () => number;
  sleep?: (ms: number, signal?: AbortSignal) => Promise<void>;
}

export interface FlowStats {
  /** Calls that had to wait for their window. */
  delayed: number;
  /** Total time those calls waited, ms. */
  waitedMs: number;
}

/**
 * Every call of an activity waiting for its window waits on the activity's one cancellation signal:
 * a look-up asking eight regions at once can have dozens waiting. Each signal gets one 'abort'
 * listener that wakes all of them; a listener per call would pass Node's ten-listener mark and print
 * "Possible EventTarget memory leak detected" into the worker's log for no leak at all.
 */
const waitingOn = new WeakMap<AbortSignal, Set<() => void>>();

/** The wake-ups of the calls waiting on `signal`, all run by its one 'abort' listener. */
function wakeUpsOf(signal: AbortSignal): Set<() => void> {
  let wakeUps = waitingOn.get(signal);
  if (!wakeUps) {
    const all = new Set<() => void>();
    signal.addEventListener(
      'abort',
      () => {
        for (const wake of all) wake();
        all.clear();
      },
      { once: true },
    );
    waitingOn.set(signal, all);
    wakeUps = all;
  }
  return wakeUps;
}

const abortableSleep = (ms: number, signal?: AbortSignal) =>
  new Promise<void>((resolve, reject) => {
    if (signal?.aborted) return reject(signal.reason);
    const wakeUps = signal ? wakeUpsOf(signal) : undefined;
    const timer = setTimeout(() => {
      wakeUps?.delete(onAbort);
      resolve();
    }, ms);
    const onAbort = () => {
      clearTimeout(timer);
      reject(signal?.reason);
    };
    wakeUps?.add(onAbort);
  });

export class FlowControl {
  private readonly limits: Record<string, ApiLimit>;
  private readonly headroom: number;
  private readonly now: () => number;
  private readonly sleep: (ms: number, signal?: AbortSignal) => Promise<void>;
  /** Reserved call times per (account, region, API), oldest first. */
  private readonly reserved = new Map<string, number[]>();
  readonly stats: FlowStats = { delayed: 0, waitedMs: 0 };

  constructor(options: FlowControlOptions = {}) {
    this.limits = options.limits ?? { ...DOCUMENTED_LIMITS };
    this.headroom = options.headroom ?? HEADROOM;
    this.now = options.now ?? Date.now;
    this.sleep = options.sleep ?? abortableSleep;
  }

  /** The limit acp keeps to for an API, or undefined when Alibaba publishes none. */
  limitOf(product: string, action: string): ApiLimit | undefined {
    const documented = this.limits[`${product}:${action}`];
    if (!documented) return undefined;
    return {
      limit: Math.max(1, Math.floor(documented.limit * this.headroom)),
      windowMs: documented.windowMs,
    };
  }

  /**
   * Waits until a call may go out without overflowing its window; returns the ms waited. An aborted
   * wait (the activity was cancelled) rejects; its reserved moment simply passes unused.
   */
  async admit(key: CallKey, signal?: AbortSignal): Promise<number> {
    const limit = this.limitOf(key.product, key.action);
    if (!limit) return 0;
    const at = this.reserve(`${key.account}|${key.regionId}|${key.product}:${key.action}`, limit);
    const wait = at - this.now();
    if (wait <= 0) return 0;
    this.stats.delayed += 1;
    this.stats.waitedMs += wait;
    await this.sleep(wait, signal);
    return wait;
  }

  private reserve(id: string, { limit, windowMs }: ApiLimit): number {
    const now = this.now();
    let times = this.reserved.get(id);
    if (!times) {
      times = [];
      this.reserved.set(id, times);
    }
    // Moments a whole window ago no longer count against anything that can still be reserved.
    let stale = 0;
    while (stale < times.length && times[stale]! <= now - windowMs) stale += 1;
    if (stale > 0) times.splice(0, stale);
    // Reservations are made in order, so the window ending at the new moment holds at most the last
    // `limit - 1` of them: the new moment is a full window after the one `limit` places back.
    const at = times.length < limit ? now : Math.max(now, times[times.length - limit]! + windowMs);
    times.push(at);
    return at;
  }
}

let processFlowControl: FlowControl | undefined;
/** The worker process's one flow control: every client of every account in it shares the windows. */
export function sharedFlowControl(): FlowControl {
  processFlowControl ??= new FlowControl({ limits: apiLimitsFromEnv() });
  return processFlowControl;
}
