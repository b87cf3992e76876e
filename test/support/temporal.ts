// A real Temporal server for workflow tests: TEMPORAL_ADDRESS when CI (or a developer) runs one,
// otherwise a dev server started from the binary client/temporal-server.ts finds. acp's search
// attributes are registered either way. Workers run the prebuilt workflow bundle (worker/workflow-bundle.ts).

import { existsSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { TestWorkflowEnvironment } from '@temporalio/testing';
import { DefaultLogger, Runtime, type WorkflowBundleOption } from '@temporalio/worker';
import { findTemporalServer, registerSearchAttributes } from '../../client/temporal-server';
import { workflowBundle as prebuiltOrFreshBundle } from '../../worker/workflow-bundle';
import { TERMINAL_STATUSES } from '../../workflows/messages';
import { SEARCH_ATTRIBUTES } from '../../workflows/search-attributes';

let runtimeInstalled = false;
/**
 * Worker state changes at INFO drown the test output; warnings and errors still show, except the
 * worker's "Workflow failed" for runs that end FAILED/REJECTED/EXPIRED/OVER_BUDGET on purpose (they
 * fail their workflow with the run's document; tests read it with support/run-result.ts).
 */
function quietRuntime(): void {
  if (runtimeInstalled) return;
  runtimeInstalled = true;
  const print = new DefaultLogger('WARN');
  const logger = new DefaultLogger('WARN', (entry) => {
    const error = entry.meta?.error as { type?: string; details?: unknown[] } | undefined;
    const runEnded =
      entry.message === 'Workflow failed' &&
      (TERMINAL_STATUSES as readonly unknown[]).includes(error?.type) &&
      (error?.details?.[0] as { status?: string } | undefined)?.status === error?.type;
    if (!runEnded) print.log(entry.level, entry.message, entry.meta);
  });
  Runtime.install({ logger });
}

/** `address`: a server the caller started; otherwise the one findTemporalServer() names. */
export async function startTemporal(address?: string): Promise<TestWorkflowEnvironment> {
  quietRuntime();
  const source = address ? ({ kind: 'existing', address } as const) : findTemporalServer();
  if (source.kind === 'existing') {
    const env = await TestWorkflowEnvironment.createFromExistingServer({
      address: source.address,
      namespace: 'default',
    });
    await registerSearchAttributes(env.connection, 'default');
    return env;
  }
  return startedWithinDeadline(() =>
    TestWorkflowEnvironment.createLocal({
      server: {
        ...(source.kind === 'binary' ? { executable: { type: 'existing-path', path: source.path } } : {}),
        searchAttributes: SEARCH_ATTRIBUTES,
        extraArgs: ['--sqlite-pragma', 'journal_mode=WAL', '--sqlite-pragma', 'synchronous=OFF'],
      },
    }),
  );
}

/**
 * The SDK gives a local server 5 s to answer (fixed in sdk-core); a loaded machine can miss that, the
 * JVM of the time-skipping server most of all, so a start that timed out is tried again (three times).
 */
async function startedWithinDeadline(
  start: () => Promise<TestWorkflowEnvironment>,
): Promise<TestWorkflowEnvironment> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await start();
    } catch (err) {
      if (attempt >= 3 || !/did not start within/.test(String((err as Error)?.message))) throw err;
    }
  }
}

/** The workflow code every test worker runs: the prebuilt bundle, or one bundled once per process. */
export function workflowBundle(): Promise<WorkflowBundleOption> {
  return prebuiltOrFreshBundle();
}

let counter = 0;
/** A task queue no other test process uses, so tests can share one server. */
export function uniqueTaskQueue(name: string): string {
  counter += 1;
  return `test-${name}-${process.pid}-${counter}`;
}

/**
 * Temporal's time-skipping test server (Java, from Maven Central): timers fire as soon as nothing
 * else is pending, so a test can cross hours of workflow time. acp's search attributes are added.
 */
export async function startTimeSkipping(): Promise<TestWorkflowEnvironment> {
  quietRuntime();
  const env = await startedWithinDeadline(() =>
    TestWorkflowEnvironment.createTimeSkipping({
      server: { executable: { type: 'existing-path', path: timeSkippingServerPath() } },
    }),
  );
  await registerSearchAttributes(env.connection, 'default');
  return env;
}

/** Temporal's time-skipping test server (scripts/fetch-temporal-test-server.sh fetches it). */
export function timeSkippingServerPath(): string {
  const path =
    process.env.TEMPORAL_TEST_SERVER_PATH ??
    join(
      process.env.XDG_CACHE_HOME ?? join(homedir(), '.cache'),
      'acp',
      'temporal-test-server-1.31.0',
      'temporal-test-server',
    );
  if (!existsSync(path))
    throw new Error(`${path} is missing: run scripts/fetch-temporal-test-server.sh (needs mvn and java)`);
  return path;
}
