// The yardstick for acp's orchestration cost: the same one-shot ECS run as acp's `provision` saga —
// the same activities, with the same inputs, in the same order and batches, against the same cloud —
// written as a bare Temporal workflow: no run state, memo or search attributes, no compensation
// bookkeeping, no failover, no summaries, no heartbeat timeouts. acp's saga ÷ this is what acp's
// orchestration costs on top of the work itself (bench/orchestration.ts).
import { proxyActivities, proxyLocalActivities, sleep, workflowInfo } from '@temporalio/workflow';
import type { Activities } from '../activities';
import { autoReleaseTime } from '../workflows/products/ecs';

const api = proxyActivities<Activities>({ startToCloseTimeout: '2 minutes' });
const lookup = proxyLocalActivities<Activities>({ startToCloseTimeout: '2 minutes' });

const REGIONS = ['cn-hangzhou', 'cn-shanghai', 'cn-beijing', 'cn-shenzhen', 'cn-zhangjiakou'];
const SHAPE = { cpu: 2, memoryGiB: 4 };

/** One-shot `echo` on the cheapest 2 vCPU 4 GiB ECS offer of the mainland, then release everything. */
export async function bareEcsRun(script: string): Promise<number> {
  const { workflowId } = workflowInfo();
  const owner = (step: string) => ({ workflowId, step });
  // One local activity for every region, as the saga's comparison asks them (workflows/quote.ts).
  const { found } = await lookup.lookUpRegions({
    regionIds: REGIONS,
    needs: { ecs: { shape: SHAPE, keep: 4 } },
  });
  const best = found
    .flatMap((f) => (f.ecs?.offers ?? []).map((o) => ({ regionId: f.regionId, o })))
    .sort((a, b) => a.o.hourly - b.o.hourly)[0]!;
  const { regionId } = best;
  const zoneId = best.o.zones[0]!;
  const spec = best.o.instanceType;
  await api.describeInstancePrice({ regionId, instanceType: spec });
  await api.findSharedVpc({ regionId });
  const { vpcId } = await api.createVpc({
    regionId,
    cidrBlock: '192.168.0.0/16',
    ...owner(`vpc-${regionId}`),
  });
  await api.waitVpcAvailable({ regionId, vpcId });
  const { securityGroupId } = await api.createSecurityGroup({ regionId, vpcId, ...owner(`sg-${regionId}`) });
  const { vSwitchId } = await api.createVSwitch({
    regionId,
    zoneId,
    vpcId,
    cidrBlock: '192.168.1.0/24',
    ...owner(`vsw-${zoneId}`),
  });
  const imageId = await api.findImage({ regionId, imageFamily: 'acs:alibaba_cloud_linux_3_2104_lts_x64' });
  const { instanceId } = await api.runInstance({
    regionId,
    zoneId,
    instanceType: spec,
    imageId,
    securityGroupId,
    vSwitchId,
    autoReleaseTime: autoReleaseTime(Date.now(), 60),
    ...owner(`instance-${zoneId}-${spec}`),
  });
  await api.waitInstanceRunning({ regionId, instanceId });
  const { invokeId } = await api.runCommand({
    regionId,
    instanceId,
    script,
    timeoutSeconds: 600,
    ...owner(`command-${instanceId}`),
  });
  let exitCode: number | undefined;
  for (let interval = 1_000; exitCode === undefined; interval = Math.min(interval * 2, 30_000)) {
    const state = await api.describeInvocation({ regionId, instanceId, invokeId });
    if (state.finished) exitCode = state.exitCode ?? 1;
    else await sleep(interval);
  }
  await api.deleteInstance({ regionId, id: instanceId, ...owner(`instance-${zoneId}-${spec}`) });
  await api.deleteVSwitch({ regionId, id: vSwitchId, ...owner(`vsw-${zoneId}`) });
  await api.deleteSecurityGroup({ regionId, id: securityGroupId, ...owner(`sg-${regionId}`) });
  await api.deleteVpc({ regionId, id: vpcId, ...owner(`vpc-${regionId}`) });
  return exitCode;
}
