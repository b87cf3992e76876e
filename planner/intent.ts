// Free text + structured fields → a typed, validated Intent (step 1 in docs/architecture.md). Fields win over text.
// Everything here is a pure function of its input: it runs inside workflow code.
//
// Phrasings that could be read two ways, and how acp reads them (the tests pin each one):
// - A bare budget with no currency ("budget 300", "预算 300") is CNY, with a warning; "under 50" with no
//   currency and no budget word is not read as a budget at all (it could be minutes or GB).
// - "GPU" with no model ("on a GPU", "2 GPUs") means T4, the smallest GPU both ECS and FC offer, with a
//   warning. "no GPU"/"CPU only" means none.
// - Training words ("fine-tune", "train", "训练") beat generic service words ("deploy", "serve"), but an
//   explicit keep-running phrase ("keep it running", "长期运行", "24/7") makes it a service. "fine-tuned"
//   (an adjective: "deploy a fine-tuned qwen") is not a training word.
// - "on k8s"/"kubernetes" asks for Kubernetes (ACK is the only candidate) but is not a product lock;
//   "ACK"/"容器服务" is the lock. "docker"/"container" alone asks for containers (ACK and ECS are quoted).
// - A product named after a negation ("not ECS", "不用 ECS") is ignored with a warning (acp cannot
//   exclude one product; it compares them all).
// - "fine-tune qwen-72b" with no GPU: a LoRA-style fine-tune on one node — ≤ 1.5B T4, ≤ 8B 1× A10,
//   ≤ 14B 1× A100, ≤ 34B 4× A100, larger 8× A100 — with a warning; run time 1/2/4/8/12 h by the same bands.
// - A service's duration is the quote horizon (default 24 h, or the TTL when one is given); it is torn
//   down by `teardown`, the TTL or the budget guard, not by the duration.
// - Port 22 is never opened from `ports`: SSH opens only to `sshCidr`; 22 without sshCidr is an error.

import { formatMinutes, parseDuration } from './durations';
import { DEFAULT_USD_TO_CNY, makeBudget } from './pricing';
import { type LockedRequest, PRODUCT_FACTS, type ProductCatalogue } from './products';
import { isRegionId, regionFromText } from './region';
import {
  DEFAULT_DURATION_MINUTES,
  DEFAULT_SHAPE,
  GPU_MODELS,
  gpuModelOf,
  gpuShape,
  instanceTypeFacts,
  modelSizeDefaults,
} from './specs';
import { spotAsked } from './spot';
import {
  type Currency,
  type GpuModel,
  type Intent,
  IntentError,
  type Product,
  type ProvisionRequest,
  type TaskKind,
  type TemplateName,
} from './types';

export interface ParseOptions {
  /** CNY per USD for budgets given in dollars (default 7.2). */
  usdToCny?: number;
  /** The products a request may name (default: every product acp has; tests add their own). */
  products?: ProductCatalogue;
}

export const LIMITS = {
  maxCpu: 512,
  maxMemoryGiB: 12_288,
  maxGpuCount: 8,
  /** One year: longer is not a plan, it is a typo. */
  maxDurationMinutes: 366 * 24 * 60,
  defaultConfirmTimeout: '30m',
} as const;

// ---------------------------------------------------------------------------------------------
// Text helpers

/** Full-width digits, letters and symbols (common in Chinese input) → ASCII; lower case. */
export function normalizeText(text: string): string {
  return text
    .replace(/[\uFF01-\uFF5E]/g, (c) => String.fromCharCode(c.charCodeAt(0) - 0xfee0))
    .replace(/\u3000/g, ' ')
    .replace(/￥/g, '¥')
    .toLowerCase();
}

const NUMBER_WORDS: Record<string, number> = {
  a: 1,
  an: 1,
  one: 1,
  single: 1,
  two: 2,
  three: 3,
  four: 4,
  five: 5,
  six: 6,
  seven: 7,
  eight: 8,
  nine: 9,
  ten: 10,
  一: 1,
  单: 1,
  二: 2,
  两: 2,
  三: 3,
  四: 4,
  五: 5,
  六: 6,
  七: 7,
  八: 8,
  九: 9,
  十: 10,
};
const NUM =
  '(\\d+(?:\\.\\d+)?|a|an|one|single|two|three|four|five|six|seven|eight|nine|ten|[一单二两三四五六七八九十])';

function toNumber(word: string): number {
  return NUMBER_WORDS[word] ?? Number(word);
}

/** Blank out a matched span so later extractors do not read it again ("A100 80GB" is not memory). */
function blank(text: string, m: RegExpExecArray | RegExpMatchArray): string {
  const at = m.index ?? 0;
  return text.slice(0, at) + ' '.repeat(m[0].length) + text.slice(at + m[0].length);
}

// ---------------------------------------------------------------------------------------------
// Extractors: each reads the (normalised) text and returns what it found plus the text without it.

