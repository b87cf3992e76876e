// PAI-DLC through openapi-core's generic ROA client (the generated @alicloud/pai-dlc20201203 is not
// served here; callApi sends identical requests). Bodies are raw PascalCase JSON.
import assert from 'node:assert/strict';
import { after, before, beforeEach, describe, test } from 'node:test';
import { dlcClient } from '../support/emulator-clients';
import { eventually, rejection, type TestEmulator, testEmulator } from './fixtures';

let emu: TestEmulator['emu'];
let admin: TestEmulator['admin'];
let dlc: ReturnType<typeof dlcClient>;
before(async () => {
  ({ emu, admin } = await testEmulator({ speed: 600 }));
  dlc = dlcClient(emu);
});
after(() => emu.stop());
beforeEach(() => admin.reset());

function jobBody(extra: Record<string, unknown> = {}) {
  return {
    DisplayName: 'acp-train',
    JobType: 'PyTorchJob',
    WorkspaceId: '123',
    UserCommand: 'echo epoch-1; echo done',
    Envs: { ACP_WORKFLOW_ID: 'wf-dlc' },
    JobSpecs: [{ Type: 'Worker', Image: 'pytorch:latest', PodCount: 1, EcsSpec: 'ecs.gn7i-c8g1.2xlarge' }],
    ...extra,
  };
}

const getJob = async (id: string) => (await dlc.call('GetJob', 'GET', `/api/v1/jobs/${id}`)).body;

async function until(id: string, statuses: string[]) {
  return eventually(async () => {
    const job = await getJob(id);
    return statuses.includes(job.Status) ? job : undefined;
  });
}

describe('ListEcsSpecs', () => {
  test('lists specs with stock and no prices, filtered by accelerator', async () => {
    const { body } = await dlc.call('ListEcsSpecs', 'GET', '/api/v1/ecsspecs', {
      query: { AcceleratorType: 'GPU', PageSize: 100 },
    });
    assert.ok(body.RequestId);
    assert.ok(body.TotalCount >= 3);
    const a10 = body.EcsSpecs.find((s: any) => s.InstanceType === 'ecs.gn7i-c8g1.2xlarge');
    assert.equal(a10.AcceleratorType, 'GPU');
    assert.equal(a10.Gpu, 1);
    assert.equal(a10.Cpu, 8);
    assert.match(a10.GpuType, /A10/);
    assert.equal(a10.IsAvailable, true);
    assert.deepEqual(a10.PaymentTypes, ['PostPaid']);
    assert.ok(body.EcsSpecs.every((s: any) => s.AcceleratorType === 'GPU'));
    assert.ok(body.EcsSpecs.every((s: any) => !('Price' in s) && !('TradePrice' in s)));
  });

  test('a sold-out spec is not available', async () => {
    await admin.faults({ soldOut: [{ regionId: 'cn-hangzhou', instanceType: 'ecs.gn7i-c8g1.2xlarge' }] });
    const { body } = await dlc.call('ListEcsSpecs', 'GET', '/api/v1/ecsspecs', {
      query: { InstanceTypes: 'ecs.gn7i-c8g1.2xlarge,ecs.g7.xlarge' },
    });
    const byType = Object.fromEntries(body.EcsSpecs.map((s: any) => [s.InstanceType, s]));
    assert.equal(byType['ecs.gn7i-c8g1.2xlarge'].IsAvailable, false);
    assert.equal(byType['ecs.gn7i-c8g1.2xlarge'].SpotStockStatus, 'NoStock');
    assert.equal(byType['ecs.g7.xlarge'].IsAvailable, true);
    assert.equal(byType['ecs.g7.xlarge'].AcceleratorType, 'CPU');
  });
});

