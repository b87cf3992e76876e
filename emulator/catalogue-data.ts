// The emulated cloud's facts: regions, zones, instance types and pay-as-you-go prices.
//
// PRICE SOURCE (kept beside the data on purpose): CNY per hour, Linux, pay-as-you-go, instance only,
// China-site list prices as of Dec 2024, from cloudpilot-ai/karpenter-provider-alibabacloud
// @cb536aff `pkg/providers/pricing/initial-on-demand-prices.json` (third-party, generated from a
// price server; last updated 2024-12-31). Two official Alibaba examples match it exactly: c5.large
// in Shanghai at CNY 0.62/h and g6.xlarge in Shanghai at CNY 1.0/h (the ECS savings-plan overview,
// 2021). Rows marked `derived` are not in that table: c6.* starts from its mainland c6.large at
// CNY 0.39/h (which matches the USD 0.06/h of the ECS "Configure an auto provisioning group" example,
// 2021-03, at the table's CNY/USD ratio of about 6.5), scaled linearly by size and by the per-region
// median CPU ratios of the same table; g6.large / g6.2xlarge scale g6.xlarge linearly (prices are
// linear in size within a family in that table).
// `null` = the type is not in that region's list, i.e. not sold there.
//
// INSTANCE FACTS: SpareCores sc-data-dumps `data/server/alicloud/*.json`, dump of 2026-01-31; c6/g6/c5
// sizes follow the same naming rule (c = 1:2, g = 1:4, r = 1:8 vCPU:GiB).

export const PRICE_SOURCE =
  'CNY/hour pay-as-you-go list prices, Dec 2024 (cloudpilot-ai/karpenter-provider-alibabacloud initial-on-demand-prices.json, third-party)';
export const PRICE_DATE = '2024-12-31';

export const REGION_IDS = [
  'cn-hangzhou',
  'cn-shanghai',
  'cn-beijing',
  'cn-shenzhen',
  'cn-zhangjiakou',
  'cn-hongkong',
  'ap-southeast-1',
  'ap-northeast-1',
  'us-west-1',
  'eu-central-1',
] as const;

export interface RegionRow {
  regionId: string;
  localName: string;
  englishName: string;
  mainland: boolean;
  /** Real zone ids; GPU types are offered only in the first `gpuZones` of them. */
  zones: string[];
  gpuZones: number;
  /** Median price ratio to cn-hangzhou for CPU types (in the price table above), informational. */
  priceFactor: number;
  /** The two letters Alibaba puts after the resource prefix in this region's ids (i-bp1…, i-uf6…). */
  idCode: string;
}

