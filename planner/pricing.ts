// Pricing arithmetic. Every price acp compares is CNY per hour; totals are unit price × duration,
// rounded to the fen. ECS, ACK nodes and PAI-DLC specs are priced by the cloud (DescribePrice) at quote
// time; Function Compute has no price API, so its published unit prices live here with their source.

import { type FcFit, PRODUCT_FACTS, type ProductCatalogue } from './products';
import type {
  Budget,
  Choice,
  Currency,
  PublicNetwork,
  PublicNetworkNeed,
  QuoteOption,
  UsageCharge,
} from './types';
import { IntentError } from './types';

/** The skill's and acp's default exchange rate ("$1 ≈ CNY 7.2"); configurable per request. */
export const DEFAULT_USD_TO_CNY = 7.2;

/** Round to the fen (0.01 CNY), half away from zero, without binary-float surprises (1.005 → 1.01). */
export function roundFen(amount: number): number {
  return (Math.sign(amount) * Math.round(Number((Math.abs(amount) * 100).toFixed(6)))) / 100;
}

export function toCny(amount: number, currency: Currency, usdToCny = DEFAULT_USD_TO_CNY): number {
  return currency === 'CNY' ? amount : amount * usdToCny;
}

export function fromCny(cny: number, currency: Currency, usdToCny = DEFAULT_USD_TO_CNY): number {
  return currency === 'CNY' ? cny : cny / usdToCny;
}

/** A budget in its own currency plus its CNY value (what every price is compared with). */
export function makeBudget(amount: number, currency: Currency, usdToCny = DEFAULT_USD_TO_CNY): Budget {
  if (!(amount > 0) || !Number.isFinite(amount)) {
    throw new IntentError('budget.amount', `a budget must be a positive amount, got ${amount}`);
  }
  if (!(usdToCny > 0) || !Number.isFinite(usdToCny)) {
    throw new IntentError('usdToCny', `the exchange rate must be positive, got ${usdToCny}`);
  }
  return { amount, currency, cny: roundFen(toCny(amount, currency, usdToCny)) };
}

/** Unit price × run time, rounded to the fen. */
export function estimateTotal(unitPricePerHour: number, durationMinutes: number): number {
  return roundFen((unitPricePerHour * durationMinutes) / 60);
}

/** What a running resource has cost so far (the budget guard of long-running services). */
export function accruedCost(unitPricePerHour: number, elapsedMs: number): number {
  return roundFen((unitPricePerHour * Math.max(0, elapsedMs)) / 3_600_000);
}

/** Minutes the budget buys at this unit price (PAI-DLC JobMaxRunningTimeMinutes, ECS AutoReleaseTime). */
export function minutesWithinBudget(unitPricePerHour: number, budgetCny: number): number {
  if (unitPricePerHour <= 0) return Number.POSITIVE_INFINITY;
  return Math.floor((budgetCny / unitPricePerHour) * 60);
}

/**
 * Function Compute 3.0 pay-as-you-go unit prices, China site, CNY.
 * - vCPU-second, GB-second and requests: the Alibaba skill's FC reference (aliyun/alibabacloud-aiops-skills
 *   @087d35a3 `…/alibabacloud-compute-provision/references/fc.md` l.264-296, 2026-05-14).
 * - GPU: FC GPU billing notice, effective 2024-06-14 (help.aliyun.com …/the-idle-gpu-usage-billable-item-
 *   is-added-to-function-compute): active GPU CNY 0.00011 per GB of GPU memory per second. The notice
 *   has no separate Ampere (A10) figure, so A10 uses the same per-GB rate.
 * Since 2024-08-27 FC bills in compute units (CU); the International-site CU rates are in
 * FC_CU_PRICES_USD for reference. Quotes label FC prices "published", not live.
 */
export const FC_UNIT_PRICES = {
  currency: 'CNY' as const,
  vcpuSecond: 0.00003167,
  gbSecond: 0.00000397,
  perRequest: 0.0133 / 10_000,
  gpuGbSecond: { 'fc.gpu.tesla.1': 0.00011, 'fc.gpu.ampere.1': 0.00011 },
  source:
    'aliyun/alibabacloud-aiops-skills@087d35a3 compute-provision references/fc.md (vCPU, memory, requests); FC GPU billing notice effective 2024-06-14 (GPU)',
  date: '2026-05-14',
};

/**
 * International-site CU model (alibabacloud.com FC 3.0 pay-as-you-go billing, Last Updated 2024-08-27):
 * tier 0–100 M CU at USD 0.000020 per CU; 1 CU per vCPU-second, 0.15 CU per GB-second, 75 CU per 10 000
 * invocations, Tesla (T4) GPU 2.1 CU per GB-second active.
 */
