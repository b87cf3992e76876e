// Malformed requests and scripts, generated: every one is refused before anything is created, with a
// message that names the field to fix. Pure checks run hundreds of cases; a sample goes through the
// real workflow (InvalidIntent, zero create calls) and a few through the CLI (exit 2).
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { ApplicationFailure, WorkflowFailedError } from '@temporalio/client';
import fc from 'fast-check';
import { createScriptActivities } from '../../activities/script';
import { checkScript, parseIntent } from '../../planner';
import { IntentError, type ProvisionRequest } from '../../planner/types';
import { provision } from '../../workflows/provision';
import { runResult } from '../support/run-result';
import { type Stack, startStack } from '../support/stack';

/** A malformed request and the field its refusal must name. */
interface BadCase {
  what: string;
  request: ProvisionRequest;
  field: string;
}

const SCRIPT = { content: 'echo ok' };
const CREATE_ACTIONS = /^(Create|Run|Authorize|Allocate|Associate|Attach)/;

const bad = (what: string, field: string, request: Record<string, unknown>): BadCase => ({
  what,
  field,
  request: { script: SCRIPT, ...request } as ProvisionRequest,
});

const notPositive = fc.oneof(
  fc.double({ max: 0, noNaN: true }),
  fc.integer({ min: -1_000_000, max: 0 }),
  fc.constantFrom(Number.NaN, Number.NEGATIVE_INFINITY),
);
const absurd = (max: number) =>
  fc.oneof(fc.double({ min: max + 1, max: 1e15, noNaN: true }), fc.constant(Number.POSITIVE_INFINITY));
const sizeOf = (field: 'cpu' | 'memoryGiB' | 'durationMinutes', max: number) =>
  fc.oneof(notPositive, absurd(max)).map((v) => bad(`${field}=${v}`, field, { [field]: v }));

const unknownGpu = fc
  .oneof(
    fc.constantFrom('RTX4090', 'H100', 'MI300X', 'TPUv4', 'K80', 'GTX1080', 'B200', 'quantum', ''),
    fc.stringMatching(/^[B-Z][A-Z]{1,6}[0-9]{0,3}$/),
  )
  .filter((m) => !/T4|V100|A10|A100|P100|H800|L20/i.test(m));
const gpuModel = unknownGpu.map((model) => bad(`gpu ${model}`, 'gpu.model', { gpu: { model, count: 1 } }));
const gpuCount = fc
  .oneof(
    fc.integer({ min: -100, max: 0 }),
    fc.integer({ min: 9, max: 10_000 }),
    fc.double({ min: 1.01, max: 7.99, noNaN: true }).filter((n) => !Number.isInteger(n)),
  )
  .map((count) => bad(`gpu count ${count}`, 'gpu.count', { gpu: { model: 'T4', count } }));

const currency = fc
  .oneof(
    fc.constantFrom('EUR', 'GBP', 'JPY', 'BTC', 'doubloons', '€', '', 'US'),
    fc.stringMatching(/^[A-Z]{3}$/),
  )
  .filter((c) => !['USD', 'CNY', 'RMB', 'US$'].includes(c.toUpperCase()))
  .map((c) => bad(`budget in ${c}`, 'budget.currency', { budget: { amount: 100, currency: c } }));
const budgetAmount = notPositive.map((amount) =>
  bad(`budget ${amount}`, 'budget.amount', { budget: { amount, currency: 'CNY' } }),
);

const comment = fc.stringMatching(/^[ a-zA-Z0-9,.]{0,30}$/).map((t) => `# ${t}`);
const placeholderScript = fc
  .oneof(
    fc.constantFrom('', '   ', '\n\n', '\t'),
    fc.array(comment, { minLength: 1, maxLength: 5 }).map((ls) => ls.join('\n')),
    fc.constantFrom('pass', '# TODO', '#!/bin/bash\n# TODO: write this', 'def main():\n    pass\n\nmain()'),
    fc.constantFrom(
      '#!/usr/bin/env python\nimport os\n\ndef train():\n    pass\n',
      'main() { :; }\nmain "$@"',
    ),
    fc.constantFrom('# TODO', '// TODO: implement', '...', 'pass\npass'),
  )
  .map((content) => bad(`script ${JSON.stringify(content)}`, 'script', { script: { content } }));

const badDuration = fc.oneof(
  fc.constantFrom('', '30', '1.5', 'soon', '5 parsecs', '-3m', 'm30', '2 fortnights'),
  fc.stringMatching(/^[a-z]{1,6}$/).filter((s) => !/^\d/.test(s)),
);
const durations = fc.tuple(fc.constantFrom('confirmTimeout', 'ttl'), badDuration).map(([field, v]) =>
  bad(`${field}=${JSON.stringify(v)}`, field, {
    [field]: v,
    ...(field === 'ttl' ? { service: true } : {}),
  }),
);

