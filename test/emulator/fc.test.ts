// Function Compute 3.0 through the official SDK (@alicloud/fc20230330): the typed fields checked
// here come back undefined if the emulator gets a camelCase key wrong.
import assert from 'node:assert/strict';
import { Readable } from 'node:stream';
import { after, before, beforeEach, describe, test } from 'node:test';
import * as $Fc from '@alicloud/fc20230330';
import { emulatorConfig, fcClient } from '../support/emulator-clients';
import { eventually, rejection, type TestEmulator, testEmulator } from './fixtures';
import { makeZip } from './zip-fixture';

let emu: TestEmulator['emu'];
let admin: TestEmulator['admin'];
let fc: ReturnType<typeof fcClient>;
before(async () => {
  ({ emu, admin } = await testEmulator({ speed: 600 }));
  // Sync invocations run real scripts: the read timeout must outlast the slowest one.
  fc = fcClient(emu, { timeoutMs: 30_000 });
});
after(() => emu.stop());
beforeEach(() => admin.reset());

const PYTHON_HANDLER = `
import subprocess
def handler(event, context):
    print('event is', event.decode())
    if event == b'boom':
        raise ValueError('exploded on purpose')
    if event == b'slow':
        import time; time.sleep(3)
    return 'hello from ' + context.function.name
`;

// A custom runtime is an HTTP server on FC_SERVER_PORT that answers POST /invoke, as on the real
// platform; this one runs the event as a bash script and answers its output (500 on failure).
const SERVER = `
import http.server, os, subprocess
class H(http.server.BaseHTTPRequestHandler):
    def do_POST(self):
        script = self.rfile.read(int(self.headers['content-length'])).decode()
        r = subprocess.run(['bash', '-c', script], capture_output=True, text=True)
        print('ran script, exit', r.returncode, flush=True)
        self.send_response(200 if r.returncode == 0 else 500)
        self.end_headers()
        self.wfile.write(r.stdout.encode())
    def log_message(self, *args):
        pass
http.server.HTTPServer(('127.0.0.1', int(os.environ['FC_SERVER_PORT'])), H).serve_forever()
`;

function pythonFunction(name: string, extra: Record<string, unknown> = {}) {
  return new $Fc.CreateFunctionRequest({
    body: new $Fc.CreateFunctionInput({
      functionName: name,
      runtime: 'python3.10',
      handler: 'index.handler',
      memorySize: 512,
      cpu: 0.5,
      timeout: 10,
      code: new $Fc.InputCodeLocation({
        zipFile: makeZip({ 'index.py': PYTHON_HANDLER }).toString('base64'),
      }),
      tags: [
        new $Fc.Tag({ key: 'acp:managed', value: 'true' }),
        new $Fc.Tag({ key: 'acp:workflow-id', value: 'wf-1' }),
      ],
      ...extra,
    }),
  });
}

function customFunction(name: string, files: Record<string, string>, extra: Record<string, unknown> = {}) {
  return new $Fc.CreateFunctionRequest({
    body: new $Fc.CreateFunctionInput({
      functionName: name,
      runtime: 'custom.debian10',
      handler: 'index.handler',
      memorySize: 1024,
      cpu: 1,
      timeout: 10,
      code: new $Fc.InputCodeLocation({ zipFile: makeZip(files).toString('base64') }),
      customRuntimeConfig: new $Fc.CustomRuntimeConfig({ command: ['/code/bootstrap'], port: 9000 }),
      ...extra,
    }),
  });
}

/** An image in the function's region; the emulator runs the entry it is given (it pulls no image). */
const IMAGE = 'registry.cn-hangzhou.aliyuncs.com/serverless_devs/pytorch:22.12-py3';

function containerFunction(name: string, o: { gpu?: boolean; image?: string; [k: string]: unknown } = {}) {
  const { gpu, image, ...extra } = o;
  return new $Fc.CreateFunctionRequest({
    body: new $Fc.CreateFunctionInput({
      functionName: name,
      runtime: 'custom-container',
      handler: 'index.handler',
      memorySize: gpu ? 32_768 : 1024,
      cpu: gpu ? 8 : 1,
      timeout: 10,
      customContainerConfig: new $Fc.CustomContainerConfig({
        image: image ?? IMAGE,
        entrypoint: ['python3', '-c', SERVER],
        port: 9000,
      }),
      ...(gpu ? { gpuConfig: new $Fc.GPUConfig({ gpuType: 'fc.gpu.tesla.1', gpuMemorySize: 16_384 }) } : {}),
      ...extra,
    }),
  });
}

