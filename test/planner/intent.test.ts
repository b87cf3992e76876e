import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { type Intent, IntentError, type ProvisionRequest, parseIntent } from '../../planner';

type Expect = Partial<
  Pick<
    Intent,
    | 'kind'
    | 'cpu'
    | 'memoryGiB'
    | 'durationMinutes'
    | 'product'
    | 'region'
    | 'ports'
    | 'template'
    | 'model'
    | 'containers'
    | 'kubernetes'
    | 'image'
    | 'scriptName'
  >
> & {
  gpu?: Intent['gpu'] | null;
  budget?: { amount: number; currency: 'USD' | 'CNY'; cny: number };
  summary?: string;
  warns?: RegExp;
};

// Given what a person types, the planner understands this.
const PHRASINGS: [string, Expect][] = [
  [
    'fine-tune qwen-7b on one A10 for 2 hours under 300 CNY',
    {
      kind: 'training',
      gpu: { model: 'A10', count: 1 },
      durationMinutes: 120,
      budget: { amount: 300, currency: 'CNY', cny: 300 },
      model: 'qwen-7b',
      summary: 'AI training · 1× A10 · ~2 h · budget CNY 300',
    },
  ],
  [
    'run train.py on an A100 under $50',
    {
      kind: 'training',
      gpu: { model: 'A100', count: 1 },
      budget: { amount: 50, currency: 'USD', cny: 360 },
      scriptName: 'train.py',
      cpu: 12,
      memoryGiB: 94,
    },
  ],
  ['8 vCPU 16 GB', { kind: 'oneshot', cpu: 8, memoryGiB: 16, gpu: null }],
  ['8核16G', { cpu: 8, memoryGiB: 16 }],
  ['8核16G 跑 a.sh', { kind: 'oneshot', cpu: 8, memoryGiB: 16, scriptName: 'a.sh', durationMinutes: 30 }],
  ['8c16g', { cpu: 8, memoryGiB: 16 }],
  ['4C8G', { cpu: 4, memoryGiB: 8 }],
  ['16 vcpus and 64gb ram', { cpu: 16, memoryGiB: 64 }],
  ['4 vCPU', { cpu: 4, memoryGiB: 8 }],
  ['32 GB memory', { cpu: 8, memoryGiB: 32 }],
  ['内存 64G', { memoryGiB: 64, cpu: 16 }],
  ['A100', { gpu: { model: 'A100', count: 1 } }],
  ['2×A10', { gpu: { model: 'A10', count: 2 } }],
  ['2xA10', { gpu: { model: 'A10', count: 2 } }],
  ['2 A10s', { gpu: { model: 'A10', count: 2 } }],
  ['one T4', { gpu: { model: 'T4', count: 1 }, cpu: 4, memoryGiB: 15 }],
  ['A100*8', { gpu: { model: 'A100', count: 8 }, cpu: 104, memoryGiB: 768 }],
  ['两张A10', { gpu: { model: 'A10', count: 2 } }],
  ['8卡A100 预训练', { kind: 'training', gpu: { model: 'A100', count: 8 } }],
  ['nvidia v100 for 3 hours', { gpu: { model: 'V100', count: 1 }, durationMinutes: 180 }],
  ['run it on a GPU', { gpu: { model: 'T4', count: 1 }, warns: /no GPU model named/ }],
  ['cpu only batch job', { gpu: null, kind: 'oneshot' }],
  [
    'qwen-72b fine-tune',
    {
      kind: 'training',
      model: 'qwen-72b',
      gpu: { model: 'A100', count: 8 },
      durationMinutes: 720,
      warns: /72B/,
    },
  ],
  [
    'fine-tune qwen-7b',
    { kind: 'training', gpu: { model: 'A10', count: 1 }, durationMinutes: 120, template: 'python-training' },
  ],
  ['微调 qwen2.5-14b', { kind: 'training', gpu: { model: 'A100', count: 1 }, durationMinutes: 240 }],
  ['train a model', { kind: 'training', gpu: null, cpu: 4, memoryGiB: 16, warns: /CPU-only/ }],
  [
    'deploy nginx',
    {
      kind: 'service',
      template: 'nginx',
      ports: [80],
      durationMinutes: 1440,
      summary: 'long-running service · nginx · 2 vCPU 4 GiB · port 80 · ~24 h',
    },
  ],
  ['deploy a static site', { kind: 'service', template: 'static-site', ports: [80] }],
  ['部署静态网站', { kind: 'service', template: 'static-site' }],
  ['run a docker container', { containers: true, template: 'docker', kubernetes: false }],
  [
    'run a docker container redis:7 and keep it running',
    { kind: 'service', image: 'redis:7', template: 'docker' },
  ],
  ['deploy a fine-tuned qwen-7b api', { kind: 'service' }],
  ['用 ECS', { product: 'ecs' }],
  ['use function compute', { product: 'fc' }],
  ['用函数计算跑一下', { product: 'fc' }],
  ['run the batch on k8s', { kubernetes: true, containers: true }],
  ['kubernetes job', { kubernetes: true }],
  ['train resnet with PAI', { product: 'pai', kind: 'training' }],
  ['on ACK', { product: 'ack' }],
  ['not ECS, anything cheaper', { warns: /negation/ }],
  ['预算 50 元', { budget: { amount: 50, currency: 'CNY', cny: 50 } }],
  ['under $50', { budget: { amount: 50, currency: 'USD', cny: 360 } }],
  ['budget ¥300', { budget: { amount: 300, currency: 'CNY', cny: 300 } }],
  ['300 CNY', { budget: { amount: 300, currency: 'CNY', cny: 300 } }],
  ['max 1,000 RMB', { budget: { amount: 1000, currency: 'CNY', cny: 1000 } }],
  ['50美元以内', { budget: { amount: 50, currency: 'USD', cny: 360 } }],
  ['budget 300', { budget: { amount: 300, currency: 'CNY', cny: 300 }, warns: /no currency/ }],
  ['for 2 hours', { durationMinutes: 120 }],
  ['30 min', { durationMinutes: 30 }],
  ['2小时', { durationMinutes: 120 }],
  ['半小时', { durationMinutes: 30 }],
  ['for 1h30m', { durationMinutes: 90 }],
  ['run for 2 days', { durationMinutes: 2880 }],
  ['keep it running', { kind: 'service', durationMinutes: 1440 }],
  ['长期运行', { kind: 'service' }],
  ['region ap-southeast-1', { region: 'ap-southeast-1' }],
  ['in Singapore', { region: 'ap-southeast-1' }],
  ['在杭州', { region: 'cn-hangzhou' }],
  ['香港', { region: 'cn-hongkong' }],
  ['zone cn-shanghai-b', { region: 'cn-shanghai' }],
  ['deploy nginx, open port 80 and 443', { ports: [80, 443], template: 'nginx' }],
  ['deploy nginx with https', { ports: [80, 443] }],
  ['端口 8080', { ports: [8080] }],
  ['ecs.g7.xlarge', { cpu: 4, memoryGiB: 16, gpu: null }],
  ['ecs.gn7i-c8g1.2xlarge', { gpu: { model: 'A10', count: 1 }, cpu: 8, memoryGiB: 30 }],
  ['８核１６Ｇ', { cpu: 8, memoryGiB: 16 }],
];

