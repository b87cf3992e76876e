// VPC and vSwitch activities. One activity per state-changing call; creates carry a ClientToken and
// acp's tags; releases are idempotent and can find their resource by tag when no id is known.
import * as $Vpc from '@alicloud/vpc20160428';
import { heartbeat, sleep } from '@temporalio/activity';
import { ApplicationFailure } from '@temporalio/common';
import type { AlibabaClients } from './clients';
import { alibabaCall, releaseCall } from './errors';
import {
  clientToken,
  MANAGED_TAG,
  type Owner,
  ownerTags,
  resourceName,
  SHARED_TAG,
  STEP_TAG,
  WORKFLOW_TAG,
} from './tags';

export interface VpcRef {
  regionId: string;
  vpcId: string;
  cidrBlock: string;
}

export interface ReleaseTarget extends Owner {
  regionId: string;
  /** Known id; when absent the resource is looked up by its workflow and step tags. */
  id?: string;
}

export interface ReleaseOutcome {
  ids: string[];
  outcome: 'released' | 'gone';
}

const POLL_MS = 1_000;

export function createVpcActivities(clients: AlibabaClients) {
  const vpc = (regionId: string) => clients.vpc(regionId);

  async function vpcsTagged(regionId: string, tags: Record<string, string>) {
    const r = await alibabaCall(`DescribeVpcs in ${regionId}`, () =>
      vpc(regionId).describeVpcs(
        new $Vpc.DescribeVpcsRequest({
          regionId,
          pageSize: 50,
          tag: Object.entries(tags).map(([key, value]) => new $Vpc.DescribeVpcsRequestTag({ key, value })),
        }),
      ),
    );
    return r.body?.vpcs?.vpc ?? [];
  }

  async function vSwitchesTagged(regionId: string, tags: Record<string, string>) {
    const r = await alibabaCall(`DescribeVSwitches in ${regionId}`, () =>
      vpc(regionId).describeVSwitches(
        new $Vpc.DescribeVSwitchesRequest({
          regionId,
          pageSize: 50,
          tag: Object.entries(tags).map(
            ([key, value]) => new $Vpc.DescribeVSwitchesRequestTag({ key, value }),
          ),
        }),
      ),
    );
    return r.body?.vSwitches?.vSwitch ?? [];
  }

  return {
    /** An acp-managed VPC marked shared in the region, reused instead of creating one. */
    async findSharedVpc(input: { regionId: string }): Promise<VpcRef | undefined> {
      const found = await vpcsTagged(input.regionId, { [MANAGED_TAG]: 'true', [SHARED_TAG]: 'true' });
      const v = found.find((x) => x.status === 'Available');
      return v?.vpcId
        ? { regionId: input.regionId, vpcId: v.vpcId, cidrBlock: v.cidrBlock ?? '' }
        : undefined;
    },

    async createVpc(input: Owner & { regionId: string; cidrBlock: string }): Promise<VpcRef> {
      const r = await alibabaCall(`CreateVpc in ${input.regionId}`, () =>
        vpc(input.regionId).createVpc(
          new $Vpc.CreateVpcRequest({
            regionId: input.regionId,
            cidrBlock: input.cidrBlock,
            vpcName: resourceName(input),
            description: 'Created by acp; released when its workflow ends.',
            clientToken: clientToken(input),
            tag: ownerTags(input).map((t) => new $Vpc.CreateVpcRequestTag(t)),
          }),
        ),
      );
      const vpcId = r.body?.vpcId;
      if (!vpcId) throw new Error('CreateVpc returned no VpcId');
      return { regionId: input.regionId, vpcId, cidrBlock: input.cidrBlock };
    },

    /** VPCs are created Pending; a vSwitch can only be added once the VPC is Available. */
    async waitVpcAvailable(input: { regionId: string; vpcId: string }): Promise<void> {
      for (;;) {
        const r = await alibabaCall(`DescribeVpcs ${input.vpcId}`, () =>
          vpc(input.regionId).describeVpcs(
            new $Vpc.DescribeVpcsRequest({ regionId: input.regionId, vpcId: input.vpcId }),
          ),
        );
        const status = r.body?.vpcs?.vpc?.[0]?.status;
        if (status === 'Available') return;
        heartbeat({ vpcId: input.vpcId, status });
        await sleep(POLL_MS);
      }
    },

    async createVSwitch(
      input: Owner & { regionId: string; zoneId: string; vpcId: string; cidrBlock: string },
    ): Promise<{ vSwitchId: string }> {
      const r = await alibabaCall(`CreateVSwitch in ${input.zoneId}`, () =>
        vpc(input.regionId).createVSwitch(
          new $Vpc.CreateVSwitchRequest({
            regionId: input.regionId,
            zoneId: input.zoneId,
            vpcId: input.vpcId,
            cidrBlock: input.cidrBlock,
            vSwitchName: resourceName(input),
            clientToken: clientToken(input),
            tag: ownerTags(input).map((t) => new $Vpc.CreateVSwitchRequestTag(t)),
          }),
        ),
      );
      const vSwitchId = r.body?.vSwitchId;
      if (!vSwitchId) throw new Error('CreateVSwitch returned no VSwitchId');
      for (;;) {
        // A throttled or 5xx look-up must not fail the activity: its retry would call CreateVSwitch
        // again (harmless thanks to the ClientToken, but a second successful create in the log).
        const d = await alibabaCall(`DescribeVSwitches ${vSwitchId}`, () =>
          vpc(input.regionId).describeVSwitches(
            new $Vpc.DescribeVSwitchesRequest({ regionId: input.regionId, vSwitchId }),
          ),
        ).catch((err: unknown) => {
          if (err instanceof ApplicationFailure && !err.nonRetryable) return undefined;
          throw err;
        });
        if (!d) {
          heartbeat({ vSwitchId, retrying: 'DescribeVSwitches' });
          await sleep(POLL_MS);
          continue;
        }
        const status = d.body?.vSwitches?.vSwitch?.[0]?.status;
        if (status === 'Available' || status === undefined) return { vSwitchId };
        heartbeat({ vSwitchId, status });
        await sleep(POLL_MS);
      }
    },

    async deleteVSwitch(target: ReleaseTarget): Promise<ReleaseOutcome> {
      const ids = target.id
        ? [target.id]
        : (
            await vSwitchesTagged(target.regionId, {
              [WORKFLOW_TAG]: target.workflowId,
              [STEP_TAG]: target.step,
            })
          )
            .map((v) => v.vSwitchId)
            .filter((x): x is string => !!x);
      let outcome: 'released' | 'gone' = 'gone';
      for (const id of ids) {
        const o = await releaseCall(`DeleteVSwitch ${id}`, () =>
          vpc(target.regionId).deleteVSwitch(
            new $Vpc.DeleteVSwitchRequest({ regionId: target.regionId, vSwitchId: id }),
          ),
        );
        if (o === 'released') outcome = 'released';
      }
      return { ids, outcome };
    },

    async deleteVpc(target: ReleaseTarget): Promise<ReleaseOutcome> {
      const ids = target.id
        ? [target.id]
        : (await vpcsTagged(target.regionId, { [WORKFLOW_TAG]: target.workflowId, [STEP_TAG]: target.step }))
            .map((v) => v.vpcId)
            .filter((x): x is string => !!x);
      let outcome: 'released' | 'gone' = 'gone';
      for (const id of ids) {
        // DependencyViolation right after the last vSwitch went is normal; it is retryable in the table.
        const o = await releaseCall(`DeleteVpc ${id}`, () =>
          vpc(target.regionId).deleteVpc(new $Vpc.DeleteVpcRequest({ regionId: target.regionId, vpcId: id })),
        );
        if (o === 'released') outcome = 'released';
      }
      return { ids, outcome };
    },
  };
}
