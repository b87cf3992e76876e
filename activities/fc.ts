// Function Compute 3.0 activities: create a function that wraps the script, wait for it to be Active,
// invoke it (sync, or async with a task id FC de-duplicates), read an async task, delete it.
//
// The same small Python HTTP server answers FC's POST /invoke by running the script and replying
// {exitCode, output}, with HTTP 404 + x-fc-status: 404 when the script failed (the custom runtime's
// documented way to report a failed invocation, so FC's own status says it). It prints each line of
// the script's output as it comes and, last, `acp-exit-code=<n> request-id=<id>`: FC ships what a
// function prints to Simple Log Service when it has a logConfig, which is how an async run's output
// and exact exit code reach acp (fc-logs.ts; docs/fc.md). Where it runs:
// - CPU: a custom runtime (custom.debian10) whose code package holds `bootstrap`, the server and
//   `script.sh`;
// - GPU: FC runs GPU instances only from container images, so a custom-container function on
//   FC_GPU_IMAGE, started as `python3 -c <server>`; the script arrives as the invocation body.
// An async run sets the function's async config first: task mode (task ids de-duplicate, GetAsyncTask
// answers) and no retries (FC retries a failed async run 3 times by default). The task's status says
// when the run ended; its output and exit code come from the run's log lines. GetAsyncTask's
// returnPayload (an invite-only preview) is not used.
//
// Idempotency: the function name is derived from the workflow id, so a retried CreateFunction finds
// the first attempt's function (FunctionAlreadyExists → reused when its tags say it is this run's);
// the async task id is derived the same way, so a retried async InvokeFunction does not start the
// script twice.
import { createHash } from 'node:crypto';
import { Readable } from 'node:stream';
import type * as $Fc from '@alicloud/fc20230330';
import * as $dara from '@darabonba/typescript';
import { heartbeat, sleep } from '@temporalio/activity';
import { ApplicationFailure } from '@temporalio/common';
import type JSZip from 'jszip';
import type { AlibabaClients } from './clients';
import { alibabaCall, describeSdkError, toFailure } from './errors';
import type { FunctionLogs } from './fc-logs';
import { MANAGED_TAG, type Owner, ownerTags, WORKFLOW_TAG } from './tags';

export const FC_RUNTIME = 'custom.debian10';
export const FC_GPU_RUNTIME = 'custom-container';
/**
 * The image GPU functions run: Function Compute's public PyTorch image (CUDA, Python 3; FC injects the
 * GPU driver at run time), mirrored per region in Container Registry, which FC requires to be the
 * function's own region. ACP_FC_GPU_IMAGE overrides it (`{region}` is filled in). docs/fc.md.
 */
export const FC_GPU_IMAGE = 'registry.{region}.aliyuncs.com/serverless_devs/pytorch:22.12-py3';
/** FC keeps an async event this long before dropping it unrun (Expired); acp retries nothing. */
const ASYNC_EVENT_MAX_AGE_SECONDS = 3_600;
/** FC's limit on an async invocation's body, which carries a container function's script. */
const ASYNC_PAYLOAD_LIMIT_BYTES = 128 * 1024;
/** The port the custom runtime's server listens on (FC_SERVER_PORT on the platform). */
const SERVER_PORT = 9000;
/** What the activity keeps of the script's output; the workflow keeps its own, shorter tail. */
const OUTPUT_TAIL_CHARS = 16_000;
const POLL_MS = 1_000;
const HEARTBEAT_MS = 10_000;
/** The SDK waits this much longer than the function timeout for a sync answer (cold start, network). */
const SYNC_READ_SLACK_MS = 30_000;
/** GetAsyncTask statuses after which nothing changes any more. */
const FINISHED_TASK = new Set(['Succeeded', 'Failed', 'Stopped', 'Expired', 'Invalid']);

