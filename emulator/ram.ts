// RAM as the emulated cloud enforces it: every access key may carry policy documents, and a call is
// allowed when, for each resource it touches, an Allow statement matches the action, the resource's
// ARN and its Condition, and no Deny statement does (an explicit Deny always wins). Conditions read
// acs:RequestTag/<key> from the create request's tags and acs:ResourceTag/<key> from the tags of
// the resource in the emulated world. The earlier allow-list form (["ecs:Describe*", …]) is one Allow
// statement on every resource.
import { objects } from './rpc-params';
import { ApiError, type ApiRequest, type Resource, type World } from './types';

export interface RamStatement {
  Effect: 'Allow' | 'Deny';
  Action: string | string[];
  /** ARN patterns with `*`; absent means every resource. */
  Resource?: string | string[];
  /** { operator: { conditionKey: value | [values] } }, every entry must hold. */
  Condition?: Record<string, Record<string, string | string[]>>;
}

export interface RamPolicyDocument {
  Version: string;
  Statement: RamStatement[];
}

/** What /__emulator/faults and /__emulator/keys take for a key's policy. */
export type RamPolicyInput = string[] | RamPolicyDocument | RamPolicyDocument[];

/** One resource the call is authorised against. */
export interface AuthTarget {
  arn: string;
  tags: Record<string, string>;
  /**
   * The call names a resource the world does not know. Alibaba's pages do not say what a tag
   * condition does then; the emulator lets the product answer its NotFound, so an idempotent
   * release of something already gone behaves as it does without RAM.
   */
  unknown?: boolean;
}

export interface AuthRequest {
  /** `ecs:RunInstances`. */
  action: string;
  targets: AuthTarget[];
  /** Tags the request asks to put on what it creates (acs:RequestTag). */
  requestTags: Record<string, string>;
}

export type Decision =
  | { allowed: true }
  | {
      allowed: false;
      noPermissionType: 'ImplicitDeny' | 'ExplicitDeny';
      /** The ARN that was refused. */
      resource: string;
      /** Condition keys that kept a matching Allow statement from applying. */
      unmetConditions: string[];
    };

const OPERATORS: Record<string, (have: string | undefined, want: string[]) => boolean> = {
  stringequals: (have, want) => have !== undefined && want.includes(have),
  stringnotequals: (have, want) => have === undefined || !want.includes(have),
  stringequalsignorecase: (have, want) =>
    have !== undefined && want.some((w) => w.toLowerCase() === have.toLowerCase()),
  stringlike: (have, want) => have !== undefined && want.some((w) => glob(w).test(have)),
  stringnotlike: (have, want) => have === undefined || !want.some((w) => glob(w).test(have)),
};

const TAG_KEY = /^acs:(requesttag|resourcetag)\/(.+)$/i;

/** The documents a policy input stands for; a malformed one is refused with 400 (as RAM does). */
export function policyDocuments(input: unknown): RamPolicyDocument[] {
  if (Array.isArray(input) && input.every((p) => typeof p === 'string')) {
    return [{ Version: '1', Statement: [{ Effect: 'Allow', Action: input as string[], Resource: '*' }] }];
  }
  const docs = Array.isArray(input) ? input : [input];
  for (const doc of docs) checkDocument(doc);
  return docs as RamPolicyDocument[];
}

function checkDocument(doc: any): void {
  const bad = (why: string) => {
    throw new ApiError(400, 'MalformedPolicyDocument', `The policy document is malformed: ${why}.`);
  };
  if (!doc || typeof doc !== 'object' || !Array.isArray(doc.Statement)) bad('Statement must be a list');
  if (doc.Version !== '1') bad('Version must be "1"');
  for (const s of doc.Statement) {
    if (s?.Effect !== 'Allow' && s?.Effect !== 'Deny') bad('Effect must be Allow or Deny');
    if (!strings(s.Action)) bad('Action must be a string or a list of strings');
    if (s.Resource !== undefined && !strings(s.Resource)) bad('Resource must be a string or a list');
    for (const [op, keys] of Object.entries((s.Condition ?? {}) as Record<string, unknown>)) {
      if (!OPERATORS[op.toLowerCase()])
        bad(`the emulator evaluates StringEquals/StringNotEquals/StringLike/StringNotLike, not ${op}`);
      for (const [key, value] of Object.entries(keys as Record<string, unknown>)) {
        if (!TAG_KEY.test(key))
          bad(`the emulator evaluates acs:RequestTag/<key> and acs:ResourceTag/<key>, not ${key}`);
        if (!strings(value)) bad(`the value of ${key} must be a string or a list of strings`);
      }
    }
  }
}

