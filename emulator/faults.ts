// The fault table: what the emulated cloud does wrong, set through POST /__emulator/faults (merged
// key by key into the current table) and cleared by POST /__emulator/reset.
//
// {
//   "soldOut":   [{"regionId":"cn-hangzhou","zoneId?":"cn-hangzhou-k","instanceType?":"ecs.g7.large"}],
//                → DescribeAvailableResource says SoldOut/WithoutStock, RunInstances (and every
//                  product's stock check) answers 403 OperationDenied.NoStock.
//   "quota":     {"ecs.instances":0, "ecs.vcpus":64, "ecs.gpus":0, "vpc.vpcs":10, "vpc.vswitches":150,
//                 "fc.instances":…, "cs.instances":…, "dlc.instances":…}
//                → live usage in the region + the create > limit answers the product's quota error
//                  (QUOTA_ERRORS below; ECS: 403 QuotaExceed.ElasticQuota).
//   "balance":   0            → ≤ 0 makes paid creates answer 403 InvalidAccountStatus.NotEnoughBalance
//                               (CS: 400 InsufficientBalance); null/absent = unlimited.
//   "throttleRate": 0..1      → that fraction of API calls answers 400 Throttling.User with header
//                               x-acs-retry-after: <throttleRetryAfterMs, default 200> (ms).
//   "errorRate": 0..1         → that fraction answers 500 InternalError or 503 ServiceUnavailable.
//   "latencyMs": n            → added to every API call (wall-clock ms).
//   "rateActions": ["RunInstances"] → limits throttleRate/errorRate/latencyMs to these actions.
//   "dropResponse": [{"action":"RunInstances","count":1,"mode?":"reset"|"503"}]
//                → the next `count` matching calls are APPLIED server-side, then the response is
//                  lost: "reset" (default) destroys the socket, "503" answers ServiceUnavailable.
//   "inject": [{"action":"RunInstances","code":"QuotaExceed.ElasticQuota","status?":403,
//               "message?":"…","count?":1}]
//                → the next `count` matching calls fail with exactly that error, before running.
//   "policy": {"<accessKeyId>": {"Version":"1","Statement":[{"Effect":"Allow"|"Deny",
//                "Action":[…],"Resource":"*"|[…],"Condition":{"StringEquals":{"acs:RequestTag/k":"v"}}}]}
//               | [document, …] | ["ecs:Describe*","vpc:*",…]}
//                → RAM per key (ram.ts): a call no Allow statement covers, or a Deny statement
//                  matches, answers 403 Forbidden.RAM with AccessDeniedDetail. A plain list is one
//                  Allow statement on every resource. Replaces the key's start-up policy
//                  (startEmulator's `policies`); keys with neither are unrestricted.
//   "reclaim": [{"product?":"ecs"|"dlc","regionId?","zoneId?","instanceType?","afterMs?":60000,"count?":1}]
//                → a matching spot instance (or spot DLC job) is reclaimed `afterMs` emulated ms after
//                  it runs: locked Recycling with its termination time, released 5 min later
//                  (spot.ts); `count` matching resources (absent: every one).
//   "flowControl": {"ecs:DescribePrice": {"limit": 20, "windowMs": 1000}, "vpc:CreateVpc": null}
//                → replaces the documented per account × region × API threshold of an API (null lifts
//                  it; flow-control.ts has the documented table, in force from the start and after reset).
//   "seed": 42                → reseeds the fault RNG.
// }
//
// Determinism: rate faults draw from a seeded mulberry32 stream (seed = the emulator's seed unless
// the table sets one), one draw per API call, so the same sequence of calls sees the same faults.
import { checkFlowRules, type FlowRule } from './flow-control';
import { policyDocuments, type RamPolicyInput } from './ram';
import { type Rng, seededRng } from './rng';
import { ApiError, type EmulatedProduct } from './types';

export interface SoldOutRule {
  regionId: string;
  zoneId?: string;
  instanceType?: string;
}

export interface DropRule {
  action: string;
  count?: number;
  mode?: 'reset' | '503';
}

export interface InjectRule {
  action: string;
  code: string;
  status?: number;
  message?: string;
  count?: number;
}

export interface ReclaimRule {
  product?: 'ecs' | 'dlc';
  regionId?: string;
  zoneId?: string;
  instanceType?: string;
  /** Emulated ms after the resource is running (default one minute). */
  afterMs?: number;
  /** How many matching resources are reclaimed; absent: every one. */
  count?: number;
}

export interface FaultTable {
  soldOut: SoldOutRule[];
  quota: Record<string, number>;
  balance: number | null;
  throttleRate: number;
  throttleRetryAfterMs: number;
  errorRate: number;
  latencyMs: number;
  rateActions: string[] | null;
  dropResponse: DropRule[];
  inject: InjectRule[];
  policy: Record<string, RamPolicyInput>;
  reclaim: ReclaimRule[];
  /** Per-API overrides of the documented flow-control thresholds (null lifts one). */
  flowControl: Record<string, FlowRule | null>;
  seed?: number;
}

