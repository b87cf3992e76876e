// ECS networking as on Alibaba Cloud, end to end (a real Temporal server, the emulator running the
// scripts in its sandbox, the official SDKs): "deploy nginx and keep it online" gets a public IP,
// acp publishes http://IP:80 and the nginx page answers there from this machine; the public traffic
// is metered and on the receipt; teardown releases the address with the instance. A job whose
// script downloads gets egress; a download acp cannot see from the script gets none and fails as
// it would in a VPC without a public address.
import assert from 'node:assert/strict';
import { connect } from 'node:net';
import { after, before, describe, test } from 'node:test';
import * as $Ecs from '@alicloud/ecs20140526';
import type { ProvisionRequest } from '../../planner/types';
import { type ProvisionResult, statusQuery, teardownSignal } from '../../workflows/messages';
import { runResult } from '../support/run-result';
import { type Stack, startStack } from '../support/stack';
import { waitFor } from '../support/waiting';

let stack: Stack;

before(async () => {
  stack = await startStack('ecs-network');
});
after(async () => {
  await stack?.stop();
});

const start = (request: ProvisionRequest) =>
  stack.startProvision({ product: 'ecs', skipConfirmation: true, ...request });

/** Resolves when a TCP connection to host:port opens, rejects when it is refused or times out. */
function connects(host: string, port: number): Promise<void> {
  return new Promise((resolve, reject) => {
    const socket = connect({ host, port, timeout: 3_000 });
    socket.once('connect', () => {
      socket.destroy();
      resolve();
    });
    socket.once('timeout', () => {
      socket.destroy();
      reject(new Error('timed out'));
    });
    socket.once('error', reject);
  });
}

