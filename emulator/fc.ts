// Function Compute 3.0 (API 2023-03-30, ROA, camelCase JSON under /2023-03-30/functions).
// CreateFunction enforces the published limits (CreateFunctionInput's field docs, FC 2023-03-30 SDK), keeps the unpacked code, and
// InvokeFunction runs it for real (fc-runtime.ts). Function errors are HTTP 200 with
// x-fc-error-type, platform errors are HTTP errors, as on the real service (FC 3.0 "Error codes",
// help.aliyun.com/zh/functioncompute/api-fc-2023-03-30-errorcodes).
//
// As documented, and refused otherwise:
// - the region and account are the endpoint's host, <account>.<region>.fc.aliyuncs.com;
// - GPU instances run only Custom Container functions ("GPU-accelerated instances can be deployed
//   only by using container images", FC instance types page; runtime selection page);
// - a function is invocable only when Active ("You cannot invoke a function in this state",
//   FC function states page);
// - async invocations are retried maxAsyncRetryAttempts times (default 3) after a failure, and
//   recorded as tasks (GetAsyncTask, task ids that de-duplicate) only with the async config's
//   asyncTask on; returnPayload is a preview, answered only when world.previews turns it on;
// - a logConfig names a Simple Log Service project and Logstore that exist in the function's region,
//   and a role FC can write them with: the function's own `role`, or else the account's
//   service-linked role AliyunServiceRoleForFC; FC then ships every line the function prints to
//   that Logstore as it is printed (topic `FCLogs:<function>`, sls.ts).
// docs/fc.md has the sources.
//
// Billing: FC charges per use, so every running invocation is an 'fc-instance' resource that lives
// exactly as long as the run; its hourlyPrice is the CU rate of the function's vCPU, memory and GPU,
// and the emulator's cost meter (price × lifetime) then yields the per-use charge.
import { randomUUID } from 'node:crypto';
import { type InvocationOutcome, invocationScript, parseInvocation } from './fc-runtime';
import { FC_SERVICE, FC_SERVICE_LINKED_ROLE, findRole } from './ram-roles';
import { RESULT_MARKER } from './sandbox-shell';
import { logstoreExists, shipFunctionLogs } from './sls';
import {
  ApiError,
  type ApiRequest,
  type ApiResult,
  type ProductModule,
  type Resource,
  type World,
} from './types';
import { readZip, type ZipEntry } from './zip-archive';

const VERSION = '2023-03-30';

// ---- prices ("Pay-as-you-go", FC 3.0 billing in compute units since 2024-08-27,
// alibabacloud.com/help/en/functioncompute/fc-3-0/product-overview/pay-as-you-go-billing-method-1) ----
// International-site tier-0 price USD 0.000020 per CU; no China-site CU price is in our sources, so
// it is converted at acp's default rate of 7.2 CNY/USD (planner/pricing.ts). CU factors: 1 per vCPU-second, 0.15 per
// GB-second of memory, 2.1 per GB-second of Tesla (T4) GPU memory; the Ampere (A10) factor is not
// published in our sources, so the Tesla factor stands in. The per-request fee (75 CU per 10,000)
// is below the meter's resolution and left out.
const CNY_PER_CU = 0.00002 * 7.2;
const CU_PER_VCPU_SECOND = 1;
const CU_PER_GB_SECOND = 0.15;
const CU_PER_GPU_GB_SECOND: Record<string, number> = { 'fc.gpu.tesla.1': 2.1, 'fc.gpu.ampere.1': 2.1 };

/** GPU memory of a full card, MB (T4 16 GB, A10 24 GB). */
const GPU_CARD_MB: Record<string, number> = { 'fc.gpu.tesla.1': 16_384, 'fc.gpu.ampere.1': 24_576 };

/** How long a new function stays Pending before it is Active (code packages vs images). */
const ACTIVATION_MS = { code: 1_000, container: 10_000 };
/** Real FC returns the last 4 KB of the log with x-fc-log-type: Tail. */
const LOG_TAIL_BYTES = 4096;
const DEFAULT_PORT = 9000;

/** Async invocation defaults without PutAsyncInvokeConfig (PutAsyncInvokeConfigInput reference). */
const DEFAULT_RETRY_ATTEMPTS = 3;
const DEFAULT_EVENT_AGE_SECONDS = 86_400;
/** Emulated ms before the n-th retry of a failed async invocation (doubling from 1 s). */
const retryDelayMs = (n: number) => 1_000 * 2 ** (n - 1);

interface AsyncConfig {
  asyncTask: boolean;
  destinationConfig?: Record<string, unknown>;
  maxAsyncEventAgeInSeconds: number;
  maxAsyncRetryAttempts: number;
  createdTime: number;
  lastModifiedTime: number;
}

interface AsyncTask {
  taskId: string;
  requestId: string;
  status: 'Enqueued' | 'Running' | 'Retrying' | 'Succeeded' | 'Failed' | 'Expired' | 'Invalid';
  alreadyRetriedTimes: number;
  startedTime?: number;
  endTime?: number;
  durationMs?: number;
  returnPayload?: string;
  taskErrorMessage?: string;
  taskPayload: string;
  events: { eventId: number; status: string; timestamp: number; eventDetail: string }[];
}

