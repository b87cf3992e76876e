// Function Compute 3.0 through the official SDK (@alicloud/fc20230330): the typed fields checked
// here come back undefined if the emulator gets a camelCase key wrong.
import assert from 'node:assert/strict';
import { Readable } from 'node:stream';
import { after, before, beforeEach, describe, test } from 'node:test';
import * as $Fc from '@alicloud/fc20230330';
import { fcClient } from '../support/emulator-clients';
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
    ];
    for (const extra of cases) {
      const err = await rejection(() => fc.createFunction(pythonFunction('acp-bad', extra)));
      assert.equal(err.code, 'InvalidArgument', JSON.stringify(extra));
      assert.equal(err.statusCode, 400);
      assert.ok(err.requestId && err.requestId !== 'undefined');
    }
    // GPU functions: T4 (tesla) and A10 (ampere) with whole-GB GPU memory are accepted.
    const t4 = await fc.createFunction(
      pythonFunction('acp-gpu', {
        cpu: 8,
        memorySize: 32_768,
        gpuConfig: new $Fc.GPUConfig({ gpuType: 'fc.gpu.tesla.1', gpuMemorySize: 16_384 }),
      }),
    );
    assert.equal(t4.body!.gpuConfig!.gpuType, 'fc.gpu.tesla.1');
    assert.equal(t4.body!.gpuConfig!.gpuMemorySize, 16_384);
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

  test('an async invocation is 202 with a task id; GetAsyncTask follows it to Succeeded', async () => {
    await fc.createFunction(pythonFunction('acp-async'));
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
    assert.equal(task!.returnPayload, 'hello from acp-async');
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

  test('a failing async invocation ends Failed with the error payload', async () => {
    await fc.createFunction(pythonFunction('acp-async-err'));
    await invoke('acp-async-err', 'boom', { xFcInvocationType: 'Async', xFcAsyncTaskId: 'acp_task_2' });
    const task = await eventually(async () => {
      const { body } = await fc.getAsyncTask('acp-async-err', 'acp_task_2', new $Fc.GetAsyncTaskRequest({}));
      return body!.status === 'Failed' ? body : undefined;
    });
    assert.equal(task!.taskErrorMessage, 'UnhandledInvocationError');
    assert.equal(JSON.parse(task!.returnPayload!).errorType, 'ValueError');
    const missing = await rejection(() =>
      fc.getAsyncTask('acp-async-err', 'nope', new $Fc.GetAsyncTaskRequest({})),
    );
    assert.equal(missing.statusCode, 404);
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
