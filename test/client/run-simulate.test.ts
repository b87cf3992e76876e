// `acp run --simulate` end to end, as a user runs it: the real CLI process, a real Temporal server
// (TEMPORAL_ADDRESS, or the one acp's local stack starts), the embedded worker, the in-process
// emulator through the official SDKs. The Done-when of the ECS issue, seen from the terminal.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { describe, test } from 'node:test';
import { Client, Connection } from '@temporalio/client';
import type { RunStatus } from '../../workflows/messages';
import { acp, BIN, scrubbedEnv } from './spawn-acp';

type RunDocument = RunStatus & { simulated?: boolean; emulator?: { liveResources: unknown[] } };

function parse(stdout: string): RunDocument {
  try {
    return JSON.parse(stdout);
  } catch {
    throw new Error(`stdout is not one JSON document:\n${stdout}`);
  }
}

function assertAllReleased(doc: RunDocument): void {
  assert.deepEqual(doc.leftBehind, []);
  const released = new Set(doc.resourcesReleased.map((r) => r.id));
  for (const r of doc.resourcesCreated.filter((c) => !c.reused))
    assert.ok(released.has(r.id), `${r.type} ${r.id} was released`);
  assert.deepEqual(doc.emulator?.liveResources, [], 'nothing of this run is live in the emulator');
}

describe('acp run --simulate', () => {
  test('echo hello-acp on ECS: exit 0, SUCCEEDED, the output, nothing left', async () => {
    const r = await acp([
      'run',
      '--simulate',
      '--product',
      'ecs',
      '--inline',
      'echo hello-acp',
      '--yes',
      '--json',
    ]);
    assert.equal(r.code, 0, r.stderr);
    const doc = parse(r.stdout);
    assert.equal(doc.status, 'SUCCEEDED', doc.message);
    assert.equal(doc.simulated, true);
    assert.equal(doc.chosen?.product, 'ecs');
    assert.match(doc.execution?.outputTail ?? '', /hello-acp/);
    assert.ok(
      doc.resourcesCreated.some((c) => c.type === 'instance'),
      'an instance was created',
    );
    assertAllReleased(doc);
    assert.match(r.stderr, /\[SIMULATED\]/, 'human lines are labelled');
  });

  test('a script that exits 3: exit 5, FAILED, everything released', async () => {
    const r = await acp([
      'run',
      '--simulate',
      '--product',
      'ecs',
      '--inline',
      'echo about-to-fail; exit 3',
      '--yes',
      '--json',
    ]);
    assert.equal(r.code, 5, r.stderr);
    const doc = parse(r.stdout);
    assert.equal(doc.status, 'FAILED');
    assert.equal(doc.error?.code, 'ScriptFailed');
    assert.equal(doc.execution?.exitCode, 3);
    assert.match(doc.execution?.outputTail ?? '', /about-to-fail/);
    assertAllReleased(doc);
  });

  test('the human view: steps, the table, the output and a receipt, every line SIMULATED', async () => {
    const r = await acp([
      'run',
      '--simulate',
      '--product',
      'ecs',
      '--inline',
      'echo line-one; echo line-two',
      '--yes',
    ]);
    assert.equal(r.code, 0, r.stderr);
    const lines = r.stdout.trimEnd().split('\n');
    assert.ok(
      lines.every((l) => l.startsWith('[SIMULATED]')),
      r.stdout,
    );
    for (const step of [
      /✔ intent /,
      /✔ script +inline/,
      /✔ region +mainland: cn-hangzhou and \d more regions compared — /,
      /✔ quotes +1 product/,
      /# +product +region +zone +spec +CNY\/h +est\. total +ready in/,
      /← recommended/,
      /#1 is recommended: the cheapest feasible option/,
      /✔ confirmed +option 1 with --yes/,
      /✔ created +ECS instance i-/,
      /│ line-one/,
      /│ line-two/,
      /✔ finished +exit 0/,
      /✔ released +ECS instance/,
      /receipt +estimated CNY [\d.]+ · accrued CNY [\d.]+ · left behind: nothing/,
    ]) {
      assert.ok(
        lines.some((l) => step.test(l)),
        `a line matches ${step}\n${r.stdout}`,
      );
    }
    const at = (re: RegExp) => lines.findIndex((l) => re.test(l));
    assert.ok(
      at(/│ line-one/) > at(/✔ running/) && at(/│ line-one/) < at(/✔ finished/),
      'output sits between running and finished',
    );
  });
});