interface FunctionData {
  functionName: string;
  functionId: string;
  /** The CreateFunctionInput as sent (camelCase), defaults filled in. */
  input: Record<string, any>;
  files: ZipEntry[];
  codeSize: number;
  codeChecksum: string;
  createdTime: number;
  lastModifiedTime: number;
  activeAt: number;
  /** Recorded only in task mode (asyncConfig.asyncTask). */
  asyncTasks: Record<string, AsyncTask>;
  asyncConfig?: AsyncConfig;
}

// ---- handlers ----

function createFunction(req: ApiRequest, world: World): ApiResult {
  const region = regionOf(req, world);
  const input = { ...(req.json ?? {}) } as Record<string, any>;
  validateFunctionInput(input, region);
  validateLogConfig(input, region, world);
  if (findFunction(world, region, input.functionName)) {
    throw new ApiError(409, 'FunctionAlreadyExists', `function '${input.functionName}' already exists`);
  }
  const { files, codeSize, codeChecksum } = unpackCode(input);
  world.checkQuotaAndBalance('fc', region, { instances: 1 });

  const now = world.now();
  const container = input.runtime === 'custom-container';
  const data: FunctionData = {
    functionName: input.functionName,
    functionId: randomUUID(),
    input: withDefaults(input),
    files,
    codeSize,
    codeChecksum,
    createdTime: now,
    lastModifiedTime: now,
    activeAt: now + (container ? ACTIVATION_MS.container : ACTIVATION_MS.code),
    asyncTasks: {},
  };
  const fn = world.add({
    type: 'function',
    id: data.functionId,
    regionId: region,
    status: 'Pending',
    tags: tagsOf(input.tags),
    hourlyPrice: 0,
    data,
  });
  world.schedule(data.activeAt, () => {
    if (fn.releasedAt === undefined) fn.status = 'Active';
  });
  // CreateFunction always answers Pending; at speed 600 the 1 s activation can pass while a loaded
  // host is still reading the code package.
  return { body: { ...functionBody(fn, world), state: 'Pending' } };
}

function getFunction(req: ApiRequest, world: World): ApiResult {
  const fn = mustFindFunction(world, regionOf(req, world), functionNameIn(req.path));
  return { body: functionBody(fn, world) };
}

function listFunctions(req: ApiRequest, world: World): ApiResult {
  const region = regionOf(req, world);
  const limit = Math.min(Math.max(Number(req.query.limit ?? 20) || 20, 1), 100);
  const prefix = req.query.prefix ?? '';
  const wantedTags = parseTagFilter(req.query.tags);
  const all = world
    .list({ type: 'function', regionId: region })
    .filter((r) => (r.data as FunctionData).functionName.startsWith(prefix))
    .filter((r) => !req.query.runtime || (r.data as FunctionData).input.runtime === req.query.runtime)
    .filter(
      (r) => !req.query.gpuType || (r.data as FunctionData).input.gpuConfig?.gpuType === req.query.gpuType,
    )
    .filter((r) => Object.entries(wantedTags).every(([k, v]) => r.tags[k] === v))
    .sort((a, b) => ((a.data as FunctionData).functionName < (b.data as FunctionData).functionName ? -1 : 1));
  const from = req.query.nextToken
    ? all.findIndex((r) => (r.data as FunctionData).functionName >= String(req.query.nextToken))
    : 0;
  const page = from < 0 ? [] : all.slice(from, from + limit);
  const next = from < 0 ? undefined : all[from + limit];
  return {
    body: {
      functions: page.map((r) => functionBody(r, world)),
      ...(next ? { nextToken: (next.data as FunctionData).functionName } : {}),
    },
  };
}

function deleteFunction(req: ApiRequest, world: World): ApiResult {
  const fn = mustFindFunction(world, regionOf(req, world), functionNameIn(req.path));
  world.release('function', fn.id);
  // DeleteFunction answers with no body at all (the SDK reads none).
  return { status: 204, raw: Buffer.alloc(0), headers: { 'x-fc-request-id': req.requestId } };
}

async function invokeFunction(req: ApiRequest, world: World): Promise<ApiResult> {
  const region = regionOf(req, world);
  const fn = mustFindFunction(world, region, functionNameIn(req.path));
  mustBeActive(fn, world);
  world.checkQuotaAndBalance('fc', region, {});
  const event = req.body;
  const invocationType = String(req.headers['x-fc-invocation-type'] ?? 'Sync');
  if (invocationType.toLowerCase() === 'async') return startAsync(req, world, fn, event);
  if (invocationType.toLowerCase() !== 'sync') {
    throw new ApiError(
      400,
      'InvalidArgument',
      `invalid x-fc-invocation-type '${invocationType}', expect Sync or Async`,
    );
  }

  const outcome = await runInvocation(world, fn, event, req.requestId);
  const headers: Record<string, string> = {
    'content-type': 'application/octet-stream',
    'x-fc-request-id': req.requestId,
    'x-fc-code-checksum': (fn.data as FunctionData).codeChecksum,
    'x-fc-invocation-service-version': 'LATEST',
  };
  if (String(req.headers['x-fc-log-type'] ?? '').toLowerCase() === 'tail') {
    headers['x-fc-log-result'] = logTail(outcome.logs, req.requestId);
  }
  switch (outcome.kind) {
    case 'response':
      return { status: 200, raw: outcome.payload, headers };
    case 'functionError':
      return {
        status: 200,
        raw: outcome.payload,
        headers: { ...headers, 'x-fc-error-type': 'UnhandledInvocationError' },
      };
    case 'timeout':
      return {
        status: 200,
        raw: errorPayload(`Function timed out after ${(fn.data as FunctionData).input.timeout} seconds`),
        headers: { ...headers, 'x-fc-error-type': 'UnhandledInvocationError' },
      };
    case 'exited':
      throw instanceExited(fn, outcome);
  }
}