describe('jobs', () => {
  test('a job runs its UserCommand through the documented lifecycle; logs are the output', async () => {
    const { body: created } = await dlc.call('CreateJob', 'POST', '/api/v1/jobs', { body: jobBody() });
    assert.match(created.JobId, /^dlc/);
    assert.ok(created.RequestId);
    const job = await until(created.JobId, ['Succeeded', 'Failed']);
    assert.equal(job.Status, 'Succeeded');
    assert.equal(job.DisplayName, 'acp-train');
    assert.equal(job.JobType, 'PyTorchJob');
    assert.equal(job.JobSpecs[0].EcsSpec, 'ecs.gn7i-c8g1.2xlarge');
    assert.deepEqual(
      job.StatusHistory.map((h: any) => h.Status),
      ['Creating', 'Queuing', 'EnvPreparing', 'Running', 'Succeeded'],
    );
    assert.ok(job.GmtRunningTime && job.GmtFinishTime && job.GmtSuccessedTime);
    assert.equal(job.Pods.length, 1);
    const pod = job.Pods[0];
    assert.equal(pod.Status, 'Succeeded');
    assert.equal(pod.Type, 'Worker');
    const { body: logs } = await dlc.call(
      'GetPodLogs',
      'GET',
      `/api/v1/jobs/${created.JobId}/pods/${pod.PodId}/logs`,
    );
    assert.deepEqual(logs.Logs, ['epoch-1', 'done']);
    assert.equal(logs.PodId, pod.PodId);
    const { body: tail } = await dlc.call(
      'GetPodLogs',
      'GET',
      `/api/v1/jobs/${created.JobId}/pods/${pod.PodId}/logs`,
      {
        query: { MaxLines: 1 },
      },
    );
    assert.deepEqual(tail.Logs, ['done']);

    const cost = await admin.cost();
    assert.ok(
      cost.resources.some((r) => r.type === 'dlc-pod' && r.cost > 0),
      'running time is billed',
    );
    const { body: listed } = await dlc.call('ListJobs', 'GET', '/api/v1/jobs');
    assert.equal(listed.TotalCount, 1);
    assert.equal(listed.Jobs[0].JobId, created.JobId);

    const { body: deleted } = await dlc.call('DeleteJob', 'DELETE', `/api/v1/jobs/${created.JobId}`);
    assert.equal(deleted.JobId, created.JobId);
    assert.deepEqual(await admin.resources(), []);
  });

  test('a non-zero exit fails the job with the reason', async () => {
    const { body } = await dlc.call('CreateJob', 'POST', '/api/v1/jobs', {
      body: jobBody({ UserCommand: 'echo oops; exit 4' }),
    });
    const job = await until(body.JobId, ['Succeeded', 'Failed']);
    assert.equal(job.Status, 'Failed');
    assert.match(job.ReasonMessage, /exited with code 4/);
    assert.ok(job.GmtFailedTime);
  });

  test('JobMaxRunningTimeMinutes stops a job that runs too long', async () => {
    // 2 wall seconds are 20 emulated minutes at speed 600: past the 5-minute limit.
    const { body } = await dlc.call('CreateJob', 'POST', '/api/v1/jobs', {
      body: jobBody({ UserCommand: 'sleep 2; echo never', JobMaxRunningTimeMinutes: 5 }),
    });
    const job = await until(body.JobId, ['Succeeded', 'Failed', 'Stopped']);
    assert.equal(job.Status, 'Stopped');
    assert.match(job.ReasonMessage, /JobMaxRunningTimeMinutes/);
    assert.ok(job.Duration >= 300 && job.Duration < 400);
  });

  test('StopJob stops a running job; DeleteJob is refused until it has finished', async () => {
    const { body } = await dlc.call('CreateJob', 'POST', '/api/v1/jobs', {
      body: jobBody({ UserCommand: 'sleep 3' }),
    });
    await until(body.JobId, ['Running']);
    const early = await rejection(() => dlc.call('DeleteJob', 'DELETE', `/api/v1/jobs/${body.JobId}`));
    assert.equal(early.statusCode, 400);
    assert.match(early.data.Message, /cannot be deleted/);
    const { body: stopped } = await dlc.call('StopJob', 'POST', `/api/v1/jobs/${body.JobId}/stop`);
    assert.equal(stopped.JobId, body.JobId);
    const job = await until(body.JobId, ['Stopped']);
    assert.equal(job.ReasonCode, 'JobStoppedByUser');
    await dlc.call('DeleteJob', 'DELETE', `/api/v1/jobs/${body.JobId}`);
    const gone = await rejection(() => getJob(body.JobId));
    assert.equal(gone.statusCode, 404);
    assert.deepEqual(await admin.resources(), []);
  });

  test('a job keeps the Settings.Tags it was created with; ListJobs filters by Tags (a JSON object)', async () => {
    const tags = { 'acp:managed': 'true', 'acp:workflow-id': 'wf-dlc' };
    const { body: tagged } = await dlc.call('CreateJob', 'POST', '/api/v1/jobs', {
      body: jobBody({ Settings: { Tags: tags } }),
    });
    await dlc.call('CreateJob', 'POST', '/api/v1/jobs', { body: jobBody({ DisplayName: 'someone-else' }) });
    assert.deepEqual((await getJob(tagged.JobId)).Settings.Tags, tags);
    const list = async (filter: Record<string, string>) =>
      (await dlc.call('ListJobs', 'GET', '/api/v1/jobs', { query: { Tags: filter } })).body;
    const managed = await list({ 'acp:managed': 'true' });
    assert.equal(managed.TotalCount, 1);
    assert.equal(managed.Jobs[0].JobId, tagged.JobId);
    assert.deepEqual(managed.Jobs[0].Settings.Tags, tags);
    assert.equal((await list({ 'acp:managed': 'true', 'acp:workflow-id': 'wf-other' })).TotalCount, 0);
    assert.equal((await dlc.call('ListJobs', 'GET', '/api/v1/jobs')).body.TotalCount, 2);
    const bad = await rejection(() =>
      dlc.call('ListJobs', 'GET', '/api/v1/jobs', { query: { Tags: '["acp:managed"]' } }),
    );
    assert.equal(bad.statusCode, 400);
    assert.equal(bad.data.Code, 'InvalidParameter');
  });

  test('a spec without stock keeps the job Queuing', async () => {
    await admin.faults({ soldOut: [{ regionId: 'cn-hangzhou', instanceType: 'ecs.gn7i-c8g1.2xlarge' }] });
    const { body } = await dlc.call('CreateJob', 'POST', '/api/v1/jobs', { body: jobBody() });
    await until(body.JobId, ['Queuing']);
    emu.world.advance(10 * 60_000);
    const job = await getJob(body.JobId);
    assert.equal(job.Status, 'Queuing');
    assert.equal(job.ReasonMessage, 'resource type is not enough');
  });

  test('bad input is 400 InvalidParameter with a PascalCase error body; quota is refused', async () => {
    const noSpec = await rejection(() =>
      dlc.call('CreateJob', 'POST', '/api/v1/jobs', {
        body: jobBody({ JobSpecs: [{ Type: 'Worker', Image: 'x', PodCount: 1, EcsSpec: 'ecs.nope' }] }),
      }),
    );
    assert.equal(noSpec.statusCode, 400);
    assert.equal(noSpec.code, 'InvalidParameter');
    assert.ok(noSpec.data.RequestId);
    const noName = await rejection(() =>
      dlc.call('CreateJob', 'POST', '/api/v1/jobs', { body: jobBody({ DisplayName: '' }) }),
    );
    assert.equal(noName.code, 'InvalidParameter');
    await admin.faults({ quota: { 'dlc.instances': 0 } });
    const quota = await rejection(() => dlc.call('CreateJob', 'POST', '/api/v1/jobs', { body: jobBody() }));
    assert.equal(quota.code, 'QuotaExceeded');
    const missing = await rejection(() => getJob('dlcnope'));
    assert.equal(missing.code, 'NotFound');
  });
});