export interface FunctionSize {
  cpu: number;
  memoryMiB: number;
  timeoutSeconds: number;
  gpu?: { gpuType: string; gpuMemoryMiB: number };
}

export interface FunctionTarget {
  regionId: string;
  functionName: string;
}

/** A function to invoke; a container (GPU) function also gets the script, as the invocation body. */
export interface InvokeTarget extends FunctionTarget {
  script?: string;
}

export interface InvocationResult {
  exitCode: number;
  output: string;
  /** x-fc-error-type (sync) or the task's error (async): the platform, not the script, failed. */
  errorType?: string;
}

export interface AsyncTaskState extends Partial<InvocationResult> {
  status: string;
  finished: boolean;
  /** The invocation's request id: the run's exit line in its log carries it. */
  requestId?: string;
}

/** FC names allow 64 characters and must start with a letter: a hash of the workflow id fits. */
export function functionNameFor(workflowId: string): string {
  return `acp-${createHash('sha256').update(workflowId).digest('hex').slice(0, 24)}`;
}

/** FC async task ids: letters, digits, _ and -, ≤ 128, not starting with a digit. */
export function asyncTaskIdFor(workflowId: string, functionName: string): string {
  return `acp_${createHash('sha256').update(`${workflowId}\n${functionName}`).digest('hex').slice(0, 32)}`;
}

// custom.debian10 ships Python 3.10 under /var/fc/lang (off PATH) and Debian's own python3; the
// server only needs the standard library, so either one runs it.
const BOOTSTRAP = `#!/bin/bash
export PATH=/var/fc/lang/python3.10/bin:$PATH
exec python3 "$(dirname "$0")/server.py"
`;

const SERVER = `# Answers Function Compute's POST /invoke by running the script; written by acp.
import collections, http.server, json, os, signal, subprocess, sys, tempfile
# A code package has script.sh beside this file; a container gets the script as the request body.
HERE = os.path.dirname(os.path.abspath(__file__)) if '__file__' in globals() else None
TAIL = ${OUTPUT_TAIL_CHARS}
def script_from(body):
    packaged = os.path.join(HERE, 'script.sh') if HERE else None
    if packaged and os.path.exists(packaged):
        return packaged, HERE
    work = tempfile.mkdtemp(prefix='acp-')
    path = os.path.join(work, 'script.sh')
    with open(path, 'wb') as f:
        f.write(body)
    os.chmod(path, 0o755)
    return path, work
class Handler(http.server.BaseHTTPRequestHandler):
    def do_POST(self):
        length = int(self.headers.get('content-length') or 0)
        body = self.rfile.read(length) if length else b''
        if self.path.startswith('/initialize'):
            return self.answer(200, b'')
        script, cwd = script_from(body)
        run = subprocess.Popen(['bash', script], cwd=cwd,
                               stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
        # Each line goes to stdout as it comes: FC ships stdout to the function's Logstore.
        tail, size, line = collections.deque(), 0, b''
        for line in iter(run.stdout.readline, b''):
            sys.stdout.buffer.write(line)
            sys.stdout.flush()
            tail.append(line)
            size += len(line)
            while size > 4 * TAIL and len(tail) > 1:
                size -= len(tail.popleft())
        code = run.wait()
        code = code if code >= 0 else 128 - code
        output = b''.join(tail).decode('utf-8', 'replace')
        # The run's last log line carries its exact exit code (docs/fc.md).
        request_id = self.headers.get('x-fc-request-id') or ''
        if request_id:
            sys.stdout.write(('' if line.endswith(b'\\n') or not line else '\\n') +
                             'acp-exit-code=%d request-id=%s\\n' % (code, request_id))
            sys.stdout.flush()
        # 404 + x-fc-status: 404 is how a custom runtime tells FC the invocation failed.
        self.answer(200 if code == 0 else 404, json.dumps({'exitCode': code, 'output': output[-TAIL:]}).encode())
    def answer(self, status, body):
        self.send_response(status)
        self.send_header('x-fc-status', str(status))
        self.send_header('content-type', 'application/json')
        self.send_header('content-length', str(len(body)))
        self.end_headers()
        self.wfile.write(body)
    def log_message(self, *args):
        pass
port = int(os.environ.get('FC_SERVER_PORT') or ${SERVER_PORT})
http.server.ThreadingHTTPServer(('0.0.0.0', port), Handler).serve_forever()
`;

