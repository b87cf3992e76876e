// Secrets never enter workflow inputs, results, history or logs (docs/architecture.md). The worker gets
// recognisable fake credentials through the default chain (env), runs succeed, fail and hit Alibaba
// errors, and a scanner reads every event of every history (payloads decoded) and every log line.
// Then ACP_PAYLOAD_KEY: the script is unreadable in the raw history and readable through the codec.
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { after, before, describe, test } from 'node:test';
import { Client } from '@temporalio/client';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import type { Worker } from '@temporalio/worker';
import { cloudConfigFromEnv, createClients } from '../../activities/clients';
import { AesGcmPayloadCodec, dataConverterFromEnv, startCodecServer } from '../../client/codec';
import { DEFAULT_ACCESS_KEY_SECRET, startEmulator } from '../../emulator';
import { createAcpWorker } from '../../worker/worker';
import type { ProvisionResult } from '../../workflows/messages';
import { provision } from '../../workflows/provision';
import { runResult } from '../support/run-result';
import { SecretScanner } from '../support/secret-scanner';
import { startTemporal, uniqueTaskQueue, workflowBundle } from '../support/temporal';

const FAKE = {
  // Fakes with real shapes (the scanner must recognise them), assembled at run time so repository
  // credential scanners do not flag this source file.
  accessKeyId: `${'LTAI'}5tAcpFakeKeyId0123456`,
  accessKeySecret: 'AcpFakeSecretValue0123456789abcdXYZ',
  slackToken: `${'xoxb'}-1234567890-0987654321-AcpFakeSlackBotToken`,
  slackSigningSecret: '8f14e45fceea167a5a36dedd4bea2543',
  stsToken: `CAIS${'AcpFakeStsSecurityToken'.repeat(4)}`,
};

let env: TestWorkflowEnvironment;
let emulator: Awaited<ReturnType<typeof startEmulator>>;
const logs: string[] = [];
const writes: { stream: NodeJS.WriteStream; write: NodeJS.WriteStream['write'] }[] = [];

function captureLogs() {
  for (const stream of [process.stdout, process.stderr]) {
    const write = stream.write.bind(stream);
    writes.push({ stream, write: stream.write });
    stream.write = ((chunk: any, ...rest: any[]) => {
      logs.push(...String(chunk).split('\n'));
      return write(chunk, ...rest);
    }) as NodeJS.WriteStream['write'];
  }
}

before(async () => {
  [env, emulator] = await Promise.all([
    startTemporal(),
    startEmulator({ port: 0, exec: 'local', speed: 600 }),
  ]);
  await fetch(`${emulator.url}/__emulator/keys`, {
    method: 'POST',
    body: JSON.stringify({ accessKeyId: FAKE.accessKeyId, accessKeySecret: FAKE.accessKeySecret }),
  });
  Object.assign(process.env, {
    ALIBABA_CLOUD_ACCESS_KEY_ID: FAKE.accessKeyId,
    ALIBABA_CLOUD_ACCESS_KEY_SECRET: FAKE.accessKeySecret,
    ACP_SLACK_BOT_TOKEN: FAKE.slackToken,
    ACP_SLACK_SIGNING_SECRET: FAKE.slackSigningSecret,
    ACP_TEST_STS_TOKEN: FAKE.stsToken,
  });
  delete process.env.ACP_PAYLOAD_KEY;
});
after(async () => {
  for (const w of writes) w.stream.write = w.write;
  await Promise.all([env?.teardown(), emulator?.stop()]);
});

/** A worker whose SDK clients take their credentials from the default chain (the env above). */
async function startWorker(name: string, dataConverter?: ReturnType<typeof dataConverterFromEnv>) {
  const taskQueue = uniqueTaskQueue(name);
  const clients = createClients({
    ...cloudConfigFromEnv({ ...process.env, ACP_ALIBABA_ENDPOINT: emulator.endpoint }),
    timeoutMs: 10_000,
  });
  const worker: Worker = await createAcpWorker({
    connection: env.nativeConnection,
    taskQueue,
    clients,
    workflowBundle: await workflowBundle(),
    ...(dataConverter ? { dataConverter } : {}),
  });
  const running = worker.run();
  return {
    taskQueue,
    async stop() {
      worker.shutdown();
      await running;
    },
  };
}

