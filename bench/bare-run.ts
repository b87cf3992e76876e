// The yardstick for acp's orchestration cost: the same one-shot ECS run as acp's `provision` saga —
// the same activities, with the same inputs, in the same order and batches, against the same cloud —
// written as a bare Temporal workflow: no run state, memo or search attributes, no compensation
// bookkeeping, no failover, no summaries, no heartbeat timeouts. acp's saga ÷ this is what acp's
// orchestration costs on top of the work itself (bench/orchestration.ts).
//
// With `webUiWrites`, the same twin also makes the visibility writes a one-shot saga makes for the
// Web UI and `temporal workflow list`, at the same steps and nothing else: the patch marker (and its
// TemporalChangeVersion upsert), the status search attributes at PROVISIONING, RUNNING, RELEASING and
// SUCCEEDED, and the memo at RUNNING and at the end (docs/operators.md). What those writes cost the
// server and the worker is then measured apart from the rest of acp's orchestration.
import {
  patched,
  proxyActivities,
  proxyLocalActivities,
  sleep,
  upsertMemo,
  upsertSearchAttributes,
  workflowInfo,
} from '@temporalio/workflow';
import type { Activities } from '../activities';
import { autoReleaseTime } from '../workflows/products/ecs';
import { SPOT_ROWS_PER_REGION } from '../workflows/products/spot-rows';
import { AcpEstimatedCost, AcpProduct, AcpRegion, AcpStatus } from '../workflows/search-attributes';

const api = proxyActivities<Activities>({ startToCloseTimeout: '2 minutes' });
const lookup = proxyLocalActivities<Activities>({ startToCloseTimeout: '2 minutes' });

const REGIONS = ['cn-hangzhou', 'cn-shanghai', 'cn-beijing', 'cn-shenzhen', 'cn-zhangjiakou'];
const SHAPE = { cpu: 2, memoryGiB: 4 };

/** One-shot `echo` on the cheapest 2 vCPU 4 GiB ECS offer of the mainland, then release everything. */
export async function bareEcsRun(script: string, webUiWrites = false): Promise<number> {
  const { workflowId } = workflowInfo();
  const owner = (step: string) => ({ workflowId, step });
  const status = (value: string, memo?: string) => {
    if (!webUiWrites) return;
    upsertSearchAttributes([{ key: AcpStatus, value }]);
    // The saga's memo has these fields, about this size (five option rows).
    if (memo)
      upsertMemo({
        status: value,
        summary: `${value} · ecs · ${memo}`,
        message: `${value.toLowerCase()}: ${memo}`,
        options: Array.from({ length: 5 }, (_, i) => `ecs cn-hangzhou cn-hangzhou-${i} ${memo} CNY 0.1${i}`),
        chosen: `ecs ${memo}`,
      });
  };
  // One local activity for every region, as the saga's comparison asks them (workflows/quote.ts),
  // with what the saga asks: four offers a region, and a spot price for the SPOT_ROWS_PER_REGION
  // cheapest (a half-hour job fits in spot's protected hour, SpotDuration 1). bench/orchestration.ts
  // checks both answers match.
  const { found } = await lookup.lookUpRegions({
    regionIds: REGIONS,
    needs: { ecs: { shape: SHAPE, keep: 4, spot: { rows: SPOT_ROWS_PER_REGION, spotDuration: 1 } } },
  });
  const best = found
    .flatMap((f) => (f.ecs?.offers ?? []).map((o) => ({ regionId: f.regionId, o })))
    .sort((a, b) => a.o.hourly - b.o.hourly)[0]!;
  const { regionId } = best;
  const zoneId = best.o.zones[0]!;
  const spec = best.o.instanceType;
  if (webUiWrites) {
    patched('bench-web-ui-writes');
    upsertSearchAttributes([
      { key: AcpStatus, value: 'PROVISIONING' },
      { key: AcpProduct, value: 'ecs' },
      { key: AcpRegion, value: regionId },
      { key: AcpEstimatedCost, value: best.o.hourly },
    ]);
  }
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
  status('RUNNING', `${regionId} ${spec}`);
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
  status('RELEASING');
  await api.deleteInstance({ regionId, id: instanceId, ...owner(`instance-${zoneId}-${spec}`) });
  await api.deleteVSwitch({ regionId, id: vSwitchId, ...owner(`vsw-${zoneId}`) });
  await api.deleteSecurityGroup({ regionId, id: securityGroupId, ...owner(`sg-${regionId}`) });
  await api.deleteVpc({ regionId, id: vpcId, ...owner(`vpc-${regionId}`) });
  status('SUCCEEDED', `${regionId} ${spec}`);
  return exitCode;
}
