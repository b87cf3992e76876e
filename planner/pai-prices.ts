// PAI-DLC public resources, pay-as-you-go: DLC's own price per spec, not the spec's ECS price.
//
// PAI has no price API (DLC's ListEcsSpecs answers stock and spot discount, no price; BSS commodity
// codes for PAI are not published), and its billing pages point to the console for the per-spec
// table. What PAI does publish is one priced example per site; beside it, the ECS price of the same
// spec gives DLC's ratio to ECS on that site, which prices every other spec from its ECS list price.
// Sources and dates are kept here, beside the data (docs/pai-pricing.md explains the choice):
//
// - China site (CNY): "DLC计费说明", https://help.aliyun.com/document_detail/171758.htm (copy of
//   2026): ecs.g6.2xlarge public resource in 华东2（上海） at CNY 2.02/h. ECS list price of the same
//   spec there: CNY 2.00/h (2 × ecs.g6.xlarge's CNY 1.00, the official ECS savings-plan example,
//   matching the Dec 2024 list table). DLC/ECS = 1.01.
// - International site (USD): "Billing of DLC",
//   https://www.alibabacloud.com/help/en/pai/product-overview/billing-of-dlc (Last Updated
//   2024-05-16; same example on the 2026-06-12 page): ecs.g6.2xlarge in China (Shanghai) at
//   USD 0.6/h. ECS list price: USD 0.31/h (2 × ecs.g6.xlarge's USD 0.155, the International-site
//   savings-plan example). DLC/ECS ≈ 1.94.

export type PriceCurrency = 'CNY' | 'USD';

export interface DlcSitePrices {
  /** Published DLC prices per hour, keyed `<regionId>/<instanceType>`. */
  published: Readonly<Record<string, number>>;
  /** DLC price ÷ ECS list price of the same spec, measured on the published example. */
  overEcs: number;
  source: string;
}

export const DLC_PRICE_DATE = '2026-06-12';

export const DLC_PRICES: Readonly<Record<PriceCurrency, DlcSitePrices>> = {
  CNY: {
    published: { 'cn-shanghai/ecs.g6.2xlarge': 2.02 },
    overEcs: 2.02 / 2.0,
    source: 'help.aliyun.com/document_detail/171758 (DLC计费说明: ecs.g6.2xlarge, cn-shanghai, CNY 2.02/h)',
  },
  USD: {
    published: { 'cn-shanghai/ecs.g6.2xlarge': 0.6 },
    overEcs: 0.6 / 0.31,
    source:
      'alibabacloud.com/help/en/pai/product-overview/billing-of-dlc (ecs.g6.2xlarge, Shanghai, USD 0.6/h)',
  },
};

export interface DlcPrice {
  /** Per hour per node, in the currency of the ECS price it was derived from. */
  hourly: number;
  /** 'published': PAI's own number; 'derived': the spec's ECS list price × DLC's ratio on the site. */
  basis: 'published' | 'derived';
  note: string;
}

/**
 * DLC's price for one node of `instanceType` in `regionId`, given the spec's ECS instance list price
 * (DescribePrice, instance part only: a DLC node has no ECS system disk to pay for) and its currency.
 */
export function dlcHourlyPrice(input: {
  instanceType: string;
  regionId: string;
  ecsInstanceHourly: number;
  currency: PriceCurrency;
}): DlcPrice {
  const site = DLC_PRICES[input.currency];
  const published = site.published[`${input.regionId}/${input.instanceType}`];
  if (published !== undefined) {
    return { hourly: published, basis: 'published', note: `PAI price (${site.source})` };
  }
  return {
    hourly: Math.round(input.ecsInstanceHourly * site.overEcs * 10_000) / 10_000,
    basis: 'derived',
    note: `ECS list × ${site.overEcs.toFixed(2)}, DLC's ratio on PAI's example (${DLC_PRICE_DATE})`,
  };
}