export const FC_CU_PRICES_USD = {
  perCu: 0.00002,
  cuPerVcpuSecond: 1,
  cuPerGbSecond: 0.15,
  cuPerRequest: 75 / 10_000,
  cuPerTeslaGbSecond: 2.1,
  source: 'alibabacloud.com/help/en/functioncompute/fc-3-0/product-overview/pay-as-you-go-billing-method-1',
  date: '2024-08-27',
};

export type FcPrices = Omit<typeof FC_UNIT_PRICES, 'source' | 'date'>;

/** CNY per hour of a function of this size while it runs (the one request is added by fcEstimate). */
export function fcUnitPricePerHour(
  fit: Pick<FcFit, 'cpu' | 'memoryMiB' | 'gpu'>,
  prices: FcPrices = FC_UNIT_PRICES,
): number {
  const perSecond =
    fit.cpu * prices.vcpuSecond +
    (fit.memoryMiB / 1024) * prices.gbSecond +
    (fit.gpu ? (fit.gpu.gpuMemoryMiB / 1024) * prices.gpuGbSecond[fit.gpu.gpuType] : 0);
  return perSecond * 3600;
}

/** The FC total for one invocation that runs `durationMinutes`. */
export function fcEstimate(
  fit: Pick<FcFit, 'cpu' | 'memoryMiB' | 'gpu'>,
  durationMinutes: number,
  prices: FcPrices = FC_UNIT_PRICES,
): number {
  return roundFen((fcUnitPricePerHour(fit, prices) * durationMinutes) / 60 + prices.perRequest);
}

/**
 * ACK managed cluster fee. Pro: USD 0.09 per cluster-hour on the International site
 * (alibabacloud.com/help/en/ack/ack-managed-and-ack-dedicated/product-overview/ack-pro-cluster-billing,
 * Nov 2024 and Mar 2026 versions); about CNY 0.64 per hour on the China site (aiops skill
 * select-resource.md, 2026-05-14). Basic: free. Worker nodes are ECS instances priced by DescribePrice.
 */
export const ACK_CLUSTER_FEE = {
  pro: { cnyPerHour: 0.64, usdPerHour: 0.09 },
  basic: { cnyPerHour: 0, usdPerHour: 0 },
  source:
    'alibabacloud.com/help/en/ack/ack-managed-and-ack-dedicated/product-overview/ack-pro-cluster-billing (USD); aiops compute-provision select-resource.md (CNY)',
  date: '2026-03',
};

export function ackClusterFeePerHour(edition: 'pro' | 'basic' = 'pro'): number {
  return ACK_CLUSTER_FEE[edition].cnyPerHour;
}

/**
 * ECS public bandwidth, pay-by-traffic (docs/network.md): no hourly fee, outbound traffic per GB,
 * inbound free. China site list price; acp uses it in every region (the catalogue's overseas prices
 * are China-site CNY prices too).
 */
export const PUBLIC_TRAFFIC_PRICE = {
  cnyPerGbOut: 0.8,
  source:
    'Alibaba Cloud ECS public bandwidth billing, China site (公网带宽计费): pay-by-traffic CNY 0.80/GB outbound, inbound free',
  date: '2021-02-02',
};

/**
 * InternetMaxBandwidthOut acp asks for. A service is capped at 10 Mbit/s, which bounds its traffic
 * bill; a job that downloads gets 100 Mbit/s (the most pay-by-traffic allows): its downloads are
 * inbound and free, and the inbound limit follows the outbound one.
 */
export const PUBLIC_BANDWIDTH_MBPS = { service: 10, egress: 100 };

const BYTES_PER_GB = 1024 ** 3;

/** The public network line of an ECS option: its cap, per-GB price and worst hour. */
export function publicNetworkCost(need: PublicNetworkNeed): PublicNetwork {
  const mbps = PUBLIC_BANDWIDTH_MBPS[need.reason];
  const maxGbPerHour = (mbps * 1e6 * 3600) / 8 / BYTES_PER_GB;
  return {
    ...need,
    chargeType: 'PayByTraffic',
    maxBandwidthOutMbps: mbps,
    cnyPerGbOut: PUBLIC_TRAFFIC_PRICE.cnyPerGbOut,
    maxCnyPerHour: roundFen(maxGbPerHour * PUBLIC_TRAFFIC_PRICE.cnyPerGbOut),
    source: PUBLIC_TRAFFIC_PRICE.source,
    date: PUBLIC_TRAFFIC_PRICE.date,
  };
}