import { sdk } from './sdk';

/** A GPU function's container entry: the same server, started by the image's Python. */
export function containerEntrypoint(): string[] {
  return ['python3', '-u', '-c', SERVER];
}

/** The image a GPU function in `regionId` runs (ACP_FC_GPU_IMAGE or FC_GPU_IMAGE). */
export function gpuImageFor(regionId: string, override?: string): string {
  return (override || FC_GPU_IMAGE).replaceAll('{region}', regionId);
}

/** The code package: the script plus the runtime that runs it, zipped with Unix modes kept. */
export async function functionCode(script: string): Promise<Buffer> {
  // Loaded here, not at start-up: only an FC run zips anything.
  const Zip = require('jszip') as typeof JSZip;
  const zip = new Zip();
  zip.file('bootstrap', BOOTSTRAP, { unixPermissions: 0o755 });
  zip.file('server.py', SERVER, { unixPermissions: 0o644 });
  zip.file('script.sh', script, { unixPermissions: 0o755 });
  return zip.generateAsync({ type: 'nodebuffer', platform: 'UNIX', compression: 'DEFLATE' });
}

/** Reads what the function answered: our server's {exitCode, output}, or the platform's error. */
export function readInvocation(
  payload: string,
  errorType: string | undefined,
  logTail = '',
): InvocationResult {
  let parsed: { exitCode?: unknown; output?: unknown; errorMessage?: unknown } | undefined;
  try {
    parsed = JSON.parse(payload);
  } catch {
    parsed = undefined;
  }
  if (parsed && typeof parsed.exitCode === 'number') {
    return {
      exitCode: parsed.exitCode,
      output: String(parsed.output ?? '').slice(-OUTPUT_TAIL_CHARS),
      ...(errorType ? { errorType } : {}),
    };
  }
  if (!errorType) return { exitCode: 0, output: (logTail || payload).slice(-OUTPUT_TAIL_CHARS) };
  const message = typeof parsed?.errorMessage === 'string' ? parsed.errorMessage : payload;
  const output = `${logTail}${logTail && !logTail.endsWith('\n') ? '\n' : ''}FC ${errorType}: ${message}`;
  return { exitCode: 1, output: output.slice(-OUTPUT_TAIL_CHARS), errorType };
}

/**
 * A function's logging: FC ships what it prints to this Logstore, writing with the function's role
 * when ACP_FC_ROLE_ARN names one, else with its service-linked role. Request and instance metrics
 * would add rows acp never reads (and SLS bills), so they stay off.
 */
function logging(logs: FunctionLogs, roleArn: string | undefined) {
  return {
    logConfig: new sdk.fc.LogConfig({
      project: logs.project,
      logstore: logs.logstore,
      enableRequestMetrics: false,
      enableInstanceMetrics: false,
      logBeginRule: 'None',
    }),
    ...(roleArn ? { role: roleArn } : {}),
  };
}

/** What an invocation sends: a container function's script, or an empty event for a code package. */
function invocationBody(target: InvokeTarget): Buffer {
  return Buffer.from(target.script ?? '{}');
}

/**
 * A finished async task read from its status alone: what a run's status says when its log gave no
 * exit line (Succeeded is exit 0; anything else is a failed run, exit 1).
 */