function check(phrase: string, intent: Intent, expect: Expect) {
  const { warns, gpu, budget, ...rest } = expect;
  for (const [k, v] of Object.entries(rest)) {
    assert.deepEqual(
      (intent as unknown as Record<string, unknown>)[k] ?? (k === 'kubernetes' ? false : undefined),
      v,
      `${phrase}: ${k}`,
    );
  }
  if (gpu === null) assert.equal(intent.gpu, undefined, `${phrase}: no gpu`);
  else if (gpu) assert.deepEqual(intent.gpu, gpu, `${phrase}: gpu`);
  if (budget) assert.deepEqual(intent.budget, budget, `${phrase}: budget`);
  if (warns)
    assert.ok(
      intent.warnings.some((w) => warns.test(w)),
      `${phrase}: warning ${warns} in ${JSON.stringify(intent.warnings)}`,
    );
}

describe('parseIntent: free text, English and Chinese', () => {
  for (const [phrase, expect] of PHRASINGS) {
    it(`"${phrase}"`, () => check(phrase, parseIntent({ intent: phrase }), expect));
  }
  it('covers at least 40 phrasings', () => assert.ok(PHRASINGS.length >= 40));
});

describe('parseIntent: fields win over text', () => {
  const cases: [string, ProvisionRequest, Expect][] = [
    ['cpu field beats "8核16G"', { intent: '8核16G', cpu: 4 }, { cpu: 4, memoryGiB: 16 }],
    [
      'gpu field beats "A100"',
      { intent: 'train on A100', gpu: { model: 't4', count: 1 } },
      { gpu: { model: 'T4', count: 1 } },
    ],
    [
      'region field beats "in Singapore"',
      { intent: 'in Singapore', region: 'cn-beijing' },
      { region: 'cn-beijing', warns: /region field says cn-beijing/ },
    ],
    [
      'product field beats "use FC" and warns',
      { intent: 'use FC', product: 'ecs' },
      { product: 'ecs', warns: /text says fc/ },
    ],
    [
      'service:false beats "keep it running"',
      { intent: 'keep it running', service: false },
      { kind: 'oneshot', warns: /service is false/ },
    ],
    ['service:true makes a job a service', { intent: 'run a.sh', service: true }, { kind: 'service' }],
    [
      'durationMinutes beats "2 hours"',
      { intent: 'for 2 hours', durationMinutes: 45 },
      { durationMinutes: 45 },
    ],
    [
      'budget field in USD',
      { budget: { amount: 10, currency: 'usd' } },
      { budget: { amount: 10, currency: 'USD', cny: 72 } },
    ],
    ['ports field', { intent: 'deploy nginx', ports: [8080, 80, 8080] }, { ports: [80, 8080] }],
    [
      'a script given: no template',
      { intent: 'deploy nginx', script: { path: 'setup.sh' } },
      { template: undefined, kind: 'service' },
    ],
    [
      'service with ttl is quoted for the ttl',
      { intent: 'deploy nginx', ttl: '8h' },
      { durationMinutes: 480 },
    ],
  ];
  for (const [name, req, expect] of cases) it(name, () => check(name, parseIntent(req), expect));

  it('exchange rate is configurable', () => {
    const i = parseIntent({ intent: 'under $50' }, { usdToCny: 7 });
    assert.equal(i.budget?.cny, 350);
  });
  it('confirmTimeout defaults to 30 minutes and is parsed', () => {
    assert.equal(parseIntent({}).confirmTimeoutMs, 30 * 60_000);
    assert.equal(parseIntent({ confirmTimeout: '2s' }).confirmTimeoutMs, 2000);
  });
  it('SSH: port 22 needs sshCidr, and then goes through sshCidr only', () => {
    const i = parseIntent({ ports: [22, 80], sshCidr: '203.0.113.7/32' });
    assert.deepEqual(i.ports, [80]);
    assert.equal(i.sshCidr, '203.0.113.7/32');
  });
  it('is deterministic', () => {
    const req = { intent: 'fine-tune qwen-7b on one A10 for 2 hours under 300 CNY' };
    assert.deepEqual(parseIntent(req), parseIntent(req));
  });
});