function getAsyncTask(req: ApiRequest, world: World): ApiResult {
  const [, , , name, , taskId] = req.path.split('/');
  const fn = mustFindFunction(world, regionOf(req, world), name ?? '');
  // Without task mode FC records no task, so there is nothing to read back.
  const task = (fn.data as FunctionData).asyncTasks[taskId ?? ''];
  if (!task) throw new ApiError(404, 'AsyncTaskNotFound', `async task '${taskId}' does not exist`);
  return { body: asyncTaskBody(fn, task, world) };
}

// ---- async invoke config (PutAsyncInvokeConfigInput / AsyncConfig reference pages) ----

function putAsyncInvokeConfig(req: ApiRequest, world: World): ApiResult {
  const fn = mustFindFunction(world, regionOf(req, world), functionNameIn(req.path));
  const data = fn.data as FunctionData;
  const input = (req.json ?? {}) as Record<string, any>;
  const retries = input.maxAsyncRetryAttempts ?? DEFAULT_RETRY_ATTEMPTS;
  if (!Number.isInteger(retries) || retries < 0 || retries > 8)
    invalid(`maxAsyncRetryAttempts ${retries} is invalid: must be an integer between 0 and 8`);
  const age = input.maxAsyncEventAgeInSeconds ?? DEFAULT_EVENT_AGE_SECONDS;
  if (!Number.isInteger(age) || age < 1 || age > 604_800)
    invalid(`maxAsyncEventAgeInSeconds ${age} is invalid: must be an integer between 1 and 604800`);
  if (input.asyncTask !== undefined && typeof input.asyncTask !== 'boolean')
    invalid('asyncTask must be a boolean');
  const now = world.now();
  data.asyncConfig = {
    asyncTask: input.asyncTask ?? false,
    ...(input.destinationConfig ? { destinationConfig: input.destinationConfig } : {}),
    maxAsyncEventAgeInSeconds: age,
    maxAsyncRetryAttempts: retries,
    createdTime: data.asyncConfig?.createdTime ?? now,
    lastModifiedTime: now,
  };
  return { body: asyncConfigBody(fn, data.asyncConfig, world) };
}

function getAsyncInvokeConfig(req: ApiRequest, world: World): ApiResult {
  const fn = mustFindFunction(world, regionOf(req, world), functionNameIn(req.path));
  const config = (fn.data as FunctionData).asyncConfig;
  if (!config) throw asyncConfigNotFound(fn);
  return { body: asyncConfigBody(fn, config, world) };
}

function deleteAsyncInvokeConfig(req: ApiRequest, world: World): ApiResult {
  const fn = mustFindFunction(world, regionOf(req, world), functionNameIn(req.path));
  const data = fn.data as FunctionData;
  if (!data.asyncConfig) throw asyncConfigNotFound(fn);
  data.asyncConfig = undefined;
  // Answered without a body (the SDK reads none).
  return { status: 204, raw: Buffer.alloc(0), headers: { 'x-fc-request-id': req.requestId } };
}

function asyncConfigNotFound(fn: Resource): ApiError {
  // The code string is our choice: the FC 3.0 error list names none for a missing async config.
  return new ApiError(
    404,
    'AsyncConfigNotExists',
    `async invoke config of function '${(fn.data as FunctionData).functionName}' does not exist`,
  );
}

function asyncConfigBody(fn: Resource, c: AsyncConfig, world: World): Record<string, unknown> {
  return {
    asyncTask: c.asyncTask,
    createdTime: iso(c.createdTime),
    // No destinations configured reads as empty ones (the documented answer always has the object).
    destinationConfig: c.destinationConfig ?? {
      onSuccess: { destination: '' },
      onFailure: { destination: '' },
    },
    functionArn: functionArn(fn, world),
    lastModifiedTime: iso(c.lastModifiedTime),
    maxAsyncEventAgeInSeconds: c.maxAsyncEventAgeInSeconds,
    maxAsyncRetryAttempts: c.maxAsyncRetryAttempts,
  };
}

// ---- invocation ----

/** Invocable only when Active: FC's function states page says a Pending (or Failed) one is not. */
function mustBeActive(fn: Resource, world: World): void {
  const data = fn.data as FunctionData;
  if (world.now() >= data.activeAt) return;
  throw new ApiError(
    412,
    'PreconditionFailed',
    `function '${data.functionName}' is in state Pending (Function creating) and cannot be invoked until it is Active`,
  );
}