describe('a run that fails on an Alibaba error', () => {
  // FC refuses a GPU function whose image is not in Container Registry (InvalidArgument); an
  // ACP_FC_GPU_IMAGE pointing elsewhere is a user's plausible mistake, and makes createFunction fail.
  const wrongImage = scrubbedEnv({ ACP_FC_GPU_IMAGE: 'docker.io/library/python:3' });
  const args = ['run', '--simulate', '--product', 'fc', '--gpu', 'T4', '--inline', 'echo x', '--yes'];

  test('says it once, on its step line with the code: no SDK dump of the failed activity', async () => {
    const r = await acp(args, wrongImage);
    assert.equal(r.code, 4, r.stderr);
    assert.match(
      r.stdout,
      /✘ failed +InvalidArgument: customContainerConfig\.image 'docker\.io\/library\/python:3'/,
    );
    assert.match(r.stdout, /left behind: nothing/);
    assert.doesNotMatch(r.stderr, /Activity failed|taskToken|at toFailure/, r.stderr);
  });

  test("--verbose shows the SDK's warning with its meta", async () => {
    const r = await acp([...args, '--verbose'], wrongImage);
    assert.equal(r.code, 4, r.stderr);
    assert.match(r.stderr, /\[WARN\] Activity failed/);
    assert.match(r.stderr, /activityType: 'createFunction'/);
  });
});

describe('a simulated run whose process is gone', () => {
  test('acp status says so and exits 6; acp list marks the run simulated', async () => {
    // Not a TTY and no --yes: the run waits for a yes, printing how to give it; then the process dies.
    const child = spawn(
      process.execPath,
      [BIN, 'run', '--simulate', '--product', 'ecs', '--inline', 'echo never'],
      {
        env: scrubbedEnv(),
        stdio: ['ignore', 'pipe', 'pipe'],
      },
    );
    let out = '';
    child.stdout.on('data', (d) => {
      out += d;
    });
    const workflowId = await new Promise<string>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`never waited for a yes:\n${out}`)), 150_000);
      child.stdout.on('data', () => {
        const m = /waiting for confirmation of (\S+);/.exec(out);
        if (m) {
          clearTimeout(timer);
          resolve(m[1]!);
        }
      });
    });
    child.kill('SIGKILL');
    await new Promise((r) => child.on('close', r));

    const status = await acp(['status', workflowId]);
    assert.equal(status.code, 6, status.stderr);
    assert.match(
      status.stdout,
      new RegExp(`${workflowId} +AWAITING_CONFIRMATION \\(simulated; the process that ran it has ended\\)`),
    );
    assert.match(status.stdout, /can never go on, and nothing real was created/);
    assert.match(status.stdout, /temporal workflow terminate --workflow-id/);
    const json = await acp(['status', workflowId, '--json']);
    assert.equal(json.code, 6);
    assert.deepEqual(JSON.parse(json.stdout), {
      workflowId,
      status: 'AWAITING_CONFIRMATION',
      simulated: true,
      processGone: true,
    });
    const list = await acp(['list', '--limit', '200', '--query', `WorkflowId="${workflowId}"`]);
    assert.equal(list.code, 0, list.stderr);
    assert.match(list.stdout, new RegExp(`${workflowId} \\(simulated\\) +AWAITING_CONFIRMATION`));

    const connection = await Connection.connect({ address: process.env.TEMPORAL_ADDRESS! });
    await new Client({ connection }).workflow.getHandle(workflowId).terminate('test cleanup');
    await connection.close();
  });
});

