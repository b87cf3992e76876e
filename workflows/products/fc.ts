// Function Compute 3.0 in the workflow layer: quote (published unit prices × the function's size
// and expected run time, one row in the chosen region; FC has no price or stock API), deploy
// (CreateFunction with its DeleteFunction undo registered first, then wait for Active; GPU functions
// are custom-container functions; an async run's function logs to the region's shared acp log
// project, made on first use), execute (a sync InvokeFunction for runs of at most a minute,
// otherwise an async invocation with no retries, polled with GetAsyncTask while its log lines stream
// into the status query; the output and exact exit code come from those lines), release
// (DeleteFunction with its async config, through the saga; the log project is kept). docs/fc.md.
import { ApplicationFailure, sleep } from '@temporalio/workflow';
import { FC_UNIT_PRICES, fcEstimate, fcUnitPricePerHour } from '../../planner/pricing';
import { FC_LIMITS, type FcFit, fcFit } from '../../planner/products';
import { runnableScript } from '../../planner/script-kind';
import type { Intent, QuoteOption } from '../../planner/types';
import { api, described, wait } from '../activity-options';
import type { Execution } from '../messages';
import { deployKit, notFeasible, pollPause } from './kit';
import type { Attempt, DeployContext, Deployer, Deployment, ProductSteps, QuoteInput } from './types';

/** Seconds from confirmation to a running script: CreateFunction + a cold start. */
const READY_IN_SECONDS = 10;
/** Expected runs up to this long are invoked synchronously; longer ones asynchronously. */
const SYNC_LIMIT_SECONDS = 60;
/** The function may run this many times its expected duration before FC stops it (FC bills use only). */
const TIMEOUT_HEADROOM = 2;
const MIN_TIMEOUT_SECONDS = 60;
const OUTPUT_TAIL_CHARS = 4000;
const MAX_POLL_MS = 30_000;
/** FC ships log lines within seconds; past this, a finished run's status stands in for its exit line. */
const LOG_WAIT_MS = 60_000;
const LOG_POLL_MS = 2_000;
/** Task statuses after which the function ran, so its log has (or will have) the run's lines. */
const RAN = new Set(['Succeeded', 'Failed']);

function spec(fit: FcFit): string {
  const size = `${fit.cpu} vCPU ${fit.memoryMiB / 1024} GB`;
  return fit.gpu ? `${fit.gpu.gpuType} ${size}` : size;
}

function specNote(fit: FcFit): string {
  const gpu = fit.gpu ? `${fit.gpu.gpuMemoryMiB / 1024} GB GPU memory (custom container) · ` : '';
  return `${gpu}per use at published prices (${FC_UNIT_PRICES.date})`;
}

/** What a run creates; an async run also logs to the region's shared log project (kept, free tier). */
function resourcesOf(fit: FcFit, intent: Intent): string[] {
  const fn = fit.gpu ? `function (${fit.gpu.gpuType})` : 'function';
  return invokesSynchronously(intent) ? [fn] : [fn, 'SLS log project acp-logs-* (shared, kept)'];
}

/** The function timeout: room for a slow run, never past FC's limit (24 h). */
export function functionTimeoutSeconds(intent: Intent): number {
  const expected = Math.ceil(intent.durationMinutes * 60);
  return Math.min(FC_LIMITS.maxTimeoutSeconds, Math.max(MIN_TIMEOUT_SECONDS, expected * TIMEOUT_HEADROOM));
}

export function invokesSynchronously(intent: Intent): boolean {
  return intent.durationMinutes * 60 <= SYNC_LIMIT_SECONDS;
}

