// Function Compute 3.0 in the workflow layer: quote (published unit prices × the function's size
// and expected run time, one row in the chosen region; FC has no price or stock API), deploy
// (CreateFunction with its DeleteFunction undo registered first, then wait for Active; GPU functions
// are custom-container functions), execute (a sync InvokeFunction for runs of at most a minute,
// otherwise an async invocation with no retries, polled with GetAsyncTask so the status query
// moves), release (DeleteFunction with its async config, through the saga). docs/fc.md.
import { ApplicationFailure, sleep } from '@temporalio/workflow';
import { FC_UNIT_PRICES, fcEstimate, fcUnitPricePerHour } from '../../planner/pricing';
import { type FcFit, fcFit } from '../../planner/products';
import { runnableScript } from '../../planner/script-kind';
import type { Intent, QuoteOption } from '../../planner/types';
import { api, described, release, wait } from '../activity-options';
import type { Execution, ResourceRecord } from '../messages';
import type { Attempt, DeployContext, Deployer, Deployment, ProductSteps, QuoteInput } from './types';

/** Seconds from confirmation to a running script: CreateFunction + a cold start. */
const READY_IN_SECONDS = 10;
/** Expected runs up to this long are invoked synchronously; longer ones asynchronously. */
const SYNC_LIMIT_SECONDS = 60;
/** The function may run this many times its expected duration before FC stops it (FC bills use only). */
const TIMEOUT_HEADROOM = 2;
const MIN_TIMEOUT_SECONDS = 60;
const MAX_TIMEOUT_SECONDS = 86_400;
const OUTPUT_TAIL_CHARS = 4000;
const MAX_POLL_MS = 30_000;

function spec(fit: FcFit): string {
  const size = `${fit.cpu} vCPU ${fit.memoryMiB / 1024} GB`;
  return fit.gpu ? `${fit.gpu.gpuType} ${size}` : size;
}

function specNote(fit: FcFit, intent: Intent): string {
  const gpu = fit.gpu ? `${fit.gpu.gpuMemoryMiB / 1024} GB GPU memory (custom container) · ` : '';
  // Said before the yes: FC gives an async run's output only to accounts in its returnPayload preview.
  const async = invokesSynchronously(intent) ? '' : ' · async: FC reports pass/fail, not the output';
  return `${gpu}per use at published prices (${FC_UNIT_PRICES.date})${async}`;
}

/** The function timeout: room for a slow run, never past FC's 24 h. */
export function functionTimeoutSeconds(intent: Intent): number {
  const expected = Math.ceil(intent.durationMinutes * 60);
  return Math.min(MAX_TIMEOUT_SECONDS, Math.max(MIN_TIMEOUT_SECONDS, expected * TIMEOUT_HEADROOM));
}

export function invokesSynchronously(intent: Intent): boolean {
  return intent.durationMinutes * 60 <= SYNC_LIMIT_SECONDS;
}

async function quote(input: QuoteInput): Promise<QuoteOption[]> {
  const { intent, regions } = input;
  const fit = fcFit(intent);
  if (!fit.fits) {
    return [
      {
        product: 'fc',
        region: regions[0] ?? '—',
        spec: '—',
        unitPricePerHour: 0,
        durationMinutes: intent.durationMinutes,
        estimatedTotal: 0,
        readyInSeconds: READY_IN_SECONDS,
        resources: [],
        cleanup: '',
        feasible: false,
        reason: fit.reason,
      },
    ];
  }
  // FC publishes one price list and runs functions in every region acp compares, so every region
  // would be the same row at the same price; equal totals would then be ordered by region name and
  // lose the planner's choice (an overseas script must run in ap-southeast-1). One row, in the
  // chosen region, is the honest offer.
  const unit = fcUnitPricePerHour(fit);
  const total = fcEstimate(fit, intent.durationMinutes);
  const region = regions[0] ?? '—';
  const option: QuoteOption = {
    product: 'fc',
    region,
    spec: spec(fit),
    specNote: specNote(fit, intent),
    unitPricePerHour: unit,
    durationMinutes: intent.durationMinutes,
    estimatedTotal: total,
    readyInSeconds: READY_IN_SECONDS,
    resources: [fit.gpu ? `function (${fit.gpu.gpuType})` : 'function'],
    cleanup: 'DeleteFunction',
    feasible: true,
    cpu: fit.cpu,
    memoryGiB: fit.memoryMiB / 1024,
    ...(intent.gpu ? { gpu: { model: intent.gpu.model, count: intent.gpu.count } } : {}),
  };
  return [option];
}

