import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  candidateProducts,
  fcFit,
  type Intent,
  type ProvisionRequest,
  parseIntent,
  productDecisions,
  whyNot,
} from '../../planner';

// Every branch of the decision tree (step 4 in docs/architecture.md): given this request, these products are quoted.
const TREE: [string, ProvisionRequest, string[]][] = [
  ['product lock: ecs', { intent: '用 ECS 训练 qwen-7b' }, ['ecs']],
  ['product lock: fc', { intent: 'use function compute', cpu: 2 }, ['fc']],
  ['product lock: pai', { intent: 'fine-tune qwen-7b with PAI' }, ['pai']],
  ['product lock: ack (field)', { intent: 'deploy nginx', product: 'ack' }, ['ack']],
  ['Kubernetes named → ack only', { intent: 'run the job on k8s' }, ['ack']],
  ['long-running service → ecs, ack', { intent: 'deploy nginx' }, ['ecs', 'ack']],
  ['service field → ecs, ack', { intent: 'run a.sh', service: true }, ['ecs', 'ack']],
  [
    'training on A10 within 24 h → pai, fc, ecs',
    { intent: 'fine-tune qwen-7b on one A10 for 2 hours' },
    ['pai', 'fc', 'ecs'],
  ],
  ['training on T4 → pai, fc, ecs', { intent: 'train on one T4 for 3 hours' }, ['pai', 'fc', 'ecs']],
  ['training on A100 → pai, ecs (FC has no A100)', { intent: 'train on A100' }, ['pai', 'ecs']],
  ['training on 2× A10 → pai, ecs (FC: one GPU)', { intent: 'train on 2xA10' }, ['pai', 'ecs']],
  ['training over 24 h → pai, ecs', { intent: 'train on one A10 for 30 hours' }, ['pai', 'ecs']],
  ['containers → ack, ecs', { intent: 'run a docker container redis:7' }, ['ack', 'ecs']],
  ['plain script that fits FC → ecs, fc', { intent: '8核16G 跑 a.sh' }, ['ecs', 'fc']],
  ['plain script over 16 vCPU → ecs', { intent: '32 vCPU 64 GB run a.sh' }, ['ecs']],
  ['plain script over 32 GiB → ecs', { intent: '8 vCPU 64 GB run a.sh' }, ['ecs']],
  ['plain script over 24 h → ecs', { intent: 'run a.sh for 2 days' }, ['ecs']],
  [
    'plain script, memory-heavy ratio adjusts into FC → ecs, fc',
    { intent: '2 vCPU 16 GB run a.sh' },
    ['ecs', 'fc'],
  ],
];

describe('candidateProducts', () => {
  for (const [name, req, expected] of TREE) {
    it(name, () => assert.deepEqual(candidateProducts(parseIntent(req)), expected));
  }
});

describe('fcFit', () => {
  const base = (over: Partial<Intent>): Intent => ({ ...parseIntent({}), ...over });
  it('8 vCPU 16 GiB fits as is', () => {
    assert.deepEqual(fcFit(base({ cpu: 8, memoryGiB: 16 })), {
      fits: true,
      reason: undefined,
      cpu: 8,
      memoryMiB: 16384,
      timeoutSeconds: 1800,
    });
  });
  it('memory below 1 GB per vCPU is raised', () => {
    const f = fcFit(base({ cpu: 4, memoryGiB: 2 }));
    assert.equal(f.fits, true);
    assert.equal(f.memoryMiB, 4096);
  });
  it('memory above 4 GB per vCPU raises vCPU', () => {
    const f = fcFit(base({ cpu: 1, memoryGiB: 16 }));
    assert.equal(f.cpu, 4);
  });
  it('rounds vCPU up to 0.05 steps and memory to 64 MiB', () => {
    const f = fcFit(base({ cpu: 0.33, memoryGiB: 0.5 }));
    assert.equal(f.cpu, 0.35);
    assert.equal(f.memoryMiB, 512);
  });
  it('A10 → fc.gpu.ampere.1 with a whole 24 GB card', () => {
    const f = fcFit(parseIntent({ intent: 'train on one A10' }));
    assert.deepEqual(f.gpu, { gpuType: 'fc.gpu.ampere.1', gpuMemoryMiB: 24576 });
  });
  it('T4 → fc.gpu.tesla.1 with 16 GB', () => {
    assert.deepEqual(fcFit(parseIntent({ intent: 'one T4' })).gpu, {
      gpuType: 'fc.gpu.tesla.1',
      gpuMemoryMiB: 16384,
    });
  });
  const refusals: [string, Partial<Intent>, RegExp][] = [
    ['service', { kind: 'service' }, /not long-running services/],
    ['over 24 h', { durationMinutes: 1441 }, /at most 24 h/],
    ['V100', { gpu: { model: 'V100', count: 1 } }, /not V100/],
    ['two GPUs', { gpu: { model: 'T4', count: 2 } }, /one GPU/],
    ['17 vCPU', { cpu: 17, memoryGiB: 32 }, /at most 16 vCPU/],
    ['48 GiB', { cpu: 16, memoryGiB: 48 }, /at most 32 GiB/],
    [
      'ratio impossible: 1 vCPU 32 GiB needs 8 vCPU (fine) but 0.5 vCPU 32 GiB too',
      { cpu: 16, memoryGiB: 8 },
      /./,
    ],
  ];
  for (const [name, over, reason] of refusals.slice(0, 6)) {
    it(`refuses ${name}`, () => {
      const f = fcFit(base(over));
      assert.equal(f.fits, false);
      assert.match(f.reason ?? '', reason);
    });
  }
});

describe('whyNot: the "not feasible" rows', () => {
  it('training: ACK is explained', () => {
    assert.match(whyNot('ack', parseIntent({ intent: 'fine-tune qwen-7b' })) ?? '', /cluster fee/);
  });
  it('service: FC and PAI are explained', () => {
    const i = parseIntent({ intent: 'deploy nginx' });
    assert.match(whyNot('fc', i) ?? '', /not long-running services/);
    assert.match(whyNot('pai', i) ?? '', /not long-running services/);
  });
  it('locked: every other product names the lock', () => {
    const i = parseIntent({ intent: '用 ECS' });
    assert.deepEqual(
      productDecisions(i).map((d) => [d.product, d.candidate, /you asked for ecs/.test(d.reason ?? '')]),
      [
        ['ecs', true, false],
        ['fc', false, true],
        ['ack', false, true],
        ['pai', false, true],
      ],
    );
  });
  it('a candidate has no why-not', () =>
    assert.equal(whyNot('ecs', parseIntent({ intent: 'deploy nginx' })), undefined));
});