/** Task mode on, and `retries` retries of a failed async invocation. */
async function asyncConfig(name: string, retries?: number) {
  return fc.putAsyncInvokeConfig(
    name,
    new $Fc.PutAsyncInvokeConfigRequest({
      body: new $Fc.PutAsyncInvokeConfigInput({
        asyncTask: true,
        ...(retries !== undefined ? { maxAsyncRetryAttempts: retries } : {}),
      }),
    }),
  );
}

async function invoke(name: string, event: string, headers: Record<string, string> = {}) {
  const res = await fc.invokeFunctionWithOptions(
    name,
    new $Fc.InvokeFunctionRequest({ body: Readable.from([Buffer.from(event)]) }),
    new $Fc.InvokeFunctionHeaders({ xFcLogType: 'Tail', ...headers }),
    new (await import('@darabonba/typescript')).RuntimeOptions({}),
  );
  const chunks: Buffer[] = [];
  for await (const c of res.body as Readable) chunks.push(Buffer.from(c));
  return {
    status: res.statusCode,
    headers: res.headers ?? {},
    payload: Buffer.concat(chunks).toString('utf8'),
  };
}

describe('functions', () => {
  test('CreateFunction returns the Function with its limits, code facts and tags; it turns Active', async () => {
    const { body } = await fc.createFunction(pythonFunction('acp-fn-1'));
    assert.equal(body!.functionName, 'acp-fn-1');
    assert.match(body!.functionArn!, /^acs:fc:cn-hangzhou:\d+:functions\/acp-fn-1$/);
    assert.ok(body!.functionId);
    assert.equal(body!.memorySize, 512);
    assert.equal(body!.cpu, 0.5);
    assert.equal(body!.timeout, 10);
    assert.equal(body!.runtime, 'python3.10');
    assert.ok(body!.codeSize! > 0);
    assert.match(body!.codeChecksum!, /^\d+$/);
    assert.equal(body!.state, 'Pending');
    assert.equal(body!.lastUpdateStatus, 'Successful');
    assert.match(body!.createdTime!, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/);
    assert.deepEqual(
      body!.tags!.map((t) => [t.key, t.value]),
      [
        ['acp:managed', 'true'],
        ['acp:workflow-id', 'wf-1'],
      ],
    );
    await eventually(
      async () => (await fc.getFunction('acp-fn-1', new $Fc.GetFunctionRequest({}))).body!.state === 'Active',
    );
    const rows = await admin.resources();
    assert.equal(rows.length, 1);
    assert.equal(rows[0]!.type, 'function');
    assert.equal(rows[0]!.tags['acp:workflow-id'], 'wf-1');
  });

  test('ListFunctions filters by prefix and pages with nextToken', async () => {
    for (const n of ['acp-a', 'acp-b', 'acp-c', 'other']) await fc.createFunction(pythonFunction(n));
    const first = await fc.listFunctions(new $Fc.ListFunctionsRequest({ prefix: 'acp-', limit: 2 }));
    assert.deepEqual(
      first.body!.functions!.map((f) => f.functionName),
      ['acp-a', 'acp-b'],
    );
    assert.equal(first.body!.nextToken, 'acp-c');
    const second = await fc.listFunctions(
      new $Fc.ListFunctionsRequest({ prefix: 'acp-', nextToken: 'acp-c' }),
    );
    assert.deepEqual(
      second.body!.functions!.map((f) => f.functionName),
      ['acp-c'],
    );
    assert.equal(second.body!.nextToken, undefined);
  });

  test('ListFunctions filters by tags (every pair must match) and returns each function with its tags', async () => {
    await fc.createFunction(pythonFunction('acp-tagged'));
    await fc.createFunction(pythonFunction('untagged', { tags: [] }));
    await fc.createFunction(
      pythonFunction('other-run', { tags: [new $Fc.Tag({ key: 'acp:managed', value: 'false' })] }),
    );
    const r = await fc.listFunctions(
      new $Fc.ListFunctionsRequest({ tags: [new $Fc.Tag({ key: 'acp:managed', value: 'true' })] }),
    );
    assert.deepEqual(
      r.body!.functions!.map((f) => f.functionName),
      ['acp-tagged'],
    );
    const tagged = r.body!.functions![0]!;
    assert.deepEqual(
      tagged.tags!.map((t) => [t.key, t.value]),
      [
        ['acp:managed', 'true'],
        ['acp:workflow-id', 'wf-1'],
      ],
    );
    assert.match(tagged.functionArn!, /^acs:fc:cn-hangzhou:\d+:functions\/acp-tagged$/);
    const both = await fc.listFunctions(
      new $Fc.ListFunctionsRequest({
        tags: [
          new $Fc.Tag({ key: 'acp:managed', value: 'true' }),
          new $Fc.Tag({ key: 'acp:workflow-id', value: 'wf-2' }),
        ],
      }),
    );
    assert.deepEqual(both.body!.functions, []);
  });

  test('the published limits are enforced with 400 InvalidArgument', async () => {
    const cases: Record<string, unknown>[] = [
      { functionName: '1starts-with-digit' },
      { memorySize: 100 },
      { memorySize: 40_000, cpu: 16 },
      { cpu: 0.03 },
      { cpu: 4, memorySize: 2048 }, // 1 vCPU : 0.5 GB is below 1:1
      { cpu: 0.5, memorySize: 4096 }, // 1 : 8 is above 1:4
      { timeout: 0 },
      { timeout: 86_401 },
      { diskSize: 2048 },
      { gpuConfig: new $Fc.GPUConfig({ gpuType: 'fc.gpu.volta.1', gpuMemorySize: 16_384 }) },
      { gpuConfig: new $Fc.GPUConfig({ gpuType: 'fc.gpu.tesla.1', gpuMemorySize: 20_480 }) },
      { code: new $Fc.InputCodeLocation({ zipFile: Buffer.from('not a zip').toString('base64') }) },
      // GPU instances run container images only.
      {
        cpu: 8,
        memorySize: 32_768,
        gpuConfig: new $Fc.GPUConfig({ gpuType: 'fc.gpu.tesla.1', gpuMemorySize: 16_384 }),
      },
    ];
    for (const extra of cases) {
      const err = await rejection(() => fc.createFunction(pythonFunction('acp-bad', extra)));
      assert.equal(err.code, 'InvalidArgument', JSON.stringify(extra));
      assert.equal(err.statusCode, 400);
      assert.ok(err.requestId && err.requestId !== 'undefined');
    }
    // GPU functions: T4 (tesla) and A10 (ampere) with whole-GB GPU memory, on a container image.
    const t4 = await fc.createFunction(containerFunction('acp-gpu', { gpu: true }));
    assert.equal(t4.body!.runtime, 'custom-container');
    assert.equal(t4.body!.gpuConfig!.gpuType, 'fc.gpu.tesla.1');
    assert.equal(t4.body!.gpuConfig!.gpuMemorySize, 16_384);
    assert.equal(t4.body!.customContainerConfig!.image, IMAGE);
  });

  test('GPU only with custom-container; a container needs an ACR image of its own region and no code', async () => {
    const gpu = { gpuConfig: new $Fc.GPUConfig({ gpuType: 'fc.gpu.ampere.1', gpuMemorySize: 24_576 }) };
    for (const runtime of ['custom.debian10', 'python3.10']) {
      const err = await rejection(() =>
        fc.createFunction(
          customFunction(
            'acp-gpu-code',
            { bootstrap: '#!/bin/bash\n' },
            { runtime, cpu: 8, memorySize: 32_768, ...gpu },
          ),
        ),
      );
      assert.equal(err.statusCode, 400, runtime);
      assert.equal(err.code, 'InvalidArgument', runtime);
      assert.match(err.message, /gpuConfig is only supported with runtime custom-container/);
    }
    for (const [image, why] of [
      ['docker.io/library/python:3.10', /not a Container Registry/],
      [
        'registry.ap-southeast-1.aliyuncs.com/serverless_devs/pytorch:22.12-py3',
        /is in ap-southeast-1; the function is in cn-hangzhou/,
      ],
    ] as const) {
      const err = await rejection(() => fc.createFunction(containerFunction('acp-bad-image', { image })));
      assert.equal(err.code, 'InvalidArgument');
      assert.match(err.message, why);
    }
    const withCode = await rejection(() =>
      fc.createFunction(
        containerFunction('acp-both', {
          code: new $Fc.InputCodeLocation({ zipFile: makeZip({ a: 'b' }).toString('base64') }),
        }),
      ),
    );
    assert.match(withCode.message, /mutually exclusive/);
    assert.deepEqual(await admin.resources(), [], 'nothing was created');
  });

  test('a function is created in the region its endpoint names, and listed only there', async () => {
    const singapore = fcClient(emu, { regionId: 'ap-southeast-1' });
    const { body } = await singapore.createFunction(pythonFunction('acp-sg'));
    assert.match(body!.functionArn!, /^acs:fc:ap-southeast-1:\d+:functions\/acp-sg$/);
    const names = async (client: typeof fc) =>
      (await client.listFunctions(new $Fc.ListFunctionsRequest({}))).body!.functions!.map(
        (f) => f.functionName,
      );
    assert.deepEqual(await names(singapore), ['acp-sg']);
    assert.deepEqual(await names(fc), [], 'not in cn-hangzhou');
    assert.equal((await admin.resources())[0]!.regionId, 'ap-southeast-1');
    const missing = await rejection(() => fc.getFunction('acp-sg', new $Fc.GetFunctionRequest({})));
    assert.equal(missing.code, 'FunctionNotFound');
    // An endpoint that names no account/region, or another account, reaches no function.
    const bare = new (await import('@alicloud/fc20230330')).default(emulatorConfig(emu));
    const noRegion = await rejection(() => bare.listFunctions(new $Fc.ListFunctionsRequest({})));
    assert.equal(noRegion.statusCode, 400);
    assert.match(noRegion.message, /not a Function Compute endpoint/);
    const other = await rejection(() =>
      fcClient({ ...emu, accountId: '9999999999999999' }).listFunctions(new $Fc.ListFunctionsRequest({})),
    );
    assert.equal(other.statusCode, 403);
  });

  test('a duplicate name is 409 FunctionAlreadyExists; a missing one 404 FunctionNotFound', async () => {
    await fc.createFunction(pythonFunction('acp-dup'));
    const dup = await rejection(() => fc.createFunction(pythonFunction('acp-dup')));
    assert.equal(dup.code, 'FunctionAlreadyExists');
    assert.equal(dup.statusCode, 409);
    const missing = await rejection(() => fc.getFunction('nope', new $Fc.GetFunctionRequest({})));
    assert.equal(missing.code, 'FunctionNotFound');
    assert.equal(missing.statusCode, 404);
    assert.match(missing.message, /function 'nope' does not exist/);
  });

  test('a quota fault refuses CreateFunction', async () => {
    await admin.faults({ quota: { 'fc.instances': 0 } });
    const err = await rejection(() => fc.createFunction(pythonFunction('acp-quota')));
    assert.equal(err.statusCode, 400);
    assert.equal(err.code, 'LimitExceeded');
  });

  test('DeleteFunction answers 204 without a body and leaves nothing behind', async () => {
    await fc.createFunction(pythonFunction('acp-del'));
    await invoke('acp-del', 'x');
    const res = await fc.deleteFunction('acp-del');
    assert.equal(res.statusCode, 204);
    assert.deepEqual(await admin.resources(), []);
    const again = await rejection(() => fc.deleteFunction('acp-del'));
    assert.equal(again.code, 'FunctionNotFound');
  });
});

