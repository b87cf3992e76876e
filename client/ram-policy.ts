// `acp ram-policy`: the least-privilege RAM policy for the user or role acp runs as, built from the
// one registry of actions (activities/actions.ts). Changes to existing resources are limited to
// resources tagged acp:managed=true where Alibaba evaluates tag conditions for the action.
import { ALIBABA_ACTIONS, type AlibabaAction, type RamNamespace } from '../activities/actions';
import { MANAGED_TAG } from '../activities/tags';

export interface RamStatement {
  Effect: 'Allow';
  Action: string[];
  Resource: '*';
  Condition?: { StringEquals: Record<string, string> };
}

export interface RamPolicy {
  Version: '1';
  Statement: RamStatement[];
}

export interface RamPolicyOptions {
  /** Only these RAM namespaces (e.g. ['ecs', 'vpc'] for an ECS-only deployment); default all. */
  namespaces?: RamNamespace[];
  /** Leave these actions out (tests use it to show what a missing grant does). */
  without?: string[];
}

export function ramPolicy(options: RamPolicyOptions = {}): RamPolicy {
  const keep = (x: AlibabaAction) =>
    (!options.namespaces || options.namespaces.includes(x.action.split(':')[0] as RamNamespace)) &&
    !(options.without ?? []).includes(x.action);
  const chosen = ALIBABA_ACTIONS.filter(keep);
  const open = chosen.filter((x) => !x.tagScoped).map((x) => x.action);
  const scoped = chosen.filter((x) => x.tagScoped).map((x) => x.action);
  const statements: RamStatement[] = [];
  if (open.length > 0) statements.push({ Effect: 'Allow', Action: open, Resource: '*' });
  if (scoped.length > 0) {
    statements.push({
      Effect: 'Allow',
      Action: scoped,
      Resource: '*',
      Condition: { StringEquals: { [`acs:ResourceTag/${MANAGED_TAG}`]: 'true' } },
    });
  }
  return { Version: '1', Statement: statements };
}

/** Every action a policy allows (what the emulator's RAM allow-list takes). */
export function policyActions(policy: RamPolicy): string[] {
  return policy.Statement.flatMap((s) => s.Action);
}

/** `acp ram-policy` prints this. */
export function ramPolicyJson(options: RamPolicyOptions = {}): string {
  return JSON.stringify(ramPolicy(options), null, 2);
}
