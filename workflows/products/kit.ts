// What every product's deployer and quote do the same way, written once: a tracked create (the undo
// registered before the create, releasing by id once the create answered, else finding the resource
// by its owner tags), the region network a run's compute sits in (a shared acp VPC when the region
// has one, else a VPC of the run's own, and a vSwitch per zone), polling with one backoff, the row
// that says a product cannot run the job, and the pieces of a row made from the market's offers.
import { sleep } from '@temporalio/workflow';
import type { Offer, RegionFindings, RegionNeeds } from '../../activities/market';
import type { ReleaseOutcome, ReleaseTarget, ResourceKind } from '../../activities/release/kind';
import type { Product, QuoteOption } from '../../planner/types';
import { api, described, release, wait } from '../activity-options';
import type { ResourceRecord } from '../messages';
import type { DeployContext } from './types';

/** The release activity the saga calls for each kind a deployer creates by tag or name. */
type ReleaseActivity = {
  executeWithOptions(
    options: { summary: string },
    args: [ReleaseTarget],
  ): Promise<Pick<ReleaseOutcome, 'ids'>>;
};
type TrackedKind = Exclude<ResourceKind, 'k8s-job' | 'k8s-configmap'>;
const UNDO: Record<TrackedKind, { run: ReleaseActivity; call: string; foundBy: string }> = {
  instance: { run: release.deleteInstance, call: 'DeleteInstance', foundBy: 'tag' },
  'security-group': { run: release.deleteSecurityGroup, call: 'DeleteSecurityGroup', foundBy: 'tag' },
  vswitch: { run: release.deleteVSwitch, call: 'DeleteVSwitch', foundBy: 'tag' },
  vpc: { run: release.deleteVpc, call: 'DeleteVpc', foundBy: 'tag' },
  cluster: { run: release.deleteAckCluster, call: 'DeleteCluster', foundBy: 'tag' },
  function: { run: release.deleteFunction, call: 'DeleteFunction', foundBy: 'the name of' },
  'dlc-job': { run: release.releaseDlcJob, call: 'StopJob + DeleteJob', foundBy: 'DisplayName of' },
  'oss-bucket': {
    run: release.releaseCheckpointBucket,
    call: 'empty and delete bucket',
    foundBy: 'the name of',
  },
};

export interface Tracked {
  /** The id, once the create answered. */
  id?: string;
  /** The undo; safe to run early (a failed cluster): the saga's later call returns the same records. */
  undo: () => Promise<ResourceRecord[]>;
}

/** Runs an undo once; a second call returns the same records (a failed run retries it). */
function once(undo: () => Promise<ResourceRecord[]>): () => Promise<ResourceRecord[]> {
  let done: Promise<ResourceRecord[]> | undefined;
  return () => {
    done ??= undo().catch((err: unknown) => {
      done = undefined;
      throw err;
    });
    return done;
  };
}

export function record(type: ResourceRecord['type'], id: string, regionId: string): ResourceRecord {
  return { type, id, regionId };
}

/** A deployer's creates (or any other part of a run's), each tracked by the run's saga. */
export function deployKit(ctx: Pick<DeployContext, 'workflowId' | 'saga' | 'created'>) {
  const owner = (step: string) => ({ workflowId: ctx.workflowId, step });
  /** Undos registered with `perStep`, by step: a BLOCKED retry's create of the same step reuses it. */
  const byStep = new Map<string, Tracked>();

  /** Registers the undo of `kind` for (region, step); it releases by id once known, else by owner. */
  function track(kind: TrackedKind, label: string, regionId: string, step: string): Tracked {
    const { run, call, foundBy } = UNDO[kind];
    const tracked: Tracked = {
      undo: once(async () => {
        const id = tracked.id;
        const out = await described(run, `${call}${id ? ` ${id}` : ` (found by ${foundBy} ${step})`}`, {
          regionId,
          ...owner(step),
          ...(id ? { id } : {}),
        });
        return out.ids.map((i) => record(kind, i, regionId));
      }),
    };
    ctx.saga.add(label, tracked.undo);
    return tracked;
  }

  /**
   * Register undo → create → record: a create whose answer is lost (timeout, crash, cancellation) is
   * still undone. `perStep`: one undo for every create of this step (the resource's name comes from
   * the run, so a BLOCKED retry's create answers with the same one).
   */
  async function create<T>(spec: {
    kind: TrackedKind;
    label: string;
    regionId: string;
    step: string;
    perStep?: boolean;
    create: () => Promise<T>;
    idOf: (created: T) => string;
  }): Promise<{ created: T; id: string; tracked: Tracked }> {
    let tracked = spec.perStep ? byStep.get(spec.step) : undefined;
    if (!tracked) {
      tracked = track(spec.kind, spec.label, spec.regionId, spec.step);
      if (spec.perStep) byStep.set(spec.step, tracked);
    }
    const created = await spec.create();
    const id = spec.idOf(created);
    tracked.id = id;
    ctx.created(record(spec.kind, id, spec.regionId));
    return { created, id, tracked };
  }

  return { owner, create };
}

export type DeployKit = ReturnType<typeof deployKit>;

export interface RegionNetwork {
  regionId: string;
  vpcId: string;
  cidrBlock: string;
  /** A shared VPC (`acp network share`): other runs add vSwitches too, so each CIDR is picked free. */
  shared: boolean;
  /** The run's vSwitch in a zone, made on first use. */
  vSwitch(zoneId: string): Promise<string>;
}

