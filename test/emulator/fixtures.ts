// Shared set-up for the emulator contract tests: an emulator per test file, and the network an
// instance needs (VPC → vSwitch → security group), created through the official SDKs.
import * as $Ecs from '@alicloud/ecs20140526';
import * as $Vpc from '@alicloud/vpc20160428';
import { type EmulatorOptions, type RunningEmulator, startEmulator } from '../../emulator/index';
import { ecsClient, emulatorAdmin, vpcClient } from '../support/emulator-clients';

export const REGION = 'cn-hangzhou';
export const ZONE = 'cn-hangzhou-k';

export type TestEmulator = Awaited<ReturnType<typeof testEmulator>>;

/**
 * Speed 1 by default: every transition a test observes is driven by world.advance(), so a test
 * never races the clock (a 5 s Pending phase would last 8 ms of wall time at speed 600).
 */
export async function testEmulator(opts: EmulatorOptions = {}) {
  const emu: RunningEmulator = await startEmulator({ speed: 1, ...opts });
  return { emu, ecs: ecsClient(emu), vpc: vpcClient(emu), admin: emulatorAdmin(emu) };
}

export interface Network {
  vpcId: string;
  vSwitchId: string;
  securityGroupId: string;
}

export async function createNetwork(
  emu: RunningEmulator,
  zoneId = ZONE,
  regionId = REGION,
): Promise<Network> {
  const vpc = vpcClient(emu);
  const ecs = ecsClient(emu);
  const { body: v } = await vpc.createVpc(
    new $Vpc.CreateVpcRequest({ regionId, cidrBlock: '172.16.0.0/12' }),
  );
  emu.world.advance(60_000);
  const { body: s } = await vpc.createVSwitch(
    new $Vpc.CreateVSwitchRequest({ regionId, vpcId: v!.vpcId, zoneId, cidrBlock: '172.16.1.0/24' }),
  );
  emu.world.advance(60_000);
  const { body: g } = await ecs.createSecurityGroup(
    new $Ecs.CreateSecurityGroupRequest({ regionId, vpcId: v!.vpcId, securityGroupName: 'acp-test' }),
  );
  return { vpcId: v!.vpcId!, vSwitchId: s!.vSwitchId!, securityGroupId: g!.securityGroupId! };
}

export function runRequest(net: Network, extra: Record<string, unknown> = {}) {
  return new $Ecs.RunInstancesRequest({
    regionId: REGION,
    instanceType: 'ecs.g7.large',
    imageFamily: 'acs:ubuntu_22_04_x64',
    vSwitchId: net.vSwitchId,
    securityGroupId: net.securityGroupId,
    instanceChargeType: 'PostPaid',
    ...extra,
  });
}

/** Runs fn and returns the error it throws (fails when it does not throw). */
export async function rejection(fn: () => Promise<unknown>): Promise<any> {
  try {
    await fn();
  } catch (err) {
    return err;
  }
  throw new Error('expected the call to fail');
}

/** Polls (in wall time) until check() is truthy. */
export async function eventually<T>(
  check: () => Promise<T | undefined | false>,
  timeoutMs = 10_000,
): Promise<T> {
  const end = Date.now() + timeoutMs;
  for (;;) {
    const v = await check();
    if (v) return v;
    if (Date.now() > end) throw new Error('condition not reached in time');
    await new Promise((r) => setTimeout(r, 25));
  }
}

/**
 * Waits until an instance is Running. With scripts run for real (exec 'local') an instance turns
 * Running once its machine has booted (docs/simulation.md), a moment after its emulated start time.
 */
export async function untilRunning(
  ecs: ReturnType<typeof ecsClient>,
  instanceId: string,
  regionId = REGION,
): Promise<void> {
  const deadline = Date.now() + 30_000;
  for (;;) {
    const r = await ecs.describeInstanceStatus(
      new $Ecs.DescribeInstanceStatusRequest({ regionId, instanceId: [instanceId] }),
    );
    if (r.body?.instanceStatuses?.instanceStatus?.[0]?.status === 'Running') return;
    if (Date.now() > deadline) throw new Error(`${instanceId} is not Running after 30 s`);
    await new Promise((r) => setTimeout(r, 20));
  }
}