interface Found {
  cpu?: number;
  memoryGiB?: number;
  gpu?: { model: GpuModel; count: number };
  gpuGeneric?: boolean;
  noGpu?: boolean;
  durationMinutes?: number;
  budget?: { amount: number; currency: Currency; assumed?: boolean };
  product?: Product;
  region?: string;
  ports?: number[];
  kind?: TaskKind;
  serviceStrong?: boolean;
  containers?: boolean;
  kubernetes?: boolean;
  image?: string;
  template?: TemplateName;
  model?: string;
  modelSizeB?: number;
  instanceType?: string;
  scriptName?: string;
  https?: boolean;
}

const GPU_NAMES = '(a100|a10|t4|v100|p100|h800|l20)';
const UNKNOWN_GPU =
  /(?<![\w.-])(h100|h200|h20|a800|a30|a40|l40s?|l4|b200|gb200|k80|mi\d{3}x?|rtx\s*\d{4}|(?:geforce\s*)?[34]0[6-9]0(?:\s*ti)?)(?![\w])/;

function extractInstanceType(text: string, found: Found, warnings: string[]): string {
  const m = /\becs\.[a-z0-9-]+\.[a-z0-9-]+\b/.exec(text);
  if (!m) return text;
  found.instanceType = m[0];
  const facts = instanceTypeFacts(m[0]);
  if (facts) {
    found.cpu = facts.cpu;
    found.memoryGiB = facts.memoryGiB;
    const model = gpuModelOf(facts.gpuSpec);
    if (model) found.gpu = { model, count: facts.gpuAmount };
  } else {
    warnings.push(`acp's catalogue does not know ${m[0]}; say the vCPU and memory (or GPU) you need`);
  }
  return blank(text, m);
}

function extractModel(text: string, found: Found): string {
  const m =
    /(?<![\w-])((?:[\w-]+\/)?(?:qwen|llama|chatglm|glm|baichuan|mistral|mixtral|deepseek|yi|gemma|phi|internlm|falcon|bloom|gpt-?j|gpt-?neox|opt|bert|t5|whisper|stable-?diffusion|sdxl)[\w.-]*)(?:\s+(\d+(?:\.\d+)?b))?(?![\w.-])/.exec(
      text,
    );
  if (!m) return text;
  const model = m[2] ? `${m[1]}-${m[2]}` : m[1];
  found.model = model;
  const size = /(?:^|[-_/.])(\d+(?:\.\d+)?)b(?:$|[-_.])/.exec(model);
  if (size) found.modelSizeB = Number(size[1]);
  return blank(text, m);
}

function extractGpu(text: string, found: Found): string {
  const patterns: {
    re: RegExp;
    count: (m: RegExpExecArray) => number;
    model: (m: RegExpExecArray) => string;
  }[] = [
    // "2×A10", "2xA10", "2 x a100"
    {
      re: new RegExp(
        `(?<![\\w.])${NUM}\\s*(?:x|×|\\*)\\s*(?:nvidia\\s+)?${GPU_NAMES}(?!\\d)(?:[\\s-]*\\d+\\s*g(?:b|ib)?\\b)?`,
      ),
      count: (m) => toNumber(m[1]),
      model: (m) => m[2],
    },
    // "A10 x2", "A100*8", "A100 8卡"
    {
      re: new RegExp(
        `${GPU_NAMES}(?!\\d)(?:[\\s-]*\\d+\\s*g(?:b|ib)?\\b)?\\s*(?:(?:x|×|\\*)\\s*(\\d+)|(\\d+)\\s*(?:卡|张|块|gpus?\\b))`,
      ),
      count: (m) => Number(m[2] ?? m[3]),
      model: (m) => m[1],
    },
    // "2 A10s", "one T4", "两张 A10", "8卡A100", "a single A100 80GB"
    {
      re: new RegExp(
        `(?<![\\w.])${NUM}\\s*(?:张|块|个|卡|片)?\\s*(?:卡)?\\s*(?:nvidia\\s+)?${GPU_NAMES}(?!\\d)s?(?:[\\s-]*\\d+\\s*g(?:b|ib)?\\b)?(?:\\s*(?:gpus?|cards?|显卡))?`,
      ),
      count: (m) => toNumber(m[1]),
      model: (m) => m[2],
    },
    // "A100", "A100 80GB", "nvidia t4"
    {
      re: new RegExp(`(?<![\\w.])(?:nvidia\\s+)?${GPU_NAMES}(?!\\d)s?(?:[\\s-]*\\d+\\s*g(?:b|ib)?\\b)?`),
      count: () => 1,
      model: (m) => m[1],
    },
  ];
  for (const p of patterns) {
    const m = p.re.exec(text);
    if (m) {
      found.gpu = { model: p.model(m).toUpperCase() as GpuModel, count: p.count(m) };
      return blank(text, m);
    }
  }
  const unknown = UNKNOWN_GPU.exec(text);
  if (unknown) {
    throw new IntentError(
      'gpu.model',
      `acp does not know the GPU "${unknown[1].toUpperCase()}"; it knows ${GPU_MODELS.join(', ')}`,
    );
  }
  if (
    /\b(?:no|without|w\/o)\s+(?:a\s+)?gpus?\b|\bcpu[- ]only\b|不(?:需要|用|要)\s*gpu|无需\s*gpu|纯\s*cpu/.test(
      text,
    )
  ) {
    found.noGpu = true;
    return text;
  }
  const generic = new RegExp(`(?:(?<![\\w.])${NUM}\\s*(?:张|块|个)?\\s*)?(?:gpus?|显卡|gpu卡)(?![a-z])`).exec(
    text,
  );
  if (generic) {
    found.gpu = { model: 'T4', count: generic[1] ? toNumber(generic[1]) : 1 };
    found.gpuGeneric = true;
    return blank(text, generic);
  }
  return text;
}

