// The one table that maps an Alibaba error code to what acp does about it (docs/architecture.md), and
// the translation of SDK errors into Temporal failures. The Alibaba code travels as the failure's
// `type`, so the workflow, the CLI and the Web UI all show the code the user can search for.
import { ApplicationFailure } from '@temporalio/common';

export type ErrorKind =
  /** Capacity: try the next zone, region or spec (never another product when locked). */
  | 'sold-out'
  /** Quota, balance or permission: a person must fix something; the run waits for `retry`. */
  | 'blocked'
  /** Transient: the activity retries with backoff (honouring x-acs-retry-after). */
  | 'retryable'
  /** The resource is already gone: a release treats this as done. */
  | 'not-found'
  /** The request itself is wrong: fail now, release what exists. */
  | 'fatal';

interface Rule {
  match: (code: string) => boolean;
  kind: ErrorKind;
  nextStep: string;
}

const exact =
  (...codes: string[]) =>
  (code: string) =>
    codes.includes(code);
const prefix = (p: string) => (code: string) => code.startsWith(p);

const RULES: Rule[] = [
  {
    match: exact(
      'OperationDenied.NoStock',
      'Zone.NotOnSale',
      'Zone.NotOpen',
      'InvalidInstanceType.NotSupported',
      'InvalidInstanceType.ZoneNotSupported',
      'InvalidResourceType.NotSupported',
      'ResourceNotAvailable',
      'InvalidOperation.PublicIpAddressNoStock',
      'OperationDenied.ZoneNotAllowed',
      // PAI-DLC: a job queued because the public resource group has none of its spec (acp's name
      // for DLC's "resource type is not enough"; activities/pai.ts).
      'ResourceNotEnough',
    ),
    kind: 'sold-out',
    nextStep: 'acp tries the next zone, region or smaller spec; lock a region or product only if you must.',
  },
  {
    // One VPC per run meets the default quota of 10 per region at the 11th concurrent run.
    match: exact('QuotaExceeded.Vpc', 'VpcQuotaExceeded'),
    kind: 'blocked',
    nextStep:
      'the region’s VPC quota is used up: run `acp network share --region REGION` once (every run then reuses one acp VPC) or raise the quota in the Quota Center (https://quotas.console.aliyun.com), then send `acp retry ID` or the `retry` signal.',
  },
  {
    match: (c) => c.startsWith('QuotaExceed') || c === 'ResourceQuotaExceeded' || c === 'QuotaExceeded',
    kind: 'blocked',
    nextStep:
      'raise the quota in the Quota Center (https://quotas.console.aliyun.com), then send `acp retry ID` or the `retry` signal.',
  },
  {
    // Function Compute answers its function/instance quotas with 400 LimitExceeded.
    match: exact('LimitExceeded', 'LimitExceededError'),
    kind: 'blocked',
    nextStep:
      'raise the Function Compute quota (functions or instances per region) in the Quota Center (https://quotas.console.aliyun.com), then send `acp retry ID` or the `retry` signal.',
  },
  {
    match: prefix('InvalidAccountStatus'),
    kind: 'blocked',
    nextStep:
      'top up the account in the Billing console (https://usercenter2.aliyun.com), then send `acp retry ID` or the `retry` signal.',
  },
  {
    match: (c) => c === 'Forbidden.RAM' || c === 'Forbidden' || c.startsWith('NoPermission'),
    kind: 'blocked',
    nextStep:
      'grant the missing action to the RAM user (`acp ram-policy` prints the policy acp needs), then send `acp retry ID`.',
  },
  {
    // Simple Log Service: projects per account (an async FC run's log project, docs/fc.md).
    match: exact('ProjectQuotaExceed'),
    kind: 'blocked',
    nextStep:
      'the account has as many Simple Log Service projects as it may: raise the quota in the SLS console (or delete an unused project), then send `acp retry ID`.',
  },
  {
    // RunInstances with an instance RAM role that does not exist (the checkpoint mount's role).
    match: prefix('InvalidRamRole'),
    kind: 'blocked',
    nextStep:
      'create the instance RAM role ECS may assume (ACP_CHECKPOINT_ROLE, default AcpCheckpointRole) with OSS access to buckets acp-ckpt-* (docs/spot.md), then send `acp retry ID`.',
  },
  {
    // OSS (checkpoints, docs/spot.md): a RAM denial, or the account's bucket limit.
    match: exact('AccessDenied', 'TooManyBuckets'),
    kind: 'blocked',
    nextStep:
      'grant the OSS actions `acp ram-policy` prints on buckets acp-ckpt-* (or free a bucket slot), then send `acp retry ID`.',
  },
  {
    // CS (ACK) names its balance error differently from ECS (ACK's error-code table).
    match: exact('InsufficientBalance'),
    kind: 'blocked',
    nextStep:
      'top up the account in the Billing console (https://usercenter2.aliyun.com), then send `acp retry ID` or the `retry` signal.',
  },
  {
    // CS's RAM denial (ACK's error-code table); the Kubernetes API's RBAC denial inside an ACK cluster.
    match: exact('ErrorCheckAcl', 'Kubernetes.Forbidden'),
    kind: 'blocked',
    nextStep:
      'grant the RAM user the CS actions (`acp ram-policy`) and a cluster RBAC role that may manage Jobs, ConfigMaps and pods, then send `acp retry ID`.',
  },
  {
    // The Kubernetes API server's transient answers (acp names them Kubernetes.<Status reason>).
    match: exact(
      'Kubernetes.TooManyRequests',
      'Kubernetes.ServiceUnavailable',
      'Kubernetes.InternalError',
      'Kubernetes.Timeout',
      'Kubernetes.ServerTimeout',
      'Kubernetes.Unauthorized',
    ),
    kind: 'retryable',
    nextStep: 'acp retries with a fresh kubeconfig and backoff; nothing to do.',
  },
  {
    match: (c) =>
      c.includes('Throttling') ||
      c === 'ResourceThrottled' ||
      // FC: the account's concurrent instances are all busy (429); capacity frees up on its own.
      c === 'ResourceExhausted' ||
      c === 'ServiceUnavailable' ||
      c === 'InternalError' ||
      c === 'InternalServerError' ||
      c === 'UnknownError' ||
      c.startsWith('IncorrectInstanceStatus') ||
      c.startsWith('IncorrectVpcStatus') ||
      c.startsWith('IncorrectVSwitchStatus') ||
      c.startsWith('DependencyViolation') ||
      c === 'OperationConflict' ||
      c.startsWith('LastTokenProcessing') ||
      c === 'IdempotentProcessing' ||
      // One vSwitch at a time is created in a VPC: in a shared VPC another run's may be underway.
      c === 'OperationDenied.OtherSubnetCreating' ||
      c === 'TaskConflict' ||
      c === 'OperationFailed.IdempotentTokenProcessing' ||
      c === 'OperationFailed.DistibuteLock' ||
      // Simple Log Service's throttling and 5xx (its common error codes).
      c === 'ReadQuotaExceed' ||
      c === 'WriteQuotaExceed' ||
      c === 'ServerBusy',
    kind: 'retryable',
    nextStep: 'acp retries with backoff; nothing to do.',
  },
  {
    match: (c) =>
      c.endsWith('.NotFound') ||
      c === 'FunctionNotFound' ||
      c === 'ErrorClusterNotFound' ||
      c === 'NotFound' ||
      // OSS (docs/spot.md, checkpoints): the bucket or object is gone.
      c === 'NoSuchBucket' ||
      c === 'NoSuchKey',
    kind: 'not-found',
    nextStep: 'nothing: the resource is already gone.',
  },
];