const ports = fc
  .oneof(
    fc.integer({ min: -65_535, max: 0 }),
    fc.integer({ min: 65_536, max: 10_000_000 }),
    fc.double({ min: 1.1, max: 1000, noNaN: true }).filter((n) => !Number.isInteger(n)),
  )
  .map((p) => bad(`port ${p}`, 'ports', { ports: [80, p] }));
const ssh = fc.oneof(
  fc.constant(bad('port 22 without a CIDR', 'sshCidr', { ports: [22] })),
  fc
    .constantFrom('0.0.0.0', '300.1.1.1/32', '10.0.0.0/33', 'everyone', '::/0', '1.2.3/24')
    .map((c) => bad(`sshCidr ${c}`, 'sshCidr', { sshCidr: c })),
);

const contradictions = fc.oneof(
  fc
    .constantFrom('fc', 'pai')
    .map((product) => bad(`${product} as a service`, 'product', { product, service: true })),
  fc
    .constantFrom('A100', 'V100', 'H800', 'L20', 'P100')
    .map((model) => bad(`fc with ${model}`, 'gpu.model', { product: 'fc', gpu: { model, count: 1 } })),
  fc.integer({ min: 17, max: 512 }).map((cpu) => bad(`fc with ${cpu} vCPU`, 'cpu', { product: 'fc', cpu })),
  fc
    .integer({ min: 2, max: 8 })
    .map((count) =>
      bad(`fc with ${count} GPUs`, 'gpu.count', { product: 'fc', gpu: { model: 'T4', count } }),
    ),
  fc
    .integer({ min: 24 * 60 + 1, max: 100_000 })
    .map((d) => bad(`fc for ${d} min`, 'durationMinutes', { product: 'fc', durationMinutes: d })),
  fc
    .constantFrom('mars-north-1', 'cn-atlantis', 'us-east-99', 'hangzhou!', 'eu-central-9')
    .map((region) => bad(`region ${region}`, 'region', { region })),
  fc
    .constantFrom('lambda', 'ec2', 'gke', 'heroku', 'k8s-on-the-moon')
    .map((product) => bad(`product ${product}`, 'product', { product })),
);

const badCase: fc.Arbitrary<BadCase> = fc.oneof(
  sizeOf('cpu', 512),
  sizeOf('memoryGiB', 12_288),
  sizeOf('durationMinutes', 366 * 24 * 60),
  gpuModel,
  gpuCount,
  currency,
  budgetAmount,
  placeholderScript,
  durations,
  ports,
  ssh,
  contradictions,
);

/** The workflow's deterministic checks (provision → planRun): parse, then check the script. */
function refusal(request: ProvisionRequest): { field: string; message: string } | undefined {
  try {
    const intent = parseIntent(request);
    const check = checkScript(request.script?.content ?? '', { kind: intent.kind });
    return check.ok ? undefined : { field: 'script', message: `script: ${check.errors.join('; ')}` };
  } catch (err) {
    if (err instanceof IntentError) return { field: err.field, message: err.message };
    throw err;
  }
}

const names = (field: string) =>
  new RegExp(`^${field.replace('.', '\\.')}\\b|\\b${field.replace('.', '\\.')}:`);

describe('bad input, generated', () => {
  test('≥ 100 malformed requests and scripts are refused, each naming its field', () => {
    const seen = new Map<string, number>();
    let runs = 0;
    fc.assert(
      fc.property(badCase, (c) => {
        runs += 1;
        const r = refusal(c.request);
        assert.ok(r, `accepted: ${c.what} ${JSON.stringify(c.request)}`);
        assert.equal(r.field, c.field, `${c.what}: refused for ${r.field} (${r.message})`);
        assert.match(r.message, names(c.field), `${c.what}: the message names ${c.field}`);
        seen.set(c.field, (seen.get(c.field) ?? 0) + 1);
      }),
      { numRuns: 400, seed: Number(process.env.ACP_FC_SEED ?? 20261128) },
    );
    assert.ok(runs >= 100);
    assert.ok(seen.size >= 12, `fields covered: ${[...seen.keys()].join(', ')}`);
    console.log(
      `bad-input: generated=${runs} refused=${runs} fields=${[...seen].map(([f, n]) => `${f}:${n}`).join(',')}`,
    );
  });

  test('a script path that does not exist or is empty is refused naming script.path', async () => {
    const { loadScript } = createScriptActivities();
    let runs = 0;
    await fc.assert(
      fc.asyncProperty(fc.stringMatching(/^[a-z0-9_-]{1,20}\.(sh|py)$/), async (name) => {
        runs += 1;
        const path = join(tmpdir(), `acp-missing-${process.pid}`, name);
        await assert.rejects(loadScript({ path }), (err: unknown) => {
          assert.ok(err instanceof ApplicationFailure);
          assert.equal(err.type, 'InvalidIntent');
          assert.equal(err.nonRetryable, true);
          assert.match(err.message, /^script\.path:/);
          return true;
        });
      }),
      { numRuns: 30 },
    );
    await assert.rejects(loadScript({ path: '/dev/null' }), /script\.path: .* (is empty|does not exist)/);
    console.log(`bad-input: missing/empty script paths refused=${runs + 1}`);
  });
});