/**
 * A metered quantity as a person reads it: traffic billed per GB is shown in the binary unit that
 * fits ("512 B", "3.4 MB", "1.25 GB"), since a small service sends kilobytes; other units keep theirs.
 */
export function usageQuantityText(u: Pick<UsageCharge, 'quantity' | 'unit'>): string {
  const plain = (n: number) => String(Number(n.toPrecision(3)));
  if (u.unit !== 'GB') return `${plain(u.quantity)} ${u.unit}`;
  const units = ['B', 'KB', 'MB', 'GB'];
  let n = u.quantity * BYTES_PER_GB;
  let i = 0;
  while (i < units.length - 1 && n >= 1024) {
    n /= 1024;
    i += 1;
  }
  return `${i === 0 ? Math.round(n) : plain(n)} ${units[i]}`;
}

/** The receipt's line for outbound public traffic, from the bytes the cloud metered. */
export function publicTrafficCharge(
  bytesOut: number,
  network: Pick<PublicNetwork, 'cnyPerGbOut' | 'source' | 'date'>,
): UsageCharge {
  const gb = bytesOut / BYTES_PER_GB;
  return {
    item: 'public traffic out',
    // To the byte (1 GB = 2^30 bytes): a small service's traffic is a few kilobytes.
    quantity: Math.round(gb * 1e9) / 1e9,
    unit: 'GB',
    unitPrice: network.cnyPerGbOut,
    cost: roundFen(gb * network.cnyPerGbOut),
    source: `${network.source} (${network.date})`,
  };
}

export interface OrderPrefs {
  /** Spot was asked for: spot rows are not put after the pay-as-you-go ones. */
  spot?: boolean;
  /** The products whose tie order applies (default: every product acp has; tests add their own). */
  products?: ProductCatalogue;
}

/**
 * What an option costs before rounding to the fen: the displayed totals of two options can be equal,
 * or even invert, once rounded (0.785 shows as 0.79, 0.7849 as 0.78), so order and choice use this.
 */
export function exactTotal(o: QuoteOption): number {
  return (o.unitPricePerHour * o.durationMinutes) / 60;
}

/**
 * Options in the order a person reads them: feasible before not feasible, then cheapest (exact
 * total), then — at the same price — the region rule's order (`regionOrder`: the chosen region first,
 * then its fallbacks), then quickest to start; product (its tie order), zone and spec last so the
 * order is the same on every replay. Spot rows not asked for (`prefs.spot`) follow the pay-as-you-go
 * ones: they are shown for comparison, and row 1 stays the one acp would pick (docs/spot.md).
 */
export function sortOptions(
  options: QuoteOption[],
  regionOrder: string[] = [],
  prefs: OrderPrefs = {},
): QuoteOption[] {
  const catalogue = prefs.products ?? PRODUCT_FACTS;
  const rank = (region: string) => {
    const i = regionOrder.indexOf(region);
    return i < 0 ? regionOrder.length : i;
  };
  const tier = (o: QuoteOption) => (o.spot && prefs.spot !== true ? 1 : 0);
  return [...options].sort(
    (a, b) =>
      Number(b.feasible) - Number(a.feasible) ||
      tier(a) - tier(b) ||
      exactTotal(a) - exactTotal(b) ||
      rank(a.region) - rank(b.region) ||
      a.readyInSeconds - b.readyInSeconds ||
      catalogue[a.product].tieOrder - catalogue[b.product].tieOrder ||
      a.region.localeCompare(b.region) ||
      (a.zone ?? '').localeCompare(b.zone ?? '') ||
      a.spec.localeCompare(b.spec),
  );
}

/** The budget in CNY, from a Budget or a plain CNY number. */
function budgetCny(budget: Budget | number | undefined): number | undefined {
  if (budget === undefined) return undefined;
  return typeof budget === 'number' ? budget : budget.cny;
}

function money(n: number): string {
  return `CNY ${n.toFixed(2)}`;
}

/**
 * The recommendation (step 6 in docs/architecture.md) over `sortOptions(options, regionOrder)` (pass the same region
 * order the options were sorted with): the cheapest feasible option
 * within the budget. Spot options and `alternative` downgrades are not picked on their own — they can
 * be reclaimed or are smaller than asked — but are offered, cheapest first, when nothing regular fits.
 */
