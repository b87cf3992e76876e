// The operator's commands as a person runs them, through the real `acp` process: `ram-policy` prints
// a policy Alibaba's RAM accepts; `gc` finds what a terminated run left behind on the emulator (through
// the official SDKs, the run's status from the real Temporal server) and `--apply` releases it;
// `slack` and `codec-server` say which variables they need, and once given them, serve.
import assert from 'node:assert/strict';
import { createHmac, randomBytes } from 'node:crypto';
import { after, before, describe, test } from 'node:test';
import type { RamPolicy } from '../../client/ram-policy';
import type { ProvisionResult } from '../../workflows/messages';
import { statusQuery } from '../../workflows/messages';
import { provision } from '../../workflows/provision';
import { type Stack, startStack } from '../support/stack';
import { acp, emptyHome, scrubbedEnv, serve } from './spawn-acp';

/** The environment of a person with none of the operator variables set. */
function bareEnv(extra: NodeJS.ProcessEnv = {}): NodeJS.ProcessEnv {
  const env = scrubbedEnv({ HOME: emptyHome(), ...extra });
  for (const k of ['ACP_SLACK_BOT_TOKEN', 'ACP_SLACK_SIGNING_SECRET', 'ACP_SLACK_CHANNEL', 'ACP_PAYLOAD_KEY'])
    if (!(k in extra)) delete env[k];
  return env;
}

describe('acp ram-policy', () => {
  test('--json is a RAM policy: RunInstances allowed, deletes limited to acp:managed resources', async () => {
    const r = await acp(['ram-policy', '--json'], bareEnv());
    assert.equal(r.code, 0, r.stderr);
    const policy: RamPolicy = JSON.parse(r.stdout);
    assert.equal(policy.Version, '1');
    const allows = (action: string) => policy.Statement.filter((s) => s.Action.includes(action));
    assert.equal(allows('ecs:RunInstances').length, 1, 'ecs:RunInstances is allowed once');
    const [deletes] = allows('ecs:DeleteInstance');
    assert.deepEqual(deletes?.Condition, { StringEquals: { 'acs:ResourceTag/acp:managed': 'true' } });
    assert.ok(deletes?.Action.includes('vpc:DeleteVpc'), 'VPC deletes carry the same condition');
    for (const s of policy.Statement) {
      assert.equal(s.Effect, 'Allow');
      assert.ok(
        s.Action.every((a) => /^[a-z]+:[A-Z]\w+$/.test(a)),
        `actions are service:Action (${s.Action})`,
      );
    }
  });
});

describe('acp gc', () => {
  let stack: Stack;
  before(async () => {
    stack = await startStack('commands-gc');
  });
  after(async () => {
    await stack?.stop();
  });

  /** The CLI pointed at this test's emulator and Temporal server, with the emulator's keys. */
  const cloudEnv = () =>
    bareEnv({
      TEMPORAL_ADDRESS: stack.env.address,
      ACP_ALIBABA_ENDPOINT: stack.emulator.endpoint,
      ALIBABA_CLOUD_ACCESS_KEY_ID: stack.emulator.accessKeyId,
      ALIBABA_CLOUD_ACCESS_KEY_SECRET: stack.emulator.accessKeySecret,
    });

  const live = async (workflowId?: string): Promise<any[]> => {
    const { resources } = await stack.admin('/__emulator/resources');
    return resources.filter((r: any) =>
      workflowId ? r.tags?.['acp:workflow-id'] === workflowId : r.tags?.['acp:managed'] === 'true',
    );
  };

  test('lists what a terminated run left behind, --apply releases it, the emulator ends empty', async () => {
    // A service run, terminated once everything it creates exists: no compensation ever runs.
    const workflowId = `acp-commands-gc-${process.pid}-${randomBytes(2).toString('hex')}`;
    const handle = await stack.env.client.workflow.start(provision, {
      taskQueue: stack.taskQueue,
      workflowId,
      args: [{ product: 'ecs', service: true, script: { content: 'echo up' }, skipConfirmation: true }],
    });
    let s: ProvisionResult;
    for (const deadline = Date.now() + 90_000; ; ) {
      s = await handle.query(statusQuery);
      if (s.status === 'RUNNING' && s.execution?.exitCode === 0) break;
      assert.ok(Date.now() < deadline, `${workflowId} is ${s.status}: ${s.message}`);
      await new Promise((r) => setTimeout(r, 200));
    }
    await handle.terminate('a lost run, for acp gc to find');
    const left = await live(workflowId);
    assert.equal(left.length, 4, 'VPC, vSwitch, security group and instance are left behind');
    const region = s.chosen?.region;
    assert.ok(region);

    const listed = await acp(['gc', '--json'], cloudEnv());
    assert.equal(listed.code, 0, listed.stderr);
    const report = JSON.parse(listed.stdout);
    assert.deepEqual(
      report.orphans.map((o: any) => o.id).sort(),
      left.map((r) => r.id).sort(),
      'every orphan, and only those',
    );
    for (const o of report.orphans) {
      assert.equal(o.workflowId, workflowId);
      assert.equal(o.regionId, region);
      assert.match(o.reason, /TERMINATED/);
    }
    assert.equal(report.release, undefined, 'listing releases nothing');
    assert.equal((await live(workflowId)).length, 4);

    const human = await acp(['gc'], cloudEnv());
    assert.equal(human.code, 0, human.stderr);
    assert.match(human.stdout, /^product +type +id +region +workflow id +why orphaned$/m);
    assert.match(
      human.stdout,
      new RegExp(`^ecs +instance +i-\\w+ +${region} +${workflowId} +workflow .*TERMINATED`, 'm'),
    );
    assert.match(
      human.stdout,
      /4 orphan\(s\): 1 instance, 1 security-group, 1 vswitch, 1 vpc; `acp gc --apply` releases them/,
    );

    const applied = await acp(['gc', '--apply', '--region', region], cloudEnv());
    assert.equal(applied.code, 0, applied.stderr);
    assert.match(applied.stdout, /^released +ecs +instance +i-\w+/m);
    assert.match(applied.stdout, /released 4 · already gone 0 · failed 0/);
    assert.deepEqual(await live(), [], 'the emulator has no acp:managed resource left');

    const again = await acp(['gc', '--json'], cloudEnv());
    assert.equal(again.code, 0, again.stderr);
    assert.deepEqual(JSON.parse(again.stdout).orphans, []);
    console.log(`acp gc: orphans=${report.orphans.length} released=4 live-after=0`);
  });

  test('--simulate is refused with exit 2 and says why, before anything starts', async () => {
    const r = await acp(['gc', '--simulate'], bareEnv());
    assert.equal(r.code, 2);
    assert.match(r.stderr, /acp gc --simulate has nothing to sweep/);
    assert.match(r.stderr, /acp emulator/);
  });
});