const AMOUNT = '(-?\\d[\\d,]*(?:\\.\\d+)?)\\s*(k|千|万)?';

function amountOf(raw: string, scale: string | undefined): number {
  const n = Number(raw.replace(/,/g, ''));
  return scale === 'k' || scale === '千' ? n * 1000 : scale === '万' ? n * 10_000 : n;
}

/** Words after an amount that are not money: durations, sizes, counts ("under 30 minutes", "max 16 GB"). */
const NON_MONEY_UNIT =
  /^(?:h|hrs?|hours?|m|mins?|minutes?|s|secs?|seconds?|d|days?|weeks?|months?|gb|gib|g|mb|mib|tb|vcpus?|cpus?|cores?|核|gpus?|cards?|nodes?|instances?|x|×|%|percent|小时|分钟|天|个)$/;

function extractBudget(text: string, found: Found): string {
  const usd = [
    new RegExp(`(?:us\\$|\\$|usd\\s*)\\s*${AMOUNT}`),
    new RegExp(`${AMOUNT}\\s*(?:usd|us\\s*dollars?|dollars?|bucks|美元|美金|刀)(?![a-z])`),
  ];
  const cny = [
    new RegExp(`(?:¥|cny\\s*|rmb\\s*)\\s*${AMOUNT}`),
    new RegExp(`${AMOUNT}\\s*(?:cny|rmb|yuan|元|块钱|块|人民币)(?![a-z])`),
  ];
  const other = [
    /(?:€|£|eur\s*|gbp\s*|jpy\s*)\s*(-?\d[\d,]*(?:\.\d+)?)/,
    /(-?\d[\d,]*(?:\.\d+)?)\s*(eur|euros?|gbp|pounds?|jpy|yen|日元|欧元|英镑|hkd|sgd)(?![a-z])/,
  ];
  for (const [currency, list] of [
    ['USD', usd],
    ['CNY', cny],
  ] as const) {
    for (const re of list) {
      const m = re.exec(text);
      if (m) {
        found.budget = { amount: amountOf(m[1], m[2]), currency };
        return blank(text, m);
      }
    }
  }
  for (const re of other) {
    const m = re.exec(text);
    if (m) {
      throw new IntentError(
        'budget.currency',
        `"${m[0].trim()}": acp understands budgets in USD ($) and CNY (¥, 元, RMB)`,
      );
    }
  }
  // "under 50 rubles", "max 300 ₹": an amount after a spending word, in a currency acp does not know.
  // Dropping it would run without the limit the person set, so it is refused like a flag would be.
  const limit =
    /(?:under|below|less than|at most|up to|no more than|within|max(?:imum)?|budget(?:\s+of)?|cap(?:ped)? at)\s+([^\s\d]{1,3})?\s*(\d[\d,]*(?:\.\d+)?)\s*([^\s\d,.;:!?)]*)/i.exec(
      text,
    );
  if (limit) {
    const unit = (limit[3] ?? '').toLowerCase();
    const symbol = limit[1] ?? '';
    const isUnit = unit === '' || NON_MONEY_UNIT.test(unit);
    if ((symbol !== '' && !/^[a-z]+$/i.test(symbol)) || !isUnit) {
      throw new IntentError(
        'budget.currency',
        `"${limit[0].trim()}": acp understands budgets in USD ($) and CNY (¥, 元, RMB), not ${symbol || unit}`,
      );
    }
  }
  const bare = new RegExp(
    `(?:budget|预算)\\s*(?:of|is|:|=|为|是)?\\s*${AMOUNT}(?!\\s*(?:h|hours?|hrs?|min|minutes?|小时|分钟|天|days?|vcpus?|cpus?|核|gb|gib|g)\\b)`,
  ).exec(text);
  if (bare) {
    found.budget = { amount: amountOf(bare[1], bare[2]), currency: 'CNY', assumed: true };
    return blank(text, bare);
  }
  return text;
}

const UNIT_MINUTES: [RegExp, number][] = [
  [/^(?:weeks?|w|周|星期)$/, 7 * 24 * 60],
  [/^(?:days?|d|天)$/, 24 * 60],
  [/^(?:hours?|hrs?|h|小时|个小时|钟头|个钟头)$/, 60],
  [/^(?:minutes?|mins?|m|分钟|分)$/, 1],
  [/^(?:seconds?|secs?|s|秒)$/, 1 / 60],
];
const DURATION_UNITS =
  '(weeks?|w|days?|d|天|周|星期|hours?|hrs?|h|个小时|小时|个钟头|钟头|minutes?|mins?|m|分钟|分|seconds?|secs?|s|秒)';

