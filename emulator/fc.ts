// Function Compute 3.0 (API 2023-03-30, ROA, camelCase JSON under /2023-03-30/functions).
// CreateFunction enforces the published limits (alibaba-facts §2.2), keeps the unpacked code, and
// InvokeFunction runs it for real (fc-runtime.ts). Function errors are HTTP 200 with
// x-fc-error-type, platform errors are HTTP errors, as on the real service (facts §3.6).
//
// Billing: FC charges per use, so every running invocation is an 'fc-instance' resource that lives
// exactly as long as the run; its hourlyPrice is the CU rate of the function's vCPU, memory and GPU,
// and the emulator's cost meter (price × lifetime) then yields the per-use charge.
import { randomUUID } from 'node:crypto';
import { type InvocationOutcome, invocationScript, parseInvocation } from './fc-runtime';
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

// ---- prices (alibaba-facts §2.1) ----
// International-site tier-0 price USD 0.000020 per CU; no China-site CU price is in our sources, so
// it is converted at DESIGN's default rate of 7.2 CNY/USD. CU factors: 1 per vCPU-second, 0.15 per
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

interface AsyncTask {
  taskId: string;
  requestId: string;
  status: 'Enqueued' | 'Running' | 'Succeeded' | 'Failed';
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
  asyncTasks: Record<string, AsyncTask>;
}

// ---- handlers ----

function createFunction(req: ApiRequest, world: World): ApiResult {
  const region = regionOf(req);
  const input = { ...(req.json ?? {}) } as Record<string, any>;
  validateFunctionInput(input);
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
  const fn = mustFindFunction(world, regionOf(req), functionNameIn(req.path));
  return { body: functionBody(fn, world) };
}

function listFunctions(req: ApiRequest, world: World): ApiResult {
  const region = regionOf(req);
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
  const fn = mustFindFunction(world, regionOf(req), functionNameIn(req.path));
  world.release('function', fn.id);
  // DeleteFunction answers with no body at all (the SDK reads none).
  return { status: 204, raw: Buffer.alloc(0), headers: { 'x-fc-request-id': req.requestId } };
}

async function invokeFunction(req: ApiRequest, world: World): Promise<ApiResult> {
  const region = regionOf(req);
  const fn = mustFindFunction(world, region, functionNameIn(req.path));
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
  const fn = mustFindFunction(world, regionOf(req), name ?? '');
  const task = (fn.data as FunctionData).asyncTasks[taskId ?? ''];
  if (!task) throw new ApiError(404, 'AsyncTaskNotFound', `async task '${taskId}' does not exist`);
  return { body: asyncTaskBody(fn, task, world) };
}

// ---- invocation ----