describe('invocations', () => {
  test('a sync python invocation returns the handler value, its log tail and a request id', async () => {
    await fc.createFunction(pythonFunction('acp-py'));
    const r = await invoke('acp-py', 'ping');
    assert.equal(r.status, 200);
    assert.equal(r.payload, 'hello from acp-py');
    assert.ok(r.headers['x-fc-request-id']);
    assert.equal(r.headers['x-fc-error-type'], undefined);
    const log = Buffer.from(r.headers['x-fc-log-result']!, 'base64').toString('utf8');
    assert.match(log, /event is ping/);
    assert.match(log, /FC Invoke End RequestId: /);
  });

  test('an exception is HTTP 200 with x-fc-error-type and the error document', async () => {
    await fc.createFunction(pythonFunction('acp-py-err'));
    const r = await invoke('acp-py-err', 'boom');
    assert.equal(r.status, 200);
    assert.equal(r.headers['x-fc-error-type'], 'UnhandledInvocationError');
    const doc = JSON.parse(r.payload);
    assert.equal(doc.errorType, 'ValueError');
    assert.equal(doc.errorMessage, 'exploded on purpose');
  });

  test('a run past the function timeout is a function error', async () => {
    await fc.createFunction(pythonFunction('acp-py-slow', { timeout: 1 }));
    const r = await invoke('acp-py-slow', 'slow');
    assert.equal(r.status, 200);
    assert.equal(r.headers['x-fc-error-type'], 'UnhandledInvocationError');
    assert.match(JSON.parse(r.payload).errorMessage, /timed out after 1 seconds/);
  });

  test('a custom runtime serves POST /invoke; a failing script is a function error', async () => {
    await fc.createFunction(
      customFunction('acp-custom', {
        bootstrap: '#!/bin/bash\nexec python3 server.py\n',
        'server.py': SERVER,
      }),
    );
    const ok = await invoke('acp-custom', 'echo hello-acp; echo line2');
    assert.equal(ok.status, 200);
    assert.equal(ok.payload, 'hello-acp\nline2\n');
    assert.match(Buffer.from(ok.headers['x-fc-log-result']!, 'base64').toString(), /ran script, exit 0/);
    const bad = await invoke('acp-custom', 'echo partial; exit 3');
    assert.equal(bad.status, 200);
    assert.equal(bad.headers['x-fc-error-type'], 'UnhandledInvocationError');
    assert.equal(bad.payload, 'partial\n');
  });

  test('a custom runtime whose process exits before listening is 412 CAExited', async () => {
    await fc.createFunction(
      customFunction('acp-exits', { bootstrap: '#!/bin/bash\necho cannot start\nexit 2\n' }),
    );
    const err = await rejection(() => invoke('acp-exits', ''));
    assert.equal(err.statusCode, 412);
    assert.equal(err.code, 'CAExited');
    assert.match(err.message, /code 2/);
    assert.match(err.message, /cannot start/);
  });

  test('an async invocation in task mode is 202 with a task id; GetAsyncTask follows it to Succeeded', async () => {
    await fc.createFunction(pythonFunction('acp-async'));
    await asyncConfig('acp-async');
    const r = await invoke('acp-async', 'later', {
      xFcInvocationType: 'Async',
      xFcAsyncTaskId: 'acp_task_1',
    });
    assert.equal(r.status, 202);
    assert.equal(r.headers['x-fc-async-task-id'], 'acp_task_1');
    assert.equal(r.payload, '');
    const task = await eventually(async () => {
      const { body } = await fc.getAsyncTask('acp-async', 'acp_task_1', new $Fc.GetAsyncTaskRequest({}));
      return body!.status === 'Succeeded' ? body : undefined;
    });
    assert.equal(task!.taskId, 'acp_task_1');
    assert.equal(task!.taskPayload, 'later');
    assert.equal(task!.returnPayload, undefined, 'returnPayload is a preview this account does not have');
    assert.equal(task!.alreadyRetriedTimes, 0);
    assert.ok(task!.startedTime! <= task!.endTime!);
    assert.ok(task!.durationMs! >= 0);
    assert.deepEqual(
      task!.events!.map((e) => e.status),
      ['Enqueued', 'Running', 'Succeeded'],
    );
    // The same task id again is a duplicate submission.
    const dup = await rejection(() =>
      invoke('acp-async', 'again', { xFcInvocationType: 'Async', xFcAsyncTaskId: 'acp_task_1' }),
    );
    assert.equal(dup.statusCode, 409);
  });

  test('a failing async invocation with no retries ends Failed with the error type, not the payload', async () => {
    await fc.createFunction(pythonFunction('acp-async-err'));
    await asyncConfig('acp-async-err', 0);
    await invoke('acp-async-err', 'boom', { xFcInvocationType: 'Async', xFcAsyncTaskId: 'acp_task_2' });
    const task = await eventually(async () => {
      const { body } = await fc.getAsyncTask('acp-async-err', 'acp_task_2', new $Fc.GetAsyncTaskRequest({}));
      return body!.status === 'Failed' ? body : undefined;
    });
    assert.equal(task!.taskErrorMessage, 'UnhandledInvocationError');
    assert.equal(task!.returnPayload, undefined);
    assert.equal(task!.alreadyRetriedTimes, 0);
    assert.deepEqual(
      task!.events!.map((e) => [e.status, e.eventDetail]),
      [
        ['Enqueued', 'boom'],
        ['Running', ''],
        ['Failed', '{"Error":"UnhandledInvocationError"}'],
      ],
    );
    const missing = await rejection(() =>
      fc.getAsyncTask('acp-async-err', 'nope', new $Fc.GetAsyncTaskRequest({})),
    );
    assert.equal(missing.statusCode, 404);
  });

  test('a failed async one-shot runs 4 times by default (3 retries), once with maxAsyncRetryAttempts 0', async () => {
    const runs = async (name: string) =>
      (await admin.resources({ all: true })).filter(
        (r) => r.type === 'fc-instance' && r.id.startsWith(`${name}/`),
      ).length;
    await fc.createFunction(pythonFunction('acp-default-retries'));
    await asyncConfig('acp-default-retries'); // task mode only: the default 3 retries stand
    await invoke('acp-default-retries', 'boom', {
      xFcInvocationType: 'Async',
      xFcAsyncTaskId: 'acp_retry_1',
    });
    const retried = await eventually(async () => {
      const { body } = await fc.getAsyncTask(
        'acp-default-retries',
        'acp_retry_1',
        new $Fc.GetAsyncTaskRequest({}),
      );
      return body!.status === 'Failed' ? body : undefined;
    });
    assert.equal(retried!.alreadyRetriedTimes, 3);
    assert.equal(retried!.events!.filter((e) => e.status === 'Retrying').length, 3);
    assert.equal(await runs('acp-default-retries'), 4, 'the failing script ran 4 times');

    await fc.createFunction(pythonFunction('acp-no-retries'));
    await asyncConfig('acp-no-retries', 0);
    await invoke('acp-no-retries', 'boom', { xFcInvocationType: 'Async', xFcAsyncTaskId: 'acp_retry_2' });
    await eventually(async () => {
      const { body } = await fc.getAsyncTask(
        'acp-no-retries',
        'acp_retry_2',
        new $Fc.GetAsyncTaskRequest({}),
      );
      return body!.status === 'Failed';
    });
    assert.equal(await runs('acp-no-retries'), 1, 'the failing script ran once');

    // Without any async config there is no task mode: nothing to read back, but it still runs (and retries).
    await fc.createFunction(pythonFunction('acp-no-config'));
    await invoke('acp-no-config', 'boom', { xFcInvocationType: 'Async', xFcAsyncTaskId: 'acp_retry_3' });
    const untracked = await rejection(() =>
      fc.getAsyncTask('acp-no-config', 'acp_retry_3', new $Fc.GetAsyncTaskRequest({})),
    );
    assert.equal(untracked.code, 'AsyncTaskNotFound');
    await eventually(async () => (await runs('acp-no-config')) === 4);
  });

  test('PutAsyncInvokeConfig / GetAsyncInvokeConfig / DeleteAsyncInvokeConfig keep the config, within range', async () => {
    await fc.createFunction(pythonFunction('acp-config'));
    const missing = await rejection(() =>
      fc.getAsyncInvokeConfig('acp-config', new $Fc.GetAsyncInvokeConfigRequest({})),
    );
    assert.equal(missing.statusCode, 404);
    const put = await fc.putAsyncInvokeConfig(
      'acp-config',
      new $Fc.PutAsyncInvokeConfigRequest({
        body: new $Fc.PutAsyncInvokeConfigInput({
          asyncTask: true,
          maxAsyncRetryAttempts: 0,
          maxAsyncEventAgeInSeconds: 3600,
        }),
      }),
    );
    assert.equal(put.body!.maxAsyncRetryAttempts, 0);
    const got = (await fc.getAsyncInvokeConfig('acp-config', new $Fc.GetAsyncInvokeConfigRequest({}))).body!;
    assert.equal(got.asyncTask, true);
    assert.equal(got.maxAsyncRetryAttempts, 0);
    assert.equal(got.maxAsyncEventAgeInSeconds, 3600);
    assert.match(got.functionArn!, /functions\/acp-config$/);
    assert.match(got.createdTime!, /^\d{4}-\d\d-\d\dT/);
    for (const body of [
      { maxAsyncRetryAttempts: 9 },
      { maxAsyncEventAgeInSeconds: 0 },
      { maxAsyncEventAgeInSeconds: 604_801 },
    ]) {
      const err = await rejection(() =>
        fc.putAsyncInvokeConfig(
          'acp-config',
          new $Fc.PutAsyncInvokeConfigRequest({ body: new $Fc.PutAsyncInvokeConfigInput(body) }),
        ),
      );
      assert.equal(err.code, 'InvalidArgument', JSON.stringify(body));
    }
    const del = await fc.deleteAsyncInvokeConfig('acp-config', new $Fc.DeleteAsyncInvokeConfigRequest({}));
    assert.equal(del.statusCode, 204);
    const gone = await rejection(() =>
      fc.getAsyncInvokeConfig('acp-config', new $Fc.GetAsyncInvokeConfigRequest({})),
    );
    assert.equal(gone.statusCode, 404);
  });

  test('a custom-container function runs its entrypoint in the sandbox; the invocation body reaches it', async () => {
    await fc.createFunction(containerFunction('acp-container'));
    await eventually(
      async () =>
        (await fc.getFunction('acp-container', new $Fc.GetFunctionRequest({}))).body!.state === 'Active',
    );
    const ok = await invoke('acp-container', 'echo from-the-container');
    assert.equal(ok.status, 200);
    assert.equal(ok.payload, 'from-the-container\n');
    const bad = await invoke('acp-container', 'exit 4');
    assert.equal(bad.headers['x-fc-error-type'], 'UnhandledInvocationError');
  });

  test('invocations are billed per use from the CU unit prices', async () => {
    await fc.createFunction(pythonFunction('acp-billed', { cpu: 2, memorySize: 4096 }));
    await invoke('acp-billed', 'x');
    const cost = await admin.cost();
    const instances = cost.resources.filter((r) => r.type === 'fc-instance');
    assert.equal(instances.length, 1);
    assert.ok(instances[0]!.cost > 0);
    assert.ok(cost.total > 0);
    assert.deepEqual(
      (await admin.resources()).map((r) => r.type),
      ['function'],
    );
  });
});