describe('parseIntent: a limit that is not money is not a budget', () => {
  for (const text of ['run under 30 minutes on 8 vCPU', 'within 2 days on 2 vCPU', 'under 16 GB memory'])
    it(text, () => assert.equal(parseIntent({ intent: text }).budget, undefined));
});

describe('parseIntent: bad input names the field', () => {
  const cases: [string, ProvisionRequest, string, { usdToCny?: number }?][] = [
    ['zero cpu', { cpu: 0 }, 'cpu'],
    ['negative cpu', { cpu: -4 }, 'cpu'],
    ['absurd cpu', { cpu: 100_000 }, 'cpu'],
    ['zero memory', { memoryGiB: 0 }, 'memoryGiB'],
    ['absurd memory', { memoryGiB: 1e7 }, 'memoryGiB'],
    ['cpu not a number', { cpu: 'lots' as unknown as number }, 'cpu'],
    ['unknown GPU field', { gpu: { model: 'H100', count: 1 } }, 'gpu.model'],
    ['unknown GPU in text', { intent: 'train on an H100' }, 'gpu.model'],
    ['RTX 4090 in text', { intent: 'run on rtx 4090' }, 'gpu.model'],
    ['GPU count 0', { gpu: { model: 'A10', count: 0 } }, 'gpu.count'],
    ['GPU count 9', { gpu: { model: 'A10', count: 9 } }, 'gpu.count'],
    ['GPU count 1.5', { gpu: { model: 'A10', count: 1.5 } }, 'gpu.count'],
    ['unknown currency field', { budget: { amount: 50, currency: 'EUR' } }, 'budget.currency'],
    ['euro in text', { intent: 'under €50' }, 'budget.currency'],
    ['rubles in text', { intent: '8 vCPU 16 GB under 50 rubles' }, 'budget.currency'],
    ['rupee sign in text', { intent: 'max 300 ₹ on 2 vCPU' }, 'budget.currency'],
    ['zero budget', { budget: { amount: 0, currency: 'CNY' } }, 'budget.amount'],
    ['negative budget', { budget: { amount: -5, currency: 'USD' } }, 'budget.amount'],
    ['$0 in text', { intent: 'under $0' }, 'budget.amount'],
    ['unknown product', { product: 'lambda' as never }, 'product'],
    ['two products in text', { intent: 'use ECS or FC' }, 'product'],
    ['unknown region field', { region: 'mars-1' }, 'region'],
    ['unknown region in text', { intent: 'region ap-moon-9' }, 'region'],
    ['port out of range', { ports: [70_000] }, 'ports'],
    ['port zero', { ports: [0] }, 'ports'],
    ['port 22 without sshCidr', { ports: [22] }, 'sshCidr'],
    ['bad sshCidr', { sshCidr: '10.0.0.300/8' }, 'sshCidr'],
    ['fc + service', { intent: 'deploy nginx', product: 'fc' }, 'product'],
    ['pai + service', { intent: 'keep it running on PAI' }, 'product'],
    ['fc + V100', { product: 'fc', gpu: { model: 'V100', count: 1 } }, 'gpu.model'],
    ['fc + 2 GPUs', { product: 'fc', gpu: { model: 'T4', count: 2 } }, 'gpu.count'],
    ['fc + 32 vCPU', { product: 'fc', cpu: 32, memoryGiB: 64 }, 'cpu'],
    ['fc + 64 GiB', { product: 'fc', cpu: 16, memoryGiB: 64 }, 'memoryGiB'],
    ['fc + 2 days', { product: 'fc', durationMinutes: 2880 }, 'durationMinutes'],
    ['zero duration', { durationMinutes: 0 }, 'durationMinutes'],
    ['bad ttl', { ttl: 'soon' }, 'ttl'],
    ['confirmTimeout without unit', { confirmTimeout: '30' }, 'confirmTimeout'],
    ['bad exchange rate', {}, 'usdToCny', { usdToCny: 0 }],
  ];
  for (const [name, req, field, opts] of cases) {
    it(`${name} → ${field}`, () => {
      assert.throws(
        () => parseIntent(req, opts),
        (e: unknown) => e instanceof IntentError && e.field === field && e.message.startsWith(`${field}: `),
      );
    });
  }
});