function extractDuration(text: string, found: Found): string {
  const half = /half\s+an?\s+hour|半个?小时|半个?钟头/.exec(text);
  if (half) {
    found.durationMinutes = 30;
    return blank(text, half);
  }
  // One or more number+unit pairs in a row: "2h", "1h30m", "1 hour 30 minutes", "2小时".
  const pair = `${NUM}\\s*${DURATION_UNITS}(?![a-z])(?!\\d+\\b)`;
  const re = new RegExp(`(?<![\\w.$¥])${pair}(?:\\s*(?:and\\s+)?${pair})*`, 'g');
  for (const m of text.matchAll(re)) {
    let total = 0;
    for (const part of m[0].matchAll(new RegExp(pair, 'g'))) {
      const unit = UNIT_MINUTES.find(([u]) => u.test(part[2]));
      if (unit) total += toNumber(part[1]) * unit[1];
    }
    if (total > 0 || /^-|^0/.test(m[0])) {
      found.durationMinutes = total;
      return blank(text, m);
    }
  }
  return text;
}

const NEGATION =
  /(?:\bnot|\bno|\bwithout|\bdon't use|\bdo not use|\bavoid|不用|不要|别用|不使用|除了)\s*(?:on\s+|use\s+|用\s*)?$/;

function extractProduct(text: string, found: Found, warnings: string[], catalogue: ProductCatalogue): string {
  const named = new Set<Product>();
  for (const { id: product, textNames } of Object.values(catalogue)) {
    const g = new RegExp(textNames.source, 'g');
    for (const m of text.matchAll(g)) {
      const before = text.slice(Math.max(0, (m.index ?? 0) - 16), m.index);
      if (NEGATION.test(before)) {
        warnings.push(`"${m[0]}" after a negation is ignored: acp compares every product that fits`);
        continue;
      }
      named.add(product);
    }
    text = text.replace(g, (s) => ' '.repeat(s.length));
  }
  if (named.size > 1) {
    throw new IntentError(
      'product',
      `the text names ${[...named].join(' and ')}; name one product, or none to compare them`,
    );
  }
  if (named.size === 1) found.product = [...named][0];
  return text;
}

function extractPorts(text: string, found: Found): string {
  const m =
    /(?:ports?|端口|expose|listen(?:ing)?\s+on)\s*[:：]?\s*((?:\d{1,6}(?:\s*(?:,|、|and|和|&|\/|\+|\s)\s*(?:port\s*)?)?)+)/.exec(
      text,
    );
  if (m) {
    found.ports = (m[1].match(/\d{1,6}/g) ?? []).map(Number);
    text = blank(text, m);
  }
  if (/\bhttps\b|\bssl\b|\btls\b/.test(text)) found.https = true;
  return text;
}

function extractCpuMemory(text: string, found: Found): string {
  const cpuUnit = '(?:vcpus?|cpus?|cores?|核心|个核|核|c|v)';
  const memUnit = '(?:gib|gb|g)';
  const both = new RegExp(
    `(\\d+(?:\\.\\d+)?)\\s*${cpuUnit}\\s*[,/、，+ ]*\\s*(?:and\\s+)?(\\d+(?:\\.\\d+)?)\\s*${memUnit}(?![a-z])`,
  ).exec(text);
  if (both) {
    found.cpu = Number(both[1]);
    found.memoryGiB = Number(both[2]);
    return blank(text, both);
  }
  const cpu =
    /(-?\d+(?:\.\d+)?)\s*-?\s*(?:vcpus?|cpus?|cores?|核心|个核|核)(?![a-z])/.exec(text) ??
    /(?:vcpus?|cpus?|cores?)\s*[:=]?\s*(-?\d+(?:\.\d+)?)(?![\w.])/.exec(text);
  if (cpu) {
    found.cpu = Number(cpu[1]);
    text = blank(text, cpu);
  }
  const mem =
    /(-?\d+(?:\.\d+)?)\s*(tib|tb|gib|gb|g|mib|mb)\s*(?:of\s+)?(?:ram|memory|mem|内存)/.exec(text) ??
    /(?:ram|memory|mem|内存)\s*[:=]?\s*(-?\d+(?:\.\d+)?)\s*(tib|tb|gib|gb|g|mib|mb)?(?![a-z])/.exec(text) ??
    /(-?\d+(?:\.\d+)?)\s*(tib|tb|gib|gb|g)(?![a-z])(?!\s*(?:disk|ssd|storage|硬盘|磁盘|显存|vram|of\s+(?:disk|storage)))/.exec(
      text,
    );
  if (mem) {
    const unit = mem[2] ?? 'g';
    const n = Number(mem[1]);
    found.memoryGiB = /^t/.test(unit) ? n * 1024 : /^m/.test(unit) ? n / 1024 : n;
    text = blank(text, mem);
  }
  return text;
}

const TRAINING_WORDS =
  /fine[- ]?tune(?!d)|fine[- ]?tuning|\btrain(?:ing|s)?\b|\bsft\b|\bq?lora\b|pre-?train(?!ed)|训练|微调|\bepochs?\b/;
const SERVICE_STRONG =
  /keep (?:it |them )?(?:running|alive|up|online)|long[- ]running|long[- ]lived|always[- ]on|24\/7|until (?:i|we) (?:stop|tear)|indefinitely|forever|长期运行|一直运行|持续运行|常驻|保持运行|不停机|长期在线/;
const SERVICE_WORDS =
  /\bdeploy|\bserve\b|\bserving\b|\bservice\b|\bserver\b|web ?site|web ?app|\bapi\b|\bnginx\b|static site|\bhost(?:ing)?\b|\bdaemon\b|部署|网站|服务|上线/;

function extractKind(text: string, scriptName: string | undefined, found: Found): void {
  found.serviceStrong = SERVICE_STRONG.test(text);
  const training =
    TRAINING_WORDS.test(text) ||
    (scriptName !== undefined && /train|finetune|fine_tune|sft/.test(scriptName));
  if (found.serviceStrong) found.kind = 'service';
  else if (training) found.kind = 'training';
  else if (SERVICE_WORDS.test(text)) found.kind = 'service';
}

const IMAGE_STOPWORDS = new Set([
  'that',
  'which',
  'with',
  'for',
  'on',
  'in',
  'and',
  'image',
  'from',
  'to',
  'running',
  'using',
  'the',
  'a',
  'an',
  'of',
  'it',
  'that',
  'then',
]);

function extractContainers(original: string, text: string, found: Found): void {
  found.kubernetes = /\bk8s\b|kubernetes|\bhelm\b|\bkubectl\b/.test(text);
  found.containers = found.kubernetes || /docker|container|容器|\bpods?\b/.test(text);
  if (!found.containers) return;
  const re =
    /(?:docker\s+(?:run|pull)|containers?|image|镜像)\s*[:：]?\s+(?:of\s+|from\s+)?([a-z0-9][\w.\-/]*(?::[\w.-]+)?)/gi;
  for (const m of original.matchAll(re)) {
    const candidate = m[1];
    if (IMAGE_STOPWORDS.has(candidate.toLowerCase())) continue;
    if (/^(?:k8s|kubernetes|docker|container|containers)$/i.test(candidate)) continue;
    found.image = candidate;
    return;
  }
}

function extractScriptName(original: string): string | undefined {
  const m =
    /(?<![\w./-])((?:\.{0,2}\/)?[\w.\-/]*[\w-]\.(?:py|sh|bash|js|mjs|ts|rb|pl|go|r|ipynb))(?![\w])/i.exec(
      original,
    );
  return m?.[1];
}

function extractTemplate(text: string, found: Found): void {
  if (/static\s+(?:web\s*)?site|static\s+website|static\s+pages?|静态(?:网站|站点|页面)/.test(text)) {
    found.template = 'static-site';
  } else if (found.containers && !found.kubernetes) {
    found.template = 'docker';
    if (!found.image && /\bnginx\b/.test(text)) found.image = 'nginx:stable';
  } else if (found.kubernetes && /\bnginx\b/.test(text)) {
    found.template = 'docker';
    if (!found.image) found.image = 'nginx:stable';
  } else if (/\bnginx\b/.test(text)) {
    found.template = 'nginx';
  } else if (found.kind === 'training') {
    found.template = 'python-training';
  }
}

/** Everything the free text says. Exported for the CLI's "did you mean" and for tests. */
export function readText(
  intentText: string,
  warnings: string[] = [],
  catalogue: ProductCatalogue = PRODUCT_FACTS,
): Found & { regionUnknownId?: string } {
  const found: Found = {};
  const original = intentText;
  let text = normalizeText(intentText);
  found.scriptName = extractScriptName(original);
  if (found.scriptName)
    text = text.replace(found.scriptName.toLowerCase(), ' '.repeat(found.scriptName.length));
  const where = regionFromText(text);
  if (where.region) found.region = where.region;
  text = extractInstanceType(text, found, warnings);
  text = extractModel(text, found);
  text = extractBudget(text, found);
  text = extractDuration(text, found);
  text = extractProduct(text, found, warnings, catalogue);
  extractKind(text, found.scriptName, found);
  if (!found.gpu) text = extractGpu(text, found);
  text = extractPorts(text, found);
  if (found.cpu === undefined && found.memoryGiB === undefined) text = extractCpuMemory(text, found);
  extractContainers(original, normalizeText(intentText), found);
  extractTemplate(normalizeText(intentText), found);
  return { ...found, regionUnknownId: where.unknownId };
}

// ---------------------------------------------------------------------------------------------
// Fields

function normalizeProduct(value: unknown, catalogue: ProductCatalogue): Product {
  const v = String(value).trim().toLowerCase();
  const facts = Object.values(catalogue).find((f) => f.id === v || f.fieldAliases.includes(v));
  if (!facts) {
    const ids = Object.keys(catalogue).join(', ');
    throw new IntentError('product', `unknown product "${value}"; use one of ${ids}`);
  }
  return facts.id;
}

/** A request locked to a product that asks for work or a size the product does not run. */
function checkLock(catalogue: ProductCatalogue, product: Product, request: LockedRequest): void {
  const facts = catalogue[product];
  if (!facts.runs.includes(request.kind)) {
    const others = Object.values(catalogue)
      .filter((f) => f.runs.includes(request.kind))
      .map((f) => f.id);
    const what =
      request.kind === 'service'
        ? 'runs jobs that end, not long-running services'
        : `does not run this kind of work (${KIND_LABEL[request.kind]})`;
    throw new IntentError(
      'product',
      `${facts.name} ${what}; use ${others.join(' or ')}, or drop the product`,
    );
  }
  const conflict = facts.lockConflict?.(request);
  if (conflict) throw conflict;
}

export function normalizeCurrency(value: unknown): Currency {
  const v = String(value).trim().toUpperCase();
  if (['USD', '$', 'US$', 'DOLLAR', 'DOLLARS', '美元'].includes(v)) return 'USD';
  if (['CNY', 'RMB', '¥', '￥', 'YUAN', '元', '人民币'].includes(v)) return 'CNY';
  throw new IntentError('budget.currency', `unknown currency "${value}"; use USD or CNY`);
}

export function normalizeGpuModel(value: unknown): GpuModel {
  const model = gpuModelOf(String(value).replace(/^nvidia\s*/i, ''));
  if (!model)
    throw new IntentError('gpu.model', `unknown GPU "${value}"; acp knows ${GPU_MODELS.join(', ')}`);
  return model;
}

function checkNumber(field: string, value: unknown, what: string, max: number): number {
  const n = Number(value);
  if (typeof value === 'boolean' || value === null || !Number.isFinite(n)) {
    throw new IntentError(field, `${what} must be a number, got ${JSON.stringify(value)}`);
  }
  if (n <= 0) throw new IntentError(field, `${what} must be greater than zero, got ${n}`);
  if (n > max)
    throw new IntentError(field, `${what} of ${n} is beyond any Alibaba Cloud offering (max ${max})`);
  return n;
}

function checkGpuCount(value: unknown): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1 || n > LIMITS.maxGpuCount) {
    throw new IntentError(
      'gpu.count',
      `GPU count must be a whole number from 1 to ${LIMITS.maxGpuCount}, got ${JSON.stringify(value)}`,
    );
  }
  return n;
}