export const REGIONS: RegionRow[] = [
  {
    regionId: 'cn-hangzhou',
    localName: '华东1（杭州）',
    englishName: 'China (Hangzhou)',
    mainland: true,
    zones: ['cn-hangzhou-h', 'cn-hangzhou-i', 'cn-hangzhou-j', 'cn-hangzhou-k'],
    gpuZones: 3,
    priceFactor: 1,
    idCode: 'bp',
  },
  {
    regionId: 'cn-shanghai',
    localName: '华东2（上海）',
    englishName: 'China (Shanghai)',
    mainland: true,
    zones: ['cn-shanghai-e', 'cn-shanghai-f', 'cn-shanghai-g', 'cn-shanghai-l'],
    gpuZones: 2,
    priceFactor: 1,
    idCode: 'uf',
  },
  {
    regionId: 'cn-beijing',
    localName: '华北2（北京）',
    englishName: 'China (Beijing)',
    mainland: true,
    zones: ['cn-beijing-f', 'cn-beijing-g', 'cn-beijing-h', 'cn-beijing-i'],
    gpuZones: 2,
    priceFactor: 1,
    idCode: '2z',
  },
  {
    regionId: 'cn-shenzhen',
    localName: '华南1（深圳）',
    englishName: 'China (Shenzhen)',
    mainland: true,
    zones: ['cn-shenzhen-c', 'cn-shenzhen-d', 'cn-shenzhen-e', 'cn-shenzhen-f'],
    gpuZones: 2,
    priceFactor: 1,
    idCode: 'wz',
  },
  {
    regionId: 'cn-zhangjiakou',
    localName: '华北3（张家口）',
    englishName: 'China (Zhangjiakou)',
    mainland: true,
    zones: ['cn-zhangjiakou-a', 'cn-zhangjiakou-b', 'cn-zhangjiakou-c'],
    gpuZones: 1,
    priceFactor: 0.9,
    idCode: '8v',
  },
  {
    regionId: 'cn-hongkong',
    localName: '中国香港',
    englishName: 'China (Hong Kong)',
    mainland: false,
    zones: ['cn-hongkong-b', 'cn-hongkong-c', 'cn-hongkong-d'],
    gpuZones: 2,
    priceFactor: 1.4,
    idCode: 'j6',
  },
  {
    regionId: 'ap-southeast-1',
    localName: '新加坡',
    englishName: 'Singapore',
    mainland: false,
    zones: ['ap-southeast-1a', 'ap-southeast-1b', 'ap-southeast-1c'],
    gpuZones: 2,
    priceFactor: 1.28,
    idCode: 't4',
  },
  {
    regionId: 'ap-northeast-1',
    localName: '日本（东京）',
    englishName: 'Japan (Tokyo)',
    mainland: false,
    zones: ['ap-northeast-1a', 'ap-northeast-1b', 'ap-northeast-1c'],
    gpuZones: 1,
    priceFactor: 1.37,
    idCode: '6w',
  },
  {
    regionId: 'us-west-1',
    localName: '美国（硅谷）',
    englishName: 'US (Silicon Valley)',
    mainland: false,
    zones: ['us-west-1a', 'us-west-1b'],
    gpuZones: 1,
    priceFactor: 1.05,
    idCode: 'rj',
  },
  {
    regionId: 'eu-central-1',
    localName: '德国（法兰克福）',
    englishName: 'Germany (Frankfurt)',
    mainland: false,
    zones: ['eu-central-1a', 'eu-central-1b', 'eu-central-1c'],
    gpuZones: 2,
    priceFactor: 1.25,
    idCode: 'gw',
  },
];

export interface TypeRow {
  id: string;
  cpu: number;
  memoryGiB: number;
  gpuAmount?: number;
  gpuSpec?: string;
  /** Per card, GiB. */
  gpuMemoryGiB?: number;
  /** In REGION_IDS order. */
  prices: (number | null)[];
  source: 'KARP' | 'derived';
}

// Median region/cn-hangzhou ratios for CPU types in the price table, used only for `derived` rows.
const CPU_RATIO = [1, 1, 1, 1, 0.9, 1.4, 1.28, 1.37, 1.05, 1.25];
const derived = (hangzhou: number) => CPU_RATIO.map((r) => Math.round(hangzhou * r * 10000) / 10000);
const scaled = (prices: (number | null)[], k: number) =>
  prices.map((p) => (p === null ? null : Math.round(p * k * 10000) / 10000));

const G6_XLARGE = [1.0, 1.0, 1.0, 1.0, 0.7, 1.5842, 1.4418, 1.4952, 1.157, 1.3884];
const T4 = { gpuAmount: 1, gpuSpec: 'NVIDIA T4', gpuMemoryGiB: 16 };
const V100 = { gpuAmount: 1, gpuSpec: 'NVIDIA V100', gpuMemoryGiB: 16 };
const A10 = { gpuAmount: 1, gpuSpec: 'NVIDIA A10', gpuMemoryGiB: 24 };
const A100_40 = { gpuAmount: 1, gpuSpec: 'NVIDIA A100', gpuMemoryGiB: 40 };
const _ = null;

