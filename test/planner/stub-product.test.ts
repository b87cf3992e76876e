// A fifth product that exists only in this test: ECI (elastic container instances). Its facts and a
// catalogue that holds them are all the planner needs — the parser reads its names, the decision tree
// its fit, the comparison its "not feasible" reason, the order its tie order — and no list of products
// anywhere else is edited. The real catalogue is untouched: the same requests without it never see ECI.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  candidateProducts,
  chooseOption,
  type Intent,
  IntentError,
  PRODUCT_FACTS,
  type Product,
  type ProductCatalogue,
  type ProductFacts,
  type ProvisionRequest,
  parseIntent,
  productDecisions,
  type QuoteOption,
  sortOptions,
  whyNot,
} from '../../planner';
import type { PRODUCT_STEPS } from '../../workflows/products';

// Product is the closed list every registry is checked against (planner/types.ts); a product that
// lives only in this test borrows the type for its id.
const ECI = 'eci' as Product;

const eci: ProductFacts = {
  id: ECI,
  name: 'ECI',
  textNames: /(?<![\w.])eci(?![\w.])|弹性容器实例|elastic container instances?/,
  fieldAliases: ['elastic container instance'],
  runs: ['oneshot', 'service'],
  kubernetes: false,
  checkpoints: false,
  tieOrder: -1,
  fit(intent: Intent) {
    if (!intent.containers)
      return { feasible: false, reason: 'ECI runs container images; this is a plain script' };
    if (intent.kind === 'training') return { feasible: false, reason: 'ECI is not compared for training' };
    return { feasible: true, rank: 0 };
  },
  lockConflict(request) {
    return request.cpu > 64
      ? new IntentError('cpu', `an ECI instance has at most 64 vCPU, not ${request.cpu}`)
      : undefined;
  },
};

const withEci: ProductCatalogue = { ...PRODUCT_FACTS, [ECI]: eci };
const parse = (request: ProvisionRequest) => parseIntent(request, { products: withEci });

// Compile-time: every registry is a full record, so a product left out of one is a type error
// (`npm run typecheck` fails if either line below stops being one).
// @ts-expect-error — a catalogue without pai is not a ProductCatalogue
export const catalogueWithoutPai: ProductCatalogue = { ecs: eci, fc: eci, ack: eci };
type Steps = typeof PRODUCT_STEPS;
// @ts-expect-error — the workflow's steps without pai are not PRODUCT_STEPS
export const stepsWithoutPai: Steps = {} as Omit<Steps, 'pai'>;

/** One offer of a product at CNY 1 for an hour in cn-hangzhou; `over` makes it another. */
const offer = (product: Product, over: Partial<QuoteOption> = {}): QuoteOption => ({
  product,
  region: 'cn-hangzhou',
  spec: 'x',
  unitPricePerHour: 1,
  durationMinutes: 60,
  estimatedTotal: 1,
  readyInSeconds: 60,
  resources: [],
  cleanup: '',
  feasible: true,
  ...over,
});

