// VPC and vSwitch activities. One activity per state-changing call; creates carry a ClientToken and
// acp's tags; their releases are activities/release/vpc.ts.
import { heartbeat, sleep } from '@temporalio/activity';
import { ApplicationFailure } from '@temporalio/common';
import { freeSubnet } from '../planner/network';
import type { AlibabaClients } from './clients';
import { alibabaCall } from './errors';
import { pages } from './release/kind';
import { vpc as vpcKind, vpcsTagged, vSwitchesTagged } from './release/vpc';
import { sdk } from './sdk';
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

const POLL_MS = 1_000;
/** Races for a /24 in a shared VPC lost to other runs before the activity retries. */
const SHARED_CIDR_ATTEMPTS = 8;

export function createVpcActivities(clients: AlibabaClients) {
  const vpc = (regionId: string) => clients.vpc(regionId);

  async function createVSwitchIn(
    input: Owner & { regionId: string; zoneId: string; vpcId: string },
    cidrBlock: string,
  ): Promise<string> {
    const r = await alibabaCall(`CreateVSwitch in ${input.zoneId}`, () =>
      vpc(input.regionId).createVSwitch(
        new sdk.vpc.CreateVSwitchRequest({
          regionId: input.regionId,
          zoneId: input.zoneId,
          vpcId: input.vpcId,
          cidrBlock,
          vSwitchName: resourceName(input),
          clientToken: clientToken(input),
          tag: ownerTags(input).map((t) => new sdk.vpc.CreateVSwitchRequestTag(t)),
        }),
      ),
    );
    const vSwitchId = r.body?.vSwitchId;
    if (!vSwitchId) throw new Error('CreateVSwitch returned no VSwitchId');
    return vSwitchId;
  }

  async function createVSwitchInShared(
    input: Owner & { regionId: string; zoneId: string; vpcId: string },
  ): Promise<string> {
    const mine = await vSwitchesTagged(clients, input.regionId, {
      [WORKFLOW_TAG]: input.workflowId,
      [STEP_TAG]: input.step,
    });
    const already = mine.find((v) => v.vpcId === input.vpcId)?.vSwitchId;
    if (already) return already;
    const v = await alibabaCall(`DescribeVpcs ${input.vpcId}`, () =>
      vpc(input.regionId).describeVpcs(
        new sdk.vpc.DescribeVpcsRequest({ regionId: input.regionId, vpcId: input.vpcId }),
      ),
    );
    const vpcCidr = v.body?.vpcs?.vpc?.[0]?.cidrBlock;
    if (!vpcCidr) throw new Error(`shared VPC ${input.vpcId} has no CIDR block`);
    // Concurrent runs start their search at different places so they rarely race for one block.
    const seed = Number.parseInt(clientToken(input).slice(4, 12), 16);
    for (let attempt = 0; attempt < SHARED_CIDR_ATTEMPTS; attempt++) {
      const taken = (await vSwitchesIn(clients, input.regionId, input.vpcId))
        .map((s) => s.cidrBlock)
        .filter((c): c is string => !!c);
      const cidr = freeSubnet(vpcCidr, taken, seed + attempt);
      if (!cidr) {
        throw ApplicationFailure.nonRetryable(
          `shared VPC ${input.vpcId} (${vpcCidr}) has no free /24 left for a vSwitch`,
          'QuotaExceeded.VSwitchCidr',
        );
      }
      try {
        return await createVSwitchIn(input, cidr);
      } catch (err) {
        if ((err as ApplicationFailure)?.type !== 'InvalidCidrBlock.Overlapped') throw err;
        heartbeat({ raceLostFor: cidr });
      }
    }
    throw ApplicationFailure.retryable(
      `no free /24 in shared VPC ${input.vpcId} after ${SHARED_CIDR_ATTEMPTS} tries (other runs took them first)`,
      'InvalidCidrBlock.Overlapped',
    );
  }

  return {
    /** An acp-managed VPC marked shared in the region, reused instead of creating one. */
    async findSharedVpc(input: { regionId: string }): Promise<VpcRef | undefined> {
      const found = await vpcsTagged(clients, input.regionId, {
        [MANAGED_TAG]: 'true',
        [SHARED_TAG]: 'true',
      });
      const v = found.find((x) => x.status === 'Available');
      return v?.vpcId
        ? { regionId: input.regionId, vpcId: v.vpcId, cidrBlock: v.cidrBlock ?? '' }
        : undefined;
    },

    async createVpc(input: Owner & { regionId: string; cidrBlock: string }): Promise<VpcRef> {
      const r = await alibabaCall(`CreateVpc in ${input.regionId}`, () =>
        vpc(input.regionId).createVpc(
          new sdk.vpc.CreateVpcRequest({
            regionId: input.regionId,
            cidrBlock: input.cidrBlock,
            vpcName: resourceName(input),
            description: 'Created by acp; released when its workflow ends.',
            clientToken: clientToken(input),
            tag: ownerTags(input).map((t) => new sdk.vpc.CreateVpcRequestTag(t)),
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
            new sdk.vpc.DescribeVpcsRequest({ regionId: input.regionId, vpcId: input.vpcId }),
          ),
        );
        const status = r.body?.vpcs?.vpc?.[0]?.status;
        if (status === 'Available') return;
        heartbeat({ vpcId: input.vpcId, status });
        await sleep(POLL_MS);
      }
    },

    /**
     * `cidrBlock` absent: the VPC is shared, so other runs add vSwitches to it at the same time; a free
     * /24 is chosen from what is there, and a race lost to another run (InvalidCidrBlock.Overlapped)
     * moves on to the next one. A vSwitch this step already made (a retried activity) is returned.
     */
    async createVSwitch(
      input: Owner & { regionId: string; zoneId: string; vpcId: string; cidrBlock?: string },
    ): Promise<{ vSwitchId: string }> {
      const vSwitchId = input.cidrBlock
        ? await createVSwitchIn(input, input.cidrBlock)
        : await createVSwitchInShared(input);
      for (;;) {
        // A throttled or 5xx look-up must not fail the activity: its retry would call CreateVSwitch
        // again (harmless thanks to the ClientToken, but a second successful create in the log).
        const d = await alibabaCall(`DescribeVSwitches ${vSwitchId}`, () =>
          vpc(input.regionId).describeVSwitches(
            new sdk.vpc.DescribeVSwitchesRequest({ regionId: input.regionId, vSwitchId }),
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
  };
}

const PAGE = 50;

/** Every vSwitch in a VPC, all pages (whoever made them). */
function vSwitchesIn(clients: AlibabaClients, regionId: string, vpcId: string) {
  return pages(async (pageNumber) => {
    const r = await alibabaCall(`DescribeVSwitches in ${vpcId}`, () =>
      clients
        .vpc(regionId)
        .describeVSwitches(
          new sdk.vpc.DescribeVSwitchesRequest({ regionId, vpcId, pageNumber, pageSize: PAGE }),
        ),
    );
    return { items: r.body?.vSwitches?.vSwitch ?? [], total: r.body?.totalCount ?? 0 };
  });
}

/** The CIDR a shared VPC gets unless told otherwise: 4,096 /24 vSwitches' worth. */
export const SHARED_VPC_CIDR = '172.16.0.0/12';

/**
 * `acp network share`: one acp VPC per region that every run reuses (a shared resource is kept,
 * never released by a run: docs/architecture.md, the saga), so concurrent runs are not limited by the VPC quota (10 per
 * region by default). Runs add and remove only their own vSwitch and security group in it. Called
 * from the CLI, not as an activity. Idempotent: an existing shared VPC is returned as it is.
 */
export async function ensureSharedVpc(
  clients: AlibabaClients,
  regionId: string,
  cidrBlock = SHARED_VPC_CIDR,
): Promise<{ vpc: VpcRef; created: boolean }> {
  const found = await createVpcActivities(clients).findSharedVpc({ regionId });
  if (found) return { vpc: found, created: false };
  const r = await alibabaCall(`CreateVpc (shared) in ${regionId}`, () =>
    clients.vpc(regionId).createVpc(
      new sdk.vpc.CreateVpcRequest({
        regionId,
        cidrBlock,
        vpcName: `acp-shared-${regionId}`,
        description: 'Created by `acp network share`; reused by every acp run in the region.',
        clientToken: `acp-shared-vpc-${regionId}`,
        tag: [
          new sdk.vpc.CreateVpcRequestTag({ key: MANAGED_TAG, value: 'true' }),
          new sdk.vpc.CreateVpcRequestTag({ key: SHARED_TAG, value: 'true' }),
        ],
      }),
    ),
  );
  const vpcId = r.body?.vpcId;
  if (!vpcId) throw new Error('CreateVpc returned no VpcId');
  for (let i = 0; i < 120; i++) {
    const d = await alibabaCall(`DescribeVpcs ${vpcId}`, () =>
      clients.vpc(regionId).describeVpcs(new sdk.vpc.DescribeVpcsRequest({ regionId, vpcId })),
    );
    if (d.body?.vpcs?.vpc?.[0]?.status === 'Available') break;
    await new Promise((done) => setTimeout(done, POLL_MS));
  }
  return { vpc: { regionId, vpcId, cidrBlock }, created: true };
}

/**
 * `acp network unshare`: deletes the region's shared VPC, refusing while any vSwitch (a run's, or
 * anyone's) is still in it — those runs would lose their network.
 */
export async function releaseSharedVpc(
  clients: AlibabaClients,
  regionId: string,
): Promise<{ vpcId?: string; released: boolean; inUseBy: string[] }> {
  const found = await createVpcActivities(clients).findSharedVpc({ regionId });
  if (!found) return { released: false, inUseBy: [] };
  const inUseBy = (await vSwitchesIn(clients, regionId, found.vpcId))
    .map((v) => v.vSwitchId ?? '')
    .filter(Boolean);
  if (inUseBy.length > 0) return { vpcId: found.vpcId, released: false, inUseBy };
  await vpcKind.release(clients, regionId, found.vpcId);
  return { vpcId: found.vpcId, released: true, inUseBy: [] };
}