// biome-ignore format: a price table reads best one type per line
export const INSTANCE_TYPES: TypeRow[] = [
  // burstable
  { id: 'ecs.t6-c1m2.large', cpu: 2, memoryGiB: 4, prices: [0.236, 0.236, 0.236, 0.236, 0.164, 0.3255, 0.3069, 0.3069, 0.2418, 0.2697], source: 'KARP' },
  // compute optimised
  { id: 'ecs.c5.large', cpu: 2, memoryGiB: 4, prices: [0.62, 0.62, 0.62, 0.62, 0.47, 0.6, 0.616, 0.65, 0.64, 0.548], source: 'KARP' },
  { id: 'ecs.c6.large', cpu: 2, memoryGiB: 4, prices: derived(0.39), source: 'derived' },
  { id: 'ecs.c6.xlarge', cpu: 4, memoryGiB: 8, prices: derived(0.78), source: 'derived' },
  { id: 'ecs.c6.2xlarge', cpu: 8, memoryGiB: 16, prices: derived(1.56), source: 'derived' },
  { id: 'ecs.c7.large', cpu: 2, memoryGiB: 4, prices: [0.4077, 0.4077, 0.4077, 0.4077, 0.4077, 0.6026, 0.5468, 0.5972, 0.4744, 0.5411], source: 'KARP' },
  { id: 'ecs.c7.xlarge', cpu: 4, memoryGiB: 8, prices: [0.8154, 0.8154, 0.8154, 0.8154, 0.8154, 1.2052, 1.0936, 1.1944, 0.9487, 1.0831], source: 'KARP' },
  { id: 'ecs.c7.2xlarge', cpu: 8, memoryGiB: 16, prices: [1.6308, 1.6308, 1.6308, 1.6308, 1.6308, 2.4104, 2.1872, 2.3897, 1.8984, 2.1663], source: 'KARP' },
  { id: 'ecs.c8i.large', cpu: 2, memoryGiB: 4, prices: [0.4077, 0.4077, 0.4077, 0.4077, 0.4077, 0.6026, 0.5468, 0.671, 0.533, 0.608], source: 'KARP' },
  { id: 'ecs.c8i.xlarge', cpu: 4, memoryGiB: 8, prices: [0.8154, 0.8154, 0.8154, 0.8154, 0.8154, 1.2052, 1.0936, 1.342, 1.066, 1.217], source: 'KARP' },
  { id: 'ecs.c8i.2xlarge', cpu: 8, memoryGiB: 16, prices: [1.6308, 1.6308, 1.6308, 1.6308, 1.6308, 2.4104, 2.1872, 2.685, 2.133, 2.434], source: 'KARP' },
  { id: 'ecs.c8i.4xlarge', cpu: 16, memoryGiB: 32, prices: [3.2616, 3.2616, 3.2616, 3.2616, 3.2616, 4.8207, 4.3744, 5.37, 4.266, 4.868], source: 'KARP' },
  // general purpose
  { id: 'ecs.g6.large', cpu: 2, memoryGiB: 8, prices: scaled(G6_XLARGE, 0.5), source: 'derived' },
  { id: 'ecs.g6.xlarge', cpu: 4, memoryGiB: 16, prices: G6_XLARGE, source: 'KARP' },
  { id: 'ecs.g6.2xlarge', cpu: 8, memoryGiB: 32, prices: scaled(G6_XLARGE, 2), source: 'derived' },
  { id: 'ecs.g7.large', cpu: 2, memoryGiB: 8, prices: [0.5233, 0.5233, 0.5233, 0.5233, 0.5233, 0.7365, 0.6695, 0.6924, 0.5358, 0.6417], source: 'KARP' },
  { id: 'ecs.g7.xlarge', cpu: 4, memoryGiB: 16, prices: [1.0465, 1.0465, 1.0465, 1.0465, 1.0465, 1.473, 1.3391, 1.3848, 1.0716, 1.2843], source: 'KARP' },
  { id: 'ecs.g7.2xlarge', cpu: 8, memoryGiB: 32, prices: [2.093, 2.093, 2.093, 2.093, 2.093, 2.946, 2.6782, 2.7688, 2.144, 2.5685], source: 'KARP' },
  { id: 'ecs.g7.4xlarge', cpu: 16, memoryGiB: 64, prices: [4.186, 4.186, 4.186, 4.186, 4.186, 5.892, 5.3564, 5.5385, 4.288, 5.1362], source: 'KARP' },
  { id: 'ecs.g8i.large', cpu: 2, memoryGiB: 8, prices: [0.5233, 0.5233, 0.5233, 0.5233, 0.5233, 0.7365, 0.6695, 0.778, 0.602, 0.721], source: 'KARP' },
  // biome-ignore lint/suspicious/noApproximativeNumericConstant: 1.443 is a price, not log2(e)
  { id: 'ecs.g8i.xlarge', cpu: 4, memoryGiB: 16, prices: [1.0465, 1.0465, 1.0465, 1.0465, 1.0465, 1.473, 1.3391, 1.556, 1.204, 1.443], source: 'KARP' },
  { id: 'ecs.g8i.2xlarge', cpu: 8, memoryGiB: 32, prices: [2.093, 2.093, 2.093, 2.093, 2.093, 2.946, 2.6782, 3.111, 2.409, 2.886], source: 'KARP' },
  { id: 'ecs.g8i.4xlarge', cpu: 16, memoryGiB: 64, prices: [4.186, 4.186, 4.186, 4.186, 4.186, 5.892, 5.3564, 6.223, 4.818, 5.771], source: 'KARP' },
  // memory optimised
  { id: 'ecs.r7.large', cpu: 2, memoryGiB: 16, prices: [0.6962, 0.6962, 0.6962, 0.6962, 0.6962, 0.9318, 0.8481, 0.8482, _, 0.8482], source: 'KARP' },
  { id: 'ecs.r7.xlarge', cpu: 4, memoryGiB: 32, prices: [1.3924, 1.3924, 1.3924, 1.3924, 1.3924, 1.8636, 1.6962, 1.6972, _, 1.6972], source: 'KARP' },
  // GPU
  { id: 'ecs.gn6i-c4g1.xlarge', cpu: 4, memoryGiB: 15, ...T4, prices: [11.63, 11.63, 11.63, 11.63, 10.46, 7.89, 8.896, 8.38, 8.025, 8.25], source: 'KARP' },
  { id: 'ecs.gn6v-c8g1.2xlarge', cpu: 8, memoryGiB: 32, ...V100, prices: [26.46, 26.46, 26.46, 26.46, 19.84, _, 30.5, _, _, _], source: 'KARP' },
  { id: 'ecs.gn7i-c8g1.2xlarge', cpu: 8, memoryGiB: 30, ...A10, prices: [9.5326, 9.5326, 9.5326, 9.5326, _, 16.475, 18.065, 17.973, _, 18.4965], source: 'KARP' },
  { id: 'ecs.gn7i-c16g1.4xlarge', cpu: 16, memoryGiB: 60, ...A10, prices: [10.0934, 10.0934, 10.0934, 10.0934, _, 17.4441, 19.127, 19.03, _, 19.5845], source: 'KARP' },
  { id: 'ecs.gn7i-c32g1.8xlarge', cpu: 32, memoryGiB: 188, ...A10, prices: [13.3083, 13.3083, 13.3083, 13.3083, _, 19.3823, 21.253, 21.145, _, 21.7605], source: 'KARP' },
  { id: 'ecs.gn7-c12g1.3xlarge', cpu: 12, memoryGiB: 94, ...A100_40, prices: [_, 31.5833, 31.5833, _, _, _, _, _, _, _], source: 'KARP' },
  { id: 'ecs.ebmgn7.26xlarge', cpu: 104, memoryGiB: 768, ...A100_40, gpuAmount: 8, prices: [_, _, 252.6667, _, _, _, _, _, _, _], source: 'KARP' },
  { id: 'ecs.ebmgn7i.32xlarge', cpu: 128, memoryGiB: 768, ...A10, gpuAmount: 4, prices: [53.2331, 53.2331, 53.2331, _, _, _, _, _, _, _], source: 'KARP' },
  { id: 'ecs.ebmgn7e.32xlarge', cpu: 128, memoryGiB: 1024, gpuAmount: 8, gpuSpec: 'NVIDIA A100', gpuMemoryGiB: 80, prices: [277.933, 277.933, 277.933, 277.933, _, _, _, 297.476, _, 312.1114], source: 'KARP' },
  { id: 'ecs.ebmgn7ex.32xlarge', cpu: 128, memoryGiB: 1024, gpuAmount: 8, gpuSpec: 'NVIDIA A100', gpuMemoryGiB: 80, prices: [_, _, 270.8333, 270.8333, _, _, _, _, _, _], source: 'KARP' },
];

/** Default stock per (zone, type) in the deterministic catalogue: plenty of CPU, little GPU. */
export function defaultStock(type: TypeRow): number {
  if (type.id.startsWith('ecs.ebm')) return 4;
  if (type.gpuAmount) return 20;
  return 500;
}