const FATAL: Rule = {
  match: () => true,
  kind: 'fatal',
  nextStep: 'fix the request (the message names the parameter) and run again.',
};

export function classify(code: string): { kind: ErrorKind; nextStep: string } {
  const rule = RULES.find((r) => r.match(code)) ?? FATAL;
  return { kind: rule.kind, nextStep: rule.nextStep };
}

/** Codes that are worth a structured `kind` for the workflow to branch on. */
export interface AlibabaErrorDetails {
  code: string;
  message: string;
  kind: ErrorKind;
  nextStep: string;
  httpStatus?: number;
  requestId?: string;
  /** The RAM action that was denied (Forbidden.RAM), so the user knows what to grant. */
  authAction?: string;
  /** Where it happened ("RunInstances in cn-hangzhou-k"), for the message. */
  operation: string;
}

interface SdkError {
  name?: string;
  code?: string;
  message?: string;
  statusCode?: number;
  requestId?: string;
  retryAfter?: number;
  data?: Record<string, any>;
  accessDeniedDetail?: Record<string, any> | null;
}

const NETWORK_CODES = [
  'ECONNRESET',
  'ECONNREFUSED',
  'ETIMEDOUT',
  'EPIPE',
  'EAI_AGAIN',
  'ENOTFOUND',
  'EHOSTUNREACH',
];