async function runInvocation(
  world: World,
  fn: Resource,
  event: Buffer,
  requestId: string,
): Promise<InvocationOutcome> {
  const data = fn.data as FunctionData;
  await world.sleepUntil(data.activeAt); // a Pending function starts serving once Active
  const input = data.input;
  // Function timeouts run on the emulated clock, with the same wall-clock floor as every script
  // (World.runScript): real processes need real time to start.
  const wallTimeout = Math.max(input.timeout / world.speed, Math.min(input.timeout, 2));
  const instance = world.add({
    type: 'fc-instance',
    id: `${data.functionName}/${requestId}`,
    regionId: fn.regionId,
    status: 'Running',
    tags: { ...fn.tags },
    hourlyPrice: hourlyRate(input),
    data: { functionName: data.functionName, functionId: data.functionId, requestId },
  });
  try {
    const run = await world.runScript(
      invocationScript(
        {
          runtime: input.runtime,
          handler: input.handler,
          files: data.files,
          command: startupCommand(input),
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
      },
    );
    if (world.exec === 'none') return { kind: 'response', payload: Buffer.alloc(0), logs: '' };
    return parseInvocation(run.output, run.exitCode, run.timedOut ?? false);
  } finally {
    world.release('fc-instance', instance.id);
  }
}

function startAsync(req: ApiRequest, world: World, fn: Resource, event: Buffer): ApiResult {
  const data = fn.data as FunctionData;
  // Without x-fc-async-task-id the task id is the request id (FC "task deduplication" doc).
  const taskId = String(req.headers['x-fc-async-task-id'] ?? req.requestId);
  if (!/^[A-Za-z_][A-Za-z0-9_-]{0,127}$/.test(taskId)) {
    throw new ApiError(400, 'InvalidArgument', `invalid async task id '${taskId}'`);
  }
  if (data.asyncTasks[taskId]) {
    // A duplicate task id is rejected with 409 (documented); the code string is our choice.
    throw new ApiError(409, 'AsyncTaskAlreadyExists', `async task '${taskId}' already exists`);
  }
  const task: AsyncTask = {
    taskId,
    requestId: req.requestId,
    status: 'Enqueued',
    taskPayload: event.toString('utf8'),
    events: [{ eventId: 1, status: 'Enqueued', timestamp: world.now(), eventDetail: '' }],
  };
  data.asyncTasks[taskId] = task;
  void (async () => {
    task.status = 'Running';
    task.startedTime = world.now();
    task.events.push({ eventId: 2, status: 'Running', timestamp: task.startedTime, eventDetail: '' });
    const outcome = await runInvocation(world, fn, event, req.requestId);
    task.endTime = world.now();
    task.durationMs = task.endTime - task.startedTime;
    if (outcome.kind === 'response') {
      task.status = 'Succeeded';
      task.returnPayload = outcome.payload.toString('utf8');
    } else {
      task.status = 'Failed';
      task.taskErrorMessage = 'UnhandledInvocationError';
      task.returnPayload =
        outcome.kind === 'functionError'
          ? outcome.payload.toString('utf8')
          : outcome.kind === 'timeout'
            ? errorPayload(`Function timed out after ${data.input.timeout} seconds`).toString('utf8')
            : errorPayload(instanceExited(fn, outcome).message).toString('utf8');
    }
    task.events.push({
      eventId: 3,
      status: task.status,
      timestamp: task.endTime,
      eventDetail: outcome.logs.slice(-1024),
    });
  })().catch((err) => {
    task.status = 'Failed';
    task.taskErrorMessage = String(err?.message ?? err);
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

/** CNY per hour while one instance of this function runs (facts §2.1, see CNY_PER_CU). */
export function hourlyRate(input: Record<string, any>): number {
  const gpu = input.gpuConfig;
  const cuPerSecond =
    input.cpu * CU_PER_VCPU_SECOND +
    (input.memorySize / 1024) * CU_PER_GB_SECOND +
    (gpu ? (gpu.gpuMemorySize / 1024) * (CU_PER_GPU_GB_SECOND[gpu.gpuType] ?? 2.1) : 0);
  return cuPerSecond * 3600 * CNY_PER_CU;
}

// ---- validation (facts §2.2, wire §8.3) ----

function invalid(message: string): never {
  throw new ApiError(400, 'InvalidArgument', message);
}

function validateFunctionInput(input: Record<string, any>): void {
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
    if (!input.customContainerConfig?.image)
      invalid('customContainerConfig.image is required for custom-container');
  } else if (!input.code?.zipFile && !input.code?.ossBucketName) {
    invalid('code is required');
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

/** FC has no RegionId parameter: the region is in the host (<account>.<region>.fc.aliyuncs.com). */
function regionOf(req: ApiRequest): string {
  const fromHost = /^\d+\.([a-z0-9-]+?)(?:-internal)?\.fc\.aliyuncs\.com/.exec(
    String(req.headers.host ?? ''),
  )?.[1];
  req.regionId = req.regionId ?? fromHost ?? 'cn-hangzhou';
  return req.regionId;
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
    functionName: d.functionName,
    functionId: d.functionId,
    functionArn: `acs:fc:${fn.regionId}:${world.accountId}:functions/${d.functionName}`,
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
    ...(i.customRuntimeConfig ? { customRuntimeConfig: i.customRuntimeConfig } : {}),
    ...(i.customContainerConfig ? { customContainerConfig: i.customContainerConfig } : {}),
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

function asyncTaskBody(fn: Resource, task: AsyncTask, world: World): Record<string, unknown> {
  const d = fn.data as FunctionData;
  return {
    taskId: task.taskId,
    requestId: task.requestId,
    functionArn: `acs:fc:${fn.regionId}:${world.accountId}:functions/${d.functionName}`,
    qualifier: 'LATEST',
    status: task.status,
    alreadyRetriedTimes: 0,
    taskPayload: task.taskPayload,
    events: task.events,
    ...(task.startedTime !== undefined ? { startedTime: task.startedTime } : {}),
    ...(task.endTime !== undefined ? { endTime: task.endTime, durationMs: task.durationMs } : {}),
    ...(task.returnPayload !== undefined ? { returnPayload: task.returnPayload } : {}),
    ...(task.taskErrorMessage !== undefined ? { taskErrorMessage: task.taskErrorMessage } : {}),
    ...(task.endTime !== undefined ? { destinationStatus: task.status } : {}),
  };
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
  },
  // FC 3.0 error bodies carry Code/Message/RequestId (wire §5; FC 2.0's errorCode would read as
  // code "undefined" in the SDK).
  errorBody: (err, requestId) => ({
    Code: err.code,
    Message: err.message,
    RequestId: requestId,
    ...err.extra,
  }),
};
