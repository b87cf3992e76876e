// Network defaults: the security group of each template opens only the job's ports; SSH (22) and RDP
// (3389) are never open to 0.0.0.0/0, and SSH opens only from a CIDR the user names. The rules are
// read back from the cloud through the SDK (DescribeSecurityGroupAttribute) while the run is live.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import * as $Ecs from '@alicloud/ecs20140526';
import type { ProvisionRequest } from '../../planner/types';
import { type ProvisionResult, statusQuery, teardownSignal } from '../../workflows/messages';
import { provision } from '../../workflows/provision';
import { type Stack, startStack } from '../support/stack';

let stack: Stack;
before(async () => {
  // Templates install packages; the emulator does not run them (exit 0, no output).
  stack = await startStack('network', { exec: 'none' });
});
after(async () => {
  await stack?.stop();
});

const WORLD = '0.0.0.0/0';
const CASES: { name: string; request: ProvisionRequest; rules: string[] }[] = [
  { name: 'nginx', request: { intent: 'deploy nginx' }, rules: [`80/80 ${WORLD}`] },
  { name: 'static site', request: { intent: 'deploy a static site' }, rules: [`80/80 ${WORLD}`] },
  {
    name: 'docker with a port',
    request: { intent: 'run the docker container redis:7 on port 6379 as a service' },
    rules: [`6379/6379 ${WORLD}`],
  },
  { name: 'training', request: { intent: 'fine-tune a model with pytorch for 1 hour on cpu' }, rules: [] },
  {
    name: 'nginx asking for RDP',
    request: { intent: 'deploy nginx', ports: [80, 3389] },
    rules: [`80/80 ${WORLD}`],
  },
  {
    name: 'nginx with SSH from a named CIDR',
    request: { intent: 'deploy nginx', sshCidr: '203.0.113.7/32' },
    rules: ['22/22 203.0.113.7/32', `80/80 ${WORLD}`],
  },
];

/** The group's rules, read with the test's admin key (acp itself never reads them back). */
async function ingressOf(regionId: string, securityGroupId: string): Promise<string[]> {
  const r = await stack.adminClients
    .ecs(regionId)
    .describeSecurityGroupAttribute(
      new $Ecs.DescribeSecurityGroupAttributeRequest({ regionId, securityGroupId, direction: 'ingress' }),
    );
  return (r.body?.permissions?.permission ?? []).map((p) => `${p.portRange} ${p.sourceCidrIp}`).sort();
}

describe('security group defaults per template', () => {
  test('only the job’s ports; never 22/3389 from 0.0.0.0/0; SSH only from a named CIDR', async () => {
    const report: string[] = [];
    for (const [i, c] of CASES.entries()) {
      // A one-shot finishes fast; a few throttled polls keep it live long enough to read its rules.
      await stack.admin('/__emulator/faults', {
        method: 'POST',
        body: JSON.stringify({
          inject: [{ action: 'DescribeInvocationResults', code: 'Throttling.User', status: 400, count: 2 }],
        }),
      });
      const handle = await stack.env.client.workflow.start(provision, {
        taskQueue: stack.taskQueue,
        workflowId: `acp-network-${process.pid}-${i}`,
        args: [{ product: 'ecs', ...c.request, skipConfirmation: true }],
      });
      let rules: string[] | undefined;
      const deadline = Date.now() + 90_000;
      while (!rules) {
        const s: ProvisionResult = await handle.query(statusQuery);
        const sg = s.resourcesCreated.find((r) => r.type === 'security-group');
        // The instance is created after the ingress rules, so by then they are all there.
        if (sg && s.resourcesCreated.some((r) => r.type === 'instance'))
          rules = await ingressOf(sg.regionId, sg.id);
        else if (Date.now() > deadline || s.status === 'SUCCEEDED' || s.status === 'FAILED')
          throw new Error(`${c.name}: ${s.status} ${s.message}`);
        else await new Promise((r) => setTimeout(r, 100));
      }
      assert.deepEqual(rules, c.rules, c.name);
      for (const rule of rules) assert.doesNotMatch(rule, /^(22\/22|3389\/3389) 0\.0\.0\.0\/0$/, c.name);
      report.push(`${c.name}=[${rules.join(',')}]`);
      const status: ProvisionResult = await handle.query(statusQuery);
      if (status.intent?.kind === 'service') await handle.signal(teardownSignal, { by: 'network-test' });
      const result = await handle.result();
      assert.equal(result.status, 'SUCCEEDED', `${c.name}: ${result.message}`);
      if (c.name === 'nginx asking for RDP')
        assert.ok(result.warnings.concat(result.events.map((e) => e.message)).some((w) => /3389/.test(w)));
    }
    const { resources } = await stack.admin('/__emulator/resources');
    assert.deepEqual(resources, []);
    console.log(`network: templates=${CASES.length} worldSshOrRdp=0 ${report.join(' ')}`);
  });
});
