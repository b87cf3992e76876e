// The SLS side of an async FC run, activity by activity, through the official SDKs against the
// emulator: the shared log project is made once and tagged as shared; a role named by
// ACP_FC_ROLE_ARN is checked and given to the function; a long run's output is read back as a tail
// with its exact exit code.
import assert from 'node:assert/strict';
import { after, before, beforeEach, describe, test } from 'node:test';
import { ApplicationFailure } from '@temporalio/common';
import { cloudConfigFromEnv, createClients, staticCredential } from '../../activities/clients';
import { createFcActivities } from '../../activities/fc';
import { createFcLogActivities, logProjectFor } from '../../activities/fc-logs';
import { startEmulator } from '../../emulator';
import { shipFunctionLogs } from '../../emulator/sls';
import { emulatorAdmin } from '../support/emulator-clients';

const REGION = 'cn-hangzhou';
let emu: Awaited<ReturnType<typeof startEmulator>>;
let admin: ReturnType<typeof emulatorAdmin>;
before(async () => {
  emu = await startEmulator({ port: 0, exec: 'none', speed: 600 });
  admin = emulatorAdmin(emu);
});
after(() => emu.stop());
beforeEach(() => admin.reset());

const clientsWith = (env: Record<string, string> = {}) =>
  createClients({
    ...cloudConfigFromEnv(
      { ACP_ALIBABA_ENDPOINT: emu.endpoint, ...env },
      staticCredential(emu.accessKeyId, emu.accessKeySecret),
    ),
    timeoutMs: 10_000,
  });

describe('the shared log project', () => {
  test('is made on first use, tagged acp:managed + acp:shared, and found (not made again) after', async () => {
    const logs = createFcLogActivities(clientsWith());
    const first = await logs.ensureFunctionLogs({ regionId: REGION });
    assert.equal(first.project, logProjectFor(emu.accountId, REGION));
    assert.equal(first.logstore, 'function-output');
    assert.equal(first.created, true);
    const again = await logs.ensureFunctionLogs({ regionId: REGION });
    assert.equal(again.created, false);
    const projects = (await admin.resources()).filter((r) => r.type === 'log-project');
    assert.deepEqual(
      projects.map((r) => [r.id, r.tags]),
      [[first.project, { 'acp:managed': 'true', 'acp:shared': 'true' }]],
    );
    const creates = (await admin.calls()).filter((c) => c.action.startsWith('Create'));
    assert.deepEqual(
      creates.map((c) => c.action),
      ['CreateProject', 'CreateLogStore', 'CreateIndex'],
      'each made once',
    );
  });
});

describe('ACP_FC_ROLE_ARN', () => {
  test('a missing role is BLOCKED naming it; once it exists the function is created with it', async () => {
    const arn = `acs:ram::${emu.accountId}:role/AcpFcLogs`;
    const clients = clientsWith({ ACP_FC_ROLE_ARN: arn, ALIBABA_CLOUD_ACCOUNT_ID: emu.accountId });
    const logs = createFcLogActivities(clients);
    const err = await logs.ensureFunctionLogs({ regionId: REGION }).catch((e) => e);
    assert.ok(err instanceof ApplicationFailure);
    assert.equal(err.type, 'EntityNotExist.Role');
    const [details] = err.details as { kind: string; nextStep: string }[];
    assert.equal(details?.kind, 'blocked');
    assert.match(
      details?.nextStep ?? '',
      /create the RAM role AcpFcLogs .*fc\.aliyuncs\.com.*ACP_FC_ROLE_ARN/,
    );
    assert.deepEqual(
      (await admin.resources()).filter((r) => r.type === 'log-project'),
      [],
      'nothing is made before the role exists',
    );

    await admin.addRole('AcpFcLogs', ['fc.aliyuncs.com']);
    const target = await logs.ensureFunctionLogs({ regionId: REGION });
    const fc = createFcActivities(clients);
    const { functionName } = await fc.createFunction({
      regionId: REGION,
      workflowId: 'wf-role',
      step: 'function',
      script: 'echo hi',
      cpu: 1,
      memoryMiB: 2048,
      timeoutSeconds: 600,
      logs: target,
    });
    const fn = emu.world.list({ type: 'function' }).find((r) => r.data.functionName === functionName);
    assert.equal(fn?.data.input.role, arn);
    assert.equal(fn?.data.input.logConfig.project, target.project);
  });
});

describe("reading a run's output", () => {
  test('a long run gives its newest lines as a tail, in order, with the exit code of its request', async () => {
    const logs = createFcLogActivities(clientsWith());
    const target = await logs.ensureFunctionLogs({ regionId: REGION });
    const lines = Array.from({ length: 1_000 }, (_, i) => `line ${i} ${'x'.repeat(30)}`);
    shipFunctionLogs(
      emu.world,
      { regionId: REGION, project: target.project, logstore: target.logstore },
      [...lines, 'acp-exit-code=7 request-id=req-9'].map((message) => ({
        message,
        topic: 'FCLogs:fn-1',
        fields: { functionName: 'fn-1' },
      })),
    );
    const out = await logs.readFunctionOutput({
      ...target,
      functionName: 'fn-1',
      fromSeconds: Math.floor(Date.now() / 1000),
      requestId: 'req-9',
    });
    assert.equal(out.exitCode, 7);
    assert.match(out.output, /line 999 x+\n$/);
    assert.ok(out.output.length <= 16_000 && out.output.length > 15_000, `${out.output.length} chars`);
    const kept = out.output.trimEnd().split('\n');
    assert.deepEqual(
      kept.map((l) => Number(l.split(' ')[1])),
      kept.map((_, i) => 1_000 - kept.length + i),
      'consecutive, oldest first',
    );
    const other = await logs.readFunctionOutput({
      ...target,
      functionName: 'fn-2',
      fromSeconds: Math.floor(Date.now() / 1000),
    });
    assert.deepEqual(other, { output: '', lines: 0 }, "another function's topic has none of it");
  });
});