const strings = (v: unknown) =>
  typeof v === 'string' || (Array.isArray(v) && v.every((x) => typeof x === 'string'));
const list = (v: string | string[] | undefined): string[] => (v === undefined ? ['*'] : [v].flat());

/** Allowed, or why not: the first target no Allow covers, or that a Deny matches. */
export function evaluate(docs: RamPolicyDocument[], req: AuthRequest): Decision {
  const statements = docs.flatMap((d) => d.Statement);
  for (const target of req.targets) {
    const applicable = statements.filter(
      (s) =>
        list(s.Action).some((p) => glob(p).test(req.action)) &&
        list(s.Resource).some((p) => glob(p).test(target.arn)),
    );
    const denied = applicable.some((s) => s.Effect === 'Deny' && unmet(s, req, target, 'Deny').length === 0);
    if (denied)
      return { allowed: false, noPermissionType: 'ExplicitDeny', resource: target.arn, unmetConditions: [] };
    const allows = applicable.filter((s) => s.Effect === 'Allow');
    if (allows.some((s) => unmet(s, req, target, 'Allow').length === 0)) continue;
    return {
      allowed: false,
      noPermissionType: 'ImplicitDeny',
      resource: target.arn,
      unmetConditions: [...new Set(allows.flatMap((s) => unmet(s, req, target, 'Allow')))],
    };
  }
  return { allowed: true };
}

/** The condition keys of a statement that do not hold for this target. */
function unmet(s: RamStatement, req: AuthRequest, target: AuthTarget, effect: 'Allow' | 'Deny'): string[] {
  const out: string[] = [];
  for (const [op, keys] of Object.entries(s.Condition ?? {})) {
    const test = OPERATORS[op.toLowerCase()]!;
    for (const [key, value] of Object.entries(keys)) {
      const [, kind, tagKey] = TAG_KEY.exec(key)!;
      const onResource = kind!.toLowerCase() === 'resourcetag';
      // A resource the world does not know: an Allow's tag condition cannot exclude it, a Deny's
      // cannot catch it (see AuthTarget.unknown).
      if (onResource && target.unknown) {
        if (effect === 'Deny') out.push(key);
        continue;
      }
      const have = onResource ? target.tags[tagKey!] : req.requestTags[tagKey!];
      if (!test(have, [value].flat())) out.push(key);
    }
  }
  return out;
}

/** `*` matches any run of characters; everything else literally, case-insensitively (RAM's rule). */
function glob(pattern: string): RegExp {
  const body = pattern
    .split('*')
    .map((part) => part.replace(/[.+?^${}()|[\]\\]/g, '\\$&'))
    .join('.*');
  return new RegExp(`^${body}$`, 'i');
}

// ---- what a request touches ----

/** RPC parameters naming an existing resource: store type and ARN type. */
const RPC_TARGETS: Record<string, { type: string; arnType: string }> = {
  InstanceId: { type: 'instance', arnType: 'instance' },
  SecurityGroupId: { type: 'security-group', arnType: 'securitygroup' },
  VpcId: { type: 'vpc', arnType: 'vpc' },
  VSwitchId: { type: 'vswitch', arnType: 'vswitch' },
};

/** What each create makes (its ARN type): the new resource is one of the call's targets. */
const CREATES: Record<string, string> = {
  'ecs:RunInstances': 'instance',
  'ecs:CreateSecurityGroup': 'securitygroup',
  'ecs:RunCommand': 'command',
  'vpc:CreateVpc': 'vpc',
  'vpc:CreateVSwitch': 'vswitch',
  'fc:CreateFunction': 'functions',
  'cs:CreateCluster': 'cluster',
  'paidlc:CreateJob': 'job',
};

/**
 * API actions whose RAM action has another name: FC 3.0's async invoke config APIs keep FC 2.0's RAM
 * names (the GetAsyncInvokeConfig reference lists fc:GetFunctionAsyncInvokeConfig).
 */