describe('acp logs', () => {
  test('says when the start of a long output was cut', async () => {
    const run = await acp([
      'run',
      '--simulate',
      '--product',
      'ecs',
      '--inline',
      // ~6.6 KB: past the 4 KB tail acp keeps, within what Cloud Assistant returns.
      'for i in $(seq 1 400); do echo output-line-$i; done',
      '--yes',
      '--json',
    ]);
    assert.equal(run.code, 0, run.stderr);
    const doc = parse(run.stdout);
    assert.equal(doc.execution?.outputCut, true);
    const logs = await acp(['logs', doc.workflowId]);
    assert.equal(logs.code, 0, logs.stderr);
    assert.match(logs.stdout, /output-line-400\n$/);
    assert.doesNotMatch(logs.stdout, /output-line-1\n/);
    assert.match(logs.stderr, /longer than the tail acp keeps: this starts \d+ characters before its end/);
  });
});

describe("the README's first command", () => {
  test('prints "hello from acp" from an async Function Compute run, exit 0, everything released', async () => {
    const r = await acp([
      'run',
      '--simulate',
      '--yes',
      'run a one-off script on 2 vCPU 4 GB',
      '--inline',
      'echo hello from acp',
    ]);
    assert.equal(r.code, 0, `${r.stdout}\n${r.stderr}`);
    const lines = r.stdout.trimEnd().split('\n');
    for (const step of [
      /✔ created +FC function acp-/,
      /│ hello from acp$/,
      /✔ finished +exit 0/,
      /receipt .*left behind: nothing/,
    ]) {
      assert.ok(
        lines.some((l) => step.test(l)),
        `a line matches ${step}\n${r.stdout}`,
      );
    }
  });

  test('--json: the FC run (async: expected 30 min) carries the output and the exact exit code of its log', async () => {
    const r = await acp([
      'run',
      '--simulate',
      '--yes',
      'run a one-off script on 2 vCPU 4 GB',
      '--inline',
      'echo hello from acp; exit 3',
      '--json',
    ]);
    assert.equal(r.code, 5, r.stderr);
    const doc = parse(r.stdout);
    assert.equal(doc.chosen?.product, 'fc');
    assert.equal(doc.execution?.exitCode, 3);
    assert.equal(doc.execution?.outputTail, 'hello from acp\n');
    assert.deepEqual(
      doc.kept.map((k) => k.type),
      ['log-project'],
      'the shared log project stays',
    );
    assertAllReleased(doc);
  });
});

describe('the flagship service', () => {
  test('"deploy nginx and keep it online": serves its page at the printed URL until `acp teardown`, then releases it all', async () => {
    const child = spawn(
      process.execPath,
      [BIN, 'run', '--simulate', '--yes', 'deploy nginx and keep it online'],
      {
        env: scrubbedEnv(),
        stdio: ['ignore', 'pipe', 'pipe'],
      },
    );
    let out = '';
    let err = '';
    child.stdout.on('data', (d) => {
      out += d;
    });
    child.stderr.on('data', (d) => {
      err += d;
    });
    const closed = new Promise<number | null>((resolve) => child.on('close', resolve));
    try {
      const [, url, workflowId] = await new Promise<RegExpExecArray>((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error(`never served:\n${out}\n${err}`)), 150_000);
        const look = () => {
          const m = /✔ serving +(http:\/\/\S+) — up until `acp teardown (\S+)`/.exec(out);
          if (m) {
            clearTimeout(timer);
            resolve(m);
          }
        };
        child.stdout.on('data', look);
        void closed.then(() => reject(new Error(`acp ended before serving:\n${out}\n${err}`)));
      });
      // The quote said what the public address costs; the script ran in Alibaba Cloud Linux 3 with yum.
      assert.match(out, /network +public IP for the service’s visitors: CNY 0\.80\/GB out/);
      assert.match(out, /│ .*nginx is serving on port 80/);
      // The page answers on this machine, at the address acp printed.
      const page = await fetch(url!, { signal: AbortSignal.timeout(10_000) });
      assert.equal(page.status, 200);
      assert.match(page.headers.get('server') ?? '', /^nginx\//);
      assert.match(await page.text(), /Welcome to nginx!/);
      // Another terminal sees the URL in the status and ends the service.
      const status = await acp(['status', workflowId!, '--json']);
      assert.equal(status.code, 0, status.stderr);
      assert.deepEqual(JSON.parse(status.stdout).endpoints, [url]);
      const teardown = await acp(['teardown', workflowId!]);
      assert.equal(teardown.code, 0, teardown.stderr);
      assert.equal(await closed, 0, `${out}\n${err}`);
      assert.match(out, /✔ released +.*ECS instance/);
      assert.match(
        out,
        /receipt .*public traffic out \d[\d.]* [KMG]?B × CNY 0\.80\/GB = CNY [\d.]+ · left behind: nothing/,
      );
      await assert.rejects(
        fetch(url!, { signal: AbortSignal.timeout(3_000) }),
        'the address is gone with the instance',
      );
    } finally {
      child.kill('SIGKILL');
    }
  });
});

