// Least privilege: the RAM policy `acp ram-policy` prints is built from one registry of actions; the
// registry covers every SDK call in activities/; creates may only make resources tagged acp:managed
// (acs:RequestTag) and changes reach only such resources (acs:ResourceTag). A run of every product
// under exactly that policy (startStack loads it for the worker's key) is never denied; without
// ecs:RunInstances a run ends BLOCKED naming the action, and after the grant and `retry` it
// completes; a policy without the RequestTag allowance blocks at the first create, and the user sees
// what RAM said.
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import Cs from '@alicloud/cs20151215';
import Ecs from '@alicloud/ecs20140526';
import Fc from '@alicloud/fc20230330';
import Ram from '@alicloud/ram20150501';
import Sls from '@alicloud/sls20201230';
import Sts from '@alicloud/sts20150401';
import Vpc, * as $Vpc from '@alicloud/vpc20160428';
import { ACTION_NAMES, RAM_ACTION_OF_API } from '../../activities/actions';
import {
  conditionedActions,
  policyActions,
  type RamPolicy,
  REQUEST_TAG_KEY,
  RESOURCE_TAG_KEY,
  ramPolicy,
} from '../../client/ram-policy';
import type { ProvisionRequest } from '../../planner/types';
import { type ProvisionResult, retrySignal } from '../../workflows/messages';
import { provision } from '../../workflows/provision';
import { runResult } from '../support/run-result';
import { type Stack, startStack } from '../support/stack';
import { waitForStatus } from '../support/waiting';

const MANAGED_VPC_TAGS = [new $Vpc.CreateVpcRequestTag({ key: 'acp:managed', value: 'true' })];
const ACTIVITIES = join(__dirname, '..', '..', 'activities');
const SDKS: [string, any][] = [
  ['ecs', Ecs],
  ['vpc', Vpc],
  ['cs', Cs],
  ['fc', Fc],
  ['sts', Sts],
  ['log', Sls],
  ['ram', Ram],
];

