// The provisioning workflow (docs/architecture.md, the steps of a run): parse → script → region → candidates → quotes → choose →
// confirm → re-quote → create (with failover) → execute → release → result. Every step is durable:
// a crashed worker resumes here, a lost create response is found by tag and released, a cancelled run
// still releases everything it made.
import {
  ActivityFailure,
  ApplicationFailure,
  CancellationScope,
  condition,
  isCancellation,
  setHandler,
  workflowInfo,
} from '@temporalio/workflow';
import {
  candidateProducts,
  checkScript,
  chooseRegion,
  describeScript,
  generateScript,
  parseDuration,
  parseIntent,
} from '../planner';
import { failoverOrder, placementKey } from '../planner/failover';
import { publicNetworkNeed } from '../planner/network';
import { accruedCost, chooseOption, estimateTotal, requoteNeedsConfirmation } from '../planner/pricing';
import {
  type Intent,
  IntentError,
  type ProvisionRequest,
  type QuoteOption,
  type RegionChoice,
  type Script,
} from '../planner/types';
import { api } from './activity-options';
import { Approval, decisionOf } from './approval';
import { RunCheckpoint } from './checkpoint';
import { alibabaDetails, errorSummary } from './failures';
import {
  approveUpdate,
  blockedNextStep,
  confirmSignal,
  type ProvisionResult,
  rejectSignal,
  retrySignal,
  statusQuery,
  teardownSignal,
} from './messages';
import { stepsFor } from './products';
import type { Deployer, Deployment } from './products/types';
import { quoteProducts } from './quote';
import { endRun, RunState } from './run-state';
import { Saga } from './saga';
import { SlackThread } from './slack-thread';
import { attemptCost, attemptsCost, runWithRecovery } from './spot-recovery';

const DEFAULT_BLOCKED_TIMEOUT = '1h';
/** How often a live service's cloud-side backstop is pushed forward. */
const KEEP_ALIVE_MS = 20 * 60_000;
const BACKSTOP_MS = 60 * 60_000;

export interface ProvisionOptions extends ProvisionRequest {
  /** How long a BLOCKED run waits for `retry` before it releases and fails. */
  blockedTimeout?: string;
}

export async function provision(request: ProvisionOptions): Promise<ProvisionResult> {
  const run = new RunState(workflowInfo().workflowId);
  // With ACP_SLACK_* on the worker: the comparison with buttons, then progress and the receipt.
  const slack = new SlackThread(run);
  try {
    return endRun(await provisionSteps(request, run));
  } catch (err) {
    // Cancelled before anything was created (at the prompt, while quoting): say so where the run is
    // listed; a cancel after creation has released and said so already.
    if (isCancellation(err) && run.status.status !== 'CANCELLED')
      run.set('CANCELLED', 'cancelled; nothing was created');
    throw err;
  } finally {
    await slack.flush();
  }
}

