// ECS activities: one per state-changing call for create and execute, and the spot state of a
// running instance (the quote's stock, price and spot look-ups are in market.ts; releases in
// release/ecs.ts). Creates carry a ClientToken derived from (workflow, step) and acp's tags.
import { heartbeat, sleep } from '@temporalio/activity';
import type { AlibabaClients } from './clients';
import { alibabaCall, releaseCall } from './errors';
import { SYSTEM_DISK } from './market';
import { sdk } from './sdk';
import { clientToken, type Owner, ownerTags, resourceName } from './tags';

/** Whether a spot instance is being (or has been) taken back (docs/spot.md). */
export interface SpotState {
  state: 'running' | 'recycling' | 'gone';
  /** OperationLocks' LockMsg, or why the instance is gone. */
  detail?: string;
}

export interface Permission {
  protocol: 'tcp' | 'udp' | 'icmp' | 'all';
  portRange: string;
  sourceCidr: string;
  description: string;
}

export interface InvocationState {
  status: string;
  finished: boolean;
  exitCode?: number;
  output: string;
}

const POLL_MS = 1_000;

export function createEcsActivities(clients: AlibabaClients) {
  const ecs = (regionId: string) => clients.ecs(regionId);

  return {
    /**
     * A spot instance's reclaim, as the API shows it: `OperationLocks` with LockReason `Recycling`
     * from the notice until the release (five minutes), then no instance at all.
     */
    async spotInstanceState(input: { regionId: string; instanceId: string }): Promise<SpotState> {
      const r = await alibabaCall(`DescribeInstances ${input.instanceId}`, () =>
        ecs(input.regionId).describeInstances(
          new sdk.ecs.DescribeInstancesRequest({
            regionId: input.regionId,
            instanceIds: JSON.stringify([input.instanceId]),
          }),
        ),
      );
      const instance = r.body?.instances?.instance?.[0];
      if (!instance) return { state: 'gone', detail: 'the instance was released' };
      const lock = (instance.operationLocks?.lockReason ?? []).find((l) => l.lockReason === 'Recycling');
      if (lock)
        return {
          state: 'recycling',
          detail: `OperationLocks Recycling${lock.lockMsg ? `: ${lock.lockMsg}` : ''}`,
        };
      return { state: 'running' };
    },

    /** The newest public image of a family (Ubuntu for apt scripts, Alibaba Cloud Linux for yum/dnf). */
    async findImage(input: { regionId: string; imageFamily: string }): Promise<string> {
      const r = await alibabaCall(`DescribeImages ${input.imageFamily}`, () =>
        ecs(input.regionId).describeImages(
          new sdk.ecs.DescribeImagesRequest({
            regionId: input.regionId,
            imageFamily: input.imageFamily,
            imageOwnerAlias: 'system',
            status: 'Available',
            pageSize: 10,
          }),
        ),
      );
      const image = (r.body?.images?.image ?? []).find((i) => i.imageId);
      if (!image?.imageId)
        throw new Error(`no public image of family ${input.imageFamily} in ${input.regionId}`);
      return image.imageId;
    },

    async createSecurityGroup(
      input: Owner & { regionId: string; vpcId: string },
    ): Promise<{ securityGroupId: string }> {
      const r = await alibabaCall(`CreateSecurityGroup in ${input.regionId}`, () =>
        ecs(input.regionId).createSecurityGroup(
          new sdk.ecs.CreateSecurityGroupRequest({
            regionId: input.regionId,
            vpcId: input.vpcId,
            securityGroupName: resourceName(input),
            description: 'Created by acp: ingress only for the job’s ports.',
            securityGroupType: 'normal',
            clientToken: clientToken(input),
            tag: ownerTags(input).map((t) => new sdk.ecs.CreateSecurityGroupRequestTag(t)),
          }),
        ),
      );
      const securityGroupId = r.body?.securityGroupId;
      if (!securityGroupId) throw new Error('CreateSecurityGroup returned no SecurityGroupId');
      return { securityGroupId };
    },

    async authorizeSecurityGroup(
      input: Owner & { regionId: string; securityGroupId: string; permissions: Permission[] },
    ): Promise<void> {
      if (input.permissions.length === 0) return;
      await alibabaCall(`AuthorizeSecurityGroup ${input.securityGroupId}`, () =>
        ecs(input.regionId).authorizeSecurityGroup(
          new sdk.ecs.AuthorizeSecurityGroupRequest({
            regionId: input.regionId,
            securityGroupId: input.securityGroupId,
            clientToken: clientToken(input),
            permissions: input.permissions.map(
              (p) =>
                new sdk.ecs.AuthorizeSecurityGroupRequestPermissions({
                  ipProtocol: p.protocol,
                  portRange: p.portRange,
                  sourceCidrIp: p.sourceCidr,
                  policy: 'accept',
                  description: p.description,
                }),
            ),
          }),
        ),
      );
    },

    async runInstance(
      input: Owner & {
        regionId: string;
        zoneId: string;
        instanceType: string;
        imageId: string;
        securityGroupId: string;
        vSwitchId: string;
        /** ISO time (UTC, no millis) the cloud releases the instance on its own if acp is gone. */
        autoReleaseTime: string;
        spot?: boolean;
        /** Spot protection period; only with spot. */
        spotDuration?: 0 | 1;
        /** cloud-config run at first boot (the checkpoint mount, planner/checkpoint.ts); sent base64. */
        userData?: string;
        /** Instance RAM role: the machine's credentials from its metadata service, no keys on it. */
        ramRoleName?: string;
        /**
         * Outbound cap of a public IP (pay-by-traffic, released with the instance; docs/network.md);
         * absent or 0: no public address.
         */
        publicBandwidthMbps?: number;
      },
    ): Promise<{ instanceId: string }> {
      const r = await alibabaCall(`RunInstances ${input.instanceType} in ${input.zoneId}`, () =>
        ecs(input.regionId).runInstances(
          new sdk.ecs.RunInstancesRequest({
            regionId: input.regionId,
            zoneId: input.zoneId,
            instanceType: input.instanceType,
            imageId: input.imageId,
            securityGroupId: input.securityGroupId,
            vSwitchId: input.vSwitchId,
            instanceName: resourceName(input),
            instanceChargeType: 'PostPaid',
            spotStrategy: input.spot ? 'SpotAsPriceGo' : 'NoSpot',
            ...(input.spot && input.spotDuration !== undefined ? { spotDuration: input.spotDuration } : {}),
            internetChargeType: 'PayByTraffic',
            internetMaxBandwidthOut: input.publicBandwidthMbps ?? 0,
            systemDisk: new sdk.ecs.RunInstancesRequestSystemDisk({
              category: SYSTEM_DISK.category,
              size: String(SYSTEM_DISK.size),
            }),
            amount: 1,
            autoReleaseTime: input.autoReleaseTime,
            ...(input.userData ? { userData: Buffer.from(input.userData).toString('base64') } : {}),
            ...(input.ramRoleName ? { ramRoleName: input.ramRoleName } : {}),
            clientToken: clientToken(input),
            tag: ownerTags(input).map((t) => new sdk.ecs.RunInstancesRequestTag(t)),
          }),
        ),
      );
      const instanceId = r.body?.instanceIdSets?.instanceIdSet?.[0];
      if (!instanceId) throw new Error('RunInstances returned no instance id');
      return { instanceId };
    },

    async waitInstanceRunning(input: { regionId: string; instanceId: string }): Promise<void> {
      for (;;) {
        const r = await alibabaCall(`DescribeInstanceStatus ${input.instanceId}`, () =>
          ecs(input.regionId).describeInstanceStatus(
            new sdk.ecs.DescribeInstanceStatusRequest({
              regionId: input.regionId,
              instanceId: [input.instanceId],
            }),
          ),
        );
        const status = r.body?.instanceStatuses?.instanceStatus?.[0]?.status;
        if (status === 'Running') return;
        heartbeat({ instanceId: input.instanceId, status });
        await sleep(POLL_MS);
      }
    },

    /** The instance's addresses once it runs (its public IP comes with InternetMaxBandwidthOut > 0). */
    async describeInstanceAddresses(input: {
      regionId: string;
      instanceId: string;
    }): Promise<{ publicIp?: string; privateIp?: string }> {
      const r = await alibabaCall(`DescribeInstances ${input.instanceId}`, () =>
        ecs(input.regionId).describeInstances(
          new sdk.ecs.DescribeInstancesRequest({
            regionId: input.regionId,
            instanceIds: JSON.stringify([input.instanceId]),
          }),
        ),
      );
      const i = r.body?.instances?.instance?.[0];
      const publicIp = i?.publicIpAddress?.ipAddress?.[0] || i?.eipAddress?.ipAddress || undefined;
      const privateIp = i?.vpcAttributes?.privateIpAddress?.ipAddress?.[0];
      return { ...(publicIp ? { publicIp } : {}), ...(privateIp ? { privateIp } : {}) };
    },

    /**
     * Bytes the instance sent to the internet since `since` (ISO), from its monitoring data
     * (InternetTX, kbits per period): what pay-by-traffic bills. CloudMonitor lags a few minutes on a
     * real account, so this is what was metered by now; the bill is the authority.
     */
    async readPublicTrafficOut(input: {
      regionId: string;
      instanceId: string;
      since: string;
    }): Promise<number> {
      const minute = 60_000;
      const period = 60;
      const maxPoints = 400;
      const start = Math.floor(Date.parse(input.since) / minute) * minute;
      const end = Math.ceil(Date.now() / minute) * minute;
      const iso = (ms: number) => new Date(ms).toISOString().replace(/\.\d{3}Z$/, 'Z');
      let kbits = 0;
      for (let from = start; from < end; from += maxPoints * period * 1000) {
        const to = Math.min(end, from + maxPoints * period * 1000);
        const r = await alibabaCall(`DescribeInstanceMonitorData ${input.instanceId}`, () =>
          ecs(input.regionId).describeInstanceMonitorData(
            new sdk.ecs.DescribeInstanceMonitorDataRequest({
              instanceId: input.instanceId,
              startTime: iso(from),
              endTime: iso(to),
              period,
            }),
          ),
        );
        for (const p of r.body?.monitorData?.instanceMonitorData ?? []) kbits += p.internetTX ?? 0;
        heartbeat({ instanceId: input.instanceId, from: iso(from) });
      }
      return Math.round((kbits * 1000) / 8);
    },

    /** Moves the cloud-side backstop forward while the workflow is alive. */
    async extendAutoReleaseTime(input: {
      regionId: string;
      instanceId: string;
      autoReleaseTime: string;
    }): Promise<void> {
      await alibabaCall(`ModifyInstanceAutoReleaseTime ${input.instanceId}`, () =>
        ecs(input.regionId).modifyInstanceAutoReleaseTime(
          new sdk.ecs.ModifyInstanceAutoReleaseTimeRequest({
            regionId: input.regionId,
            instanceId: input.instanceId,
            autoReleaseTime: input.autoReleaseTime,
          }),
        ),
      );
    },

    /** Starts the script through Cloud Assistant; the ClientToken makes a retried start the same run. */
    async runCommand(
      input: Owner & { regionId: string; instanceId: string; script: string; timeoutSeconds: number },
    ): Promise<{ invokeId: string }> {
      const r = await alibabaCall(`RunCommand on ${input.instanceId}`, () =>
        ecs(input.regionId).runCommand(
          new sdk.ecs.RunCommandRequest({
            regionId: input.regionId,
            instanceId: [input.instanceId],
            type: 'RunShellScript',
            commandContent: Buffer.from(input.script, 'utf8').toString('base64'),
            contentEncoding: 'Base64',
            timeout: input.timeoutSeconds,
            name: resourceName(input),
            clientToken: clientToken(input),
          }),
        ),
      );
      const invokeId = r.body?.invokeId;
      if (!invokeId) throw new Error('RunCommand returned no InvokeId');
      return { invokeId };
    },

    async describeInvocation(input: {
      regionId: string;
      instanceId: string;
      invokeId: string;
    }): Promise<InvocationState> {
      const r = await alibabaCall(`DescribeInvocationResults ${input.invokeId}`, () =>
        ecs(input.regionId).describeInvocationResults(
          new sdk.ecs.DescribeInvocationResultsRequest({
            regionId: input.regionId,
            invokeId: input.invokeId,
            instanceId: input.instanceId,
          }),
        ),
      );
      const result = r.body?.invocation?.invocationResults?.invocationResult?.[0];
      const status = result?.invocationStatus ?? 'Pending';
      const finished = ['Success', 'Failed', 'Stopped', 'PartialFailed', 'Cancelled', 'Terminated'].includes(
        status,
      );
      // Cloud Assistant returns Output base64-encoded unless told otherwise.
      const output = result?.output ? Buffer.from(result.output, 'base64').toString('utf8') : '';
      return { status, finished, exitCode: finished ? (result?.exitCode ?? undefined) : undefined, output };
    },

    /**
     * Stops the script on the instance (teardown, cancellation). A task that already ended, or whose
     * instance is gone, needs nothing: the instance's release ends whatever is left anyway.
     */
    async stopCommand(input: { regionId: string; instanceId: string; invokeId: string }): Promise<void> {
      await releaseCall(`StopInvocation ${input.invokeId}`, () =>
        ecs(input.regionId).stopInvocation(
          new sdk.ecs.StopInvocationRequest({
            regionId: input.regionId,
            invokeId: input.invokeId,
            instanceId: [input.instanceId],
          }),
        ),
      );
    },
  };
}
