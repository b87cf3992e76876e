// `acp worker`'s log (client/local-stack.ts operatorLogger): a run acp ends FAILED or REJECTED on
// purpose, or an attempt that met an Alibaba code, is one line naming the run and the reason; any
// other warning keeps the SDK's whole entry for the operator.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ApplicationFailure } from '@temporalio/common';
import { operatorLogger } from '../../client/local-stack';

function capture() {
  const lines: string[] = [];
  return { lines, logger: operatorLogger(false, (line) => lines.push(line)) };
}

test("a run's own failure is one line with the run id and its reason, no task token or stack", () => {
  const { lines, logger } = capture();
  const error = ApplicationFailure.create({
    message: 'REJECTED · ecs ecs.c6.large in cn-hangzhou-h · est. CNY 0.22 — rejected by ops\nsecond line',
    type: 'REJECTED',
    nonRetryable: true,
  });
  logger.warn('Workflow failed', { workflowId: 'acp-1234abcd', runId: 'r-1', taskToken: 'tok', error });
  logger.warn('Activity failed', {
    workflowId: 'acp-1234abcd',
    activityType: 'runInstances',
    error: ApplicationFailure.nonRetryable('QuotaExceed.ElasticQuota: the quota is used up', 'QuotaExceed'),
  });
  assert.equal(lines.length, 2);
  assert.match(
    lines[0]!,
    /^\d{4}-\d\d-\d\dT\S+ \[WARN\] Workflow failed \(acp-1234abcd\): REJECTED · ecs ecs\.c6\.large in cn-hangzhou-h · est\. CNY 0\.22 — rejected by ops\n$/,
  );
  assert.match(
    lines[1]!,
    /\[WARN\] Activity failed \(acp-1234abcd runInstances\): QuotaExceed\.ElasticQuota/,
  );
  assert.doesNotMatch(lines.join(''), /tok|second line|at .*\.js/);
});

test('an unexpected warning is not shortened: it goes to the SDK log with its meta', () => {
  const { lines, logger } = capture();
  const written: string[] = [];
  const stderrWrite = process.stderr.write.bind(process.stderr);
  const stdoutWrite = process.stdout.write.bind(process.stdout);
  const keep = (chunk: unknown) => {
    written.push(String(chunk));
    return true;
  };
  process.stderr.write = keep as typeof process.stderr.write;
  process.stdout.write = keep as typeof process.stdout.write;
  const log = console.warn;
  const errorLog = console.error;
  console.warn = (...args: unknown[]) => written.push(args.map(String).join(' '));
  console.error = console.warn;
  try {
    logger.warn('Activity failed', { activityType: 'runInstances', error: new TypeError('x is undefined') });
  } finally {
    process.stderr.write = stderrWrite;
    process.stdout.write = stdoutWrite;
    console.warn = log;
    console.error = errorLog;
  }
  assert.deepEqual(lines, [], 'not the one-line form');
  assert.match(written.join(''), /Activity failed/);
  assert.match(written.join(''), /x is undefined/);
});