async function provisionSteps(request: ProvisionOptions, run: RunState): Promise<ProvisionResult> {
  const { workflowId } = workflowInfo();
  const s = run.status;
  const approval = new Approval(run, request.confirmTimeout);
  let teardown: { by: string; reason?: string } | undefined;
  let retryRequested = false;

  setHandler(statusQuery, () => s);
  setHandler(confirmSignal, (input) => approval.confirm(input));
  setHandler(rejectSignal, (input) => approval.reject(input));
  setHandler(approveUpdate, (input) => approval.approve(input), {
    validator: (input) => approval.validate(input),
  });
  setHandler(teardownSignal, (input) => {
    teardown ??= { by: input?.by ?? 'signal', reason: input?.reason };
  });
  setHandler(retrySignal, () => {
    retryRequested = true;
  });

  // 1–4: plan.
  const plan = await planRun(request, run, { scriptRequired: true });
  if (!plan) return s;
  const { intent, script } = plan;

  // 6: choose.
  const choice = chooseOption(s.options, intent.budget, regionsFor(intent, plan.region), {
    spot: intent.spot,
  });
  s.recommended = choice.recommended;
  if (choice.recommended === undefined) {
    run.set('OVER_BUDGET', choice.reason);
    return s;
  }
  s.estimatedCost = s.options[choice.recommended].estimatedTotal;

  // 7: confirm. 8: re-quote right before the first paid create, and ask again if the price rose.
  // Every status change from here to the first create stays in this function, with no await between
  // it and the next activity: the run's Web UI copies are written after that activity is scheduled
  // (workflows/run-state.ts), and older histories replay only in that order.
  const confirmed = request.skipConfirmation
    ? proceedUnconfirmed(run, choice.recommended, choice.reason)
    : await confirmChoice(run, approval, choice.reason);
  if (confirmed === undefined) return s;
  s.chosen = s.options[confirmed];
  s.estimatedCost = s.chosen.estimatedTotal;

  const steps = stepsFor(s.chosen.product);

  run.set('PROVISIONING', `checking the price of ${s.chosen.spec} in ${s.chosen.region} again`);
  const hourly = steps.requote ? await steps.requote(s.chosen) : undefined;
  let chosen: QuoteOption = s.options[confirmed];
  if (hourly !== undefined && priceRose(chosen, hourly)) {
    const repriced = request.skipConfirmation
      ? repricedUnconfirmed(run, intent, confirmed, hourly)
      : await confirmNewPrice(run, approval, confirmed, hourly);
    if (!repriced) return s;
    chosen = repriced;
    run.set('PROVISIONING', `creating ${chosen.product} resources`);
  }

  // 9–11: create, execute, release.
  const saga = new Saga();
  const checkpoint = intent.checkpoint
    ? new RunCheckpoint(workflowId, saga, {
        created: (r) => run.created(r),
        progress: (m) => run.progress(m),
      })
    : undefined;
  const deployer = steps.deployer({
    workflowId,
    intent,
    script,
    saga,
    created: (r) => run.created(r),
    kept: (r) => run.kept(r),
    progress: (m) => run.progress(m),
    executing: (e) => run.executing(e),
    ...(checkpoint ? { checkpoint: (regionId: string) => checkpoint.forAttempt(regionId) } : {}),
    published: (urls) => run.published(urls),
  });
  let cancelled: unknown;
  let deployedAt: number | undefined;
  let deployment: Deployment | undefined;
  /** True while the script runs: a teardown or cancellation then stops it before the release. */
  let scriptRunning = false;
  try {
    // Teardown wins over whatever runs: a service whose command stays in the foreground (or a
    // create still under way) is interrupted, its product stops the command, and the saga releases.
    const runOn = async (
      option: QuoteOption,
      skip: ReadonlySet<string> = new Set(),
      started?: (d: Deployment) => void,
    ) => {
      const deployed = await deployWithFailover(deployer, option, skip);
      deployment = deployed;
      deployedAt = Date.now();
      started?.(deployed);
      s.chosen = {
        ...option,
        region: deployed.attempt.regionId,
        zone: deployed.attempt.zoneId,
        spec: deployed.attempt.spec,
      };
      run.set('RUNNING', `running the script on ${describeDeployment(deployed)}`);
      scriptRunning = true;
      const done = await deployer.execute(deployed);
      scriptRunning = false;
      return { deployment: deployed, execution: done };
    };
    const execution = await untilTeardown(async () =>
      chosen.spot
        ? // Spot: reclaims are recovered on new capacity (workflows/spot-recovery.ts).
          runWithRecovery(
            chosen,
            intent,
            run,
            {
              runOn,
              ...(deployer.releaseAttempt ? { releaseAttempt: (d) => deployer.releaseAttempt!(d) } : {}),
            },
            () => intent.spotFallback === true || s.confirmation?.spotFallback === true,
          )
        : (await runOn(chosen)).execution,
    );
    if (deployedAt !== undefined) s.accruedCost = runCost(deployedAt);
    if (!execution) {
      s.execution = { outputTail: s.execution?.outputTail ?? '', ...s.execution, finishedAt: now() };
      // A one-shot stopped before it finished did not do its job; a service is meant to end this way.
      if (intent.kind !== 'service') {
        s.error = {
          code: 'TornDown',
          message: `teardown requested by ${teardown!.by} before the script finished; it was stopped`,
        };
      }
    } else {
      s.execution = execution;
      if (execution.exitCode !== 0) {
        s.error = { code: 'ScriptFailed', message: `the script exited with code ${execution.exitCode}` };
      } else if (intent.kind === 'service' && deployment && deployedAt !== undefined) {
        await keepServiceAlive(deployer, deployment, deployedAt);
      }
    }
  } catch (err) {
    if (isCancellation(err)) cancelled = err;
    else s.error = errorSummary(err);
  } finally {
    if (scriptRunning && deployment && deployer.stop) {
      const d = deployment;
      run.progress('stopping the script');
      // Best effort: releasing what runs it ends the script anyway.
      await CancellationScope.nonCancellable(() => deployer.stop!(d)).catch((err: unknown) =>
        run.progress(`could not stop the script (${errorSummary(err).message}); releasing anyway`),
      );
    }
    // Usage-billed charges (public traffic) are read while the resource still exists; a failed read
    // never holds up the release.
    if (deployment && deployer.usage) {
      const d = deployment;
      s.usage = await CancellationScope.nonCancellable(() => deployer.usage!(d)).catch((err) => {
        run.progress(`could not read the usage charges: ${errorSummary(err).message}`);
        return undefined;
      });
    }
    run.set('RELEASING', 'releasing everything this run created');
    const report = await saga.compensate((label) => run.progress(`releasing ${label}`));
    const releasedIds = new Set(report.released.map((r) => r.id));
    for (const r of report.released) {
      if (!s.resourcesCreated.some((c) => c.id === r.id)) s.resourcesCreated.push(r);
    }
    s.resourcesReleased = report.released;
    s.leftBehind = [
      ...s.resourcesCreated.filter((r) => !releasedIds.has(r.id)),
      ...report.failed.map((f) => ({ type: 'unknown' as const, id: f.label, regionId: chosen.region })),
    ];
    if (deployedAt !== undefined) s.accruedCost = runCost(deployedAt) + usageCost(s.usage);
  }
  if (cancelled) {
    run.set('CANCELLED', 'cancelled; everything it created was released');
    throw cancelled;
  }
  const leak = s.leftBehind.length > 0 ? `; LEFT BEHIND: ${s.leftBehind.map((r) => r.id).join(', ')}` : '';
  if (s.error)
    run.set('FAILED', `${s.error.code ? `${s.error.code}: ` : ''}${s.error.message}; released${leak}`);
  else if (teardown)
    run.set(
      'SUCCEEDED',
      `torn down by ${teardown.by}${teardown.reason ? ` (${teardown.reason})` : ''}; released${leak}`,
    );
  else
    run.set(
      'SUCCEEDED',
      `finished${s.execution ? ` with exit code ${s.execution.exitCode}` : ''}; released${leak}`,
    );
  return s;

  // ---- steps ----

  /** What the run has cost: every attempt of a spot run, else the one deployment since it came up. */
  function runCost(since: number): number {
    if (s.attempts && s.attempts.length > 0) {
      const running = s.attempts.find((a) => !a.ended);
      if (running) running.cost = attemptCost(running.hourly, Date.now() - Date.parse(running.startedAt));
      return attemptsCost(s.attempts);
    }
    return accruedCost(chosen.unitPricePerHour, Date.now() - since);
  }

  /**
   * Runs `work` until it ends or a teardown arrives; on teardown its scope is cancelled (each
   * product stops its command on cancellation) and the answer is undefined. A cancelled workflow
   * still ends as a cancellation.
   */
  async function untilTeardown<T>(work: () => Promise<T>): Promise<T | undefined> {
    const scope = new CancellationScope();
    let finished = false;
    condition(() => finished || teardown !== undefined)
      .then(() => {
        if (finished) return;
        run.progress(
          `teardown requested by ${teardown!.by}${teardown!.reason ? `: ${teardown!.reason}` : ''}; stopping the script`,
        );
        scope.cancel();
      })
      .catch(() => undefined); // the workflow itself was cancelled: the scope goes with it
    try {
      return await scope.run(work);
    } catch (err) {
      if (teardown !== undefined && isCancellation(err)) return undefined;
      throw err;
    } finally {
      finished = true;
    }
  }

  async function deployWithFailover(
    d: Deployer,
    option: QuoteOption,
    skip: ReadonlySet<string> = new Set(),
  ): Promise<Deployment> {
    const soldOut = new Set<string>(skip);
    // A spot run fails over to spot capacity, a pay-as-you-go one to pay-as-you-go.
    const sameKind = s.options.filter((o) => !!o.spot === !!option.spot);
    for (;;) {
      const [next] = failoverOrder(option, sameKind, soldOut);
      if (!next) {
        throw ApplicationFailure.nonRetryable(
          `every zone, region and spec acp may use for ${option.product} is sold out (tried ${[...soldOut].join(', ')})`,
          'OperationDenied.NoStock',
        );
      }
      try {
        return await d.deploy({
          option: next.option,
          regionId: next.regionId,
          zoneId: next.zoneId,
          spec: next.spec,
        });
      } catch (err) {
        const details = alibabaDetails(err);
        if (details?.kind === 'sold-out') {
          soldOut.add(placementKey(next));
          run.progress(
            `${details.code} for ${next.spec} in ${next.zoneId ?? next.regionId}; trying the next placement`,
          );
          continue;
        }
        if (details?.kind === 'blocked') {
          const nextStep = blockedNextStep(details.nextStep, workflowId);
          s.blocked = { code: details.code, message: details.message, nextStep };
          retryRequested = false;
          run.set('BLOCKED', `${details.code}: ${details.message} — ${nextStep}`);
          const resumed = await condition(
            () => retryRequested,
            parseDuration(request.blockedTimeout ?? DEFAULT_BLOCKED_TIMEOUT, 'blockedTimeout'),
          );
          s.blocked = undefined;
          if (!resumed) throw err;
          run.set('PROVISIONING', `retrying after ${details.code}`);
          continue;
        }
        throw err;
      }
    }
  }

  /** A service stays up until teardown, its TTL, or the budget guard; its backstop moves with it. */
  async function keepServiceAlive(d: Deployer, deployment: Deployment, since: number): Promise<void> {
    const ttlMs = request.ttl ? parseDuration(request.ttl, 'ttl') : undefined;
    const unit = chosen.unitPricePerHour;
    const budget = intent.budget?.cny;
    for (;;) {
      const elapsed = Date.now() - since;
      s.accruedCost = accruedCost(unit, elapsed);
      if (budget !== undefined && s.accruedCost >= budget) {
        run.progress(
          `budget guard: accrued CNY ${s.accruedCost.toFixed(2)} reached the budget of CNY ${budget.toFixed(2)}`,
        );
        return;
      }
      if (ttlMs !== undefined && elapsed >= ttlMs) {
        run.progress(`TTL of ${request.ttl} reached`);
        return;
      }
      const untilBudget =
        budget !== undefined && unit > 0 ? ((budget - s.accruedCost) / unit) * 3_600_000 : Infinity;
      const untilTtl = ttlMs !== undefined ? ttlMs - elapsed : Infinity;
      const wakeIn = Math.max(1_000, Math.ceil(Math.min(KEEP_ALIVE_MS, untilBudget, untilTtl)));
      run.status.message = `service running${teardown ? '' : `; send \`acp teardown ${workflowId}\` to release it`}`;
      if (await condition(() => teardown !== undefined, wakeIn)) {
        run.progress(
          `teardown requested by ${teardown!.by}${teardown!.reason ? `: ${teardown!.reason}` : ''}`,
        );
        return;
      }
      await d.keepAlive?.(deployment, Date.now() + BACKSTOP_MS);
    }
  }
}

/** Step 7 without a person (skipConfirmation): the recommended option, on record as such. */
function proceedUnconfirmed(run: RunState, recommended: number, reason: string): number {
  run.status.confirmation = { by: 'skipConfirmation', at: now(), option: recommended + 1 };
  run.progress(`proceeding without confirmation (skipConfirmation): ${reason}`);
  return recommended;
}

/** Step 7: a person's yes. The index of the option to create, or undefined when the run ended. */
async function confirmChoice(run: RunState, approval: Approval, reason: string): Promise<number | undefined> {
  const a = await approval.ask(`waiting for confirmation: ${reason}`);
  if (!a) {
    run.set('EXPIRED', `nobody confirmed within ${approval.timeout}; nothing was created`);
    return undefined;
  }
  run.status.confirmation = decisionOf(a);
  if (a.kind === 'reject') {
    run.set('REJECTED', `rejected by ${a.by}${a.reason ? `: ${a.reason}` : ''}; nothing was created`);
    return undefined;
  }
  return a.option - 1;
}

/** Step 8: whether the re-quoted total is more than 10 % above the quote (a spot row: its bare run). */
function priceRose(option: QuoteOption, hourly: number): boolean {
  const total = estimateTotal(hourly, option.durationMinutes);
  return requoteNeedsConfirmation(option.spotRisk?.runTotal ?? option.estimatedTotal, total);
}

/** The option at `index` at its new price, in the table and as the run's choice; what to tell the person. */
function reprice(run: RunState, index: number, hourly: number): { option: QuoteOption; rose: string } {
  const s = run.status;
  const was = s.options[index].estimatedTotal;
  const total = estimateTotal(hourly, s.options[index].durationMinutes);
  const option = { ...s.options[index], unitPricePerHour: hourly, estimatedTotal: total };
  s.options[index] = option;
  s.chosen = option;
  s.estimatedCost = total;
  return {
    option,
    rose: `the price rose from CNY ${was.toFixed(2)} to CNY ${total.toFixed(2)} since the quote`,
  };
}

/** Step 8 without a person: the new price goes ahead only within the budget. */
function repricedUnconfirmed(
  run: RunState,
  intent: Intent,
  index: number,
  hourly: number,
): QuoteOption | undefined {
  const { option, rose } = reprice(run, index, hourly);
  if (intent.budget && option.estimatedTotal > intent.budget.cny) {
    run.set(
      'OVER_BUDGET',
      `${rose}, over the budget of CNY ${intent.budget.cny.toFixed(2)}; nothing was created`,
    );
    return undefined;
  }
  run.progress(`${rose}; still within budget, proceeding (skipConfirmation)`);
  return option;
}

/** Step 8 with a person: asked again at the new price. The option to create, or undefined when the run ended. */
async function confirmNewPrice(
  run: RunState,
  approval: Approval,
  index: number,
  hourly: number,
): Promise<QuoteOption | undefined> {
  const { rose } = reprice(run, index, hourly);
  const a = await approval.ask(`${rose}: confirm again`);
  if (!a || a.kind === 'reject') {
    run.set(
      a ? 'REJECTED' : 'EXPIRED',
      `${rose}; ${a ? `rejected by ${a.by}` : 'not confirmed again'}; nothing was created`,
    );
    return undefined;
  }
  run.status.confirmation = decisionOf(a);
  run.status.chosen = run.status.options[a.option - 1];
  return run.status.chosen;
}

/** Steps 1–5, shared by `provision` and `quote`: nothing is created here. Returns undefined when ended. */
async function planRun(
  request: ProvisionRequest,
  run: RunState,
  options: { scriptRequired: boolean },
): Promise<{ intent: Intent; script: Script; region: RegionChoice } | undefined> {
  const s = run.status;
  run.set('PARSING', 'reading the request');
  const intent = invalidInputAsFailure(() => parseIntent(request));
  s.intent = intent;
  s.warnings.push(...intent.warnings);
  const bareShape =
    !options.scriptRequired && !request.script && (!intent.template || intent.template === 'custom');
  const script = bareShape ? describeScript('', 'none') : await prepareScript(request, intent);
  if (!bareShape) {
    const check = checkScript(script.content, { kind: intent.kind, name: script.source });
    if (!check.ok) {
      throw ApplicationFailure.nonRetryable(`script: ${check.errors.join('; ')}`, 'InvalidIntent', {
        field: 'script',
      });
    }
    s.warnings.push(...check.warnings);
  }
  const region = chooseRegion(intent, script.content);
  s.region = region;
  const candidates = candidateProducts(intent);
  s.candidates = candidates;
  run.set('QUOTING', `comparing ${candidates.join(', ')} in ${regionsFor(intent, region).length} region(s)`);
  const network = publicNetworkNeed(intent, script.content);
  s.options = await quoteProducts(intent, regionsFor(intent, region), candidates, network);
  return { intent, script, region };
}

async function prepareScript(request: ProvisionRequest, intent: Intent): Promise<Script> {
  if (request.script?.content !== undefined)
    return describeScript(request.script.content, request.script.name || 'inline');
  if (request.script?.path) {
    // The workflow's failure must itself be InvalidIntent naming script.path, not "Activity task failed".
    const content = await api.loadScript({ path: request.script.path }).catch((err: unknown) => {
      if (err instanceof ActivityFailure && err.cause instanceof ApplicationFailure) {
        if (err.cause.type === 'InvalidIntent') throw err.cause;
      }
      throw err;
    });
    return describeScript(content, request.script.path);
  }
  return invalidInputAsFailure(() => generateScript(intent));
}

function regionsFor(intent: Intent, region: RegionChoice): string[] {
  return intent.region ? [intent.region] : [region.region, ...region.fallbacks];
}

/** The `quote` workflow behind `acp quote`: steps 1–6 only, nothing is created. */
export async function quote(request: ProvisionRequest): Promise<ProvisionResult> {
  const run = new RunState(workflowInfo().workflowId);
  setHandler(statusQuery, () => run.status);
  // A quote prices the shape: it runs nothing, so it needs no script.
  const plan = await planRun(request, run, { scriptRequired: false });
  if (!plan) return run.status;
  const choice = chooseOption(run.status.options, plan.intent.budget, regionsFor(plan.intent, plan.region), {
    spot: plan.intent.spot,
  });
  run.status.recommended = choice.recommended;
  if (choice.recommended !== undefined)
    run.status.estimatedCost = run.status.options[choice.recommended].estimatedTotal;
  run.set(choice.recommended === undefined ? 'OVER_BUDGET' : 'SUCCEEDED', choice.reason);
  return endRun(run.status);
}

function invalidInputAsFailure<T>(fn: () => T): T {
  try {
    return fn();
  } catch (err) {
    if (err instanceof IntentError) {
      // A plain Error would fail the workflow task and retry forever; bad input is final.
      throw ApplicationFailure.nonRetryable(err.message, 'InvalidIntent', { field: err.field });
    }
    throw err;
  }
}

function usageCost(usage: { cost: number }[] | undefined): number {
  return (usage ?? []).reduce((sum, u) => sum + u.cost, 0);
}

function now(): string {
  return new Date(Date.now()).toISOString();
}

function describeDeployment(d: Deployment): string {
  const where = d.attempt.zoneId ?? d.attempt.regionId;
  const handle = Object.values(d.handles)[0];
  return `${d.attempt.spec} in ${where}${handle ? ` (${handle})` : ''}`;
}
