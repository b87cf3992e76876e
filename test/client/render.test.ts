// What a person sees, as data: the comparison table, the step lines, the prompt, the receipt.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import {
  confirmQuestion,
  formatReadyIn,
  outputDelta,
  priceAgeLine,
  readAnswer,
  receipt,
  renderOptionsTable,
  renderRunList,
  stepLines,
  stockAgeLine,
} from '../../client/render';
import { publicNetworkCost, publicTrafficCharge } from '../../planner/pricing';
import { OPTIONS, option, status, succeeded } from './fixtures';

describe('the comparison table', () => {
  const table = renderOptionsTable(OPTIONS, 0);

  test('says how old the cached cloud prices under it are, and that they are asked again', () => {
    const at = Date.parse('2026-12-03T06:00:00Z');
    const priced = OPTIONS.map((o, i) => (i === 0 ? { ...o, pricedAt: '2026-12-03T05:48:30Z' } : o));
    assert.equal(
      priceAgeLine(priced, at),
      '  prices: cached, the oldest 11 m 30 s old; acp asks again before it creates anything',
    );
    assert.equal(
      priceAgeLine([{ ...OPTIONS[0]!, pricedAt: '2026-12-03T05:59:50Z' }], at),
      '  prices: asked of the cloud just now',
    );
    // Published prices only (FC): nothing to say.
    assert.equal(priceAgeLine(OPTIONS, at), undefined);
    assert.equal(renderOptionsTable(priced, 0, { now: at }).at(-1), priceAgeLine(priced, at));
  });

  test("says how old PAI-DLC's pool stock is when it was not asked just now", () => {
    const at = Date.parse('2026-12-03T06:00:00Z');
    const dlc = OPTIONS.map((o, i) => (i === 0 ? { ...o, stockSeenAt: '2026-12-03T05:59:20Z' } : o));
    assert.equal(
      stockAgeLine(dlc, at),
      '  PAI-DLC stock: as the cloud stated it 40 s ago; acp asks again before it creates the job',
    );
    assert.equal(renderOptionsTable(dlc, 0, { now: at }).at(-1), stockAgeLine(dlc, at));
    // Asked for this quote (or no pooled stock at all): nothing to say.
    assert.equal(stockAgeLine([{ ...OPTIONS[0]!, stockSeenAt: '2026-12-03T05:59:58Z' }], at), undefined);
    assert.equal(stockAgeLine(OPTIONS, at), undefined);
  });

  test("has the comparison's columns and one row per option", () => {
    assert.match(table[0]!, /^ {2}# +product +region +zone +spec +CNY\/h +est\. total +ready in$/);
    assert.equal(table.length, 1 + OPTIONS.length);
  });

  test('numbers feasible rows, marks the recommended one, right-aligns prices', () => {
    assert.match(
      table[1]!,
      /^ {2}1 +ecs +cn-zhangjiakou +cn-zhangjiakou-a +ecs\.c6\.large +0\.43 +0\.22 +~2 min +← recommended$/,
    );
    assert.match(table[2]!, /^ {2}2 +ecs +cn-hangzhou/);
    assert.doesNotMatch(table[2]!, /recommended/);
    assert.match(table[3]!, /fc +cn-hangzhou +— +fc\.cpu\.2c4g .* ~10 s$/);
    // The price column ends at the same place on every row.
    const end = (row: string, price: string) => row.indexOf(price) + price.length;
    assert.equal(end(table[1]!, '0.43'), end(table[3]!, '0.90'));
  });

  test('an infeasible row has no number and says why', () => {
    assert.match(table[4]!, /^ +ack .*not feasible: one-shot job: cluster fee \+ 5-15 min start$/);
  });

  test('long comparisons are cut, but the recommended and infeasible rows stay', () => {
    const many = Array.from({ length: 12 }, (_, i) => ({ ...OPTIONS[1]!, estimatedTotal: 1 + i }));
    const cut = renderOptionsTable([...many, OPTIONS[3]!], 11, { maxRows: 3 });
    assert.ok(cut.some((l) => /^ {2}12 .*← recommended/.test(l)));
    assert.ok(cut.some((l) => /not feasible/.test(l)));
    assert.match(cut.at(-1)!, /… 8 more options/);
  });

  test('a spec bigger than asked says so in its row, and why under the table', () => {
    // Asked for 2× A100; the only A100 spec offered holds 8.
    const eight = option({ spec: 'ecs.ebmgn7e.32xlarge', gpu: { model: 'NVIDIA A100', count: 8 }, cpu: 128 });
    const rows = renderOptionsTable([eight], 0, {
      intent: { cpu: 8, memoryGiB: 32, gpu: { model: 'A100', count: 2 } },
    });
    assert.match(rows[1]!, /ecs\.ebmgn7e\.32xlarge \(bigger: 8× A100, asked 2\)/);
    assert.match(
      rows.at(-1)!,
      /^ {2}bigger than asked \(#1\): no ecs spec with exactly 2× A100 is offered where acp looked; this is the smallest that holds them$/,
    );
    // Asked for 8 vCPU 16 GiB; a 32 GiB spec is cheaper than the exact one, and says so.
    const big = option({ spec: 'ecs.g6.2xlarge', cpu: 8, memoryGiB: 32, estimatedTotal: 4.45 });
    const exact = option({ spec: 'ecs.c6.2xlarge', cpu: 8, memoryGiB: 16, estimatedTotal: 4.46 });
    const cpuRows = renderOptionsTable([big, exact], 0, { intent: { cpu: 8, memoryGiB: 16 } });
    assert.match(cpuRows[1]!, /ecs\.g6\.2xlarge \(bigger: 32 GiB, asked 16\)/);
    assert.doesNotMatch(cpuRows[2]!, /bigger/, 'the exact size has no note');
    assert.match(
      cpuRows.at(-1)!,
      /bigger than asked \(#1\): cheaper here than the exact size \(ecs\.c6\.2xlarge at CNY 4\.46\)/,
    );
  });

  test('ready in reads like a person says it', () => {
    assert.equal(formatReadyIn(10), '~10 s');
    assert.equal(formatReadyIn(180), '~3 min');
    assert.equal(formatReadyIn(5400), '~1.5 h');
  });
});

describe('step lines', () => {
  test('while waiting: intent, script, region, quotes with counts and time, then the table', () => {
    const lines = stepLines(status(), {
      script: {
        script: {
          content: 'pip install torch',
          source: 'train.py',
          packageManager: 'none',
          imageFamily: 'x',
          lines: 84,
        },
        check: {
          ok: true,
          errors: [],
          warnings: [],
          frameworks: ['torch'],
          overseasFetches: ['pip install'],
        },
      },
    });
    assert.deepEqual(
      lines.map((l) => l.key),
      ['intent', 'script', 'region', 'quotes', 'table'],
    );
    assert.equal(lines[0]!.text, '✔ intent     one-shot script · 2 vCPU 4 GiB · ~30 min · budget CNY 300');
    assert.equal(
      lines[1]!.text,
      '✔ script     train.py (84 lines, torch; fetches from overseas: pip install)',
    );
    // The class of regions and why; which region wins is said under the table.
    assert.equal(
      lines[2]!.text,
      '✔ region     mainland: cn-hangzhou and 1 more region compared — nothing downloads from overseas',
    );
    assert.equal(lines[3]!.text, '✔ quotes     3 products, 2 regions, 3 zones checked in 1 s');
  });

  test('the recommended row says why it wins, also over the region the rule named first', () => {
    const s = status();
    const why = stepLines(s).find((l) => l.key === 'table')!.text;
    assert.match(
      why,
      /#1 is recommended: the cheapest feasible option; cn-zhangjiakou quotes it below cn-hangzhou \(CNY 0\.24\), the first region of the rule/,
    );
  });

  test('the first region is compared by its pay-as-you-go row, not a cheaper spot row shown below', () => {
    const spotHome = option({ spot: true, unitPricePerHour: 0.2, estimatedTotal: 0.1 });
    const why = stepLines(status({ options: [OPTIONS[0]!, spotHome, ...OPTIONS.slice(1)] })).find(
      (l) => l.key === 'table',
    )!.text;
    assert.match(why, /cn-zhangjiakou quotes it below cn-hangzhou \(CNY 0\.24\)/);
  });

  test('a finished run: confirmation, resources, output bounds, release and a receipt', () => {
    const lines = stepLines(succeeded());
    const keys = lines.map((l) => l.key);
    assert.deepEqual(keys.slice(keys.indexOf('confirmed')), [
      'confirmed',
      'created:vpc-1',
      'created:i-1',
      'running',
      'finished',
      'released',
      'receipt',
    ]);
    const text = (key: string) => lines.find((l) => l.key === key)!.text;
    assert.match(
      text('confirmed'),
      /^✔ confirmed {2}option 1 by alice at \d\d:\d\d \(workflow acp-1234abcd\)$/,
    );
    assert.equal(text('created:i-1'), '✔ created    ECS instance i-1');
    assert.equal(text('finished'), '✔ finished   exit 0 in 2 s');
    assert.equal(text('released'), '✔ released   ECS instance i-1, VPC vpc-1');
    assert.equal(
      text('receipt'),
      '  receipt    estimated CNY 0.22 · accrued CNY 0.01 · left behind: nothing',
    );
  });

  test('a failed script and a leak are said plainly', () => {
    const lines = stepLines(
      succeeded({
        status: 'FAILED',
        error: { code: 'ScriptFailed', message: 'the script exited with code 3' },
        execution: { exitCode: 3, outputTail: 'boom\n' },
        leftBehind: [{ type: 'instance', id: 'i-1', regionId: 'cn-zhangjiakou' }],
      }),
    );
    const texts = lines.map((l) => l.text);
    assert.ok(texts.includes('✘ finished   exit 3'));
    assert.ok(texts.includes('✘ failed     ScriptFailed: the script exited with code 3'));
    assert.ok(texts.some((t) => /LEFT .*ECS instance i-1/.test(t)));
    assert.match(texts.at(-1)!, /left behind: i-1$/);
  });

  test('a blocked run says what to raise and how to resume', () => {
    const lines = stepLines(
      status({
        status: 'BLOCKED',
        blocked: {
          code: 'QuotaExceed.ElasticQuota',
          message: 'vCPU quota reached',
          nextStep: 'raise the quota in Quota Center',
        },
      }),
    );
    const texts = lines.map((l) => l.text).join('\n');
    assert.match(texts, /! blocked +QuotaExceed\.ElasticQuota: vCPU quota reached/);
    assert.match(texts, /raise the quota in Quota Center; then `acp retry acp-1234abcd`/);
  });

  test("a blocked step that already says `acp retry ID` gets this run's id, not a second retry", () => {
    const lines = stepLines(
      status({
        status: 'BLOCKED',
        blocked: {
          code: 'InvalidRamRole.NotExist',
          message: 'The specified RAM role does not exist.',
          nextStep:
            'create the instance RAM role AcpCheckpointRole (docs/spot.md), then send `acp retry ID`.',
        },
      }),
    );
    const texts = lines.map((l) => l.text).join('\n');
    assert.match(texts, /then send `acp retry acp-1234abcd`\.$/m);
    assert.doesNotMatch(texts, /acp retry ID|; then/);
    assert.doesNotMatch(texts, /simulated/, 'a real run says nothing of a simulated cloud');
  });

  test('a blocked simulated run says its process must stay open for the retry, and Ctrl-C releases', () => {
    const blocked = status({
      status: 'BLOCKED',
      blocked: { code: 'QuotaExceed.ElasticQuota', message: 'vCPU quota reached', nextStep: 'raise it' },
    });
    const texts = stepLines(blocked, { simulated: true })
      .map((l) => l.text)
      .join('\n');
    assert.match(
      texts,
      /keep it open while you retry from another terminal, or press Ctrl-C to release everything/,
    );
  });

  test('a quote ends with its recommendation, not a receipt', () => {
    const lines = stepLines(status({ status: 'SUCCEEDED' }), { quote: true });
    assert.match(
      lines.at(-1)!.text,
      /^✔ recommended option 1: ecs ecs\.c6\.large in cn-zhangjiakou-a, ≈ CNY 0\.22; nothing was created$/,
    );
  });
});

describe('the prompt', () => {
  test('asks about the recommended option with its price and the budget', () => {
    assert.equal(
      confirmQuestion(status()),
      'Proceed with option 1 (ecs, ≈ CNY 0.22, within budget 300)? [y/N/number] ',
    );
  });

  test('y takes the recommendation, a number that option, anything else is a no', () => {
    const s = status();
    assert.deepEqual(readAnswer('y', s), { kind: 'confirm', option: 1 });
    assert.deepEqual(readAnswer(' YES ', s), { kind: 'confirm', option: 1 });
    assert.deepEqual(readAnswer('3', s), { kind: 'confirm', option: 3 });
    assert.deepEqual(readAnswer('', s), { kind: 'reject' });
    assert.deepEqual(readAnswer('n', s), { kind: 'reject' });
    assert.equal(readAnswer('4', s).kind, 'invalid', 'option 4 is not feasible');
    assert.equal(readAnswer('9', s).kind, 'invalid', 'there is no option 9');
  });
});

describe('output and receipts', () => {
  test('the appended output between two reads of a bounded tail', () => {
    assert.equal(outputDelta('', 'a\n'), 'a\n');
    assert.equal(outputDelta('a\n', 'a\nb\n'), 'b\n');
    // The tail dropped its head: the overlap is found, only the new end is printed.
    assert.equal(outputDelta('abcdef', 'defgh'), 'gh');
    assert.equal(outputDelta('same', 'same'), '');
  });

  test('a receipt names what stays up on purpose', () => {
    const r = receipt(
      succeeded({ kept: [{ type: 'vpc', id: 'vpc-shared', regionId: 'cn-hangzhou', reused: true }] }),
    );
    assert.equal(
      r,
      'estimated CNY 0.22 · accrued CNY 0.01 · left behind: nothing · kept on purpose: VPC vpc-shared',
    );
  });

  test('acp list shows one aligned row per run', () => {
    const lines = renderRunList([
      {
        workflowId: 'acp-1',
        type: 'provision',
        status: 'AWAITING_CONFIRMATION',
        product: 'ecs',
        region: 'cn-hangzhou',
        estimatedCost: 0.22,
      },
      { workflowId: 'acp-22', type: 'provision', status: 'SUCCEEDED' },
    ]);
    assert.equal(lines.length, 3);
    assert.equal(lines[1]!.indexOf('AWAITING'), lines[2]!.indexOf('SUCCEEDED'));
    assert.deepEqual(renderRunList([]), ['no runs match']);
  });
});

// A public IP (docs/network.md): its per-GB price under the table, the service's URL while it
// serves, and the metered traffic on the receipt.
describe('public network', () => {
  const network = publicNetworkCost({ reason: 'service', fetches: [] });
  const serviceIntent = { ...status().intent!, kind: 'service' as const, ports: [80] };

  test('the quote has a network line with the per-GB price, its date, the cap and the worst hour', () => {
    const s = status({ options: [{ ...OPTIONS[0]!, network }, ...OPTIONS.slice(1)] });
    const line = stepLines(s).find((l) => l.key === 'network');
    assert.equal(
      line?.text,
      '  network    public IP for the service’s visitors: CNY 0.80/GB out, inbound free (pay-by-traffic, Alibaba list price of 2021-02-02); at most CNY 3.35/h at its 10 Mbit/s cap, not in est. total',
    );
    assert.equal(
      stepLines(status()).find((l) => l.key === 'network'),
      undefined,
      'no public IP, no network line',
    );
  });

  test('a serving service shows its URL; the receipt itemises the traffic it sent', () => {
    const running = succeeded({
      status: 'RUNNING',
      intent: serviceIntent,
      chosen: { ...OPTIONS[0]!, network },
      endpoints: ['http://127.47.3.9:80'],
    });
    assert.match(
      stepLines(running).find((l) => l.key === 'serving')!.text,
      /^✔ serving {4}http:\/\/127\.47\.3\.9:80 — up until `acp teardown acp-1234abcd`/,
    );
    const done = succeeded({
      accruedCost: 0.81,
      usage: [publicTrafficCharge(1024 ** 3, network)],
    });
    assert.equal(
      receipt(done),
      'estimated CNY 0.22 · accrued CNY 0.81 · public traffic out 1 GB × CNY 0.80/GB = CNY 0.80 · left behind: nothing',
    );
    // A small service sends kilobytes: said in the unit that fits, never as 4.66e-7 GB.
    const small = (bytes: number) => receipt(succeeded({ usage: [publicTrafficCharge(bytes, network)] }));
    assert.match(small(500), /public traffic out 500 B × CNY 0\.80\/GB = CNY 0\.00 ·/);
    assert.match(small(3.5 * 1024 * 1024), /public traffic out 3\.5 MB × CNY 0\.80\/GB = CNY 0\.00 ·/);
    assert.match(small(0), /public traffic out 0 B × /);
  });
});
