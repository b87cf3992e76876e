// ECS in the workflow layer: quote (what the region look-up found: stock in every zone, the cheapest
// of every type that fits priced from the worker's cache, and spot beside them), deploy (VPC → vSwitch → security group → instance, each undo registered
// before its create), execute (Cloud Assistant, polled so the status query shows output), keep-alive
// (the AutoReleaseTime backstop moves forward while the workflow lives). A service, or a job whose
// script downloads from the internet, gets a public IP with the instance (pay-by-traffic, released
// with it; docs/network.md): the quote itemises its price, a service's URL is published, and the
// traffic it sent is read back for the receipt before the release.
import type { RegionFindings, RegionNeeds } from '../../activities/market';
import { ossfsCloudConfig, withCheckpointDir } from '../../planner/checkpoint';
import { ingressRules, serviceUrls } from '../../planner/network';
import { estimateTotal, publicNetworkCost, publicTrafficCharge } from '../../planner/pricing';
import { runnableScript } from '../../planner/script-kind';
import { PROTECTED_MINUTES, reclaimsPerHour } from '../../planner/spot';
import type { QuoteOption, UsageCharge } from '../../planner/types';
import { api, described, release, wait } from '../activity-options';
import type { Execution } from '../messages';
import {
  deployKit,
  firstOf,
  lookupFailure,
  notFeasible,
  pollPause,
  regionNetworks,
  sizeNote,
  sizeOf,
} from './kit';
import { SPOT_ROWS_PER_REGION, spotRow } from './spot-rows';
import type { Attempt, DeployContext, Deployer, Deployment, ProductSteps, QuoteInput } from './types';

/** How many of a region's cheapest offers the comparison shows (every fitting type is priced). */
const OPTIONS_PER_REGION = 4;
/** How many sold-out types a "no stock" reason names. */
const NAMED_IN_REASON = 4;
/** Seconds from confirmation to a running script: network + RunInstances + boot + Cloud Assistant. */
const READY_IN_SECONDS = 120;
/** The cloud releases an orphaned instance this long after acp last extended it. */
const BACKSTOP_MINUTES = 60;
const OUTPUT_TAIL_CHARS = 4000;

/**
 * The instance's idempotency step: a spot attempt and a pay-as-you-go one in the same zone are two
 * instances (a reclaimed spot placement is never tried again, so one step per spot placement holds).
 */
function instanceStep(attempt: Attempt): string {
  return `instance-${attempt.zoneId ?? attempt.option.zone}-${attempt.spec}${attempt.option.spot ? '-spot' : ''}`;
}

export function autoReleaseTime(nowMs: number, minutesAhead: number): string {
  return new Date(nowMs + minutesAhead * 60_000).toISOString().replace(/\.\d{3}Z$/, 'Z');
}

function needs(input: QuoteInput): RegionNeeds {
  const { cpu, memoryGiB, gpu, kind, durationMinutes } = input.intent;
  return {
    ecs: {
      shape: { cpu, memoryGiB, gpu },
      keep: OPTIONS_PER_REGION,
      // Spot rows beside the pay-as-you-go ones (docs/spot.md); none for services. SpotDuration 1 when
      // the run fits in the protected hour, else 0: the cheaper market, since acp recovers.
      ...(kind === 'service'
        ? {}
        : {
            spot: { rows: SPOT_ROWS_PER_REGION, spotDuration: durationMinutes <= PROTECTED_MINUTES ? 1 : 0 },
          }),
    },
  };
}

