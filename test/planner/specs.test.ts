import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  alternativeSpecs,
  familyFor,
  fitsIntent,
  GPU_CATALOGUE,
  gpuModelOf,
  gpuShape,
  modelSizeDefaults,
  parseIntent,
  rankCandidateTypes,
  smallerSpecs,
} from '../../planner';

describe('GPU catalogue', () => {
  const families: [string, string[]][] = [
    ['T4', ['gn6i']],
    ['V100', ['gn6v', 'gn6e']],
    ['A10', ['gn7i', 'ebmgn7i']],
    ['A100', ['gn7', 'ebmgn7', 'gn7e', 'ebmgn7e', 'ebmgn7ex']],
  ];
  for (const [model, fams] of families) {
    it(`${model} → ${fams.join(', ')}`, () =>
      assert.deepEqual(GPU_CATALOGUE[model as 'T4'].ecsFamilies, fams));
  }
  it('only T4 and A10 run on FC', () => {
    assert.deepEqual(
      Object.values(GPU_CATALOGUE)
        .filter((g) => g.fcGpuType)
        .map((g) => [g.model, g.fcGpuType]),
      [
        ['T4', 'fc.gpu.tesla.1'],
        ['A10', 'fc.gpu.ampere.1'],
      ],
    );
  });
  it('the smallest type per GPU gives the default shape', () => {
    assert.deepEqual(gpuShape('A10', 1), { cpu: 8, memoryGiB: 30, type: 'ecs.gn7i-c8g1.2xlarge' });
    assert.deepEqual(gpuShape('T4', 1), { cpu: 4, memoryGiB: 15, type: 'ecs.gn6i-c4g1.xlarge' });
    assert.deepEqual(gpuShape('A100', 4), { cpu: 48, memoryGiB: 376 });
  });
  const specs: [string, string | undefined][] = [
    ['NVIDIA A10', 'A10'],
    ['NVIDIA A100', 'A100'],
    ['Tesla-V100-16G', 'V100'],
    ['NVIDIA v100', 'V100'],
    ['nvidia t4', 'T4'],
    ['NVIDIA H100', undefined],
    ['', undefined],
  ];
  for (const [spec, model] of specs)
    it(`gpuModelOf("${spec}") = ${model}`, () => assert.equal(gpuModelOf(spec), model));
});

describe('familyFor', () => {
  const table: [string, string, string][] = [
    ['8c16g', 'c', '1:2 compute'],
    ['4 vCPU 16 GB', 'g', '1:4 general'],
    ['4 vCPU 32 GB', 'r', '1:8 memory'],
    ['one A10', 'gn', 'GPU'],
  ];
  for (const [text, letter] of table)
    it(`${text} → ${letter}`, () => assert.equal(familyFor(parseIntent({ intent: text })).letter, letter));
});

describe('fitsIntent and rankCandidateTypes', () => {
  const types = [
    { type: 'ecs.g7.2xlarge', cpu: 8, memoryGiB: 32, gpuAmount: 0 },
    { type: 'ecs.c7.2xlarge', cpu: 8, memoryGiB: 16, gpuAmount: 0 },
    { type: 'ecs.c7.xlarge', cpu: 4, memoryGiB: 8, gpuAmount: 0 },
    { type: 'ecs.gn7i-c8g1.2xlarge', cpu: 8, memoryGiB: 30, gpuAmount: 1, gpuSpec: 'NVIDIA A10' },
    { type: 'ecs.gn6i-c4g1.xlarge', cpu: 4, memoryGiB: 15, gpuAmount: 1, gpuSpec: 'NVIDIA T4' },
    { type: 'ecs.gn7i-c16g1.4xlarge', cpu: 16, memoryGiB: 60, gpuAmount: 1, gpuSpec: 'NVIDIA A10' },
  ];
  it('8 vCPU 16 GiB: smallest CPU type first, no GPU types', () => {
    assert.deepEqual(
      rankCandidateTypes(types, parseIntent({ intent: '8c16g' })).map((t) => t.type),
      ['ecs.c7.2xlarge', 'ecs.g7.2xlarge'],
    );
  });
  it('one A10: only A10 types, smallest first', () => {
    assert.deepEqual(
      rankCandidateTypes(types, parseIntent({ intent: 'one A10' })).map((t) => t.type),
      ['ecs.gn7i-c8g1.2xlarge', 'ecs.gn7i-c16g1.4xlarge'],
    );
  });
  it('a type with too little memory does not fit', () => {
    assert.equal(
      fitsIntent(
        { cpu: 4, memoryGiB: 15, gpuAmount: 1, gpuSpec: 'NVIDIA T4' },
        { cpu: 4, memoryGiB: 16, gpu: { model: 'T4', count: 1 } },
      ),
      false,
    );
  });
  it('the wrong GPU model does not fit', () => {
    assert.equal(
      fitsIntent(
        { cpu: 8, memoryGiB: 30, gpuAmount: 1, gpuSpec: 'NVIDIA A10' },
        { cpu: 4, memoryGiB: 8, gpu: { model: 'A100', count: 1 } },
      ),
      false,
    );
  });
  it('too few GPUs do not fit', () => {
    assert.equal(
      fitsIntent(
        { cpu: 8, memoryGiB: 30, gpuAmount: 1, gpuSpec: 'NVIDIA A10' },
        { cpu: 4, memoryGiB: 8, gpu: { model: 'A10', count: 2 } },
      ),
      false,
    );
  });
});

describe('smallerSpecs and alternatives', () => {
  it('next smaller g7 first', () => {
    assert.deepEqual(
      smallerSpecs('ecs.g7.2xlarge')
        .slice(0, 2)
        .map((t) => t.type),
      ['ecs.g7.xlarge', 'ecs.g7.large'],
    );
  });
  it('a smaller spec that still fits the intent', () => {
    const intent = parseIntent({ intent: '4 vCPU 16 GB' });
    assert.deepEqual(
      smallerSpecs('ecs.g7.4xlarge', intent).map((t) => t.type),
      ['ecs.g7.2xlarge', 'ecs.g7.xlarge'],
    );
  });
  it('smaller A10 types stay A10', () => {
    assert.ok(smallerSpecs('ecs.gn7i-c32g1.8xlarge').every((t) => gpuModelOf(t.gpuSpec) === 'A10'));
  });
  it('sold-out c7.2xlarge → other types that fit, smallest first', () => {
    assert.equal(
      alternativeSpecs('ecs.c7.2xlarge', parseIntent({ intent: '8c16g' }))[0].type,
      'ecs.c8i.2xlarge',
    );
  });
  it('unknown types have no smaller specs', () => assert.deepEqual(smallerSpecs('ecs.zz9.large'), []));
});

describe('defaults by model size', () => {
  const table: [number, string, number][] = [
    [0.5, 'T4', 60],
    [7, 'A10', 120],
    [14, 'A100', 240],
    [32, 'A100', 480],
    [72, 'A100', 720],
  ];
  for (const [size, model, minutes] of table) {
    it(`${size}B → ${model}, ${minutes} min`, () => {
      const d = modelSizeDefaults(size);
      assert.equal(d.gpu.model, model);
      assert.equal(d.minutes, minutes);
    });
  }
});