const RAM_ACTION_NAMES: Record<string, string> = {
  'fc:PutAsyncInvokeConfig': 'fc:PutFunctionAsyncInvokeConfig',
  'fc:GetAsyncInvokeConfig': 'fc:GetFunctionAsyncInvokeConfig',
  'fc:DeleteAsyncInvokeConfig': 'fc:DeleteFunctionAsyncInvokeConfig',
};

/** The RAM view of one API call: its action, the resources it touches with their tags, its tags. */
export function authRequestOf(namespace: string, action: string, req: ApiRequest, world: World): AuthRequest {
  const authAction = RAM_ACTION_NAMES[`${namespace}:${action}`] ?? `${namespace}:${action}`;
  const region = req.regionId ?? '*';
  const arn = (type: string, id: string, r = region) =>
    `acs:${namespace}:${r}:${world.accountId}:${type}/${id}`;
  const known = (r: Resource | undefined, type: string, id: string): AuthTarget =>
    r ? { arn: arn(type, id, r.regionId), tags: r.tags } : { arn: arn(type, id), tags: {}, unknown: true };
  const targets: AuthTarget[] = [];
  const created = CREATES[authAction];
  if (created) targets.push({ arn: arn(created, '*'), tags: {} });
  if (req.product === 'ecs' || req.product === 'vpc') {
    for (const [param, t] of Object.entries(RPC_TARGETS)) {
      const ids = [req.query[param], ...idList(req, param)].filter((v): v is string => !!v);
      for (const id of ids) targets.push(known(world.get(t.type, id), t.arnType, id));
    }
  } else if (req.product === 'fc') {
    // /2023-03-30/functions/{name}[/…]; FC resolves the name in the region of the endpoint.
    const name = req.path.split('/')[3];
    if (name) {
      const fnRegion = req.regionId ?? fcRegion(req);
      const fn = world
        .list({ type: 'function', regionId: fnRegion })
        .find((r) => r.data.functionName === name);
      targets.push(known(fn, 'functions', name));
    }
  } else if (req.product === 'cs') {
    // /clusters/{id}[/…] and /k8s/{id}/user_config name a cluster.
    const [, first, id] = req.path.split('/');
    if ((first === 'clusters' || first === 'k8s') && id)
      targets.push(known(world.get('cluster', id), 'cluster', id));
  } else if (req.product === 'dlc') {
    // /api/v1/jobs/{id}[/…]
    const parts = req.path.split('/');
    if (parts[3] === 'jobs' && parts[4]) targets.push(known(world.get('dlc-job', parts[4]), 'job', parts[4]));
  }
  // An action on no particular resource is authorised against the service as a whole.
  if (targets.length === 0)
    targets.push({ arn: `acs:${namespace}:${region}:${world.accountId}:*`, tags: {} });
  return { action: authAction, targets, requestTags: requestTags(req) };
}

/** InstanceId.1, InstanceId.2 … (RunCommand names its instances that way). */
function idList(req: ApiRequest, param: string): string[] {
  const re = new RegExp(`^${param}\\.\\d+$`);
  return Object.entries(req.query)
    .filter(([k]) => re.test(k))
    .map(([, v]) => v);
}

function fcRegion(req: ApiRequest): string | undefined {
  return /^\d+\.([a-z0-9-]+?)(?:-internal)?\.fc\.aliyuncs\.com/.exec(String(req.headers.host ?? ''))?.[1];
}

/**
 * The tags a create asks for, where each product puts them: ECS/VPC Tag.N.Key/Tag.N.Value, FC
 * `tags` [{key,value}], CS `tags` [{key,value}], DLC `Settings.Tags` {key: value}.
 */
function requestTags(req: ApiRequest): Record<string, string> {
  const out: Record<string, string> = {};
  for (const t of objects(req, 'Tag')) if (t.Key) out[t.Key] = t.Value ?? '';
  const body = req.json;
  if (body && typeof body === 'object') {
    const pairs = [body.tags, body.Tags].find(Array.isArray) ?? [];
    for (const t of pairs) {
      const key = t?.key ?? t?.Key;
      if (typeof key === 'string') out[key] = String(t.value ?? t.Value ?? '');
    }
    const map = body.Settings?.Tags;
    if (map && typeof map === 'object' && !Array.isArray(map))
      for (const [k, v] of Object.entries(map)) out[k] = String(v ?? '');
  }
  return out;
}