/** How a product lays out its own VPC: its steps' prefix (ClientTokens derive from the step). */
export interface NetworkPlan {
  /** '' for ECS, 'ack-' for ACK: the steps are `${prefix}vpc-<region>` and `${prefix}vsw-<zone>`. */
  stepPrefix: string;
  /** The vSwitch CIDR in the run's own VPC for the n-th vSwitch the deployer makes (0-based). */
  vSwitchCidr(n: number): string;
  /** Shown in the Web UI summaries: "for ACK". */
  purpose?: string;
}

/** The run's own VPCs are all this block: nothing else lives in them. */
const VPC_CIDR = '192.168.0.0/16';

/**
 * The network of each region a deployer uses: the region's shared acp VPC when there is one (kept,
 * never released by the run), else a VPC of the run's own; a vSwitch per zone, each tracked.
 */
export function regionNetworks(ctx: DeployContext, kit: DeployKit, plan: NetworkPlan) {
  const networks = new Map<string, Promise<RegionNetwork>>();
  const vSwitches = new Map<string, Promise<string>>();
  const note = plan.purpose ? ` ${plan.purpose}` : '';

  function vSwitchIn(net: Omit<RegionNetwork, 'vSwitch'>, zoneId: string): Promise<string> {
    let vsw = vSwitches.get(zoneId);
    if (!vsw) {
      const n = vSwitches.size;
      const step = `${plan.stepPrefix}vsw-${zoneId}`;
      vsw = kit
        .create({
          kind: 'vswitch',
          label: `vSwitch in ${zoneId}`,
          regionId: net.regionId,
          step,
          create: () =>
            described(api.createVSwitch, `CreateVSwitch${note} in ${zoneId}`, {
              regionId: net.regionId,
              zoneId,
              vpcId: net.vpcId,
              ...(net.shared ? {} : { cidrBlock: plan.vSwitchCidr(n) }),
              ...kit.owner(step),
            }),
          idOf: (v) => v.vSwitchId,
        })
        .then((v) => v.id);
      vSwitches.set(zoneId, vsw);
    }
    return vsw;
  }

  async function open(regionId: string): Promise<RegionNetwork> {
    const shared = await described(api.findSharedVpc, `DescribeVpcs: a shared acp VPC in ${regionId}`, {
      regionId,
    });
    let net: Omit<RegionNetwork, 'vSwitch'>;
    if (shared) {
      ctx.kept({ type: 'vpc', id: shared.vpcId, regionId, reused: true });
      net = { regionId, vpcId: shared.vpcId, cidrBlock: shared.cidrBlock, shared: true };
    } else {
      const step = `${plan.stepPrefix}vpc-${regionId}`;
      const { id: vpcId } = await kit.create({
        kind: 'vpc',
        label: `VPC in ${regionId}`,
        regionId,
        step,
        create: () =>
          described(api.createVpc, `CreateVpc${note} in ${regionId}`, {
            regionId,
            cidrBlock: VPC_CIDR,
            ...kit.owner(step),
          }),
        idOf: (v) => v.vpcId,
      });
      await described(wait.waitVpcAvailable, `Wait for VPC ${vpcId} to be Available`, { regionId, vpcId });
      net = { regionId, vpcId, cidrBlock: VPC_CIDR, shared: false };
    }
    return { ...net, vSwitch: (zoneId) => vSwitchIn(net, zoneId) };
  }

  return {
    /** The region's network, opened once per run. */
    in(regionId: string): Promise<RegionNetwork> {
      let net = networks.get(regionId);
      if (!net) {
        net = open(regionId);
        networks.set(regionId, net);
      }
      return net;
    },
  };
}

/**
 * Sleeps between polls of a script's state, from 1 s doubling up to `maxMs`: each poll updates the
 * status query, and a long job does not bloat the history.
 */
export function pollPause(maxMs = 30_000): () => Promise<void> {
  let interval = 1_000;
  return async () => {
    await sleep(interval);
    interval = Math.min(interval * 2, maxMs);
  };
}

/** The row that says a product cannot run the job, and why. */
export function notFeasible(
  row: { product: Product; region: string; durationMinutes: number; readyInSeconds?: number },
  reason: string | undefined,
): QuoteOption {
  return {
    product: row.product,
    region: row.region,
    spec: '—',
    unitPricePerHour: 0,
    durationMinutes: row.durationMinutes,
    estimatedTotal: 0,
    readyInSeconds: row.readyInSeconds ?? 0,
    resources: [],
    cleanup: '',
    feasible: false,
    reason,
  };
}

type Size = Pick<Offer, 'cpu' | 'memoryGiB' | 'gpuAmount' | 'gpuSpec'>;

/** "2× NVIDIA A10" or "4 vCPU 16 GiB": an offer's size as a row shows it. */
export function sizeNote(o: Size): string {
  return o.gpuAmount > 0 ? `${o.gpuAmount}× ${o.gpuSpec}` : `${o.cpu} vCPU ${o.memoryGiB} GiB`;
}

/** A row's size fields, from the offer it was made of. */
export function sizeOf(o: Size): Pick<QuoteOption, 'cpu' | 'memoryGiB' | 'gpu'> {
  return {
    cpu: o.cpu,
    memoryGiB: o.memoryGiB,
    ...(o.gpuAmount > 0 ? { gpu: { model: o.gpuSpec, count: o.gpuAmount } } : {}),
  };
}

/** "a, b or 3 other fitting types": the first few of a list a reason names. */
export function firstOf(types: readonly string[], named: number): string {
  const more = types.length - named;
  return `${types.slice(0, named).join(', ')}${more > 0 ? ` or ${more} other fitting types` : ''}`;
}

/** Why a need went unanswered in some region (the Alibaba code and message), if it did. */
export function lookupFailure(found: readonly RegionFindings[], need: keyof RegionNeeds): string | undefined {
  return found.find((f) => f.failed?.[need])?.failed?.[need];
}