async function runInvocation(
  world: World,
  fn: Resource,
  event: Buffer,
  requestId: string,
  /** An async retry runs on an instance of its own, billed on its own. */
  attempt = 0,
): Promise<InvocationOutcome> {
  const data = fn.data as FunctionData;
  const input = data.input;
  // Function timeouts run on the emulated clock, with the same wall-clock floor as every script
  // (World.runScript): real processes need real time to start.
  const wallTimeout = Math.max(input.timeout / world.speed, Math.min(input.timeout, 2));
  const instance = world.add({
    type: 'fc-instance',
    id: `${data.functionName}/${requestId}${attempt > 0 ? `/retry-${attempt}` : ''}`,
    regionId: fn.regionId,
    status: 'Running',
    tags: { ...fn.tags },
    hourlyPrice: hourlyRate(input),
    data: { functionName: data.functionName, functionId: data.functionId, requestId },
  });
  const logs = functionLogWriter(world, fn, instance.id);
  try {
    const command = startupCommand(input);
    if (input.runtime === 'custom-container' && command.length === 0) {
      // The emulator pulls no images, so it cannot know an image's own ENTRYPOINT/CMD.
      return {
        kind: 'exited',
        exitCode: 127,
        logs: `the emulator cannot run image ${input.customContainerConfig?.image}'s own entrypoint: set customContainerConfig.entrypoint or command`,
      };
    }
    const run = await world.runScript(
      invocationScript(
        {
          runtime: input.runtime,
          handler: input.handler,
          files: data.files,
          command,
          port: input.customRuntimeConfig?.port ?? input.customContainerConfig?.port ?? DEFAULT_PORT,
          wallTimeoutSeconds: wallTimeout,
        },
        event,
      ),
      {
        // The shim enforces the function timeout; this outer limit (emulated seconds) only
        // catches a shim that hangs, with room for a cold start.
        timeoutSeconds: Math.max(input.timeout + 30, (wallTimeout + 5) * world.speed),
        env: {
          ...(input.environmentVariables ?? {}),
          FC_FUNCTION_NAME: data.functionName,
          FC_FUNCTION_HANDLER: input.handler ?? '',
          FC_FUNCTION_MEMORY_SIZE: String(input.memorySize),
          FC_REGION: fn.regionId,
          FC_ACCOUNT_ID: world.accountId,
          FC_REQUEST_ID: requestId,
          FC_INSTANCE_ID: instance.id,
        },
        onOutput: logs.write,
      },
    );
    if (world.exec === 'none') return { kind: 'response', payload: Buffer.alloc(0), logs: '' };
    return parseInvocation(run.output, run.exitCode, run.timedOut ?? false);
  } finally {
    logs.end();
    world.release('fc-instance', instance.id);
  }
}

/**
 * An async invocation: queued (202), run, and after a failure run again up to maxAsyncRetryAttempts
 * times (3 without an async config) while the event is younger than maxAsyncEventAgeInSeconds. Only
 * in task mode (asyncTask) is it recorded for GetAsyncTask, and does its task id de-duplicate.
 */
function startAsync(req: ApiRequest, world: World, fn: Resource, event: Buffer): ApiResult {
  const data = fn.data as FunctionData;
  const config = data.asyncConfig;
  const taskMode = config?.asyncTask === true;
  const maxRetries = config?.maxAsyncRetryAttempts ?? DEFAULT_RETRY_ATTEMPTS;
  const maxAgeMs = (config?.maxAsyncEventAgeInSeconds ?? DEFAULT_EVENT_AGE_SECONDS) * 1000;
  // Without x-fc-async-task-id the task id is the request id (FC "task deduplication" doc).
  const taskId = String(req.headers['x-fc-async-task-id'] ?? req.requestId);
  if (!/^[A-Za-z_][A-Za-z0-9_-]{0,127}$/.test(taskId)) {
    throw new ApiError(400, 'InvalidArgument', `invalid async task id '${taskId}'`);
  }
  if (taskMode && data.asyncTasks[taskId]) {
    // A duplicate task id is rejected with 409 (documented); the code string is our choice.
    throw new ApiError(409, 'AsyncTaskAlreadyExists', `async task '${taskId}' already exists`);
  }
  const enqueuedAt = world.now();
  const task: AsyncTask = {
    taskId,
    requestId: req.requestId,
    status: 'Enqueued',
    alreadyRetriedTimes: 0,
    taskPayload: event.toString('utf8'),
    events: [],
  };
  let eventId = 0;
  const record = (status: AsyncTask['status'], eventDetail = '') => {
    task.status = status;
    task.events.push({ eventId: ++eventId, status, timestamp: world.now(), eventDetail });
  };
  record('Enqueued', task.taskPayload);
  if (taskMode) data.asyncTasks[taskId] = task;
  void (async () => {
    for (let attempt = 0; ; attempt++) {
      if (fn.releasedAt !== undefined) return record('Invalid', '{"Error":"FunctionNotFound"}');
      if (world.now() - enqueuedAt > maxAgeMs) {
        task.endTime = world.now();
        return record('Expired');
      }
      task.startedTime ??= world.now();
      record('Running');
      const outcome = await runInvocation(world, fn, event, req.requestId, attempt);
      task.endTime = world.now();
      task.durationMs = task.endTime - task.startedTime;
      if (outcome.kind === 'response') {
        task.returnPayload = outcome.payload.toString('utf8');
        task.taskErrorMessage = undefined;
        return record('Succeeded');
      }
      task.taskErrorMessage = 'UnhandledInvocationError';
      task.returnPayload =
        outcome.kind === 'functionError'
          ? outcome.payload.toString('utf8')
          : outcome.kind === 'timeout'
            ? errorPayload(`Function timed out after ${data.input.timeout} seconds`).toString('utf8')
            : errorPayload(instanceExited(fn, outcome).message).toString('utf8');
      if (attempt >= maxRetries) return record('Failed', '{"Error":"UnhandledInvocationError"}');
      record('Retrying', '{"Error":"UnhandledInvocationError"}');
      task.alreadyRetriedTimes = attempt + 1;
      await world.sleepUntil(world.now() + retryDelayMs(attempt + 1));
    }
  })().catch((err) => {
    task.taskErrorMessage = String(err?.message ?? err);
    record('Failed', '{"Error":"InternalError"}');
  });
  return {
    status: 202,
    raw: Buffer.alloc(0),
    headers: { 'x-fc-request-id': req.requestId, 'x-fc-async-task-id': taskId },
  };
}

