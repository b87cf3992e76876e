// Alibaba's API flow control, as documented (ECS "API throttling", 2024,
// alibabacloud.com/help/en/elastic-compute-service/latest/api-throttling): calls are counted per
// account × region × API in fixed windows ("if an API is throttled in minute T, it can be called again from
// minute T+1"), and a call past the threshold is refused with the product's throttling error. Only
// APIs with a published threshold are limited; the rest are not (no guessed numbers). The fault
// table's `flowControl` replaces a rule per API (`null` lifts it); reset restores the documented ones.
import { ApiError, type EmulatedProduct } from './types';

export interface FlowRule {
  limit: number;
  windowMs: number;
}

/**
 * `<product>:<Action>` → the documented threshold: the ECS and VPC API quota pages
 * (alibabacloud.com/help/en/ecs/developer-reference/api-ecs-2014-05-26-quota,
 * help.aliyun.com/zh/vpc/developer-reference/api-vpc-2016-04-28-quota) and the API references named
 * beside each group.
 */
export const DOCUMENTED_FLOW_LIMITS: Readonly<Record<string, FlowRule>> = {
  // ECS API quota table; DescribePrice reference (2024-12-26).
  'ecs:DescribePrice': { limit: 500, windowMs: 60_000 },
  'ecs:CreateCommand': { limit: 1000, windowMs: 60_000 },
  'ecs:DetachNetworkInterface': { limit: 500, windowMs: 60_000 },
  'ecs:JoinSecurityGroup': { limit: 1000, windowMs: 60_000 },
  'ecs:CreateDiagnosticReport': { limit: 60, windowMs: 60_000 },
  // VPC API quota (CreateVpc reference 2024-05-21).
  'vpc:CreateVpc': { limit: 300, windowMs: 60_000 },
  'vpc:CreateVSwitch': { limit: 300, windowMs: 60_000 },
  // PAI-DLC 2020-12-03 API quota.
  'dlc:ListJobs': { limit: 100, windowMs: 1_000 },
  'dlc:ListEcsSpecs': { limit: 100, windowMs: 1_000 },
  'dlc:StopJob': { limit: 100, windowMs: 1_000 },
  'dlc:UpdateJob': { limit: 100, windowMs: 1_000 },
  'dlc:DeleteJob': { limit: 100, windowMs: 1_000 },
  'dlc:GetPodLogs': { limit: 100, windowMs: 1_000 },
  'dlc:GetJobEvents': { limit: 100, windowMs: 1_000 },
  // STS FAQ: 100 requests per second per account.
  'sts:AssumeRole': { limit: 100, windowMs: 1_000 },
};

/**
 * What a throttled call answers: ECS lists 400 Throttling.User "Request was denied due to user flow
 * control." for DescribePrice (API metadata); STS/RAM document the same; VPC lists no throttling code,
 * so it answers like ECS; PAI-DLC's documented code is plain `Throttling`.
 */
const THROTTLED: Partial<Record<EmulatedProduct, { status: number; code: string; message: string }>> = {
  dlc: { status: 400, code: 'Throttling', message: 'Request was denied due to flow control.' },
};
const DEFAULT_THROTTLED = {
  status: 400,
  code: 'Throttling.User',
  message: 'Request was denied due to user flow control.',
};

/** The documented rules with a fault table's `flowControl` laid over them (null lifts a rule). */
export function flowRules(overrides: Record<string, FlowRule | null>): Record<string, FlowRule> {
  const rules: Record<string, FlowRule> = { ...DOCUMENTED_FLOW_LIMITS };
  for (const [key, rule] of Object.entries(overrides)) {
    if (rule === null) delete rules[key];
    else rules[key] = rule;
  }
  return rules;
}

export function checkFlowRules(overrides: unknown): void {
  for (const [key, rule] of Object.entries((overrides ?? {}) as Record<string, unknown>)) {
    if (rule === null) continue;
    const r = rule as Partial<FlowRule>;
    if (!/^[a-z0-9]+:[A-Za-z0-9]+$/.test(key) || !(Number(r.limit) > 0) || !(Number(r.windowMs) > 0))
      throw new ApiError(
        400,
        'InvalidParameter',
        `flowControl.${key} must be {limit: n > 0, windowMs: n > 0} under a <product>:<Action> key, or null`,
      );
  }
}

/** Fixed-window counters per account × region × API. */
export class FlowCounters {
  private readonly windows = new Map<string, { index: number; count: number }>();

  /** Counts the call, or throws the product's throttling error when its window is full. */
  admit(
    rules: Record<string, FlowRule>,
    call: { accountId: string; regionId: string; product: EmulatedProduct; action: string },
    nowMs: number,
  ): void {
    const rule = rules[`${call.product}:${call.action}`];
    if (!rule) return;
    const id = `${call.accountId}|${call.regionId}|${call.product}:${call.action}`;
    const index = Math.floor(nowMs / rule.windowMs);
    let window = this.windows.get(id);
    if (!window || window.index !== index) {
      window = { index, count: 0 };
      this.windows.set(id, window);
    }
    if (window.count >= rule.limit) {
      const e = THROTTLED[call.product] ?? DEFAULT_THROTTLED;
      const retryAfterMs = (index + 1) * rule.windowMs - nowMs;
      throw new ApiError(e.status, e.code, e.message, {}, { 'x-acs-retry-after': String(retryAfterMs) });
    }
    window.count += 1;
  }

  clear(): void {
    this.windows.clear();
  }
}
