// Least privilege: the RAM policy `acp ram-policy` prints is built from one registry of actions; the
// registry covers every SDK call in activities/; an ECS run with exactly that policy loaded into the
// emulator succeeds; without ecs:RunInstances it ends BLOCKED naming the action, and after the grant
// and `retry` it completes.
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import Cs from '@alicloud/cs20151215';
import Ecs from '@alicloud/ecs20140526';
import Fc from '@alicloud/fc20230330';
import Sts from '@alicloud/sts20150401';
import Vpc from '@alicloud/vpc20160428';
import { ACTION_NAMES } from '../../activities/actions';
import { policyActions, ramPolicy } from '../../client/ram-policy';
import { type ProvisionResult, retrySignal, statusQuery } from '../../workflows/messages';
import { provision } from '../../workflows/provision';
import { type Stack, startStack } from '../support/stack';

const ACTIVITIES = join(__dirname, '..', '..', 'activities');
const SDKS: [string, any][] = [
  ['ecs', Ecs],
  ['vpc', Vpc],
  ['cs', Cs],
  ['fc', Fc],
  ['sts', Sts],
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
      (alts) => !alts.split('|').some((a) => ACTION_NAMES.includes(a)),
    );
    assert.deepEqual(missing, [], `called but not in activities/actions.ts: ${missing.join(', ')}`);
    assert.ok(called.size >= 20, `found ${called.size} distinct calls`);
    const policy = ramPolicy();
    assert.equal(policy.Version, '1');
    const scoped = policy.Statement.find((s) => s.Condition);
    assert.deepEqual(scoped?.Condition, { StringEquals: { 'acs:ResourceTag/acp:managed': 'true' } });
    assert.ok(scoped?.Action.includes('ecs:DeleteInstance'));
    assert.ok(!policyActions(policy).some((a) => a.includes('*')), 'no wildcards');
    console.log(
      `least-privilege: sdkCalls=${called.size} registry=${ACTION_NAMES.length} tagScoped=${scoped?.Action.length} missing=${missing.length}`,
    );
  });
});

describe('a run under exactly that policy', () => {
  let stack: Stack;
  before(async () => {
    stack = await startStack('ram');
  });
  after(async () => {
    await stack?.stop();
  });

  const loadPolicy = (actions: string[]) =>
    stack.admin('/__emulator/faults', {
      method: 'POST',
      body: JSON.stringify({ policy: { [stack.emulator.accessKeyId]: actions } }),
    });

  test('succeeds with the policy; BLOCKED naming ecs:RunInstances without it; retry after the grant completes', async () => {
    const full = policyActions(ramPolicy());
    await loadPolicy(full);
    const ok = await stack.env.client.workflow.execute(provision, {
      taskQueue: stack.taskQueue,
      workflowId: `acp-ram-${process.pid}-full`,
      args: [{ product: 'ecs', script: { content: 'echo least-privilege' }, skipConfirmation: true }],
    });
    assert.equal(ok.status, 'SUCCEEDED', ok.message);
    const { calls: fullCalls } = await stack.admin('/__emulator/calls');
    const denied = fullCalls.filter((c: any) => c.code === 'Forbidden.RAM');
    assert.deepEqual(denied, [], 'nothing was denied under the generated policy');

    await loadPolicy(policyActions(ramPolicy({ without: ['ecs:RunInstances'] })));
    const handle = await stack.env.client.workflow.start(provision, {
      taskQueue: stack.taskQueue,
      workflowId: `acp-ram-${process.pid}-missing`,
      args: [{ product: 'ecs', script: { content: 'echo after-grant' }, skipConfirmation: true }],
    });
    let blocked: ProvisionResult | undefined;
    const deadline = Date.now() + 60_000;
    while (!blocked) {
      const s: ProvisionResult = await handle.query(statusQuery);
      if (s.status === 'BLOCKED') blocked = s;
      else if (Date.now() > deadline) throw new Error(`still ${s.status}: ${s.message}`);
      else await new Promise((r) => setTimeout(r, 200));
    }
    assert.equal(blocked.blocked?.code, 'Forbidden.RAM');
    assert.match(blocked.blocked?.nextStep ?? '', /ecs:RunInstances/);
    assert.match(blocked.message, /ecs:RunInstances/);

    await loadPolicy(full);
    await handle.signal(retrySignal, { by: 'ram-admin' });
    const result = await handle.result();
    assert.equal(result.status, 'SUCCEEDED', result.message);
    assert.match(result.execution?.outputTail ?? '', /after-grant/);
    const { resources } = await stack.admin('/__emulator/resources');
    assert.deepEqual(resources, []);
    console.log(
      `least-privilege: policyActions=${full.length} fullRun=SUCCEEDED denied=0 withoutRunInstances=BLOCKED(${blocked.blocked?.code}) afterRetry=${result.status} leaks=${resources.length}`,
    );
  });
});