export function readAsyncTask(status: string, taskErrorMessage: string | undefined): InvocationResult {
  if (status === 'Succeeded') return { exitCode: 0, output: '' };
  const errorType = taskErrorMessage || status;
  const why: Record<string, string> = {
    Expired: `FC dropped the invocation unrun: it waited in the queue longer than ${ASYNC_EVENT_MAX_AGE_SECONDS} s (Expired).`,
    Invalid: 'FC did not run the invocation (Invalid: the function was gone).',
    Stopped: 'The invocation was stopped (Stopped).',
  };
  const reason =
    why[status] ??
    `FC reports the run Failed (${errorType}): the script exited non-zero, timed out or crashed.`;
  return { exitCode: 1, output: reason, errorType };
}

async function readBody(body: Readable | undefined): Promise<string> {
  if (!body) return '';
  const chunks: Buffer[] = [];
  for await (const chunk of body) chunks.push(Buffer.isBuffer(chunk) ? chunk : Buffer.from(chunk));
  return Buffer.concat(chunks).toString('utf8');
}

/** The function's log between FC's "Invoke Start/End" frame lines. */
function decodeLogTail(header: string | undefined): string {
  if (!header) return '';
  return Buffer.from(header, 'base64')
    .toString('utf8')
    .split('\n')
    .filter((line) => !/^FC Invoke (Start|End) RequestId/.test(line))
    .join('\n');
}

function header(headers: Record<string, string> | undefined, name: string): string | undefined {
  if (!headers) return undefined;
  const key = Object.keys(headers).find((k) => k.toLowerCase() === name);
  return key ? headers[key] : undefined;
}

/** Heartbeats while one long call is outstanding (a sync invocation holds the socket the whole run). */
async function withHeartbeats<T>(details: unknown, call: () => Promise<T>): Promise<T> {
  const timer = setInterval(() => heartbeat(details), HEARTBEAT_MS);
  try {
    return await call();
  } finally {
    clearInterval(timer);
  }
}

/** The function, or undefined when there is none of that name in the region. */
export async function functionIn(
  clients: AlibabaClients,
  target: FunctionTarget,
): Promise<$Fc.Function | undefined> {
  try {
    const r = await (await clients.fc(target.regionId)).getFunction(
      target.functionName,
      new sdk.fc.GetFunctionRequest({}),
    );
    return r.body;
  } catch (err) {
    if (describeSdkError(err, `GetFunction ${target.functionName}`).kind === 'not-found') return undefined;
    throw toFailure(err, `GetFunction ${target.functionName} in ${target.regionId}`);
  }
}

/** Whether a function carries this run's tags: acp never touches anyone else's. */
export function ownedBy(fn: $Fc.Function, workflowId: string): boolean {
  const tags = Object.fromEntries((fn.tags ?? []).map((t) => [t.key ?? '', t.value ?? '']));
  return tags[MANAGED_TAG] === 'true' && tags[WORKFLOW_TAG] === workflowId;
}