function deployer(ctx: DeployContext): Deployer {
  const record = (id: string, regionId: string): ResourceRecord => ({ type: 'function', id, regionId });
  /** Regions whose DeleteFunction undo is registered (a BLOCKED retry deploys the same region again). */
  const undoRegistered = new Set<string>();
  /** Functions whose create returned, by region: reported even if the cloud lost them before release. */
  const created = new Map<string, string>();

  return {
    async deploy(attempt: Attempt): Promise<Deployment> {
      const { regionId } = attempt;
      const fit = fcFit(ctx.intent);
      if (!fit.fits)
        throw ApplicationFailure.nonRetryable(`FC cannot run this job: ${fit.reason}`, 'NotFeasible');
      if (!undoRegistered.has(regionId)) {
        undoRegistered.add(regionId);
        // The function name comes from the workflow id, so this undo finds the function even when the
        // CreateFunction answer never arrived.
        ctx.saga.add(`function in ${regionId}`, async () => {
          const out = await described(release.deleteFunction, `DeleteFunction in ${regionId}`, {
            regionId,
            workflowId: ctx.workflowId,
          });
          const name = out.ids[0] ?? created.get(regionId);
          return name ? [record(name, regionId)] : [];
        });
      }
      ctx.progress(`creating an FC function (${attempt.spec}) in ${regionId}`);
      const fn = await described(api.createFunction, `CreateFunction ${attempt.spec} in ${regionId}`, {
        regionId,
        workflowId: ctx.workflowId,
        step: `function-${regionId}`,
        script: runnableScript(ctx.script),
        cpu: fit.cpu,
        memoryMiB: fit.memoryMiB,
        timeoutSeconds: functionTimeoutSeconds(ctx.intent),
        ...(fit.gpu ? { gpu: fit.gpu } : {}),
      });
      created.set(regionId, fn.functionName);
      ctx.created(record(fn.functionName, regionId));
      await described(wait.waitFunctionActive, `Wait for function ${fn.functionName} to be Active`, {
        regionId,
        functionName: fn.functionName,
      });
      return { attempt, handles: { functionName: fn.functionName } };
    },

    async execute(deployment: Deployment): Promise<Execution> {
      const { regionId } = deployment.attempt;
      const { functionName } = deployment.handles;
      const startedAt = new Date(Date.now()).toISOString();
      const finished = (r: { exitCode?: number; output?: string }): Execution => ({
        exitCode: r.exitCode ?? 1,
        outputTail: (r.output ?? '').slice(-OUTPUT_TAIL_CHARS),
        startedAt,
        finishedAt: new Date(Date.now()).toISOString(),
      });
      // A GPU function is a container without code: the script travels as the invocation body.
      const script = fcFit(ctx.intent).gpu ? { script: runnableScript(ctx.script) } : {};
      if (invokesSynchronously(ctx.intent)) {
        const result = await described(wait.invokeFunction, `InvokeFunction ${functionName} (sync)`, {
          regionId,
          functionName,
          timeoutSeconds: functionTimeoutSeconds(ctx.intent),
          ...script,
        });
        return finished(result);
      }
      const { taskId } = await described(
        api.startAsyncInvocation,
        `PutAsyncInvokeConfig (task mode, no retries) + InvokeFunction ${functionName} (async)`,
        { regionId, functionName, workflowId: ctx.workflowId, ...script },
      );
      // Poll from the workflow so each poll updates the status query; the interval grows so a long
      // job does not bloat the history.
      let interval = 1_000;
      let lastStatus = '';
      for (;;) {
        const task = await described(api.describeAsyncTask, `GetAsyncTask ${taskId}`, {
          regionId,
          functionName,
          taskId,
        });
        if (task.finished) return finished(task);
        // The task's state is progress, not script output: FC returns the output only at the end.
        if (task.status !== lastStatus) ctx.progress(`async task ${taskId}: ${task.status}`);
        lastStatus = task.status;
        await sleep(interval);
        interval = Math.min(interval * 2, MAX_POLL_MS);
      }
    },
  };
}

export const fc: ProductSteps = { product: 'fc', quote, deployer };
