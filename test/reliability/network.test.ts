// Network defaults. ECS: the security group of each template opens only the job's ports; SSH (22)
// and RDP (3389) are never open to 0.0.0.0/0, and SSH opens only from a CIDR the user names. ACK:
// acp makes no security group of its own; the one ACK makes for the cluster and the API server's
// public endpoint are listed as acp's CreateCluster leaves them. FC and PAI-DLC: no security group at
// all (no VPC access configured, no trigger, DLC's public resources). Rules are read back from the
// cloud through the SDK (DescribeSecurityGroupAttribute, DescribeClusterDetail) while the run is live.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import * as $Ecs from '@alicloud/ecs20140526';
import type { ProvisionRequest } from '../../planner/types';
import { type ProvisionResult, statusQuery, teardownSignal } from '../../workflows/messages';
import { provision } from '../../workflows/provision';
import { runResult } from '../support/run-result';
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

interface Rule {
  protocol: string;
  portRange: string;
  source: string;
}

/** The group's ingress rules, read with the test's admin key (acp itself never reads them back). */
async function ingressRules(regionId: string, securityGroupId: string): Promise<Rule[]> {
  const r = await stack.adminClients
    .ecs(regionId)
    .describeSecurityGroupAttribute(
      new $Ecs.DescribeSecurityGroupAttributeRequest({ regionId, securityGroupId, direction: 'ingress' }),
    );
  return (r.body?.permissions?.permission ?? []).map((p) => ({
    protocol: (p.ipProtocol ?? '').toUpperCase(),
    portRange: p.portRange ?? '',
    source: p.sourceCidrIp || p.sourceGroupId || '',
  }));
}

/** "80/80 0.0.0.0/0": the form the template cases are written in (every acp rule is TCP). */
async function ingressOf(regionId: string, securityGroupId: string): Promise<string[]> {
  return (await ingressRules(regionId, securityGroupId)).map((r) => `${r.portRange} ${r.source}`).sort();
}

