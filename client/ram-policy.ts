// `acp ram-policy`: the least-privilege RAM policy for the user or role acp runs as, built from the
// one registry of actions (activities/actions.ts). Creates that Alibaba checks acs:RequestTag for may
// only make resources carrying acp:managed=true; changes to existing resources reach only resources
// carrying it, where Alibaba evaluates acs:ResourceTag for the action.
import {
  ALIBABA_ACTIONS,
  type AlibabaAction,
  type NamedScope,
  type PartialTagScope,
  type RamNamespace,
} from '../activities/actions';
import { MANAGED_TAG } from '../activities/tags';

export interface RamStatement {
  Effect: 'Allow' | 'Deny';
  Action: string[];
  Resource: string;
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

export const REQUEST_TAG_KEY = `acs:RequestTag/${MANAGED_TAG}`;
export const RESOURCE_TAG_KEY = `acs:ResourceTag/${MANAGED_TAG}`;

const onlyTagged = (key: string) => ({ StringEquals: { [key]: 'true' } });

export function ramPolicy(options: RamPolicyOptions = {}): RamPolicy {
  const keep = (x: AlibabaAction) =>
    (!options.namespaces || options.namespaces.includes(x.action.split(':')[0] as RamNamespace)) &&
    !(options.without ?? []).includes(x.action);
  const chosen = ALIBABA_ACTIONS.filter(keep);
  const names = (pick: (x: AlibabaAction) => boolean) => chosen.filter(pick).map((x) => x.action);
  const statements: RamStatement[] = [];
  const allow = (Action: string[], Resource: string, Condition?: RamStatement['Condition']) => {
    if (Action.length > 0)
      statements.push({ Effect: 'Allow', Action, Resource, ...(Condition ? { Condition } : {}) });
  };
  allow(
    names((x) => !x.scope),
    '*',
  );
  allow(
    names((x) => x.scope === 'request'),
    '*',
    onlyTagged(REQUEST_TAG_KEY),
  );
  allow(
    names((x) => x.scope === 'resource'),
    '*',
    onlyTagged(RESOURCE_TAG_KEY),
  );
  // Actions on resources acp names: one statement per ARN pattern, no condition.
  const named = chosen.filter((x) => typeof x.scope === 'object' && 'arn' in x.scope);
  for (const arn of new Set(named.map((x) => (x.scope as NamedScope).arn))) {
    allow(
      named.filter((x) => (x.scope as NamedScope).arn === arn).map((x) => x.action),
      arn,
    );
  }
  // Actions scoped on part of what they touch: one tagged and one open statement per ARN pattern.
  const partial = chosen.filter((x) => typeof x.scope === 'object' && 'tagged' in x.scope);
  const scopeOf = (x: AlibabaAction) => x.scope as PartialTagScope;
  for (const tagged of new Set(partial.map((x) => scopeOf(x).tagged))) {
    allow(
      partial.filter((x) => scopeOf(x).tagged === tagged).map((x) => x.action),
      tagged,
      onlyTagged(RESOURCE_TAG_KEY),
    );
  }
  for (const open of new Set(partial.map((x) => scopeOf(x).open))) {
    allow(
      partial.filter((x) => scopeOf(x).open === open).map((x) => x.action),
      open,
    );
  }
  return { Version: '1', Statement: statements };
}

/** Every action a policy allows, once each. */
export function policyActions(policy: RamPolicy): string[] {
  return [...new Set(policy.Statement.filter((s) => s.Effect === 'Allow').flatMap((s) => s.Action))];
}

/** Actions allowed only under a tag condition somewhere in the policy, once each. */
export function conditionedActions(policy: RamPolicy): string[] {
  return [...new Set(policy.Statement.filter((s) => s.Condition).flatMap((s) => s.Action))];
}

/** `acp ram-policy` prints this. */
export function ramPolicyJson(options: RamPolicyOptions = {}): string {
  return JSON.stringify(ramPolicy(options), null, 2);
}