describe('acp quote --simulate', () => {
  test("the README's bare shape: no script needed; every product shows, the ones left out say why", async () => {
    const r = await acp(['quote', '--simulate', '8 vCPU 16 GB for 3 hours', '--json']);
    assert.equal(r.code, 0, r.stderr);
    const doc = parse(r.stdout);
    assert.equal(doc.status, 'SUCCEEDED', doc.message);
    assert.ok(doc.recommended !== undefined, 'something is recommended');
    const products = new Set(doc.options.map((o) => o.product));
    assert.deepEqual([...products].sort(), ['ack', 'ecs', 'fc', 'pai'], 'every product has a row');
    for (const product of ['pai', 'ack']) {
      const row = doc.options.find((o) => o.product === product)!;
      assert.equal(row.feasible, false, `${product} is not feasible`);
      assert.ok((row.reason ?? '').length > 10, `${product} says why: ${row.reason}`);
    }
    // The recommendation is the cheapest feasible row, compared before rounding.
    const feasible = doc.options.filter((o) => o.feasible && !o.spot && !o.alternative);
    const exact = (o: (typeof feasible)[number]) => o.unitPricePerHour * o.durationMinutes;
    assert.equal(exact(doc.options[doc.recommended!]!), Math.min(...feasible.map(exact)));
    assert.deepEqual(doc.resourcesCreated, []);
  });

  test('--spot --checkpoint: the simulated account has the checkpoint role, the script writes its directory, the bucket is released', async () => {
    const r = await acp([
      'run',
      '--simulate',
      '--product',
      'ecs',
      '--spot',
      '--checkpoint',
      '--inline',
      'echo 1 > "$ACP_CHECKPOINT_DIR/step" && echo "saved $(cat "$ACP_CHECKPOINT_DIR/step")"',
      '--yes',
      '--json',
    ]);
    assert.equal(r.code, 0, r.stderr);
    const doc = parse(r.stdout);
    assert.equal(doc.status, 'SUCCEEDED', doc.message);
    assert.equal(doc.chosen?.spot, true, 'the spot row was chosen');
    assert.match(doc.execution?.outputTail ?? '', /saved 1/);
    assert.ok(
      doc.resourcesCreated.some((c) => c.type === 'oss-bucket'),
      'the run made its checkpoint bucket',
    );
    assertAllReleased(doc);
  });

  test('over budget: exit 3, OVER_BUDGET, nothing created', async () => {
    const r = await acp([
      'quote',
      '--simulate',
      '--product',
      'ecs',
      '--inline',
      'echo x',
      '--budget',
      '0.01 CNY',
      '--json',
    ]);
    assert.equal(r.code, 3, r.stderr);
    const doc = parse(r.stdout);
    assert.equal(doc.status, 'OVER_BUDGET');
    assert.ok(doc.options.length > 0, 'the comparison is still shown');
    assert.deepEqual(doc.resourcesCreated, []);
  });
});