/** Extracts the Alibaba code, message and status from whatever the SDK threw. */
export function describeSdkError(err: unknown, operation: string): AlibabaErrorDetails {
  const e = (err ?? {}) as SdkError;
  const name = e.name ?? '';
  let code = typeof e.code === 'string' && e.code !== 'undefined' ? e.code : '';
  if (!code && name === 'RequestTimeoutError') code = 'RequestTimeout';
  if (!code) code = name === 'SyntaxError' ? 'MalformedResponse' : 'UnknownError';
  // RPC bodies say Message; CS (ROA) bodies say message.
  const bodyMessage =
    typeof e.data?.Message === 'string'
      ? e.data.Message
      : typeof e.data?.message === 'string'
        ? e.data.message
        : undefined;
  // SLS's gateway puts the code in front of its message ("ProjectNotExist: The Project …").
  const raw = bodyMessage ?? e.message ?? String(err);
  const message = raw.startsWith(`${code}: `) ? raw.slice(code.length + 2) : raw;
  let { kind, nextStep } = classify(code);
  if (NETWORK_CODES.includes(code) || code === 'RequestTimeout' || code === 'MalformedResponse') {
    kind = 'retryable';
    nextStep = 'acp retries with backoff; check the network if it persists.';
  }
  // OSS's gateway puts the status in data.
  if (kind === 'fatal' && (e.statusCode ?? e.data?.statusCode ?? 0) >= 500) kind = 'retryable';
  // Simple Log Service says a RAM denial in its message: "denied by sts or ram, action: log:…, resource: …".
  const slsDenied = code === 'Unauthorized' ? /denied by sts or ram, action: ([\w:]+)/.exec(message) : null;
  if (slsDenied) kind = 'blocked';
  const authAction =
    e.accessDeniedDetail?.AuthAction ?? e.data?.AccessDeniedDetail?.AuthAction ?? slsDenied?.[1];
  return {
    code,
    message,
    kind,
    nextStep: authAction
      ? // A granted action whose tag condition failed is denied the same way, so both causes are named.
        `grant \`${authAction}\` to the RAM user as \`acp ram-policy\` prints it (an action granted only under another tag condition is denied too), then send \`acp retry ID\`.`
      : nextStep,
    httpStatus: e.statusCode,
    requestId: e.requestId && e.requestId !== 'undefined' ? e.requestId : undefined,
    authAction,
    operation,
  };
}

/**
 * Turns an SDK error into the Temporal failure the workflow understands. Transient errors stay
 * retryable (with the server's x-acs-retry-after as the next delay); everything else is
 * non-retryable and carries its kind, so the workflow can fail over, block or fail.
 */
export function toFailure(err: unknown, operation: string): ApplicationFailure {
  if (err instanceof ApplicationFailure) return err;
  const d = describeSdkError(err, operation);
  const retryAfter = (err as SdkError | undefined)?.retryAfter;
  const text = `${d.code}: ${d.message} (${operation})`;
  if (d.kind === 'retryable') {
    return ApplicationFailure.create({
      message: text,
      type: d.code,
      details: [d],
      nonRetryable: false,
      ...(typeof retryAfter === 'number' && retryAfter > 0 ? { nextRetryDelay: retryAfter } : {}),
    });
  }
  return ApplicationFailure.create({ message: text, type: d.code, details: [d], nonRetryable: true });
}

/** Runs one SDK call and rethrows its error as a classified Temporal failure. */
export async function alibabaCall<T>(operation: string, call: () => Promise<T>): Promise<T> {
  try {
    return await call();
  } catch (err) {
    throw toFailure(err, operation);
  }
}

/** A release is idempotent: an already-missing resource counts as released. */
export async function releaseCall(
  operation: string,
  call: () => Promise<unknown>,
): Promise<'released' | 'gone'> {
  try {
    await call();
    return 'released';
  } catch (err) {
    if (describeSdkError(err, operation).kind === 'not-found') return 'gone';
    throw toFailure(err, operation);
  }
}