describe('states and previews', () => {
  test('invoking a Pending function is refused with 412; it serves once Active', async () => {
    // Speed 1: the container function stays Pending (10 s) until the test advances the clock.
    const t = await testEmulator({});
    try {
      const slow = fcClient(t.emu);
      await slow.createFunction(containerFunction('acp-pending'));
      const state = async () => (await slow.getFunction('acp-pending', new $Fc.GetFunctionRequest({}))).body!;
      assert.equal((await state()).state, 'Pending');
      assert.equal((await state()).stateReasonCode, 'Creating');
      const err = await rejection(() =>
        slow.invokeFunction(
          'acp-pending',
          new $Fc.InvokeFunctionRequest({ body: Readable.from([Buffer.from('echo x')]) }),
        ),
      );
      assert.equal(err.statusCode, 412);
      assert.equal(err.code, 'PreconditionFailed');
      assert.match(err.message, /Pending/);
      assert.deepEqual(
        (await t.admin.resources({ all: true })).filter((r) => r.type === 'fc-instance'),
        [],
        'nothing ran',
      );
      await t.admin.advance(10_000);
      assert.equal((await state()).state, 'Active');
      const res = await slow.invokeFunction(
        'acp-pending',
        new $Fc.InvokeFunctionRequest({ body: Readable.from([Buffer.from('echo now-active')]) }),
      );
      assert.equal(res.statusCode, 200);
    } finally {
      await t.emu.stop();
    }
  });

  test('GetAsyncTask answers returnPayload only to an account with the preview', async () => {
    const t = await testEmulator({ speed: 600, previews: { fcAsyncReturnPayload: true } });
    try {
      const client = fcClient(t.emu, { timeoutMs: 30_000 });
      await client.createFunction(pythonFunction('acp-preview'));
      await client.putAsyncInvokeConfig(
        'acp-preview',
        new $Fc.PutAsyncInvokeConfigRequest({ body: new $Fc.PutAsyncInvokeConfigInput({ asyncTask: true }) }),
      );
      await eventually(
        async () =>
          (await client.getFunction('acp-preview', new $Fc.GetFunctionRequest({}))).body!.state === 'Active',
      );
      await client.invokeFunctionWithOptions(
        'acp-preview',
        new $Fc.InvokeFunctionRequest({ body: Readable.from([Buffer.from('x')]) }),
        new $Fc.InvokeFunctionHeaders({ xFcInvocationType: 'Async', xFcAsyncTaskId: 'acp_preview_1' }),
        new (await import('@darabonba/typescript')).RuntimeOptions({}),
      );
      const task = await eventually(async () => {
        const { body } = await client.getAsyncTask(
          'acp-preview',
          'acp_preview_1',
          new $Fc.GetAsyncTaskRequest({}),
        );
        return body!.status === 'Succeeded' ? body : undefined;
      });
      assert.equal(task.returnPayload, 'hello from acp-preview');
    } finally {
      await t.emu.stop();
    }
  });
});