function instanceExited(fn: Resource, outcome: { exitCode: number; logs: string }): ApiError {
  const command = startupCommand((fn.data as FunctionData).input).join(' ');
  return new ApiError(
    412,
    'CAExited',
    `Function instance exited unexpectedly(code ${outcome.exitCode}, message:) with start command '${command}'.\nLogs:${outcome.logs.slice(-LOG_TAIL_BYTES)}`,
  );
}

/** The start command of a custom runtime / container; python runtimes have none. */
function startupCommand(input: Record<string, any>): string[] {
  if (input.runtime === 'custom-container') {
    const c = input.customContainerConfig ?? {};
    return [...(c.entrypoint ?? []), ...(c.command ?? [])];
  }
  const c = input.customRuntimeConfig ?? {};
  const command: string[] = c.command?.length ? c.command : ['/code/bootstrap'];
  return [...command, ...(c.args ?? [])];
}

function logTail(logs: string, requestId: string): string {
  const framed = `FC Invoke Start RequestId: ${requestId}\n${logs}${logs.endsWith('\n') || !logs ? '' : '\n'}FC Invoke End RequestId: ${requestId}\n`;
  const bytes = Buffer.from(framed, 'utf8');
  return bytes.subarray(Math.max(0, bytes.length - LOG_TAIL_BYTES)).toString('base64');
}

function errorPayload(errorMessage: string): Buffer {
  return Buffer.from(JSON.stringify({ errorMessage }));
}

/** CNY per hour while one instance of this function runs (see CNY_PER_CU). */
export function hourlyRate(input: Record<string, any>): number {
  const gpu = input.gpuConfig;
  const cuPerSecond =
    input.cpu * CU_PER_VCPU_SECOND +
    (input.memorySize / 1024) * CU_PER_GB_SECOND +
    (gpu ? (gpu.gpuMemorySize / 1024) * (CU_PER_GPU_GB_SECOND[gpu.gpuType] ?? 2.1) : 0);
  return cuPerSecond * 3600 * CNY_PER_CU;
}

// ---- logs (logConfig) ----

/**
 * Ships what an instance prints to the function's Logstore line by line, as FC collects stdout and
 * stderr. The shim's closing trailer (and the blank line before it) is the emulator's, not output.
 */
function functionLogWriter(world: World, fn: Resource, instanceId: string) {
  const data = fn.data as FunctionData;
  const config = data.input.logConfig;
  if (!config?.project || !config?.logstore) return { write: undefined, end: () => {} };
  const target = { regionId: fn.regionId, project: config.project, logstore: config.logstore };
  const fields = {
    functionName: data.functionName,
    qualifier: 'LATEST',
    versionId: '',
    instanceID: instanceId,
  };
  const topic = `FCLogs:${data.functionName}`;
  let partial = '';
  let heldBlank = false;
  const decoder = new TextDecoder('utf-8');
  const ship = (lines: string[]) =>
    shipFunctionLogs(
      world,
      target,
      lines.map((message) => ({ message, fields, topic })),
    );
  const take = (text: string, final: boolean) => {
    const parts = (partial + text).split('\n');
    partial = final ? '' : (parts.pop() ?? '');
    const out: string[] = [];
    for (const line of final ? parts.filter((l, i) => l !== '' || i < parts.length - 1) : parts) {
      if (line.startsWith(RESULT_MARKER)) {
        heldBlank = false;
        continue;
      }
      if (heldBlank) out.push('');
      heldBlank = line === '';
      if (!heldBlank) out.push(line);
    }
    if (out.length > 0) ship(out);
  };
  return {
    write: (chunk: Buffer) => take(decoder.decode(chunk, { stream: true }), false),
    end: () => take(decoder.decode(), true),
  };
}

/**
 * logConfig as FC checks it when a function is created: both names or neither, the project and
 * Logstore exist in the function's region (FC's answers: "project 'x' does not exist.", "logstore 'x'
 * does not exist."), and a role FC can write them with. FC 3.0 functions without a role use the
 * service-linked role AliyunServiceRoleForFC ("By default, functions use this service-linked role",
 * FC "Use function roles" page); without it, or with a role FC cannot assume, logging is refused.
 */
function validateLogConfig(input: Record<string, any>, region: string, world: World): void {
  const role = input.role;
  if (role !== undefined && role !== '' && !/^acs:ram::\d+:role\/[A-Za-z0-9._-]+$/.test(String(role)))
    invalid(`role '${role}' is invalid: expect acs:ram::<account-id>:role/<name>`);
  const config = input.logConfig;
  if (!config || (!config.project && !config.logstore)) return;
  if (!config.project || !config.logstore)
    invalid('logConfig.project and logConfig.logstore must be set together');
  if (config.logBeginRule !== undefined && !['None', 'DefaultRegex'].includes(config.logBeginRule))
    invalid(`logConfig.logBeginRule '${config.logBeginRule}' is invalid: None or DefaultRegex`);
  if (!logstoreExists(world, region, config.project)) invalid(`project '${config.project}' does not exist.`);
  if (!logstoreExists(world, region, config.project, config.logstore))
    invalid(`logstore '${config.logstore}' does not exist.`);
  if (role) {
    const found = findRole(world, String(role));
    if (!found?.trustedServices.includes(FC_SERVICE))
      invalid(
        `role '${role}' does not exist or cannot be assumed by ${FC_SERVICE}; it cannot write the logs`,
      );
  } else if (!findRole(world, FC_SERVICE_LINKED_ROLE)) {
    invalid(
      `Role is required for turning on logging: the function has no role and the service-linked role ${FC_SERVICE_LINKED_ROLE} does not exist`,
    );
  }
}