async function quote(input: QuoteInput): Promise<QuoteOption[]> {
  const { intent, regions } = input;
  const fit = fcFit(intent);
  if (!fit.fits) {
    return [
      notFeasible(
        {
          product: 'fc',
          region: regions[0] ?? '—',
          durationMinutes: intent.durationMinutes,
          readyInSeconds: READY_IN_SECONDS,
        },
        fit.reason,
      ),
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
    specNote: specNote(fit),
    unitPricePerHour: unit,
    durationMinutes: intent.durationMinutes,
    estimatedTotal: total,
    readyInSeconds: READY_IN_SECONDS,
    resources: resourcesOf(fit, intent),
    cleanup: 'DeleteFunction',
    feasible: true,
    cpu: fit.cpu,
    memoryGiB: fit.memoryMiB / 1024,
    ...(intent.gpu ? { gpu: { model: intent.gpu.model, count: intent.gpu.count } } : {}),
  };
  return [option];
}

function deployer(ctx: DeployContext): Deployer {
  const kit = deployKit(ctx);
  /** Log projects already reported as kept (a BLOCKED retry deploys again). */
  const keptProjects = new Set<string>();

  return {
    async deploy(attempt: Attempt): Promise<Deployment> {
      const { regionId } = attempt;
      const fit = fcFit(ctx.intent);
      if (!fit.fits)
        throw ApplicationFailure.nonRetryable(`FC cannot run this job: ${fit.reason}`, 'NotFeasible');
      // An async run's output and exit code reach acp through Simple Log Service: the role FC writes
      // with must exist (else BLOCKED, naming it) and the region's shared log project is made once.
      const logs = invokesSynchronously(ctx.intent)
        ? undefined
        : await described(
            api.ensureFunctionLogs,
            `RAM GetRole + SLS log project for FC output in ${regionId}`,
            {
              regionId,
            },
          );
      if (logs && !keptProjects.has(logs.project)) {
        keptProjects.add(logs.project);
        ctx.progress(
          `${logs.created ? 'created' : 'using'} SLS log project ${logs.project} for the run's output`,
        );
        ctx.kept({ type: 'log-project', id: logs.project, regionId, reused: true });
      }
      const step = `function-${regionId}`;
      // The function name comes from the workflow id, so its undo finds the function even when the
      // CreateFunction answer never arrived; one undo per region (a BLOCKED retry deploys it again).
      const { created: fn } = await kit.create({
        kind: 'function',
        label: `function in ${regionId}`,
        regionId,
        step,
        perStep: true,
        create: () => {
          ctx.progress(`creating an FC function (${attempt.spec}) in ${regionId}`);
          return described(api.createFunction, `CreateFunction ${attempt.spec} in ${regionId}`, {
            regionId,
            ...kit.owner(step),
            script: runnableScript(ctx.script),
            cpu: fit.cpu,
            memoryMiB: fit.memoryMiB,
            timeoutSeconds: functionTimeoutSeconds(ctx.intent),
            ...(fit.gpu ? { gpu: fit.gpu } : {}),
            ...(logs ? { logs: { regionId, project: logs.project, logstore: logs.logstore } } : {}),
          });
        },
        idOf: (f) => f.functionName,
      });
      await described(wait.waitFunctionActive, `Wait for function ${fn.functionName} to be Active`, {
        regionId,
        functionName: fn.functionName,
      });
      const handles: Record<string, string> = { functionName: fn.functionName };
      if (logs) {
        handles.logProject = logs.project;
        handles.logstore = logs.logstore;
        // Log times are seconds on the cloud's clock; the run's lines are all after this.
        handles.since = String(Math.floor(Date.now() / 1000));
      }
      return { attempt, handles };
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
      const { logProject, logstore, since } = deployment.handles;
      const readOutput = (requestId: string | undefined) =>
        described(api.readFunctionOutput, `GetLogs: ${functionName}'s output`, {
          regionId,
          project: logProject!,
          logstore: logstore!,
          functionName,
          fromSeconds: Number(since),
          ...(requestId ? { requestId } : {}),
        });
      // Poll from the workflow so each poll updates the status query (the task's state, and the lines
      // the function has logged so far).
      const pause = pollPause(MAX_POLL_MS);
      let lastStatus = '';
      for (;;) {
        const task = await described(api.describeAsyncTask, `GetAsyncTask ${taskId}`, {
          regionId,
          functionName,
          taskId,
        });
        if (task.finished) return finished(await finalOutput(task, readOutput));
        if (task.status !== lastStatus) ctx.progress(`async task ${taskId}: ${task.status}`);
        lastStatus = task.status;
        if (task.status === 'Running') {
          const sofar = await readOutput(task.requestId);
          if (sofar.lines > 0)
            ctx.executing({ outputTail: sofar.output.slice(-OUTPUT_TAIL_CHARS), startedAt });
        }
        await pause();
      }
    },
  };

  /**
   * A finished run's output and exit code from its log lines: the exit line is the last thing its
   * server prints, and FC ships it within seconds. A run that never ran, or whose exit line does not
   * come (an instance killed at its timeout prints none), is read from the task's status.
   */
  async function finalOutput(
    task: { status: string; requestId?: string; exitCode?: number; output?: string },
    readOutput: (requestId: string | undefined) => Promise<{ output: string; exitCode?: number }>,
  ): Promise<{ exitCode?: number; output: string }> {
    for (let waited = 0; ; waited += LOG_POLL_MS) {
      const out = await readOutput(task.requestId);
      if (out.exitCode !== undefined) return out;
      if (!RAN.has(task.status) || waited >= LOG_WAIT_MS) {
        const why = RAN.has(task.status)
          ? `FC's log has no exit line for this run after ${LOG_WAIT_MS / 1000} s; the task says ${task.status}`
          : `the task ended ${task.status}`;
        ctx.progress(why);
        return {
          exitCode: task.exitCode,
          output: `${out.output}${task.output ? `${task.output}\n` : ''}(${why})`,
        };
      }
      await sleep(LOG_POLL_MS);
    }
  }
}

export const fc: ProductSteps = { product: 'fc', quote, deployer };