describe('ECS network', () => {
  test('deploy nginx: a public IP, the page answers at the published URL, traffic on the receipt', async () => {
    const handle = await start({ intent: 'deploy nginx and keep it online' });
    const live = await waitFor(async () => {
      const s: ProvisionResult = await handle.query(statusQuery);
      if (s.status === 'FAILED' || s.status === 'SUCCEEDED') throw new Error(`${s.status}: ${s.message}`);
      return s.status === 'RUNNING' && s.execution?.exitCode === 0 && s.endpoints?.length ? s : undefined;
    }, 120_000);
    // The quote itemised the public address with its price and source; it is on the chosen option.
    const network = live.chosen?.network;
    assert.equal(network?.reason, 'service');
    assert.equal(network?.chargeType, 'PayByTraffic');
    assert.equal(network?.cnyPerGbOut, 0.8);
    assert.match(network?.source ?? '', /pay-by-traffic/);
    assert.ok(live.chosen?.resources.some((r) => /public IP/.test(r)));
    assert.match(live.execution?.outputTail ?? '', /nginx is serving on port 80/);

    // The URL acp published is the instance's public IP as the cloud reports it, at the intent's port.
    assert.equal(live.endpoints!.length, 1);
    const url = new URL(live.endpoints![0]!);
    assert.equal(url.port || '80', '80');
    const instance = live.resourcesCreated.find((r) => r.type === 'instance')!;
    const described = await stack.adminClients.ecs(instance.regionId).describeInstances(
      new $Ecs.DescribeInstancesRequest({
        regionId: instance.regionId,
        instanceIds: JSON.stringify([instance.id]),
      }),
    );
    const i = described.body!.instances!.instance![0]!;
    assert.deepEqual(i.publicIpAddress?.ipAddress, [url.hostname]);
    assert.equal(i.internetChargeType, 'PayByTraffic');
    assert.equal(i.internetMaxBandwidthOut, 10);

    // A person on this machine opens it: the page nginx serves from its docroot in the instance.
    const page = await fetch(url, { signal: AbortSignal.timeout(10_000) });
    assert.equal(page.status, 200);
    assert.match(page.headers.get('server') ?? '', /^nginx\//);
    assert.match(await page.text(), /Welcome to nginx!/);
    // Least privilege: the group opens the service's port to the world and nothing else, so the
    // public address answers on 80 and refuses SSH and RDP.
    const sg = live.resourcesCreated.find((r) => r.type === 'security-group')!;
    const perms = await stack.adminClients.ecs(sg.regionId).describeSecurityGroupAttribute(
      new $Ecs.DescribeSecurityGroupAttributeRequest({
        regionId: sg.regionId,
        securityGroupId: sg.id,
        direction: 'ingress',
      }),
    );
    assert.deepEqual(
      (perms.body?.permissions?.permission ?? []).map(
        (p) => `${p.ipProtocol} ${p.portRange} ${p.sourceCidrIp}`,
      ),
      ['TCP 80/80 0.0.0.0/0'],
    );
    for (const port of [22, 3389]) {
      // (A host daemon bound to 0.0.0.0 on that port would answer on every loopback address.)
      const hostListens = await connects('127.0.0.1', port).then(
        () => true,
        () => false,
      );
      if (!hostListens)
        await assert.rejects(connects(url.hostname, port), `port ${port} is closed at the public address`);
    }
    // The memo the Web UI shows keeps the URL.
    const memo = (await handle.describe()).memo as { endpoints?: string[] };
    assert.deepEqual(memo.endpoints, live.endpoints);

    await handle.signal(teardownSignal, { by: 'ecs-network-test' });
    const result = await runResult(handle);
    assert.equal(result.status, 'SUCCEEDED', result.message);
    assert.deepEqual(result.leftBehind, []);
    assert.deepEqual(await stack.liveResources(handle.workflowId), []);
    // The receipt itemises the metered outbound traffic (the page it served) at the per-GB price.
    const traffic = result.usage?.find((u) => u.item === 'public traffic out');
    assert.ok(traffic, 'the receipt has the public traffic line');
    assert.ok(traffic.quantity > 0, `some traffic was metered: ${JSON.stringify(traffic)}`);
    assert.equal(traffic.unitPrice, 0.8);
    // Released with the instance: nothing answers at the address any more.
    await assert.rejects(fetch(url, { signal: AbortSignal.timeout(3_000) }));
  });

  test('a job whose script downloads gets egress: the simulated fetch succeeds', async () => {
    const handle = await start({
      script: { content: 'curl -fsS -o /tmp/index.html https://pypi.org/simple/ && echo fetched-from-pypi' },
    });
    const result = await runResult(handle);
    assert.equal(result.status, 'SUCCEEDED', result.message);
    assert.match(result.execution?.outputTail ?? '', /fetched-from-pypi/);
    assert.equal(result.chosen?.network?.reason, 'egress');
    assert.equal(result.chosen?.network?.maxBandwidthOutMbps, 100);
    assert.deepEqual(result.endpoints ?? [], [], 'a job publishes no URL');
    // Its price was in the quote and its outbound traffic is on the receipt (downloads are inbound,
    // free; the simulated fetch sends nothing through the address, so it costs nothing).
    assert.equal(result.chosen?.network?.cnyPerGbOut, 0.8);
    assert.ok(
      result.chosen?.resources.some((r) => /public IP \(pay-by-traffic, ≤ 100 Mbit\/s out\)/.test(r)),
    );
    const traffic = result.usage?.find((u) => u.item === 'public traffic out');
    assert.equal(traffic?.unitPrice, 0.8, 'the receipt has the public traffic line');
    assert.equal(traffic?.cost, 0);
    assert.deepEqual(await stack.liveResources(handle.workflowId), []);
  });

  test('a download acp cannot see gets no public IP and times out as in a VPC without one', async () => {
    // The host is only known when the script runs, so the planner sees no internet fetch.
    const handle = await start({
      script: { content: 'host="pypi.$(echo org)"\ncurl -fsS -o /tmp/index.html "https://$host/simple/"' },
    });
    const result = await runResult(handle);
    assert.equal(result.status, 'FAILED');
    assert.equal(result.chosen?.network, undefined);
    assert.equal(result.execution?.exitCode, 28);
    assert.match(result.execution?.outputTail ?? '', /Failed to connect to pypi\.org port 443/);
    assert.deepEqual(await stack.liveResources(handle.workflowId), []);
  });
});
