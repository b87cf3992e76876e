// Past the VPC quota: one VPC per run means the 11th concurrent run in a region meets the default
// quota of 10 and waits BLOCKED. `acp network share --region R` creates one acp VPC (acp:shared=true)
// that every run then reuses, each adding and removing only its own vSwitch (a free /24, picked while
// other runs pick theirs) and security group.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { teardownSignal } from '../../workflows/messages';
import { provision } from '../../workflows/provision';
import { acp, scrubbedEnv } from '../client/spawn-acp';
import { runResult } from '../support/run-result';
import { type Stack, startStack } from '../support/stack';
import { waitForStatus } from '../support/waiting';

const REGION = 'cn-hangzhou';
const RUNS = 12;
let stack: Stack;
before(async () => {
  stack = await startStack('shared-vpc');
});
after(async () => {
  await stack?.stop();
});

const cli = (args: string[]) =>
  acp(
    args,
    scrubbedEnv({
      ACP_ALIBABA_ENDPOINT: stack.emulator.endpoint,
      ALIBABA_CLOUD_ACCESS_KEY_ID: stack.emulator.accessKeyId,
      ALIBABA_CLOUD_ACCESS_KEY_SECRET: stack.emulator.accessKeySecret,
      TEMPORAL_ADDRESS: process.env.TEMPORAL_ADDRESS,
    }),
  );

const ecsRun = (id: string, n: number) =>
  stack.env.client.workflow.start(provision, {
    taskQueue: stack.taskQueue,
    workflowId: id,
    args: [
      {
        product: 'ecs',
        region: REGION,
        script: { content: `echo shared-network-${n}` },
        skipConfirmation: true,
      },
    ],
  });

describe('shared VPC', () => {
  test('with the quota used up a run waits BLOCKED and names `acp network share`', async () => {
    await stack.admin('/__emulator/faults', {
      method: 'POST',
      body: JSON.stringify({ quota: { 'vpc.vpcs': 0 } }),
    });
    const handle = await ecsRun(`acp-vpc-quota-${process.pid}`, 0);
    const blocked = await waitForStatus(handle, 'BLOCKED', 90_000);
    assert.equal(blocked.blocked?.code, 'QuotaExceeded.Vpc');
    assert.match(blocked.blocked?.nextStep ?? '', /acp network share --region/);
    await handle.terminate('test: the quota case is shown');
    await stack.admin('/__emulator/faults', {
      method: 'POST',
      body: JSON.stringify({ quota: { 'vpc.vpcs': 1 } }),
    });
    // The terminated run made a security group before CreateVpc failed; gc is the tool for that.
    const gc = await cli(['gc', '--apply', '--region', REGION, '--json']);
    assert.equal(gc.code, 0, gc.stderr);
  });

  test(`${RUNS} concurrent runs share one VPC under a quota of 1; each releases only its own parts`, async () => {
    const shared = await cli(['network', 'share', '--region', REGION, '--json']);
    assert.equal(shared.code, 0, shared.stderr);
    const vpc = JSON.parse(shared.stdout) as { vpcId: string; created: boolean; cidrBlock: string };
    assert.equal(vpc.created, true);
    const again = await cli(['network', 'share', '--region', REGION, '--json']);
    assert.equal(JSON.parse(again.stdout).vpcId, vpc.vpcId, 'sharing twice returns the same VPC');
    assert.equal(JSON.parse(again.stdout).created, false);

    // A service in the shared VPC holds its vSwitch: the VPC cannot be unshared from under it.
    const service = await stack.env.client.workflow.start(provision, {
      taskQueue: stack.taskQueue,
      workflowId: `acp-shared-vpc-${process.pid}-service`,
      args: [
        {
          product: 'ecs',
          region: REGION,
          service: true,
          script: { content: 'echo up' },
          skipConfirmation: true,
        },
      ],
    });
    await waitForStatus(service, 'RUNNING', 90_000);
    const busy = await cli(['network', 'unshare', '--region', REGION]);
    assert.notEqual(busy.code, 0, 'unshare is refused while a run uses the VPC');
    assert.match(busy.stderr, /still holds vSwitch/);

    const handles = await Promise.all(
      Array.from({ length: RUNS }, (_, i) => ecsRun(`acp-shared-vpc-${process.pid}-${i}`, i)),
    );
    const results = await Promise.all(handles.map((h) => runResult(h)));
    await service.signal(teardownSignal, { by: 'shared-vpc-test' });
    assert.equal((await runResult(service)).status, 'SUCCEEDED');
    for (const [i, r] of results.entries()) {
      assert.equal(r.status, 'SUCCEEDED', `run ${i}: ${r.message}`);
      assert.match(r.execution?.outputTail ?? '', new RegExp(`shared-network-${i}\\b`));
      assert.ok(!r.resourcesCreated.some((x) => x.type === 'vpc'), `run ${i} created no VPC`);
    }
    const { resources: ever } = await stack.admin('/__emulator/resources?all=1');
    const vSwitches = ever.filter(
      (r: any) => r.type === 'vswitch' && String(r.tags?.['acp:workflow-id']).startsWith('acp-shared-vpc-'),
    );
    assert.equal(vSwitches.length, RUNS + 1, 'one vSwitch per run');
    const vpcs = ever.filter((r: any) => r.type === 'vpc' && r.id !== vpc.vpcId && r.tags?.['acp:shared']);
    assert.deepEqual(vpcs, [], 'no other shared VPC');
    const { calls } = await stack.admin('/__emulator/calls');
    const createVpc = calls.filter((c: any) => c.action === 'CreateVpc' && c.code === 'OK').length;
    const overlapped = calls.filter((c: any) => c.code === 'InvalidCidrBlock.Overlapped').length;

    const { resources: live } = await stack.admin('/__emulator/resources');
    assert.deepEqual(
      live.map((r: any) => `${r.type}:${r.id}`),
      [`vpc:${vpc.vpcId}`],
      'only the shared VPC is left; every run released its own vSwitch and security group',
    );
    const unshare = await cli(['network', 'unshare', '--region', REGION]);
    assert.equal(unshare.code, 0, unshare.stderr);
    assert.match(unshare.stdout, new RegExp(`released shared VPC ${vpc.vpcId}`));
    const { resources: after } = await stack.admin('/__emulator/resources');
    assert.deepEqual(after, []);
    console.log(
      `shared-vpc: runs=${RUNS} succeeded=${results.filter((r) => r.status === 'SUCCEEDED').length} vpcQuota=1 sharedVpcs=1 createVpcOk=${createVpc} vSwitches=${vSwitches.length} cidrRacesLost=${overlapped} refusedUnshareWhileInUse=1 leaks=${after.length}`,
    );
  });
});