function checkPorts(ports: unknown): number[] {
  if (!Array.isArray(ports)) throw new IntentError('ports', 'ports must be a list of port numbers');
  const out: number[] = [];
  for (const p of ports) {
    const n = Number(p);
    if (!Number.isInteger(n) || n < 1 || n > 65_535) {
      throw new IntentError('ports', `port ${JSON.stringify(p)} is not a TCP port (1-65535)`);
    }
    if (!out.includes(n)) out.push(n);
  }
  return out.sort((a, b) => a - b);
}

function checkCidr(cidr: string): string {
  const m = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})\/(\d{1,2})$/.exec(cidr.trim());
  if (!m || m.slice(1, 5).some((o) => Number(o) > 255) || Number(m[5]) > 32) {
    throw new IntentError('sshCidr', `"${cidr}" is not an IPv4 CIDR like 203.0.113.7/32`);
  }
  return cidr.trim();
}

const nextPow2 = (n: number) => 2 ** Math.ceil(Math.log2(Math.max(1, n)));

// ---------------------------------------------------------------------------------------------

/** Parse and validate a request. Throws IntentError naming the field to fix. */
export function parseIntent(request: ProvisionRequest, options: ParseOptions = {}): Intent {
  const warnings: string[] = [];
  const usdToCny = options.usdToCny ?? DEFAULT_USD_TO_CNY;
  const catalogue = options.products ?? PRODUCT_FACTS;
  if (!(usdToCny > 0) || !Number.isFinite(usdToCny)) {
    throw new IntentError('usdToCny', `the exchange rate must be a positive number, got ${usdToCny}`);
  }
  if (request.intent !== undefined && typeof request.intent !== 'string') {
    throw new IntentError('intent', 'intent must be text');
  }
  const text = request.intent?.trim() ?? '';
  const t = readText(text, warnings, catalogue);
  if (t.regionUnknownId && request.region === undefined) {
    throw new IntentError(
      'region',
      `unknown region "${t.regionUnknownId}"; e.g. cn-hangzhou, ap-southeast-1`,
    );
  }
  const hasScript = Boolean(request.script?.path || request.script?.content);

  // Product: the field wins; a different product in the text is noted.
  let product: Product | undefined;
  if (request.product !== undefined && request.product !== null) {
    product = normalizeProduct(request.product, catalogue);
    if (t.product && t.product !== product) {
      warnings.push(`the text says ${t.product} but the product field says ${product}; using ${product}`);
    }
  } else {
    product = t.product;
  }

  // Kind: the service field wins over the text.
  let kind: TaskKind = t.kind ?? 'oneshot';
  if (request.service === true) kind = 'service';
  if (request.service === false && kind === 'service') {
    warnings.push('the text reads like a long-running service but service is false; running it as a job');
    kind = TRAINING_WORDS.test(normalizeText(text)) ? 'training' : 'oneshot';
  }

  // GPU
  let gpu: Intent['gpu'];
  if (request.gpu !== undefined && request.gpu !== null) {
    if (typeof request.gpu !== 'object') throw new IntentError('gpu', 'gpu must be {model, count}');
    gpu = { model: normalizeGpuModel(request.gpu.model), count: checkGpuCount(request.gpu.count ?? 1) };
  } else if (t.gpu) {
    gpu = { model: t.gpu.model, count: checkGpuCount(t.gpu.count) };
    if (t.gpuGeneric)
      warnings.push(
        `no GPU model named: assuming ${gpu.count}× T4, the smallest GPU; name one (A10, A100 …) to change it`,
      );
  } else if (kind === 'training' && t.modelSizeB !== undefined && !t.noGpu) {
    const d = modelSizeDefaults(t.modelSizeB);
    gpu = { ...d.gpu };
    warnings.push(
      `no GPU named: assuming ${gpu.count}× ${gpu.model} for a LoRA-style fine-tune of a ${t.modelSizeB}B model`,
    );
  } else if (kind === 'training' && !t.noGpu) {
    warnings.push(
      'no GPU named: planning CPU-only training; say "on one T4" (or A10, A100 …) if the script needs CUDA',
    );
  }

  // vCPU and memory: fields, then text, then the GPU's smallest type, then the kind's default.
  const shape = gpu ? gpuShape(gpu.model, gpu.count) : DEFAULT_SHAPE[kind];
  const ratio = kind === 'oneshot' ? 2 : 4;
  const cpuIn = request.cpu ?? t.cpu;
  const memIn = request.memoryGiB ?? t.memoryGiB;
  let cpu = cpuIn === undefined ? undefined : checkNumber('cpu', cpuIn, 'vCPU', LIMITS.maxCpu);
  let memoryGiB =
    memIn === undefined ? undefined : checkNumber('memoryGiB', memIn, 'memory (GiB)', LIMITS.maxMemoryGiB);
  if (cpu === undefined && memoryGiB === undefined) {
    cpu = shape.cpu;
    memoryGiB = shape.memoryGiB;
  } else if (memoryGiB === undefined) {
    memoryGiB = Math.max((cpu as number) * ratio, gpu ? shape.memoryGiB : 0);
  } else if (cpu === undefined) {
    cpu = Math.max(nextPow2(Math.ceil(memoryGiB / 4)), gpu ? shape.cpu : 0);
  }
  const finalCpu = cpu as number;
  const finalMemory = memoryGiB as number;

  // Duration: field, text, model size (training), TTL (service), the kind's default.
  let ttlMs: number | undefined;
  if (request.ttl !== undefined) ttlMs = parseDuration(request.ttl, 'ttl');
  const confirmTimeoutMs = parseDuration(
    request.confirmTimeout ?? LIMITS.defaultConfirmTimeout,
    'confirmTimeout',
  );
  const durIn = request.durationMinutes ?? t.durationMinutes;
  let durationMinutes: number;
  if (durIn !== undefined) {
    durationMinutes = checkNumber('durationMinutes', durIn, 'duration (minutes)', LIMITS.maxDurationMinutes);
  } else if (kind === 'training' && t.modelSizeB !== undefined) {
    durationMinutes = modelSizeDefaults(t.modelSizeB).minutes;
  } else if (kind === 'service' && ttlMs !== undefined) {
    durationMinutes = Math.ceil(ttlMs / 60_000);
  } else {
    durationMinutes = DEFAULT_DURATION_MINUTES[kind];
  }

  // Budget
  let budget: Intent['budget'];
  if (request.budget !== undefined && request.budget !== null) {
    if (typeof request.budget !== 'object')
      throw new IntentError('budget', 'budget must be {amount, currency}');
    const currency = normalizeCurrency(request.budget.currency ?? 'CNY');
    const amount = Number(request.budget.amount);
    if (!(amount > 0) || !Number.isFinite(amount)) {
      throw new IntentError(
        'budget.amount',
        `a budget must be a positive amount, got ${JSON.stringify(request.budget.amount)}`,
      );
    }
    budget = makeBudget(amount, currency, usdToCny);
  } else if (t.budget) {
    if (!(t.budget.amount > 0)) {
      throw new IntentError('budget.amount', `a budget must be a positive amount, got ${t.budget.amount}`);
    }
    if (t.budget.assumed) warnings.push(`the budget ${t.budget.amount} has no currency; reading it as CNY`);
    budget = makeBudget(t.budget.amount, t.budget.currency, usdToCny);
  }

  // Region
  let region: string | undefined;
  if (request.region !== undefined && request.region !== null && request.region !== '') {
    const r = String(request.region).trim().toLowerCase();
    if (!isRegionId(r))
      throw new IntentError('region', `unknown region "${request.region}"; e.g. cn-hangzhou, ap-southeast-1`);
    region = r;
    if (t.region && t.region !== r)
      warnings.push(`the text says ${t.region} but the region field says ${r}; using ${r}`);
  } else {
    region = t.region;
  }

  // Template (only when no script was given) and ports.
  const template = hasScript ? undefined : t.template;
  let ports: number[];
  if (request.ports !== undefined && request.ports !== null) ports = checkPorts(request.ports);
  else if (t.ports) ports = checkPorts(t.ports);
  else if (
    template === 'nginx' ||
    template === 'static-site' ||
    (template === 'docker' && t.image?.startsWith('nginx'))
  ) {
    ports = t.https ? [80, 443] : [80];
  } else ports = [];
  let sshCidr: string | undefined;
  if (request.sshCidr !== undefined && request.sshCidr !== null) {
    sshCidr = checkCidr(String(request.sshCidr));
    if (sshCidr === '0.0.0.0/0') warnings.push('SSH is open to the whole internet (sshCidr 0.0.0.0/0)');
  }
  if (ports.includes(22)) {
    if (!sshCidr) {
      throw new IntentError(
        'sshCidr',
        'port 22 (SSH) opens only to an explicit CIDR: set sshCidr (e.g. 203.0.113.7/32) instead of listing 22',
      );
    }
    ports = ports.filter((p) => p !== 22);
  }

  // Contradictions with a product lock.
  if (product) {
    checkLock(catalogue, product, { kind, gpu, cpu: finalCpu, memoryGiB: finalMemory, durationMinutes });
  }

  const spot = spotAsked(request, text, kind, warnings);
  const spotRecoveries = request.spotRecoveries;
  if (
    spotRecoveries !== undefined &&
    !(Number.isInteger(spotRecoveries) && spotRecoveries >= 0 && spotRecoveries <= 20)
  )
    throw new IntentError(
      'spotRecoveries',
      `re-runs after reclaims must be a whole number from 0 to 20, got ${spotRecoveries}`,
    );

  if (request.checkpoint !== undefined && typeof request.checkpoint !== 'boolean')
    throw new IntentError(
      'checkpoint',
      `checkpoint must be true or false, got ${JSON.stringify(request.checkpoint)}`,
    );
  if (request.checkpoint && !spot)
    throw new IntentError(
      'checkpoint',
      'a checkpoint directory is kept across spot attempts; ask for spot (--spot) or leave --checkpoint out',
    );
  if (request.checkpoint && product && !catalogue[product].checkpoints) {
    const able = Object.values(catalogue).filter((facts) => facts.checkpoints);
    throw new IntentError(
      'checkpoint',
      `checkpoints work on ${able.map((facts) => facts.id).join(' and ')}, not ${product}`,
    );
  }

  const intent: Intent = {
    kind,
    cpu: finalCpu,
    memoryGiB: finalMemory,
    ...(gpu ? { gpu } : {}),
    durationMinutes,
    ...(budget ? { budget } : {}),
    ...(product ? { product } : {}),
    ...(region ? { region } : {}),
    ports,
    ...(sshCidr ? { sshCidr } : {}),
    containers: Boolean(t.containers),
    ...(template ? { template } : {}),
    ...(t.model ? { model: t.model } : {}),
    summary: '',
    warnings,
    ...(text ? { text } : {}),
    ...(t.kubernetes ? { kubernetes: true } : {}),
    ...(t.image ? { image: t.image } : {}),
    ...(t.instanceType ? { instanceType: t.instanceType } : {}),
    ...(t.scriptName ? { scriptName: t.scriptName } : {}),
    ...(t.modelSizeB !== undefined ? { modelSizeB: t.modelSizeB } : {}),
    confirmTimeoutMs,
    ...(ttlMs !== undefined ? { ttlMs } : {}),
    ...(spot ? { spot: true } : {}),
    ...(spot && spotRecoveries !== undefined ? { spotRecoveries } : {}),
    ...(spot && request.spotFallback ? { spotFallback: true } : {}),
    ...(request.checkpoint ? { checkpoint: true } : {}),
  };
  intent.summary = summarize(intent);
  return intent;
}