describe('secrets', () => {
  test('no credential appears in any history or log line', async () => {
    captureLogs();
    const worker = await startWorker('secrets');
    const runs: { workflowId: string; result?: ProvisionResult }[] = [];
    try {
      const requests = [
        { product: 'ecs', script: { content: 'echo scan-me; env | grep -c ALIBABA || true' } },
        { product: 'ecs', script: { content: 'echo failing; exit 3' } },
        { product: 'ecs', script: { content: 'echo never-runs' } }, // CreateSecurityGroup answers 400
        { product: 'ecs', service: true, ttl: '2s', script: { content: 'echo svc' } },
      ] as const;
      // Sequential, so the injected fault hits the third run.
      for (const [i, r] of requests.entries()) {
        if (i === 2) {
          await fetch(`${emulator.url}/__emulator/faults`, {
            method: 'POST',
            body: JSON.stringify({
              inject: [{ action: 'CreateSecurityGroup', code: 'InvalidParameter', status: 400, count: 1 }],
            }),
          });
        }
        const workflowId = `acp-secrets-${process.pid}-${i}`;
        const h = await env.client.workflow.start(provision, {
          taskQueue: worker.taskQueue,
          workflowId,
          args: [{ ...r, skipConfirmation: true }],
        });
        runs.push({ workflowId, result: await runResult(h) });
      }
      assert.deepEqual(
        runs.map((r) => r.result?.status),
        ['SUCCEEDED', 'FAILED', 'FAILED', 'SUCCEEDED'],
      );
      assert.equal(runs[2].result?.error?.code, 'InvalidParameter');
    } finally {
      await worker.stop();
    }
    const scanner = new SecretScanner([
      { name: 'access key id in use', value: FAKE.accessKeyId },
      { name: 'access key secret in use', value: FAKE.accessKeySecret },
      { name: 'emulator default secret', value: DEFAULT_ACCESS_KEY_SECRET },
      { name: 'Slack bot token', value: FAKE.slackToken },
      { name: 'Slack signing secret', value: FAKE.slackSigningSecret },
      { name: 'STS token', value: FAKE.stsToken },
    ]);
    // A planted secret is caught: the scanner can fail.
    const control = new SecretScanner([{ name: 'planted', value: FAKE.accessKeySecret }]);
    control.scanText(`oops ${FAKE.accessKeyId} ${FAKE.accessKeySecret} ${FAKE.slackToken}`, 'control');
    assert.ok(control.findings.length >= 3);

    let histories = 0;
    // The comparison runs inside each run (its look-ups are local activities in the run's own history).
    for (const r of runs) {
      await scanner.scanHistory(
        r.workflowId,
        await env.client.workflow.getHandle(r.workflowId).fetchHistory(),
      );
      histories += 1;
    }
    scanner.scanLog(logs, 'worker/test log');
    assert.deepEqual(scanner.findings, []);
    assert.ok(scanner.scanned > 100, `scanned ${scanner.scanned} texts`);
    console.log(
      `secrets: workflows=${runs.length} histories=${histories} texts=${scanner.scanned} logLines=${logs.length} findings=${scanner.findings.length}`,
    );
  });

  test('ACP_PAYLOAD_KEY: the script is unreadable in the raw history, readable through the codec endpoint', async () => {
    const key = randomBytes(32).toString('base64');
    const dataConverter = dataConverterFromEnv({ ACP_PAYLOAD_KEY: key });
    assert.ok(dataConverter);
    const worker = await startWorker('codec', dataConverter);
    const marker = `acp-codec-marker-${process.pid}`;
    const workflowId = `acp-codec-${process.pid}`;
    const client = new Client({ connection: env.connection, dataConverter });
    let result: ProvisionResult;
    try {
      const h = await client.workflow.start(provision, {
        taskQueue: worker.taskQueue,
        workflowId,
        args: [{ product: 'ecs', script: { content: `echo ${marker}` }, skipConfirmation: true }],
      });
      result = await runResult(h);
    } finally {
      await worker.stop();
    }
    assert.equal(result.status, 'SUCCEEDED', result.message);
    assert.match(result.execution?.outputTail ?? '', new RegExp(marker), 'the codec client reads the result');

    // Raw: the server's history fetched by a client without the key.
    const raw = await env.client.workflow.getHandle(workflowId).fetchHistory();
    const rawText = JSON.stringify(raw, (_k, v) =>
      v && typeof v === 'object' && v.type === 'Buffer' ? Buffer.from(v.data).toString('latin1') : v,
    );
    assert.ok(!rawText.includes(marker), 'the script is not readable in the raw history');
    assert.ok(!rawText.includes(Buffer.from(marker).toString('base64').slice(0, 16)));
    const started = raw.events?.[0]?.workflowExecutionStartedEventAttributes;
    const input = started?.input?.payloads ?? [];
    assert.equal(Buffer.from(input[0]?.metadata?.encoding ?? []).toString(), 'binary/encrypted');

    // Through the codec endpoint, as the Web UI calls it.
    const server = await startCodecServer(0, { codec: new AesGcmPayloadCodec(Buffer.from(key, 'base64')) });
    try {
      const preflight = await fetch(`${server.url}/decode`, {
        method: 'OPTIONS',
        headers: { Origin: 'http://localhost:8233' },
      });
      assert.equal(preflight.headers.get('access-control-allow-origin'), 'http://localhost:8233');
      const body = {
        payloads: input.map((p) => ({
          metadata: Object.fromEntries(
            Object.entries(p.metadata ?? {}).map(([k, v]) => [k, Buffer.from(v).toString('base64')]),
          ),
          data: Buffer.from(p.data ?? []).toString('base64'),
        })),
      };
      const res = await fetch(`${server.url}/decode`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'x-namespace': 'default' },
        body: JSON.stringify(body),
      });
      assert.equal(res.status, 200);
      const decoded = (await res.json()) as {
        payloads: { metadata: Record<string, string>; data: string }[];
      };
      const text = Buffer.from(decoded.payloads[0].data, 'base64').toString('utf8');
      assert.ok(text.includes(`echo ${marker}`), 'readable through the codec endpoint');
      assert.equal(Buffer.from(decoded.payloads[0].metadata.encoding, 'base64').toString(), 'json/plain');
      // And a round trip through /encode.
      const enc = await fetch(`${server.url}/encode`, { method: 'POST', body: JSON.stringify(decoded) });
      const again = (await enc.json()) as { payloads: { metadata: Record<string, string> }[] };
      assert.equal(Buffer.from(again.payloads[0].metadata.encoding, 'base64').toString(), 'binary/encrypted');
    } finally {
      await server.close();
    }
    console.log(`secrets: codec rawReadable=0 codecReadable=1 events=${raw.events?.length}`);
  });
});