/** True when the rule lets the whole internet reach `port` over TCP (a range or "all" counts too). */
function opensToWorld(rule: Rule, port: number): boolean {
  if (rule.source !== WORLD || !['TCP', 'ALL'].includes(rule.protocol)) return false;
  if (rule.portRange === '-1/-1') return true;
  const [from, to] = rule.portRange.split('/').map(Number);
  return from! <= port && port <= to!;
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
      for (const rule of rules) {
        const [portRange = '', source = ''] = rule.split(' ');
        for (const port of [22, 3389])
          assert.ok(!opensToWorld({ protocol: 'TCP', portRange, source }, port), `${c.name}: ${rule}`);
      }
      report.push(`${c.name}=[${rules.join(',')}]`);
      const status: ProvisionResult = await handle.query(statusQuery);
      if (status.intent?.kind === 'service') await handle.signal(teardownSignal, { by: 'network-test' });
      const result = await runResult(handle);
      assert.equal(result.status, 'SUCCEEDED', `${c.name}: ${result.message}`);
      if (c.name === 'nginx asking for RDP')
        assert.ok(result.warnings.concat(result.events.map((e) => e.message)).some((w) => /3389/.test(w)));
    }
    const { resources } = await stack.admin('/__emulator/resources');
    assert.deepEqual(resources, []);
    console.log(`network: templates=${CASES.length} worldSshOrRdp=0 ${report.join(' ')}`);
  });

  test('ACK: only ACK’s own cluster group (ICMP) and a public API server; FC and PAI-DLC: no security group', async () => {
    const start = (name: string, request: ProvisionRequest) =>
      stack.env.client.workflow.start(provision, {
        taskQueue: stack.taskQueue,
        workflowId: `acp-network-${process.pid}-${name}`,
        args: [{ ...request, skipConfirmation: true }],
      });

    // ACK: the Job finishes at once here; throttled kubeconfig fetches (1 + 2 + 4 s of backoff before
    // the Job is created) keep the cluster up long enough to read what it opens.
    await stack.admin('/__emulator/faults', {
      method: 'POST',
      body: JSON.stringify({
        inject: [{ action: 'DescribeClusterUserKubeconfig', code: 'Throttling.User', status: 400, count: 3 }],
      }),
    });
    const ack = await start('ack', { product: 'ack', script: { content: 'echo network-ack' } });
    const cs = (regionId: string) => stack.adminClients.cs(regionId);
    let cluster: { regionId: string; id: string; securityGroupId: string; masterUrl: string } | undefined;
    const deadline = Date.now() + 90_000;
    while (!cluster) {
      const s: ProvisionResult = await ack.query(statusQuery);
      const made = s.resourcesCreated.find((r) => r.type === 'cluster');
      const detail = made && (await cs(made.regionId).describeClusterDetail(made.id)).body;
      if (made && detail?.state === 'running')
        cluster = {
          regionId: made.regionId,
          id: made.id,
          securityGroupId: detail.securityGroupId ?? '',
          masterUrl: detail.masterUrl ?? '',
        };
      else if (Date.now() > deadline || ['SUCCEEDED', 'FAILED'].includes(s.status))
        throw new Error(`ack: ${s.status} ${s.message}`);
      else await new Promise((r) => setTimeout(r, 100));
    }
    const ackRules = await ingressRules(cluster.regionId, cluster.securityGroupId);
    assert.deepEqual(ackRules, [{ protocol: 'ICMP', portRange: '-1/-1', source: WORLD }], 'ACK’s own group');
    for (const rule of ackRules)
      for (const port of [22, 3389, 6443])
        assert.ok(!opensToWorld(rule, port), `ack: ${JSON.stringify(rule)}`);
    // The worker reaches the API server from outside the VPC (endpointPublicAccess); it answers only
    // to the kubeconfig's credentials, which acp fetches inside each activity.
    const endpoints = JSON.parse(cluster.masterUrl) as Record<string, string>;
    assert.ok(endpoints.api_server_endpoint, 'the API server has a public endpoint');
    const ackResult = await runResult(ack);
    assert.equal(ackResult.status, 'SUCCEEDED', ackResult.message);
    assert.deepEqual(
      ackResult.resourcesCreated.map((r) => r.type).sort(),
      ['cluster', 'k8s-configmap', 'k8s-job', 'vpc', 'vswitch'],
      'acp itself makes no security group for ACK',
    );
    const ackGroup = stack.emulator.world.get('security-group', cluster.securityGroupId);
    assert.ok(ackGroup?.releasedAt !== undefined, 'ACK deleted its group with the cluster');

    // FC and PAI-DLC: nothing to open. What acp asked for is read from the emulated cloud.
    const [fc, pai] = await Promise.all([
      // Sync: with scripts not run (exec none) a function prints nothing, so an async run would wait
      // a minute for the exit line of its log before reading its task status.
      start('fc', { product: 'fc', durationMinutes: 1, script: { content: 'echo network-fc' } }),
      start('pai', { product: 'pai', script: { content: 'echo network-pai' } }),
    ]);
    const [fcResult, paiResult] = await Promise.all([runResult(fc), runResult(pai)]);
    assert.equal(fcResult.status, 'SUCCEEDED', fcResult.message);
    assert.equal(paiResult.status, 'SUCCEEDED', paiResult.message);
    const ownedBy = (type: string, workflowId: string) =>
      stack.emulator.world
        .list({ type, includeReleased: true })
        .filter((r) => r.tags['acp:workflow-id'] === workflowId);
    const [fn] = ownedBy('function', fc.workflowId);
    assert.ok(fn, 'the run made a function');
    assert.equal(fn.data.input.vpcConfig, undefined, 'the function has no VPC access, so no security group');
    const { calls } = (await stack.admin('/__emulator/calls')) as { calls: { action: string }[] };
    assert.ok(!calls.some((c) => c.action === 'CreateTrigger'), 'no trigger: the function has no public URL');
    const [job] = ownedBy('dlc-job', pai.workflowId);
    assert.ok(job, 'the run made a DLC job');
    assert.equal(job.data.input.UserVpc, undefined, 'the job runs on public resources, in no VPC of ours');
    assert.deepEqual(
      fcResult.resourcesCreated.map((r) => r.type),
      ['function'],
    );
    assert.deepEqual(
      paiResult.resourcesCreated.map((r) => r.type),
      ['dlc-job'],
    );

    const left = (await stack.admin('/__emulator/resources')).resources.filter(
      (r: { tags?: Record<string, string> }) =>
        [ack, fc, pai].some((h) => r.tags?.['acp:workflow-id'] === h.workflowId),
    );
    assert.deepEqual(left, []);
    const shown = (rules: Rule[]) => rules.map((r) => `${r.protocol} ${r.portRange} ${r.source}`).join(',');
    console.log(
      `network: product=ack acpSecurityGroups=0 clusterGroup=[${shown(ackRules)}] apiServer=public worldSshOrRdp=0 ` +
        'product=fc securityGroups=0 (no vpcConfig, no trigger) product=pai securityGroups=0 (public resources, no UserVpc)',
    );
  });
});
