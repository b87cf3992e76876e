// Whether an agent may say the yes that spends money: only when the operator set
// ACP_AGENT_APPROVAL_LIMIT and the run's estimate is strictly below it. Pure.
import { toCny } from '../../planner/pricing';
import { cny } from '../render';
import { parseBudgetFlag } from '../request';

export interface ApprovalLimit {
  /** As the operator wrote it ("20 CNY"). */
  text: string;
  cny: number;
}

/**
 * ACP_AGENT_APPROVAL_LIMIT: unset → no agent approves anything; `20`, `20 CNY`, `$3`, `3 USD` → the
 * CNY amount an agent's approval must stay below. A value acp cannot read refuses every approval.
 */
export function parseApprovalLimit(
  value: string | undefined,
): { kind: 'none' } | { kind: 'limit'; limit: ApprovalLimit } | { kind: 'invalid'; why: string } {
  if (value === undefined || value.trim() === '') return { kind: 'none' };
  try {
    const budget = parseBudgetFlag(value);
    if (!budget || !(budget.amount > 0)) throw new Error('not a positive amount');
    return {
      kind: 'limit',
      limit: { text: value.trim(), cny: toCny(budget.amount, budget.currency as 'CNY' | 'USD') },
    };
  } catch {
    return {
      kind: 'invalid',
      why: `ACP_AGENT_APPROVAL_LIMIT=${JSON.stringify(value)} is not an amount ('20 CNY', '20', '$3')`,
    };
  }
}

export type ApprovalDecision = { allowed: true; why: string } | { allowed: false; why: string };

/** May an agent approve a run estimated at `estimateCny`? Only strictly below the operator's limit. */
export function agentMayApprove(
  limit: ReturnType<typeof parseApprovalLimit>,
  estimateCny: number | undefined,
): ApprovalDecision {
  if (limit.kind === 'none')
    return {
      allowed: false,
      why: 'agents may not approve spending here: the operator has not set ACP_AGENT_APPROVAL_LIMIT',
    };
  if (limit.kind === 'invalid') return { allowed: false, why: limit.why };
  if (estimateCny === undefined)
    return { allowed: false, why: 'the run has no cost estimate to compare with the approval limit' };
  if (estimateCny < limit.limit.cny)
    return {
      allowed: true,
      why: `estimate CNY ${cny(estimateCny)} is below the agent approval limit of CNY ${cny(limit.limit.cny)} (${limit.limit.text})`,
    };
  return {
    allowed: false,
    why: `estimate CNY ${cny(estimateCny)} is not below the agent approval limit of CNY ${cny(limit.limit.cny)} (${limit.limit.text}); a person must approve it`,
  };
}

/** `agent:<name>` from the MCP client's initialize, kept printable and short. */
export function agentName(clientName: string | undefined): string {
  const name = (clientName ?? '')
    .replace(/[^\w.@/+-]+/g, '-')
    .replace(/^-+|-+$/g, '')
    .slice(0, 64);
  return `agent:${name || 'unknown'}`;
}