describe('bad input through the real workflow', () => {
  let stack: Stack;
  before(async () => {
    stack = await startStack('bad-input');
  });
  after(async () => {
    await stack?.stop();
  });

  test('a sample of malformed requests fails with InvalidIntent naming the field; zero create calls', async () => {
    await stack.admin('/__emulator/calls', { method: 'DELETE' });
    const sample = fc.sample(badCase, { numRuns: 10, seed: 42 });
    sample.push({
      what: 'missing script path',
      field: 'script.path',
      request: { script: { path: '/nonexistent/acp/train.py' } },
    });
    const outcomes = await Promise.all(
      sample.map(async (c, i) => {
        const handle = await stack.env.client.workflow.start(provision, {
          taskQueue: stack.taskQueue,
          workflowId: `acp-bad-input-${process.pid}-${i}`,
          args: [{ ...c.request, skipConfirmation: true }],
        });
        const err = await runResult(handle).then(
          (r) => new Error(`${c.what}: the workflow ended ${r.status} instead of failing`),
          (e: unknown) => e,
        );
        return { c, err };
      }),
    );
    for (const { c, err } of outcomes) {
      assert.ok(err instanceof WorkflowFailedError, `${c.what}: ${String(err)}`);
      const cause = err.cause;
      assert.ok(cause instanceof ApplicationFailure, `${c.what}: ${String(cause)}`);
      assert.equal(cause.type, 'InvalidIntent', `${c.what}: ${cause.message}`);
      assert.match(cause.message, names(c.field), `${c.what}: ${cause.message}`);
    }
    const { calls } = await stack.admin('/__emulator/calls');
    const creates = calls.filter((call: any) => CREATE_ACTIONS.test(call.action));
    assert.deepEqual(creates, []);
    const { resources } = await stack.admin('/__emulator/resources?all=1');
    assert.deepEqual(resources, []);
    console.log(
      `bad-input: workflows=${sample.length} InvalidIntent=${outcomes.length} createCalls=${creates.length} apiCalls=${calls.length}`,
    );
  });
});

const CLI = join(__dirname, '..', '..', 'bin', 'acp.js');
const cliReady = existsSync(join(__dirname, '..', '..', 'client', 'cli.ts'));

describe('bad input through the CLI', () => {
  test('acp run --simulate --yes exits 2 naming the field', {
    skip: cliReady ? false : 'client/cli.ts is not there yet',
  }, async () => {
    const cases: [string[], RegExp][] = [
      [['--cpu', '-4', '--inline', 'echo x'], /cpu/],
      [['--inline', 'pass'], /script/],
      [['--gpu', 'RTX4090', '--inline', 'echo x'], /gpu/i],
      [['--budget', '100 EUR', '--inline', 'echo x'], /currency|budget/i],
      [['--script', '/nonexistent/acp/a.sh'], /script|a\.sh/],
    ];
    for (const [args, field] of cases) {
      const { code, output } = await runCli(['run', '--simulate', '--yes', 'run it', ...args]);
      assert.equal(code, 2, `acp run ${args.join(' ')} → exit ${code}: ${output}`);
      assert.match(output, field, `acp run ${args.join(' ')}: ${output}`);
    }
    console.log(`bad-input: cli cases=${cases.length} exit2=${cases.length}`);
  });
});

function runCli(args: string[]): Promise<{ code: number | null; output: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [CLI, ...args], {
      env: { ...process.env, TEMPORAL_ADDRESS: '' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let output = '';
    child.stdout.on('data', (d) => {
      output += d;
    });
    child.stderr.on('data', (d) => {
      output += d;
    });
    const timer = setTimeout(() => child.kill('SIGKILL'), 120_000);
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, output });
    });
  });
}
