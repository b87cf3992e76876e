// PAI-DLC in the workflow layer: quote (what the region look-up found: the public pool's specs that
// fit and have stock, each at DLC's own price per node × workers: PAI's published price, else the
// spec's ECS instance list price × DLC's ratio to ECS, planner/pai-prices.ts; spot beside them),
// deploy (one CreateJob whose undo is registered first, with a JobMaxRunningTimeMinutes bound from the
// duration and the budget), execute (GetJob polled from the workflow so the status query shows the
// pod's log), release (StopJob if live + DeleteJob).
import { CancellationScope } from '@temporalio/workflow';
import type { RegionFindings, RegionNeeds } from '../../activities/market';
import { CHECKPOINT_DIR, dlcCheckpointSource } from '../../planner/checkpoint';
import { estimateTotal, minutesWithinBudget } from '../../planner/pricing';
import { runnableScript } from '../../planner/script-kind';
import { checkScript } from '../../planner/scripts';
import { reclaimsPerHour } from '../../planner/spot';
import type { Intent, QuoteOption } from '../../planner/types';
import { api, described, release, wait } from '../activity-options';
import { alibabaDetails } from '../failures';
import type { Execution } from '../messages';
import { deployKit, lookupFailure, notFeasible, pollPause, sizeNote, sizeOf } from './kit';
import { spotCandidates, spotRow } from './spot-rows';
import type { Attempt, DeployContext, Deployer, Deployment, ProductSteps, QuoteInput } from './types';

/** How many of a region's cheapest specs the comparison shows (every fitting spec is priced). */
const OPTIONS_PER_REGION = 4;
/** One worker pod: acp runs one script, not a distributed job. */
const WORKERS = 1;
/** Confirmation to a running script: 1–3 min of environment preparation and image pull (Alibaba's
 * compute-provision skill, aliyun/alibabacloud-aiops-skills references/select-resource.md, 2026). */
const READY_IN_SECONDS = 180;
const OUTPUT_TAIL_CHARS = 4000;
const LOG_LINES = 200;
/** After JobMaxRunningTimeMinutes DLC stops the job itself; acp stops it this much later at the latest. */
const DEADLINE_GRACE_MINUTES = 15;

/**
 * PAI's public DLC images by framework and accelerator. The repository path follows the documented
 * example (`registry.<region>.aliyuncs.com/pai-dlc/tensorflow-training:…` in GetJob's example response,
 * PAI-DLC OpenAPI 2020-12-03; test/fixtures/alibaba-examples); the tags
 * are PAI's naming scheme and not verified against the registry from here.
 */
const IMAGES = {
  pytorch: {
    jobType: 'PyTorchJob',
    gpu: 'pai-dlc/pytorch-training:2.1PAI-gpu-py310-cu121-ubuntu22.04',
    cpu: 'pai-dlc/pytorch-training:2.1PAI-cpu-py310-ubuntu22.04',
  },
  tensorflow: {
    jobType: 'TFJob',
    gpu: 'pai-dlc/tensorflow-training:2.14PAI-gpu-py310-cu118-ubuntu22.04',
    cpu: 'pai-dlc/tensorflow-training:2.14PAI-cpu-py310-ubuntu22.04',
  },
} as const;

/** The image and job type for a script: TensorFlow/Keras scripts get TF, everything else PyTorch. */
export function dlcImage(
  script: string,
  regionId: string,
  gpu: boolean,
): { image: string; jobType: 'PyTorchJob' | 'TFJob' } {
  const { frameworks } = checkScript(script);
  const tf = frameworks.some((f) => f === 'tensorflow' || f === 'keras') && !frameworks.includes('torch');
  const entry = tf ? IMAGES.tensorflow : IMAGES.pytorch;
  return {
    image: `registry.${regionId}.aliyuncs.com/${gpu ? entry.gpu : entry.cpu}`,
    jobType: entry.jobType,
  };
}

/**
 * JobMaxRunningTimeMinutes: the expected duration with 50 % headroom, and never more minutes than the
 * budget buys at the job's unit price — DLC then stops the job itself, a cost bound that holds even
 * when acp is not running.
 */