// ---- validation (the CreateFunctionInput limits) ----

function invalid(message: string): never {
  throw new ApiError(400, 'InvalidArgument', message);
}

function validateFunctionInput(input: Record<string, any>, region: string): void {
  const name = input.functionName;
  if (typeof name !== 'string' || !name) invalid('functionName is required');
  if (!/^[A-Za-z_][A-Za-z0-9_-]{0,63}$/.test(name)) {
    invalid(
      `invalid function name '${name}': 1-64 characters of letters, digits, '_' and '-', not starting with a digit or '-'`,
    );
  }
  if (typeof input.runtime !== 'string' || !input.runtime) invalid('runtime is required');
  if (input.runtime !== 'custom-container' && !input.handler) invalid('handler is required');
  if (input.runtime === 'custom-container') {
    validateContainer(input, region);
  } else if (!input.code?.zipFile && !input.code?.ossBucketName) {
    invalid('code is required');
  } else if (input.customContainerConfig) {
    invalid(`customContainerConfig is only for runtime custom-container, not ${input.runtime}`);
  }
  if (input.code?.ossBucketName)
    invalid('code from OSS is not supported by this emulator; send code.zipFile');

  const memorySize = input.memorySize ?? 512;
  if (!Number.isInteger(memorySize) || memorySize % 64 !== 0 || memorySize < 128 || memorySize > 32_768) {
    invalid(`memorySize ${memorySize} is invalid: must be a multiple of 64 MB between 128 MB and 32768 MB`);
  }
  const cpu = input.cpu ?? 0.35;
  if (typeof cpu !== 'number' || cpu < 0.05 || cpu > 16 || Math.abs(Math.round(cpu * 20) - cpu * 20) > 1e-9) {
    invalid(`cpu ${cpu} is invalid: must be a multiple of 0.05 vCPU between 0.05 and 16`);
  }
  const ratio = memorySize / 1024 / cpu;
  if (ratio < 1 - 1e-9 || ratio > 4 + 1e-9) {
    invalid(
      `the ratio of cpu to memorySize (GB) must be between 1:1 and 1:4, got ${cpu} vCPU : ${memorySize / 1024} GB`,
    );
  }
  const timeout = input.timeout ?? 3;
  if (!Number.isInteger(timeout) || timeout < 1 || timeout > 86_400) {
    invalid(`timeout ${timeout} is invalid: must be between 1 and 86400 seconds`);
  }
  const diskSize = input.diskSize ?? 512;
  if (diskSize !== 512 && diskSize !== 10_240)
    invalid(`diskSize ${diskSize} is invalid: must be 512 or 10240`);
  const gpu = input.gpuConfig;
  if (gpu && (gpu.gpuType || gpu.gpuMemorySize) && input.runtime !== 'custom-container') {
    // "GPU-accelerated instances can be deployed only by using container images."
    invalid(
      `gpuConfig is only supported with runtime custom-container (GPU instances run container images), not ${input.runtime}`,
    );
  }
  if (gpu && (gpu.gpuType || gpu.gpuMemorySize)) {
    const card = GPU_CARD_MB[gpu.gpuType];
    if (!card) invalid(`gpuType '${gpu.gpuType}' is invalid: must be fc.gpu.tesla.1 or fc.gpu.ampere.1`);
    const mem = gpu.gpuMemorySize;
    if (!Number.isInteger(mem) || mem <= 0 || mem % 1024 !== 0 || mem > card) {
      invalid(
        `gpuMemorySize ${mem} is invalid: must be a multiple of 1024 MB up to ${card} MB for ${gpu.gpuType}`,
      );
    }
  }
}

/**
 * A Custom Container function: an image instead of code, from Container Registry in the function's
 * own region ("you must use an Alibaba Cloud Container Registry image that resides in the same
 * region as your function", Create a Custom Container function).
 */
function validateContainer(input: Record<string, any>, region: string): void {
  const c = input.customContainerConfig;
  if (!c?.image || typeof c.image !== 'string')
    invalid('customContainerConfig.image is required for runtime custom-container');
  if (input.code?.zipFile || input.code?.ossBucketName)
    invalid('code and customContainerConfig are mutually exclusive: a custom-container function has no code');
  const host = c.image.split('/')[0] ?? '';
  const acr = /^(?:[a-z0-9-]+-)?registry(?:-vpc)?\.([a-z0-9-]+)\.(?:cr\.)?aliyuncs\.com$/.exec(host);
  if (!acr) invalid(`customContainerConfig.image '${c.image}' is not a Container Registry (ACR) image`);
  if (acr[1] !== region)
    invalid(`customContainerConfig.image '${c.image}' is in ${acr[1]}; the function is in ${region}`);
  for (const key of ['entrypoint', 'command'] as const) {
    const v = c[key];
    if (v !== undefined && (!Array.isArray(v) || v.some((a: unknown) => typeof a !== 'string')))
      invalid(`customContainerConfig.${key} must be a list of strings`);
  }
}