describe('a product registered only in a test', () => {
  it('is named in the text, in English or Chinese, and locks the request to it', () => {
    assert.equal(parse({ intent: 'run a docker container redis:7 on ECI' }).product, ECI);
    assert.equal(parse({ intent: '用弹性容器实例跑 redis:7 容器' }).product, ECI);
    // Without it in the catalogue the word means nothing to acp.
    assert.equal(parseIntent({ intent: 'run a docker container redis:7 on ECI' }).product, undefined);
  });

  it('is accepted by its id and alias in the product field, and listed when the field is wrong', () => {
    assert.equal(parse({ intent: 'run a docker container redis:7', product: ECI }).product, ECI);
    assert.equal(
      parse({ intent: 'run a docker container redis:7', product: 'Elastic Container Instance' as Product })
        .product,
      ECI,
    );
    assert.throws(
      () => parse({ intent: 'run a.sh', product: 'eck' as Product }),
      (err: unknown) =>
        err instanceof IntentError &&
        err.field === 'product' &&
        /unknown product "eck"; use one of ecs, fc, ack, pai, eci/.test(err.message),
    );
    assert.throws(() => parseIntent({ intent: 'run a.sh', product: ECI }), /unknown product "eci"/);
  });

  it('joins the other products in the rules every product follows', () => {
    assert.throws(
      () => parse({ intent: 'run redis:7 in a container on ECI or ECS' }),
      /the text names ecs and eci; name one product/,
    );
    const negated = parse({ intent: 'run a docker container redis:7, not ECI' });
    assert.equal(negated.product, undefined);
    assert.ok(negated.warnings.some((w) => /"eci" after a negation is ignored/.test(w)));
  });

  it('refuses, at parse time, a lock asking for work it does not run or a size it does not have', () => {
    assert.throws(
      () => parse({ intent: 'fine-tune qwen-7b on ECI' }),
      (err: unknown) =>
        err instanceof IntentError &&
        err.field === 'product' &&
        err.message ===
          'product: ECI does not run this kind of work (AI training); use ecs or fc or ack or pai, or drop the product',
    );
    assert.throws(
      () => parse({ intent: 'run a docker container redis:7 on ECI', cpu: 128 }),
      (err: unknown) =>
        err instanceof IntentError && err.field === 'cpu' && /at most 64 vCPU, not 128/.test(err.message),
    );
    assert.equal(parse({ intent: 'serve redis:7 in a container on ECI', cpu: 64 }).kind, 'service');
    assert.throws(
      () => parse({ intent: 'run a docker container redis:7 on ECI', spot: true, checkpoint: true }),
      (err: unknown) =>
        err instanceof IntentError &&
        err.field === 'checkpoint' &&
        err.message === 'checkpoint: checkpoints work on ecs and pai, not eci',
    );
  });

  it('is compared where its fit() takes the intent, by its rank', () => {
    const container = parse({ intent: 'run a docker container redis:7' });
    assert.deepEqual(candidateProducts(container, withEci), ['ack', ECI, 'ecs']);
    assert.deepEqual(candidateProducts(container), ['ack', 'ecs']);
    // Kubernetes itself stays ACK's alone; a named product stays a lock.
    const k8s = parse({ intent: 'run redis:7 on k8s' });
    assert.deepEqual(candidateProducts(k8s, withEci), ['ack']);
    assert.equal(whyNot(ECI, k8s, withEci), 'you asked for Kubernetes; only ACK runs it');
    assert.deepEqual(candidateProducts(parse({ intent: 'run a docker container redis:7 on ECI' }), withEci), [
      ECI,
    ]);
  });

  it('gets a "not feasible" row with its own reason where it does not fit', () => {
    const plain = parse({ intent: '8核16G 跑 a.sh' });
    assert.deepEqual(candidateProducts(plain, withEci), ['ecs', 'fc']);
    assert.deepEqual(
      productDecisions(plain, withEci).map((d) => [d.product, d.candidate, d.reason]),
      [
        ['ecs', true, undefined],
        ['fc', true, undefined],
        [
          'ack',
          false,
          'a one-shot script needs no Kubernetes: a cluster fee and a 5–15 min cluster start for nothing',
        ],
        ['pai', false, 'PAI-DLC is for AI training; this is a plain script'],
        [ECI, false, 'ECI runs container images; this is a plain script'],
      ],
    );
    const locked = productDecisions(parse({ intent: '用 ECS 跑 a.sh' }), withEci).find(
      (d) => d.product === ECI,
    );
    assert.equal(locked?.reason, 'you asked for ecs; acp stays inside the product you name');
    // The comparison shows it; when nothing fits, the answer names it with its reason.
    const row = (product: Product, reason: string) => offer(product, { feasible: false, reason });
    const choice = chooseOption(
      [row('ecs', 'sold out'), row(ECI, 'ECI runs container images')],
      undefined,
      [],
      {
        products: withEci,
      },
    );
    assert.equal(choice.outcome, 'none-feasible');
    assert.match(choice.reason, /eci: ECI runs container images/);
  });

  it('takes its place among equal offers by its tie order', () => {
    const sorted = sortOptions([offer('ecs'), offer('pai'), offer(ECI)], [], { products: withEci });
    assert.deepEqual(
      sorted.map((o) => o.product),
      [ECI, 'pai', 'ecs'],
    );
    assert.deepEqual(
      sortOptions([offer('ecs'), offer('pai')]).map((o) => o.product),
      ['pai', 'ecs'],
    );
  });
});