export function createFcActivities(clients: AlibabaClients) {
  const fc = (regionId: string) => clients.fc(regionId);

  const getFunction = (target: FunctionTarget) => functionIn(clients, target);

  return {
    /**
     * CreateFunction for this run. Its name comes from the workflow id, so a retry (or a response that
     * was lost) finds the function the first attempt made and reuses it instead of failing.
     */
    async createFunction(
      input: Owner & FunctionSize & { regionId: string; script: string; logs?: FunctionLogs },
    ): Promise<{ functionName: string; reused: boolean }> {
      const functionName = functionNameFor(input.workflowId);
      const operation = `CreateFunction ${functionName} in ${input.regionId}`;
      // GPU instances run only container images; CPU functions carry the script as code.
      const runtime = input.gpu
        ? {
            runtime: FC_GPU_RUNTIME,
            customContainerConfig: new sdk.fc.CustomContainerConfig({
              image: gpuImageFor(input.regionId, clients.config.fcGpuImage),
              entrypoint: containerEntrypoint(),
              port: SERVER_PORT,
            }),
          }
        : {
            runtime: FC_RUNTIME,
            code: new sdk.fc.InputCodeLocation({
              zipFile: (await functionCode(input.script)).toString('base64'),
            }),
            customRuntimeConfig: new sdk.fc.CustomRuntimeConfig({
              command: ['/code/bootstrap'],
              port: SERVER_PORT,
            }),
          };
      const client = await fc(input.regionId);
      try {
        await client.createFunction(
          new sdk.fc.CreateFunctionRequest({
            body: new sdk.fc.CreateFunctionInput({
              functionName,
              description: `acp run ${input.workflowId}`.slice(0, 256),
              handler: 'index.handler',
              ...runtime,
              cpu: input.cpu,
              memorySize: input.memoryMiB,
              diskSize: 512,
              timeout: input.timeoutSeconds,
              // One invocation per instance: the script gets the whole function.
              instanceConcurrency: 1,
              ...(input.gpu
                ? {
                    gpuConfig: new sdk.fc.GPUConfig({
                      gpuType: input.gpu.gpuType,
                      gpuMemorySize: input.gpu.gpuMemoryMiB,
                    }),
                  }
                : {}),
              ...(input.logs ? logging(input.logs, clients.config.fcRoleArn) : {}),
              tags: ownerTags(input).map((t) => new sdk.fc.Tag(t)),
            }),
          }),
        );
        return { functionName, reused: false };
      } catch (err) {
        const d = describeSdkError(err, operation);
        // FC checks a logConfig by writing to it; a Logstore made a moment ago may not take writes yet.
        if (d.code === 'InvalidArgument' && /(project|logstore) '.*' does not exist/.test(d.message)) {
          throw ApplicationFailure.retryable(`${d.code}: ${d.message} (${operation})`, d.code);
        }
        if (d.code !== 'FunctionAlreadyExists') throw toFailure(err, operation);
        const existing = await getFunction({ regionId: input.regionId, functionName });
        if (existing && ownedBy(existing, input.workflowId)) return { functionName, reused: true };
        throw ApplicationFailure.nonRetryable(
          `function ${functionName} already exists in ${input.regionId} and is not tagged as this run's (${operation})`,
          'FunctionAlreadyExists',
        );
      }
    },

    /** Waits until the function serves (state Active); Failed is final. */
    async waitFunctionActive(target: FunctionTarget): Promise<void> {
      for (;;) {
        const fn = await getFunction(target);
        if (!fn) {
          throw ApplicationFailure.nonRetryable(
            `function ${target.functionName} disappeared from ${target.regionId} while starting`,
            'FunctionNotFound',
          );
        }
        // Only Active serves: a function whose state is missing or not yet known is not ready.
        if (fn.state === 'Active') return;
        if (fn.state === 'Failed') {
          throw ApplicationFailure.nonRetryable(
            `function ${target.functionName} failed to start: ${fn.stateReason ?? 'no reason given'}`,
            fn.stateReasonCode || 'FunctionFailed',
          );
        }
        heartbeat({ functionName: target.functionName, state: fn.state });
        await sleep(POLL_MS);
      }
    },

    /**
     * One synchronous invocation: the answer is the run. The SDK's read timeout is set above the
     * function timeout for this call only. A retry after a lost answer runs the script again, which
     * is why only short runs are invoked this way.
     */
    async invokeFunction(target: InvokeTarget & { timeoutSeconds: number }): Promise<InvocationResult> {
      const operation = `InvokeFunction ${target.functionName} in ${target.regionId}`;
      const client = await fc(target.regionId);
      const readTimeout = target.timeoutSeconds * 1000 + SYNC_READ_SLACK_MS;
      let r: $Fc.InvokeFunctionResponse;
      try {
        r = await withHeartbeats({ functionName: target.functionName }, () =>
          client.invokeFunctionWithOptions(
            target.functionName,
            new sdk.fc.InvokeFunctionRequest({ body: Readable.from(invocationBody(target)) }),
            new sdk.fc.InvokeFunctionHeaders({ xFcInvocationType: 'Sync', xFcLogType: 'Tail' }),
            new $dara.RuntimeOptions({ readTimeout, connectTimeout: readTimeout }),
          ),
        );
      } catch (err) {
        // The runtime died under the script (CAExited): the run failed, retrying would not help.
        const d = describeSdkError(err, operation);
        if (d.code === 'CAExited') return { exitCode: 1, output: d.message, errorType: d.code };
        throw toFailure(err, operation);
      }
      const payload = await readBody(r.body);
      return readInvocation(
        payload,
        header(r.headers, 'x-fc-error-type'),
        decodeLogTail(header(r.headers, 'x-fc-log-result')),
      );
    },

    /**
     * Starts an async invocation whose task id FC de-duplicates: a retry never runs the script twice.
     * The async config goes first: task mode (without it FC neither de-duplicates task ids nor
     * answers GetAsyncTask) and no retries (FC's default of 3 would run a failed or timed-out
     * one-shot script up to 4 times).
     */
    async startAsyncInvocation(target: InvokeTarget & { workflowId: string }): Promise<{ taskId: string }> {
      const taskId = asyncTaskIdFor(target.workflowId, target.functionName);
      const operation = `InvokeFunction (async) ${target.functionName} in ${target.regionId}`;
      const body = invocationBody(target);
      if (body.length > ASYNC_PAYLOAD_LIMIT_BYTES) {
        throw ApplicationFailure.nonRetryable(
          `the script is ${body.length} bytes; FC takes at most ${ASYNC_PAYLOAD_LIMIT_BYTES} in an async invocation (${operation})`,
          'EntityTooLarge',
        );
      }
      const client = await fc(target.regionId);
      await alibabaCall(`PutAsyncInvokeConfig ${target.functionName} in ${target.regionId}`, () =>
        client.putAsyncInvokeConfig(
          target.functionName,
          new sdk.fc.PutAsyncInvokeConfigRequest({
            body: new sdk.fc.PutAsyncInvokeConfigInput({
              asyncTask: true,
              maxAsyncRetryAttempts: 0,
              maxAsyncEventAgeInSeconds: ASYNC_EVENT_MAX_AGE_SECONDS,
            }),
          }),
        ),
      );
      try {
        await client.invokeFunctionWithOptions(
          target.functionName,
          new sdk.fc.InvokeFunctionRequest({ body: Readable.from(body) }),
          new sdk.fc.InvokeFunctionHeaders({ xFcInvocationType: 'Async', xFcAsyncTaskId: taskId }),
          new $dara.RuntimeOptions({}),
        );
      } catch (err) {
        const d = describeSdkError(err, operation);
        // The first attempt's request arrived even though its answer did not.
        if (d.httpStatus === 409 && /AlreadyExists/.test(d.code)) return { taskId };
        throw toFailure(err, operation);
      }
      return { taskId };
    },

    /**
     * The task's state and request id. Its status says whether the run ended and, read alone, whether
     * it failed (the server reports a failed script as a failed invocation); the exact exit code and
     * the output are in the run's log lines (fc-logs.ts).
     */
    async describeAsyncTask(target: FunctionTarget & { taskId: string }): Promise<AsyncTaskState> {
      const r = await alibabaCall(`GetAsyncTask ${target.taskId}`, async () =>
        (await fc(target.regionId)).getAsyncTask(
          target.functionName,
          target.taskId,
          new sdk.fc.GetAsyncTaskRequest({}),
        ),
      );
      const task = r.body;
      const status = task?.status ?? 'Unknown';
      const requestId = task?.requestId ? { requestId: task.requestId } : {};
      if (!FINISHED_TASK.has(status)) return { status, finished: false, ...requestId };
      return { status, finished: true, ...requestId, ...readAsyncTask(status, task?.taskErrorMessage) };
    },
  };
}