export function emptyFaults(): FaultTable {
  return {
    soldOut: [],
    // The real default: 10 VPCs per region (vpc_quota_instances_num, Alibaba's "VPC quotas" page, 2024). Everything else is unlimited until set.
    quota: { 'vpc.vpcs': 10 },
    balance: null,
    throttleRate: 0,
    throttleRetryAfterMs: 200,
    errorRate: 0,
    latencyMs: 0,
    rateActions: null,
    dropResponse: [],
    inject: [],
    policy: {},
    reclaim: [],
    flowControl: {},
  };
}

/** What a quota fault answers, per product (status and code as the real product does). */
export const QUOTA_ERRORS: Record<EmulatedProduct, { status: number; code: string; message: string }> = {
  ecs: {
    status: 403,
    code: 'QuotaExceed.ElasticQuota',
    message:
      'The number of the specified ECS instances has exceeded the quota of the specified instance type, or the number of vCPUs assigned to the ECS instances has exceeded the quota in the zone.',
  },
  vpc: { status: 400, code: 'QuotaExceeded.Vpc', message: 'VPC quota exceeded.' },
  fc: { status: 400, code: 'LimitExceeded', message: 'The quota of functions has been exceeded.' },
  cs: { status: 400, code: 'QuotaExceeded.Cluster', message: 'The cluster quota is exceeded.' },
  dlc: { status: 400, code: 'QuotaExceeded', message: 'The quota of jobs has been exceeded.' },
  sts: { status: 400, code: 'QuotaExceeded', message: 'Quota exceeded.' },
  k8s: { status: 403, code: 'QuotaExceeded', message: 'exceeded quota' },
  ram: { status: 409, code: 'LimitExceeded.Role', message: 'The count of roles beyond the current limits.' },
  sls: { status: 400, code: 'ProjectQuotaExceed', message: 'Project quota exceed.' },
  oss: {
    status: 400,
    code: 'TooManyBuckets',
    message: 'You have attempted to create more buckets than allowed.',
  },
};

export const BALANCE_ERRORS: Partial<
  Record<EmulatedProduct, { status: number; code: string; message: string }>
> = {
  cs: { status: 400, code: 'InsufficientBalance', message: 'Your account does not have enough balance.' },
};
export const DEFAULT_BALANCE_ERROR = {
  status: 403,
  code: 'InvalidAccountStatus.NotEnoughBalance',
  message: 'Your account does not have enough balance.',
};

/** Merges a POSTed partial table into the current one (arrays and maps are replaced per key). */
export function mergeFaults(current: FaultTable, patch: Record<string, unknown>): FaultTable {
  const next = { ...current };
  for (const [key, value] of Object.entries(patch)) {
    if (!(key in next) && key !== 'seed') {
      throw new ApiError(400, 'InvalidParameter', `unknown fault "${key}"`);
    }
    if (key === 'policy') {
      // A malformed document is refused when it is loaded, not on the first call it governs.
      for (const doc of Object.values((value ?? {}) as object)) policyDocuments(doc);
    }
    if (key === 'flowControl') checkFlowRules(value);
    if (key === 'quota' || key === 'policy' || key === 'flowControl') {
      (next as any)[key] = { ...(current as any)[key], ...(value as object) };
    } else {
      (next as any)[key] = value;
    }
  }
  for (const rate of ['throttleRate', 'errorRate'] as const) {
    if (typeof next[rate] !== 'number' || next[rate] < 0 || next[rate] > 1) {
      throw new ApiError(400, 'InvalidParameter', `${rate} must be a number between 0 and 1`);
    }
  }
  return next;
}

export function matchesSoldOut(
  rules: SoldOutRule[],
  regionId: string,
  zoneId: string,
  type: string,
): boolean {
  return rules.some(
    (r) =>
      r.regionId === regionId &&
      (r.zoneId === undefined || r.zoneId === zoneId) &&
      (r.instanceType === undefined || r.instanceType === type),
  );
}

/** The per-call rate faults, drawn from the seeded stream. */
export class FaultDice {
  private rng: Rng;
  constructor(seed: number) {
    this.rng = seededRng(seed);
  }
  reseed(seed: number) {
    this.rng = seededRng(seed);
  }
  roll(): number {
    return this.rng();
  }
}

export function appliesTo(faults: FaultTable, action: string): boolean {
  return faults.rateActions === null || faults.rateActions.includes(action);
}

/** The error an `inject` rule asks for on this action (one use of it), or undefined. */
export function injectedFault(faults: FaultTable, action: string): ApiError | undefined {
  const rule = takeRule(faults.inject, action);
  return rule && new ApiError(rule.status ?? 400, rule.code, rule.message ?? `Injected fault ${rule.code}.`);
}

/** Consumes one use of the first matching count-limited rule; returns it, or undefined. */
export function takeRule<R extends { action: string; count?: number }>(
  rules: R[],
  action: string,
): R | undefined {
  const i = rules.findIndex((r) => r.action === action && (r.count ?? 1) > 0);
  if (i < 0) return undefined;
  const rule = rules[i]!;
  const left = (rule.count ?? 1) - 1;
  if (left <= 0) rules.splice(i, 1);
  else rules[i] = { ...rule, count: left };
  return rule;
}