async function quote(input: QuoteInput, found: RegionFindings[] = []): Promise<QuoteOption[]> {
  const { intent, regions } = input;
  // Pay-by-traffic has no hourly fee, so the cached hourly prices stand; the per-GB price rides on
  // each row (docs/network.md).
  const network = input.network ? publicNetworkCost(input.network) : undefined;
  const perRegion = found.flatMap((f) => (f.ecs ? [f.ecs] : []));
  const options: QuoteOption[] = [];
  const spots: QuoteOption[] = [];
  for (const r of perRegion) {
    for (const o of r.offers) {
      const row: QuoteOption = {
        product: 'ecs',
        region: r.regionId,
        zone: o.zones[0],
        zones: o.zones,
        spec: o.instanceType,
        specNote: sizeNote(o),
        unitPricePerHour: o.hourly,
        durationMinutes: intent.durationMinutes,
        estimatedTotal: estimateTotal(o.hourly, intent.durationMinutes),
        readyInSeconds: READY_IN_SECONDS,
        resources: [
          'VPC',
          'vSwitch',
          'security group',
          `instance ${o.instanceType}`,
          ...(network ? [`public IP (pay-by-traffic, ≤ ${network.maxBandwidthOutMbps} Mbit/s out)`] : []),
        ],
        cleanup: `instance${network ? ' (with its public IP)' : ''} → security group → vSwitch → VPC`,
        feasible: true,
        ...(network ? { network } : {}),
        pricedAt: o.pricedAt,
        ...sizeOf(o),
      };
      options.push(row);
      if (o.spot)
        spots.push({
          ...spotRow(intent, row, {
            hourly: o.spot.hourly,
            rate: o.spot.rate,
            source: 'DescribeSpotAdvice',
            reclaimsPerHour: reclaimsPerHour(o.spot.rate),
            zone: o.spot.zones[0],
            zones: o.spot.zones,
            spotDuration: o.spot.spotDuration,
          }),
          pricedAt: o.spot.pricedAt,
        });
    }
  }
  options.push(...spots);
  if (options.length === 0) {
    const fitting = [...new Set(perRegion.flatMap((r) => r.fitting))];
    const why =
      lookupFailure(found, 'ecs') ??
      (fitting.length === 0
        ? 'no ECS instance type fits the requested vCPU, memory and GPU'
        : `no stock of ${firstOf(fitting, NAMED_IN_REASON)} in ${regions.join(', ')}`);
    options.push(
      notFeasible(
        {
          product: 'ecs',
          region: regions[0],
          durationMinutes: intent.durationMinutes,
          readyInSeconds: READY_IN_SECONDS,
        },
        why,
      ),
    );
  }
  return options;
}

async function requote(option: QuoteOption): Promise<number | undefined> {
  const price = await described(
    api.describeInstancePrice,
    `DescribePrice again: ${option.spec} in ${option.region}`,
    {
      regionId: option.region,
      instanceType: option.spec,
      ...(option.spot
        ? {
            spot: true,
            zoneId: option.zone,
            ...(option.spotDuration !== undefined ? { spotDuration: option.spotDuration } : {}),
          }
        : {}),
    },
  );
  return price.hourly;
}