export function jobMaxRunningMinutes(
  durationMinutes: number,
  unitPricePerHour: number,
  budgetCny?: number,
): number {
  const byDuration = Math.ceil(durationMinutes * 1.5);
  const byBudget = budgetCny === undefined ? byDuration : minutesWithinBudget(unitPricePerHour, budgetCny);
  return Math.max(1, Math.min(byDuration, byBudget));
}

/** The exit code a finished job stands for; DLC reports a reason, not always the script's code. */
export function exitCodeOf(status: string, reasonMessage: string): number {
  if (status === 'Succeeded' || status === 'SucceededReserving') return 0;
  const code = /exit(?:ed)?(?: with)? code (\d+)/i.exec(reasonMessage)?.[1];
  if (code !== undefined && Number(code) !== 0) return Number(code);
  // Stopped by DLC's time limit reads like a timeout (124, as coreutils `timeout`); by anyone else, SIGTERM.
  if (status === 'Stopped') return /JobMaxRunningTime|time ?limit|timeout/i.test(reasonMessage) ? 124 : 143;
  return 1;
}

function infeasible(region: string, reason: string, durationMinutes: number): QuoteOption {
  return notFeasible({ product: 'pai', region, durationMinutes, readyInSeconds: READY_IN_SECONDS }, reason);
}

function shapeOf(intent: Intent): string {
  const gpu = intent.gpu ? `${intent.gpu.count}× ${intent.gpu.model}, ` : '';
  return `${gpu}${intent.cpu} vCPU, ${intent.memoryGiB} GiB`;
}

function needs(input: QuoteInput): RegionNeeds | undefined {
  const { kind, cpu, memoryGiB, gpu } = input.intent;
  if (kind === 'service') return undefined;
  return {
    dlc: { shape: { cpu, memoryGiB, gpu }, accelerator: gpu ? 'GPU' : 'CPU', keep: OPTIONS_PER_REGION },
  };
}

async function quote(input: QuoteInput, found: RegionFindings[] = []): Promise<QuoteOption[]> {
  const { intent, regions } = input;
  if (intent.kind === 'service') {
    return [
      infeasible(regions[0], 'PAI-DLC runs jobs that end, not long-running services', intent.durationMinutes),
    ];
  }
  const perRegion = found.flatMap((f) => (f.dlc ? [f.dlc] : []));
  const options: QuoteOption[] = [];
  const spotOf = new Map<QuoteOption, { stock: boolean; discount?: number }>();
  for (const r of perRegion) {
    for (const s of r.offers) {
      const hourly = s.hourly * WORKERS;
      const row: QuoteOption = {
        product: 'pai',
        region: r.regionId,
        spec: s.instanceType,
        specNote: `${sizeNote(s)} · DLC public resources${s.priceNote ? ` · ${s.priceNote}` : ''}`,
        unitPricePerHour: hourly,
        durationMinutes: intent.durationMinutes,
        estimatedTotal: estimateTotal(hourly, intent.durationMinutes),
        readyInSeconds: READY_IN_SECONDS,
        resources: ['DLC job'],
        cleanup: 'StopJob + DeleteJob',
        feasible: true,
        pricedAt: s.pricedAt,
        ...(s.stockSeenAt ? { stockSeenAt: s.stockSeenAt } : {}),
        ...sizeOf(s),
      };
      options.push(row);
      spotOf.set(row, {
        stock: s.dlcSpot?.stock ?? false,
        ...(s.dlcSpot?.discount !== undefined ? { discount: s.dlcSpot.discount } : {}),
      });
    }
  }
  // Spot rows (docs/spot.md): DLC's own price × ListEcsSpecs' NonProtectSpotDiscount; the only risk
  // DLC states is SpotStockStatus, so reclaims are expected at acp's pessimistic default rate.
  for (const o of spotCandidates(intent, options)) {
    const spot = spotOf.get(o);
    if (!spot?.stock || spot.discount === undefined) continue;
    options.push(
      spotRow(intent, o, {
        hourly: Math.round(o.unitPricePerHour * spot.discount * 10_000) / 10_000,
        rate: 'SpotStockStatus WithStock',
        source: 'ListEcsSpecs',
        reclaimsPerHour: reclaimsPerHour(undefined),
        spotDiscount: spot.discount,
      }),
    );
  }
  if (options.length === 0) {
    const fittingAnywhere = new Set(perRegion.flatMap((r) => r.fitting));
    const soldOut = [...new Set(perRegion.flatMap((r) => r.soldOut))];
    const why =
      lookupFailure(found, 'dlc') ??
      (fittingAnywhere.size === 0
        ? `no PAI-DLC public spec fits ${shapeOf(intent)}`
        : soldOut.length > 0
          ? `no stock of ${soldOut.slice(0, OPTIONS_PER_REGION).join(', ')} in ${regions.join(', ')} (ListEcsSpecs IsAvailable=false)`
          : `no price for the fitting DLC specs in ${regions.join(', ')}`);
    options.push(infeasible(regions[0], why, intent.durationMinutes));
  }
  return options;
}