/** Every Alibaba action activities/*.ts calls: SDK client methods, and PAI-DLC's callApi actions. */
function actionsCalledInActivities(): Map<string, string[]> {
  const base = new Set(Object.getOwnPropertyNames(Object.getPrototypeOf(Ecs.prototype)));
  base.add('toString');
  const out = new Map<string, string[]>();
  for (const file of readdirSync(ACTIVITIES).filter((f) => f.endsWith('.ts'))) {
    const src = readFileSync(join(ACTIVITIES, file), 'utf8');
    for (const m of src.matchAll(/\.\s*([a-z][A-Za-z0-9]+)\s*\(/g)) {
      const method = m[1].replace(/WithOptions$/, '');
      if (base.has(method)) continue;
      const name = `${method[0].toUpperCase()}${method.slice(1)}`;
      // A method several SDKs share (DescribeRegions, legacy ECS CreateVpc …) needs one of them.
      const candidates = SDKS.filter(([, C]) => typeof C.prototype[method] === 'function').map(
        ([ns]) => `${ns}:${name}`,
      );
      if (candidates.length > 0)
        out.set(candidates.join('|'), [...(out.get(candidates.join('|')) ?? []), file]);
    }
    for (const m of src.matchAll(/\bcall(?:<[^>]*>)?\(\s*'([A-Z]\w+)'/g)) {
      out.set(`paidlc:${m[1]}`, [...(out.get(`paidlc:${m[1]}`) ?? []), file]);
    }
  }
  return out;
}

describe('RAM policy from the action registry', () => {
  test('the registry names every Alibaba action activities/ calls', () => {
    const called = actionsCalledInActivities();
    const missing = [...called.keys()].filter(
      (alts) => !alts.split('|').some((a) => ACTION_NAMES.includes(RAM_ACTION_OF_API[a] ?? a)),
    );
    assert.deepEqual(missing, [], `called but not in activities/actions.ts: ${missing.join(', ')}`);
    assert.ok(called.size >= 20, `found ${called.size} distinct calls`);
    console.log(
      `least-privilege: sdkCalls=${called.size} registry=${ACTION_NAMES.length} missing=${missing.length}`,
    );
  });

  test('creates need acp:managed in the request, changes need it on the resource, reads are open', () => {
    const policy = ramPolicy();
    assert.equal(policy.Version, '1');
    const statementsOf = (action: string) => policy.Statement.filter((s) => s.Action.includes(action));
    const conditionOf = (action: string) => statementsOf(action).map((s) => s.Condition);
    const requestTagged = { StringEquals: { [REQUEST_TAG_KEY]: 'true' } };
    const resourceTagged = { StringEquals: { [RESOURCE_TAG_KEY]: 'true' } };
    for (const create of [
      'ecs:RunInstances',
      'ecs:CreateSecurityGroup',
      'vpc:CreateVpc',
      'vpc:CreateVSwitch',
      'fc:CreateFunction',
      'cs:CreateCluster',
    ])
      assert.deepEqual(conditionOf(create), [requestTagged], create);
    for (const change of [
      'ecs:DeleteInstance',
      'ecs:AuthorizeSecurityGroup',
      'ecs:ModifyInstanceAutoReleaseTime',
      'vpc:DeleteVpc',
      'vpc:DeleteVSwitch',
      'fc:InvokeFunction',
      'fc:DeleteFunction',
      'cs:DeleteCluster',
      'cs:DescribeClusterUserKubeconfig',
    ])
      assert.deepEqual(conditionOf(change), [resourceTagged], change);
    // RunCommand: on acp's instances only; the command it creates has no tags to check.
    assert.deepEqual(
      statementsOf('ecs:RunCommand').map((s) => [s.Resource, s.Condition]),
      [
        ['acs:ecs:*:*:instance/*', resourceTagged],
        ['acs:ecs:*:*:command/*', undefined],
      ],
    );
    // SLS (an async FC run's output): only acp's own log projects, named acp-logs-<account>-<region>.
    for (const sls of ['log:CreateProject', 'log:TagResources', 'log:CreateLogStore', 'log:GetLogStoreLogs'])
      assert.deepEqual(
        statementsOf(sls).map((s) => [s.Resource, s.Condition]),
        [['acs:log:*:*:project/acp-logs-*', undefined]],
        sls,
      );
    for (const read of ['ecs:DescribeInstances', 'vpc:DescribeVpcs', 'fc:GetFunction', 'paidlc:GetJob'])
      assert.deepEqual(conditionOf(read), [undefined], read);
    // DLC publishes no tag condition keys: its changes stay unconditioned rather than always denied.
    assert.deepEqual(conditionOf('paidlc:CreateJob'), [undefined]);
    assert.ok(!policyActions(policy).some((a) => a.includes('*')), 'no wildcard actions');
    assert.deepEqual(policyActions(policy).sort(), [...ACTION_NAMES].sort(), 'every registry action, once');
  });
});

describe('runs under exactly that policy', () => {
  let stack: Stack;
  let n = 0;
  const full = ramPolicy();
  before(async () => {
    stack = await startStack('ram');
  });
  after(async () => {
    await stack?.stop();
  });

  /** Replaces the worker key's policy until the next reset (startStack's policy comes back then). */
  const loadPolicy = (policy: RamPolicy) =>
    stack.admin('/__emulator/faults', {
      method: 'POST',
      body: JSON.stringify({ policy: { [stack.emulator.accessKeyId]: policy } }),
    });
  const calls = async (): Promise<any[]> => (await stack.admin('/__emulator/calls')).calls;
  const start = (request: ProvisionRequest) => {
    n += 1;
    return stack.env.client.workflow.start(provision, {
      taskQueue: stack.taskQueue,
      workflowId: `acp-ram-${process.pid}-${n}`,
      args: [{ ...request, skipConfirmation: true }],
    });
  };

  test('ECS, FC, ACK and PAI-DLC runs succeed and no call is denied', async () => {
    await stack.admin('/__emulator/reset', { method: 'POST' });
    // The policy is in force for the worker's key: a create without acp's tag is refused.
    const untagged = await stack.clients
      .vpc('cn-hangzhou')
      .createVpc(new $Vpc.CreateVpcRequest({ regionId: 'cn-hangzhou' }))
      .then(
        () => undefined,
        (e) => e,
      );
    assert.equal(untagged?.code, 'Forbidden.RAM');
    await stack.admin('/__emulator/calls', { method: 'DELETE' });
    const results: ProvisionResult[] = [];
    for (const product of ['ecs', 'fc', 'ack', 'pai'] as const) {
      const handle = await start({ product, script: { content: `echo least-privilege-${product}` } });
      const result = await runResult(handle);
      assert.equal(result.status, 'SUCCEEDED', `${product}: ${result.message}`);
      assert.equal(result.chosen?.product, product);
      // FC's async run (task mode + no retries) reads its output back from Simple Log Service,
      // under this policy too (docs/fc.md).
      assert.equal(result.execution?.exitCode, 0);
      assert.match(result.execution?.outputTail ?? '', new RegExp(`least-privilege-${product}`));
      results.push(result);
    }
    const all = await calls();
    const denied = all.filter((c) => c.code === 'Forbidden.RAM');
    assert.deepEqual(denied, [], 'nothing was denied under the generated policy');
    const byWorker = all.filter((c) => c.accessKeyId === stack.emulator.accessKeyId);
    assert.ok(
      byWorker.some((c) => c.action === 'GetLogs' && c.code === 'OK'),
      'the FC output was read from SLS under the policy',
    );
    const { resources } = await stack.admin('/__emulator/resources');
    // What stays is only what is shared on purpose: the region's SLS log project for FC output.
    assert.deepEqual(
      resources.map((r: any) => [r.type, r.tags?.['acp:shared']]),
      [['log-project', 'true']],
      'every run released what it made',
    );
    console.log(
      `least-privilege: policyActions=${policyActions(full).length} conditioned=${conditionedActions(full).length} statements=${full.Statement.length} products=${results.map((r) => r.chosen?.product).join(',')} runs=${results.length} succeeded=${results.filter((r) => r.status === 'SUCCEEDED').length} calls=${byWorker.length} forbidden=${denied.length} leaks=${resources.filter((r: any) => r.tags?.['acp:shared'] !== 'true').length}`,
    );
  });

  test('without ecs:RunInstances the run is BLOCKED naming it; retry after the grant completes', async () => {
    await stack.admin('/__emulator/reset', { method: 'POST' });
    await loadPolicy(ramPolicy({ without: ['ecs:RunInstances'] }));
    const handle = await start({ product: 'ecs', script: { content: 'echo after-grant' } });
    const blocked = await waitForStatus(handle, 'BLOCKED', 60_000);
    assert.equal(blocked.blocked?.code, 'Forbidden.RAM');
    assert.match(blocked.blocked?.nextStep ?? '', /ecs:RunInstances/);
    assert.match(blocked.message, /ecs:RunInstances/);

    await loadPolicy(full);
    await handle.signal(retrySignal, { by: 'ram-admin' });
    const result = await runResult(handle);
    assert.equal(result.status, 'SUCCEEDED', result.message);
    assert.match(result.execution?.outputTail ?? '', /after-grant/);
    const { resources } = await stack.admin('/__emulator/resources');
    assert.deepEqual(resources, []);
    console.log(
      `least-privilege-missing-action: withoutRunInstances=BLOCKED(${blocked.blocked?.code}) afterRetry=${result.status} leaks=${resources.length}`,
    );
  });

  test("without log:CreateProject an async FC run is BLOCKED naming it (SLS's own denial); retry after the grant completes", async () => {
    await stack.admin('/__emulator/reset', { method: 'POST' });
    await loadPolicy(ramPolicy({ without: ['log:CreateProject'] }));
    const handle = await start({ product: 'fc', script: { content: 'echo after-log-grant' } });
    const blocked = await waitForStatus(handle, 'BLOCKED', 60_000);
    assert.equal(blocked.blocked?.code, 'Unauthorized');
    assert.match(blocked.message, /denied by sts or ram, action: log:CreateProject/);
    assert.match(blocked.blocked?.nextStep ?? '', /grant `log:CreateProject` to the RAM user/);
    await loadPolicy(full);
    await handle.signal(retrySignal, { by: 'ram-admin' });
    const result = await runResult(handle);
    assert.equal(result.status, 'SUCCEEDED', result.message);
    assert.equal(result.execution?.outputTail, 'after-log-grant\n');
    console.log(
      `least-privilege-sls: withoutCreateProject=BLOCKED(${blocked.blocked?.code}) afterRetry=${result.status}`,
    );
  });

  test('a policy without the RequestTag allowance blocks at the first create; the RAM error says why', async () => {
    await stack.admin('/__emulator/reset', { method: 'POST' });
    // What an operator gets by copying the policy without its create statement.
    const withoutCreates: RamPolicy = {
      ...full,
      Statement: full.Statement.filter((s) => !s.Condition?.StringEquals[REQUEST_TAG_KEY]),
    };
    await loadPolicy(withoutCreates);
    const handle = await start({ product: 'ecs', script: { content: 'echo never' } });
    const blocked = await waitForStatus(handle, 'BLOCKED', 60_000);
    assert.equal(blocked.blocked?.code, 'Forbidden.RAM');
    assert.match(blocked.message, /User not authorized to operate on the specified resource/);
    assert.match(blocked.blocked?.nextStep ?? '', /grant `vpc:CreateVpc` to the RAM user/);

    // The same call straight through the SDK: the AccessDeniedDetail a RAM administrator reads.
    const err = await stack.clients
      .vpc('cn-hangzhou')
      .createVpc(new $Vpc.CreateVpcRequest({ regionId: 'cn-hangzhou', tag: MANAGED_VPC_TAGS }))
      .then(
        () => undefined,
        (e) => e,
      );
    const detail = err?.accessDeniedDetail;
    assert.equal(err?.code, 'Forbidden.RAM');
    assert.equal(detail?.AuthAction, 'vpc:CreateVpc');
    assert.equal(detail?.NoPermissionType, 'ImplicitDeny');
    const diagnosis = JSON.parse(Buffer.from(detail.EncodedDiagnosticMessage, 'base64').toString('utf8'));
    assert.match(diagnosis.AuthResource, /^acs:vpc:cn-hangzhou:\d+:vpc\/\*$/);

    await handle.cancel();
    await runResult(handle).catch(() => undefined);
    const { resources } = await stack.admin('/__emulator/resources');
    assert.deepEqual(resources, [], 'nothing was created');
    console.log(
      `least-privilege-no-request-tag: status=${blocked.status} code=${blocked.blocked?.code} authAction=${detail?.AuthAction} noPermissionType=${detail?.NoPermissionType} leaks=${resources.length}`,
    );
  });
});