const KIND_LABEL: Record<TaskKind, string> = {
  training: 'AI training',
  service: 'long-running service',
  oneshot: 'one-shot script',
};

function amount(n: number): string {
  return Number.isInteger(n) ? String(n) : n.toFixed(2);
}

/** "AI training · 1× A10 · ~2 h · budget CNY 300". */
export function summarize(intent: Intent): string {
  const parts = [KIND_LABEL[intent.kind]];
  if (intent.template === 'docker' && intent.image) parts.push(`docker ${intent.image}`);
  else if (intent.template === 'nginx') parts.push('nginx');
  else if (intent.template === 'static-site') parts.push('static site');
  parts.push(
    intent.gpu
      ? `${intent.gpu.count}× ${intent.gpu.model}`
      : `${amount(intent.cpu)} vCPU ${amount(intent.memoryGiB)} GiB`,
  );
  if (intent.ports.length > 0)
    parts.push(`port${intent.ports.length > 1 ? 's' : ''} ${intent.ports.join(', ')}`);
  parts.push(formatMinutes(intent.durationMinutes));
  if (intent.spot) parts.push('spot');
  if (intent.product) parts.push(`on ${intent.product}`);
  if (intent.region) parts.push(`in ${intent.region}`);
  if (intent.budget) {
    const b = intent.budget;
    parts.push(
      b.currency === 'CNY'
        ? `budget CNY ${amount(b.amount)}`
        : `budget USD ${amount(b.amount)} (≈ CNY ${amount(b.cny)})`,
    );
  }
  return parts.join(' · ');
}