async function requote(option: QuoteOption): Promise<number | undefined> {
  const price = await described(
    api.describeDlcSpecPrice,
    `The DLC price of ${option.spec} in ${option.region} again`,
    { regionId: option.region, spec: option.spec },
  );
  // A spot row is priced as it was quoted: the DLC price × its discount (NonProtectSpotDiscount).
  const discount = option.spot ? (option.spotDiscount ?? 1) : 1;
  return (Math.round(price.hourly * discount * 10_000) / 10_000) * WORKERS;
}

/** The job's step: one job per (region, spec, spot or not) a run tries. */
function jobStep(attempt: Attempt): string {
  return `job-${attempt.regionId}-${attempt.spec}${attempt.option.spot ? '-spot' : ''}`;
}

function deployer(ctx: DeployContext): Deployer {
  const kit = deployKit(ctx);
  const { owner } = kit;

  return {
    /** A reclaimed spot job is stopped and deleted now, ahead of the saga. */
    async releaseAttempt(deployment: Deployment): Promise<void> {
      await described(release.releaseDlcJob, `StopJob + DeleteJob ${deployment.handles.jobId} (reclaimed)`, {
        regionId: deployment.attempt.regionId,
        ...owner(jobStep(deployment.attempt)),
        id: deployment.handles.jobId,
      });
    },

    async deploy(attempt: Attempt): Promise<Deployment> {
      const { regionId, spec, option } = attempt;
      const step = jobStep(attempt);
      const gpu = option.gpu !== undefined;
      const { image, jobType } = dlcImage(ctx.script.content, regionId, gpu);
      const maxMinutes = jobMaxRunningMinutes(
        ctx.intent.durationMinutes,
        option.unitPricePerHour,
        ctx.intent.budget?.cny,
      );
      // Registered before CreateJob: a job whose create answer was lost is found by its DisplayName.
      const { created, id: jobId } = await kit.create({
        kind: 'dlc-job',
        label: `DLC job ${spec} in ${regionId}`,
        regionId,
        step,
        create: async () => {
          // Checkpoints: the job mounts the run's bucket in its region from DataSources (planner/checkpoint.ts).
          const mount = ctx.checkpoint ? await ctx.checkpoint(regionId) : undefined;
          ctx.progress(
            `creating a DLC job on ${spec} in ${regionId} (JobMaxRunningTimeMinutes ${maxMinutes})`,
          );
          return described(api.createDlcJob, `CreateJob: ${spec} in ${regionId}`, {
            regionId,
            ecsSpec: spec,
            image,
            jobType,
            command: runnableScript(ctx.script),
            maxRunningMinutes: maxMinutes,
            ...(option.spot && option.spotDiscount !== undefined
              ? { spotDiscountLimit: option.spotDiscount }
              : {}),
            ...(mount
              ? { dataSources: [dlcCheckpointSource(mount)], envs: { ACP_CHECKPOINT_DIR: CHECKPOINT_DIR } }
              : {}),
            ...owner(step),
          });
        },
        idOf: (c) => c.jobId,
      });
      ctx.progress(`created DLC job ${jobId} (JobMaxRunningTimeMinutes ${maxMinutes})`);
      try {
        await described(wait.waitDlcJobAdmitted, `Wait for DLC job ${jobId} to leave the queue`, {
          regionId,
          jobId,
          ecsSpec: spec,
        });
      } catch (err) {
        // Sold out: stop the queued job now so it cannot start (and bill) later while the run fails
        // over; the saga deletes it at the end.
        if (alibabaDetails(err)?.kind === 'sold-out') {
          const id = jobId;
          await CancellationScope.nonCancellable(() =>
            described(api.stopDlcJob, `StopJob ${id} (no stock)`, { regionId, jobId: id }),
          );
        }
        throw err;
      }
      return {
        attempt,
        handles: { jobId, displayName: created.displayName, maxRunningMinutes: String(maxMinutes) },
      };
    },

    async execute(deployment: Deployment): Promise<Execution> {
      const { regionId } = deployment.attempt;
      const { jobId } = deployment.handles;
      const maxMinutes = Number(deployment.handles.maxRunningMinutes);
      const started = new Date(Date.now()).toISOString();
      const deadline = Date.now() + (maxMinutes + DEADLINE_GRACE_MINUTES) * 60_000;
      let lastStatus = '';
      let output = '';
      // Poll from the workflow (not inside one long activity) so each poll updates the status query.
      const pause = pollPause();
      for (;;) {
        const job = await described(api.getDlcJob, `GetJob ${jobId}`, { regionId, jobId });
        if (job.status !== lastStatus) {
          ctx.progress(
            `DLC job ${jobId}: ${job.status}${job.reasonMessage ? ` (${job.reasonMessage})` : ''}`,
          );
          lastStatus = job.status;
        }
        const podId = job.podIds[0];
        if (podId && job.status !== 'EnvPreparing') {
          const lines = await described(api.getDlcPodLogs, `GetPodLogs ${podId}`, {
            regionId,
            jobId,
            podId,
            maxLines: LOG_LINES,
          });
          if (lines.length > 0 || job.finished) output = lines.join('\n');
        }
        const tail = output.slice(-OUTPUT_TAIL_CHARS);
        if (job.finished && job.evicted) {
          // Spot: DLC shows a reclaim as the job failing with its pods evicted (docs/spot.md).
          return {
            outputTail: tail,
            startedAt: started,
            finishedAt: new Date(Date.now()).toISOString(),
            reclaimed: `DLC job ${jobId} failed: its spot node was reclaimed (pod evicted${job.reasonMessage ? `; ${job.reasonMessage}` : ''})`,
          };
        }
        if (job.finished) {
          const exitCode = exitCodeOf(job.status, job.reasonMessage);
          const why =
            exitCode === 0
              ? ''
              : `\n[PAI-DLC] job ${job.status}: ${job.reasonCode} ${job.reasonMessage}`.trimEnd();
          return {
            exitCode,
            outputTail: `${tail}${why}`.slice(-OUTPUT_TAIL_CHARS),
            startedAt: started,
            finishedAt: new Date(Date.now()).toISOString(),
          };
        }
        ctx.executing({ outputTail: tail, startedAt: started });
        if (Date.now() > deadline) {
          await described(api.stopDlcJob, `StopJob ${jobId} (past its deadline)`, { regionId, jobId });
          return {
            exitCode: 124,
            outputTail:
              `${tail}\n[acp] DLC job ${jobId} still ${job.status} ${maxMinutes + DEADLINE_GRACE_MINUTES} min after it started; stopped`.slice(
                -OUTPUT_TAIL_CHARS,
              ),
            startedAt: started,
            finishedAt: new Date(Date.now()).toISOString(),
          };
        }
        await pause();
      }
    },
  };
}

export const pai: ProductSteps = { product: 'pai', needs, quote, requote, deployer };