export function chooseOption(
  options: QuoteOption[],
  budget?: Budget | number,
  regionOrder: string[] = [],
  prefs: OrderPrefs = {},
): Choice {
  const sorted = sortOptions(options, regionOrder, prefs);
  const limit = budgetCny(budget);
  const within = (o: QuoteOption) => limit === undefined || exactTotal(o) <= limit + 1e-9;
  const regular = (o: QuoteOption) => !o.spot && !o.alternative;
  const feasible = sorted.map((o, i) => ({ o, i })).filter(({ o }) => o.feasible);
  const spot = spotChoice(feasible, within, regular, limit, prefs.spot === true);
  if (spot) return spot;

  if (feasible.length === 0) {
    const why = sorted.map((o) => `${o.product}: ${o.reason ?? 'not feasible'}`).join('; ');
    return {
      withinBudget: false,
      outcome: 'none-feasible',
      reason: sorted.length === 0 ? 'no product could be quoted' : `no option is feasible (${why})`,
      alternatives: [],
    };
  }
  const pick =
    feasible.find(({ o }) => regular(o) && within(o)) ??
    (feasible.every(({ o }) => !regular(o)) ? feasible.find(({ o }) => within(o)) : undefined);
  if (pick) {
    const cheaperRejected = feasible.filter(({ o, i }) => i < pick.i && !regular(o));
    const note =
      cheaperRejected.length > 0 ? `; cheaper spot/smaller options are listed but not chosen for you` : '';
    return {
      recommended: pick.i,
      withinBudget: true,
      outcome: 'recommended',
      reason:
        limit === undefined
          ? `${pick.o.product} is the cheapest feasible option at ${money(pick.o.estimatedTotal)}${note}`
          : `${pick.o.product} is the cheapest feasible option at ${money(pick.o.estimatedTotal)}, within the budget of ${money(limit)}${note}`,
      alternatives: [],
    };
  }
  const cheapest = feasible[0].o;
  const alternatives = feasible.filter(({ o }) => within(o)).map(({ i }) => i);
  const over = `the cheapest feasible option (${cheapest.product}, ${cheapest.spec}) costs ${money(cheapest.estimatedTotal)}, over the budget of ${money(limit ?? 0)}`;
  return {
    withinBudget: false,
    outcome: 'over-budget',
    reason:
      alternatives.length > 0
        ? `${over}; cheaper alternatives within budget: ${alternatives.map((i) => `#${i + 1} ${sorted[i].product} ${sorted[i].spec}${sorted[i].spot ? ' (spot)' : ''} at ${money(sorted[i].estimatedTotal)}`).join(', ')}`
        : `${over}; nothing fits: raise the budget, shorten the run or ask for a smaller spec`,
    alternatives,
  };
}

/**
 * Spot rows (docs/spot.md): asked for (`--spot`, "spot"/"竞价"), the cheapest spot option within the
 * budget by its expected total; not asked for, a spot option is recommended only when the budget fits
 * spot and nothing regular — and the reason says so.
 */
function spotChoice(
  feasible: { o: QuoteOption; i: number }[],
  within: (o: QuoteOption) => boolean,
  regular: (o: QuoteOption) => boolean,
  limit: number | undefined,
  asked: boolean,
): Choice | undefined {
  const spot = feasible.find(({ o }) => o.spot && !o.alternative && within(o));
  if (!spot) return undefined;
  const budget = limit === undefined ? '' : `, within the budget of ${money(limit)}`;
  const risk = spot.o.spotRisk
    ? ` (reclaim risk ${spot.o.spotRisk.rate}; acp re-runs it elsewhere if reclaimed)`
    : '';
  if (asked) {
    return {
      recommended: spot.i,
      withinBudget: true,
      outcome: 'recommended',
      reason: `spot was asked for: ${spot.o.product} ${spot.o.spec} is the cheapest spot option at an expected ${money(spot.o.estimatedTotal)}${budget}${risk}`,
      alternatives: [],
    };
  }
  if (limit === undefined || feasible.some(({ o }) => regular(o) && within(o))) return undefined;
  return {
    recommended: spot.i,
    withinBudget: true,
    outcome: 'recommended',
    reason: `only spot fits the budget of ${money(limit)}: ${spot.o.product} ${spot.o.spec} on spot at an expected ${money(spot.o.estimatedTotal)}${risk}; pay-as-you-go would cost ${money(feasible.find(({ o }) => regular(o))?.o.estimatedTotal ?? 0)}`,
    alternatives: [],
  };
}

/** A re-quote asks again when the total rose by more than 10 % (compared in whole fen). */
export function requoteNeedsConfirmation(oldTotal: number, newTotal: number, threshold = 0.1): boolean {
  const oldFen = Math.round(oldTotal * 100);
  const newFen = Math.round(newTotal * 100);
  return newFen * 100 > oldFen * Math.round((1 + threshold) * 100);
}