function deployer(ctx: DeployContext): Deployer {
  const kit = deployKit(ctx);
  const { owner } = kit;
  const networks = regionNetworks(ctx, kit, {
    stepPrefix: '',
    vSwitchCidr: (n) => `192.168.${n + 1}.0/24`,
  });
  /** The run's security group of each region, made on first use. */
  const securityGroups = new Map<string, Promise<string>>();

  async function securityGroupIn(regionId: string, vpcId: string): Promise<string> {
    const step = `sg-${regionId}`;
    const { id } = await kit.create({
      kind: 'security-group',
      label: `security group in ${regionId}`,
      regionId,
      step,
      create: () =>
        described(api.createSecurityGroup, `CreateSecurityGroup in ${regionId}`, {
          regionId,
          vpcId,
          ...owner(step),
        }),
      idOf: (sg) => sg.securityGroupId,
    });
    const { rules, warnings } = ingressRules(ctx.intent);
    for (const w of warnings) ctx.progress(w);
    if (rules.length > 0) {
      await described(
        api.authorizeSecurityGroup,
        `AuthorizeSecurityGroup: ${rules.map((r) => `${r.portRange} from ${r.sourceCidr}`).join(', ')}`,
        { regionId, securityGroupId: id, permissions: rules, ...owner(`${step}-ingress`) },
      );
    }
    return id;
  }

  /** The region's network and security group, once per region. */
  function networkIn(regionId: string) {
    let sg = securityGroups.get(regionId);
    if (!sg) {
      sg = networks.in(regionId).then((net) => securityGroupIn(regionId, net.vpcId));
      securityGroups.set(regionId, sg);
    }
    return Promise.all([networks.in(regionId), sg]);
  }

  return {
    async deploy(attempt: Attempt): Promise<Deployment> {
      const { regionId, spec } = attempt;
      const publicNet = attempt.option.network;
      const zoneId = attempt.zoneId ?? attempt.option.zone;
      if (!zoneId) throw new Error(`ECS option ${spec} in ${regionId} has no zone`);
      const [net, securityGroupId] = await networkIn(regionId);
      const vSwitchId = await net.vSwitch(zoneId);
      const imageId = await described(api.findImage, `DescribeImages: ${ctx.script.imageFamily}`, {
        regionId,
        imageFamily: ctx.script.imageFamily,
      });
      const step = instanceStep({ ...attempt, zoneId });
      const { id: instanceId } = await kit.create({
        kind: 'instance',
        label: `instance ${spec} in ${zoneId}`,
        regionId,
        step,
        create: async () => {
          // Checkpoints: the instance mounts the run's bucket with ossfs at boot (planner/checkpoint.ts).
          const mount = ctx.checkpoint ? await ctx.checkpoint(regionId) : undefined;
          ctx.progress(`creating ${spec} in ${zoneId}`);
          return described(api.runInstance, `RunInstances: ${spec} in ${zoneId}`, {
            regionId,
            zoneId,
            instanceType: spec,
            imageId,
            securityGroupId,
            vSwitchId,
            // Short on purpose: the workflow pushes it forward while it lives (execute and the service
            // loop), so a run whose workflow is lost costs at most this long.
            autoReleaseTime: autoReleaseTime(Date.now(), BACKSTOP_MINUTES),
            spot: attempt.option.spot,
            ...(attempt.option.spot && attempt.option.spotDuration !== undefined
              ? { spotDuration: attempt.option.spotDuration }
              : {}),
            ...(mount
              ? { userData: ossfsCloudConfig(mount, mount.ramRole), ramRoleName: mount.ramRole }
              : {}),
            ...(publicNet ? { publicBandwidthMbps: publicNet.maxBandwidthOutMbps } : {}),
            ...owner(step),
          });
        },
        idOf: (created) => created.instanceId,
      });
      const since = new Date(Date.now()).toISOString();
      await described(wait.waitInstanceRunning, `Wait for ${instanceId} to be Running`, {
        regionId,
        instanceId,
      });
      const handles: Record<string, string> = { instanceId, since };
      if (publicNet) {
        const { publicIp } = await described(
          api.describeInstanceAddresses,
          `DescribeInstances: the public IP of ${instanceId}`,
          { regionId, instanceId },
        );
        if (publicIp) {
          handles.publicIp = publicIp;
          ctx.progress(`public IP ${publicIp} (pay-by-traffic, ${publicNet.maxBandwidthOutMbps} Mbit/s out)`);
          if (publicNet.reason === 'service') ctx.published?.(serviceUrls(publicIp, ctx.intent.ports));
        }
      }
      return { attempt: { ...attempt, zoneId }, handles };
    },

    async execute(deployment: Deployment): Promise<Execution> {
      const { regionId } = deployment.attempt;
      const { instanceId } = deployment.handles;
      const timeoutSeconds = Math.min(86_400, Math.max(600, ctx.intent.durationMinutes * 60 * 2));
      const started = new Date(Date.now()).toISOString();
      const spot = deployment.attempt.option.spot;
      /** Spot: whether the API says the instance is being (or was) taken back (docs/spot.md). */
      const reclaimed = async () => {
        const state = await described(
          api.spotInstanceState,
          `DescribeInstances ${instanceId}: spot reclaim?`,
          {
            regionId,
            instanceId,
          },
        );
        return state.state === 'running'
          ? undefined
          : `spot instance ${instanceId} reclaimed: ${state.detail ?? state.state}`;
      };
      let invokeId: string;
      try {
        ({ invokeId } = await described(api.runCommand, `RunCommand: the script on ${instanceId}`, {
          regionId,
          instanceId,
          script: ctx.checkpoint ? withCheckpointDir(runnableScript(ctx.script)) : runnableScript(ctx.script),
          timeoutSeconds,
          ...owner(`command-${instanceId}`),
        }));
      } catch (err) {
        // A spot instance taken back before the command started: a reclaim, not a failed run.
        const why = spot ? await reclaimed() : undefined;
        if (!why) throw err;
        return {
          outputTail: '',
          startedAt: started,
          finishedAt: new Date(Date.now()).toISOString(),
          reclaimed: why,
        };
      }
      deployment.handles.invokeId = invokeId; // for stop()
      ctx.progress(`started the script on ${instanceId} (Cloud Assistant ${invokeId})`);
      // Poll from the workflow (not inside one long activity) so each poll updates the status query
      // and the Web UI.
      const pause = pollPause();
      let lastExtended = Date.now();
      for (;;) {
        const state = await described(api.describeInvocation, `DescribeInvocationResults ${invokeId}`, {
          regionId,
          instanceId,
          invokeId,
        });
        const tail = state.output.slice(-OUTPUT_TAIL_CHARS);
        const cut = state.output.length > OUTPUT_TAIL_CHARS ? { outputCut: true } : {};
        // Spot: the API says when the instance is being taken back (docs/spot.md); the script's own
        // end (a failure as its instance goes) counts as a reclaim only when the API confirms it.
        if (spot && (!state.finished || state.exitCode !== 0)) {
          const why = await reclaimed();
          if (why) {
            return {
              ...(state.finished && state.exitCode !== undefined ? { exitCode: state.exitCode } : {}),
              outputTail: tail,
              startedAt: started,
              finishedAt: new Date(Date.now()).toISOString(),
              reclaimed: why,
            };
          }
        }
        if (state.finished) {
          return {
            exitCode: state.exitCode ?? (state.status === 'Success' ? 0 : 1),
            outputTail: tail,
            ...cut,
            startedAt: started,
            finishedAt: new Date(Date.now()).toISOString(),
          };
        }
        ctx.executing({ outputTail: tail, ...cut, startedAt: started });
        if (Date.now() - lastExtended > (BACKSTOP_MINUTES / 2) * 60_000) {
          await this.keepAlive?.(deployment, Date.now() + BACKSTOP_MINUTES * 60_000);
          lastExtended = Date.now();
        }
        await pause();
      }
    },

    /** Teardown or cancellation while the script runs: Cloud Assistant stops it (StopInvocation). */
    async stop(deployment: Deployment): Promise<void> {
      const { instanceId, invokeId } = deployment.handles;
      if (!invokeId) return;
      await described(api.stopCommand, `StopInvocation ${invokeId}`, {
        regionId: deployment.attempt.regionId,
        instanceId,
        invokeId,
      });
    },

    /** A reclaimed spot instance is released now, ahead of the saga (it bills until it goes). */
    async releaseAttempt(deployment: Deployment): Promise<void> {
      await described(release.deleteInstance, `DeleteInstance ${deployment.handles.instanceId} (reclaimed)`, {
        regionId: deployment.attempt.regionId,
        workflowId: ctx.workflowId,
        step: instanceStep(deployment.attempt),
        id: deployment.handles.instanceId,
      });
    },

    async usage(deployment: Deployment): Promise<UsageCharge[]> {
      const network = deployment.attempt.option.network;
      const { instanceId, since, publicIp } = deployment.handles;
      if (!network || !publicIp) return [];
      const bytes = await described(
        api.readPublicTrafficOut,
        `DescribeInstanceMonitorData: public traffic of ${instanceId}`,
        { regionId: deployment.attempt.regionId, instanceId, since },
      );
      return [publicTrafficCharge(bytes, network)];
    },

    async keepAlive(deployment: Deployment, untilMs: number): Promise<void> {
      await described(
        api.extendAutoReleaseTime,
        `ModifyInstanceAutoReleaseTime ${deployment.handles.instanceId}`,
        {
          regionId: deployment.attempt.regionId,
          instanceId: deployment.handles.instanceId,
          autoReleaseTime: autoReleaseTime(untilMs, 0),
        },
      );
    },
  };
}

export const ecs: ProductSteps = { product: 'ecs', needs, quote, requote, deployer };