function withDefaults(input: Record<string, any>): Record<string, any> {
  const { code: _code, ...rest } = input;
  return {
    memorySize: 512,
    cpu: 0.35,
    timeout: 3,
    diskSize: 512,
    instanceConcurrency: 1,
    internetAccess: true,
    description: '',
    ...rest,
  };
}

function unpackCode(input: Record<string, any>): {
  files: ZipEntry[];
  codeSize: number;
  codeChecksum: string;
} {
  if (!input.code?.zipFile) return { files: [], codeSize: 0, codeChecksum: '' };
  const zip = Buffer.from(String(input.code.zipFile), 'base64');
  let files: ZipEntry[];
  try {
    files = readZip(zip);
  } catch (err) {
    invalid(`code.zipFile is not a valid zip file: ${(err as Error).message}`);
  }
  const checksum = crc64(zip);
  if (input.code.checksum && String(input.code.checksum) !== checksum) {
    invalid(`code checksum mismatch: expected ${input.code.checksum}, got ${checksum}`);
  }
  return { files, codeSize: zip.length, codeChecksum: checksum };
}

// FC reports code checksums as CRC-64/ECMA-182 (the OSS CRC64), as a decimal string.
const CRC64_TABLE = (() => {
  const poly = 0xc96c5795d7870f42n;
  const table: bigint[] = [];
  for (let i = 0n; i < 256n; i++) {
    let c = i;
    for (let k = 0; k < 8; k++) c = c & 1n ? (c >> 1n) ^ poly : c >> 1n;
    table.push(c);
  }
  return table;
})();

function crc64(buf: Buffer): string {
  let crc = 0xffffffffffffffffn;
  for (const b of buf) crc = CRC64_TABLE[Number((crc ^ BigInt(b)) & 0xffn)]! ^ (crc >> 8n);
  return (crc ^ 0xffffffffffffffffn).toString();
}

// ---- lookups and bodies ----

/**
 * FC has no RegionId parameter: the account and region are the endpoint's host,
 * <account>.<region>[-internal].fc.aliyuncs.com. A request that names neither (the SDK's default
 * fc.aliyuncs.com) reaches no FC region; another account's host is not the caller's to use.
 */
function regionOf(req: ApiRequest, world: World): string {
  if (req.regionId) return req.regionId;
  const host = String(req.headers.host ?? '');
  const m = /^(\d+)\.([a-z0-9-]+?)(?:-internal)?\.fc\.aliyuncs\.com(?::\d+)?$/.exec(host);
  if (!m) {
    throw new ApiError(
      400,
      'InvalidArgument',
      `host '${host}' is not a Function Compute endpoint: use <account-id>.<region>.fc.aliyuncs.com`,
    );
  }
  const [, account, region] = m as unknown as [string, string, string];
  if (account !== world.accountId) {
    throw new ApiError(
      403,
      'AccessDenied',
      `the caller has no access to account ${account}'s Function Compute`,
    );
  }
  if (!world.catalogue.region(region)) {
    throw new ApiError(400, 'InvalidArgument', `Function Compute is not available in region '${region}'`);
  }
  req.regionId = region;
  return region;
}

/** '/2023-03-30/functions/{name}[/…]' → name (the core has already percent-decoded it). */
function functionNameIn(path: string): string {
  return path.split('/')[3] ?? '';
}

function findFunction(world: World, region: string, name: string): Resource | undefined {
  return world
    .list({ type: 'function', regionId: region })
    .find((r) => (r.data as FunctionData).functionName === name);
}

function mustFindFunction(world: World, region: string, name: string): Resource {
  const fn = findFunction(world, region, name);
  if (!fn) throw new ApiError(404, 'FunctionNotFound', `function '${name}' does not exist`);
  return fn;
}

function tagsOf(tags: unknown): Record<string, string> {
  const out: Record<string, string> = {};
  if (Array.isArray(tags)) for (const t of tags) if (t?.Key) out[String(t.Key)] = String(t.Value ?? '');
  return out;
}

function parseTagFilter(raw: string | undefined): Record<string, string> {
  if (!raw) return {};
  try {
    return tagsOf(JSON.parse(raw));
  } catch {
    return {};
  }
}

function iso(ms: number): string {
  return new Date(ms).toISOString().replace(/\.\d{3}Z$/, 'Z');
}

function functionBody(fn: Resource, world: World): Record<string, unknown> {
  const d = fn.data as FunctionData;
  const i = d.input;
  const active = world.now() >= d.activeAt;
  return {
    ...unconfigured(),
    functionName: d.functionName,
    functionId: d.functionId,
    functionArn: functionArn(fn, world),
    description: i.description,
    runtime: i.runtime,
    handler: i.handler,
    memorySize: i.memorySize,
    cpu: i.cpu,
    diskSize: i.diskSize,
    timeout: i.timeout,
    instanceConcurrency: i.instanceConcurrency,
    internetAccess: i.internetAccess,
    environmentVariables: i.environmentVariables ?? {},
    ...(i.customRuntimeConfig
      ? { customRuntimeConfig: { args: [], healthCheckConfig: HEALTH_CHECK, ...i.customRuntimeConfig } }
      : {}),
    ...(i.customContainerConfig ? { customContainerConfig: containerConfig(i.customContainerConfig) } : {}),
    ...(i.gpuConfig ? { gpuConfig: i.gpuConfig } : {}),
    ...(i.role ? { role: i.role } : {}),
    ...(i.vpcConfig ? { vpcConfig: i.vpcConfig } : {}),
    ...(i.logConfig ? { logConfig: i.logConfig } : {}),
    ...(i.resourceGroupId ? { resourceGroupId: i.resourceGroupId } : {}),
    layers: i.layers ?? [],
    codeSize: d.codeSize,
    codeChecksum: d.codeChecksum,
    state: active ? 'Active' : 'Pending',
    stateReason: active ? '' : 'Function creating',
    stateReasonCode: active ? '' : 'Creating',
    lastUpdateStatus: 'Successful',
    lastUpdateStatusReason: '',
    lastUpdateStatusReasonCode: '',
    createdTime: iso(d.createdTime),
    lastModifiedTime: iso(d.lastModifiedTime),
    tags: Object.entries(fn.tags).map(([Key, Value]) => ({ Key, Value })),
  };
}