describe('acp slack', () => {
  test('without its variables: exit 2, naming all three', async () => {
    const r = await acp(['slack'], bareEnv());
    assert.equal(r.code, 2, r.stderr);
    for (const v of ['ACP_SLACK_BOT_TOKEN', 'ACP_SLACK_SIGNING_SECRET', 'ACP_SLACK_CHANNEL'])
      assert.match(r.stderr, new RegExp(v));
    const [sentence, next] = r.stderr.trim().split('\n');
    assert.match(sentence ?? '', /^acp: acp slack needs .* to be set$/, 'one sentence');
    assert.match(next ?? '', /^ {2}→ .*Signing Secret/, 'then what to do');
  });

  test('with some of them: names only the missing ones', async () => {
    const r = await acp(['slack', '--json'], bareEnv({ ACP_SLACK_BOT_TOKEN: 'xoxb-test' }));
    assert.equal(r.code, 2);
    const doc = JSON.parse(r.stdout);
    assert.match(doc.error, /ACP_SLACK_SIGNING_SECRET, ACP_SLACK_CHANNEL/);
    assert.doesNotMatch(doc.error, /ACP_SLACK_BOT_TOKEN/);
  });

  test('with them: serves /slack/events and refuses an unsigned click (401)', async () => {
    const secret = randomBytes(16).toString('hex');
    const app = await serve(
      ['slack', '--port', '0', '--json'],
      bareEnv({
        TEMPORAL_ADDRESS: process.env.TEMPORAL_ADDRESS,
        ACP_SLACK_BOT_TOKEN: 'xoxb-test',
        ACP_SLACK_SIGNING_SECRET: secret,
        ACP_SLACK_CHANNEL: 'C0TEST',
      }),
    );
    try {
      assert.match(app.doc.requestUrl, /\/slack\/events$/);
      const url = `http://127.0.0.1:${app.doc.port}/slack/events`;
      const body = `payload=${encodeURIComponent(JSON.stringify({ type: 'block_actions' }))}`;
      const forged = await fetch(url, {
        method: 'POST',
        headers: {
          'content-type': 'application/x-www-form-urlencoded',
          'x-slack-request-timestamp': String(Math.floor(Date.now() / 1000)),
          'x-slack-signature': `v0=${createHmac('sha256', 'not-the-secret').update('x').digest('hex')}`,
        },
        body,
      });
      assert.equal(forged.status, 401);
    } finally {
      assert.equal(await app.stop(), 0, 'Ctrl-C stops it cleanly');
    }
  });
});

describe('acp codec-server', () => {
  test('without ACP_PAYLOAD_KEY: exit 2, naming it', async () => {
    const r = await acp(['codec-server'], bareEnv());
    assert.equal(r.code, 2);
    assert.match(r.stderr, /ACP_PAYLOAD_KEY/);
    assert.match(r.stderr, /openssl rand -base64 32/);
  });

  test('with it: prints the --ui-codec-endpoint flag and round-trips a payload', async () => {
    const codec = await serve(
      ['codec-server', '--port', '0', '--json'],
      bareEnv({ ACP_PAYLOAD_KEY: randomBytes(32).toString('base64') }),
    );
    try {
      assert.equal(codec.doc.uiCodecEndpointFlag, `--ui-codec-endpoint ${codec.doc.url}`);
      const plain = {
        metadata: { encoding: Buffer.from('json/plain').toString('base64') },
        data: Buffer.from('"echo secret-script"').toString('base64'),
      };
      const post = async (path: string, payloads: unknown[]) => {
        const r = await fetch(`${codec.doc.url}${path}`, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify({ payloads }),
        });
        assert.equal(r.status, 200);
        return ((await r.json()) as { payloads: any[] }).payloads;
      };
      const [sealed] = await post('/encode', [plain]);
      assert.doesNotMatch(Buffer.from(sealed.data, 'base64').toString('latin1'), /secret-script/);
      const [opened] = await post('/decode', [sealed]);
      assert.deepEqual(opened, plain);
    } finally {
      assert.equal(await codec.stop(), 0);
    }
  });
});