const FINAL_TASK = new Set(['Succeeded', 'Failed', 'Expired', 'Invalid', 'Stopped']);

/** The health check FC applies when none is configured (its documented defaults). */
const HEALTH_CHECK = {
  httpGetUrl: '',
  initialDelaySeconds: 0,
  periodSeconds: 3,
  timeoutSeconds: 1,
  failureThreshold: 3,
  successThreshold: 1,
};

function containerConfig(c: Record<string, any>): Record<string, unknown> {
  return {
    command: [],
    entrypoint: [],
    port: 9000,
    acrInstanceId: '',
    accelerationType: 'Default',
    accelerationInfo: { status: 'Ready' },
    healthCheckConfig: HEALTH_CHECK,
    registryConfig: {
      authConfig: { userName: '', password: '' },
      certConfig: { insecure: false, rootCaCertBase64: '' },
      networkConfig: { vpcId: '', vSwitchId: '', securityGroupId: '' },
    },
    resolvedImageUri: c.image ?? '',
    ...c,
  };
}

/** What GetFunction shows for the options a function was created without (FC 3.0 returns them empty). */
function unconfigured(): Record<string, unknown> {
  return {
    role: '',
    logConfig: {
      project: '',
      logstore: '',
      logBeginRule: 'None',
      enableRequestMetrics: false,
      enableInstanceMetrics: false,
    },
    vpcConfig: { vpcId: '', vSwitchIds: [], securityGroupId: '', role: '' },
    nasConfig: { userId: 0, groupId: 0, mountPoints: [] },
    ossMountConfig: { mountPoints: [] },
    polarFsConfig: { userId: 0, groupId: 0, mountPoints: [] },
    tracingConfig: { type: '', params: {} },
    customDNS: { nameServers: [], searches: [], dnsOptions: [] },
    instanceLifecycleConfig: {
      initializer: { handler: '', timeout: 3, command: [] },
      preStop: { handler: '', timeout: 3, command: [] },
    },
    invocationRestriction: { disable: false, reason: '', lastModifiedTime: '' },
    disableOndemand: false,
    disableInjectCredentials: '',
    sessionAffinity: '',
    sessionAffinityConfig: '',
    instanceIsolationMode: '',
    enableLongLiving: false,
    idleTimeout: 0,
    resourceGroupId: '',
  };
}

function asyncTaskBody(fn: Resource, task: AsyncTask, world: World): Record<string, unknown> {
  const final = FINAL_TASK.has(task.status);
  return {
    taskId: task.taskId,
    requestId: task.requestId,
    functionArn: functionArn(fn, world),
    qualifier: 'LATEST',
    instanceId: `${(fn.data as FunctionData).functionId.slice(0, 8)}-${task.requestId.slice(0, 8)}`,
    status: task.status,
    alreadyRetriedTimes: task.alreadyRetriedTimes,
    taskPayload: task.taskPayload,
    events: task.events,
    ...(task.startedTime !== undefined ? { startedTime: task.startedTime } : {}),
    ...(task.endTime !== undefined && final ? { endTime: task.endTime, durationMs: task.durationMs } : {}),
    // returnPayload is a preview feature: answered only to an account that has it.
    ...(final && task.returnPayload !== undefined && world.previews.fcAsyncReturnPayload
      ? { returnPayload: task.returnPayload }
      : {}),
    // The documented answer has taskErrorMessage once a task ended; empty when nothing failed.
    ...(final ? { taskErrorMessage: task.taskErrorMessage ?? '' } : {}),
    ...(final ? { destinationStatus: task.status } : {}),
  };
}

function functionArn(fn: Resource, world: World): string {
  return `acs:fc:${fn.regionId}:${world.accountId}:functions/${(fn.data as FunctionData).functionName}`;
}

export const fc: ProductModule = {
  product: 'fc',
  version: VERSION,
  hostId: 'fc.aliyuncs.com',
  actions: {
    CreateFunction: createFunction,
    GetFunction: getFunction,
    ListFunctions: listFunctions,
    DeleteFunction: deleteFunction,
    InvokeFunction: invokeFunction,
    GetAsyncTask: getAsyncTask,
    PutAsyncInvokeConfig: putAsyncInvokeConfig,
    GetAsyncInvokeConfig: getAsyncInvokeConfig,
    DeleteAsyncInvokeConfig: deleteAsyncInvokeConfig,
  },
  // FC 3.0 error bodies carry Code/Message/RequestId (FC 2.0's errorCode would read as
  // code "undefined" in the SDK).
  errorBody: (err, requestId) => ({
    Code: err.code,
    Message: err.message,
    RequestId: requestId,
    ...err.extra,
  }),
};
