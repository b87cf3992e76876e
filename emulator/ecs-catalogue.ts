// ECS read-only catalogue APIs: regions, zones, instance types, stock, prices, recommendations,
// images. Shapes follow the official response examples (Alibaba's OpenAPI metadata; test/fixtures/alibaba-examples) and the SDK models.
import { latestOfFamily, SYSTEM_IMAGES } from './ecs-images';
import { bool, int, list, maxResults as maxResultsOf, oneOf, page, required, str } from './rpc-params';
import { spotHourly, spotRequest, spotSupported } from './spot';
import {
  ApiError,
  type ApiRequest,
  type Handler,
  type InstanceTypeFacts,
  type RegionFacts,
  type World,
} from './types';

/** The region named by RegionId, or the ECS error for a missing / unknown one. */
export function requireRegion(req: ApiRequest, world: World): RegionFacts {
  const regionId = required(req, 'RegionId');
  const region = world.catalogue.region(regionId);
  if (!region) throw new ApiError(404, 'InvalidRegionId.NotFound', 'The specified RegionId does not exist.');
  return region;
}

const english = (req: ApiRequest) => (str(req, 'AcceptLanguage') ?? '').toLowerCase().startsWith('en');

function zoneLocalName(region: RegionFacts, zoneId: string, en: boolean): string {
  const letter = zoneId.slice(-1).toUpperCase();
  return en
    ? `${region.englishName ?? region.regionId} Zone ${letter}`
    : `${region.localName} 可用区 ${letter}`;
}

export function instanceCategory(t: InstanceTypeFacts): string {
  if (t.gpuAmount > 0) return 'GPU-accelerated';
  if (t.family.startsWith('ecs.t')) return 'Shared';
  if (t.family.startsWith('ecs.c')) return 'Compute-optimized';
  if (t.family.startsWith('ecs.r')) return 'Memory-optimized';
  return 'General-purpose';
}

/**
 * The processor of each family (SpareCores sc-data-dumps `cpu_model` and base GHz, 2026-01-31); the turbo
 * clock is the documented example's for the 8369B and the base clock where no source gives one.
 */
const PROCESSORS: { family: RegExp; model: string; ghz: number; turbo: number }[] = [
  { family: /^ecs\.(g8i|c8i)$/, model: 'Intel Xeon(Sapphire Rapids) Platinum 8475B', ghz: 2.7, turbo: 2.7 },
  {
    family: /^ecs\.(gn7i|ebmgn7ex|ebmgn7i|ebmgn7e)$/,
    model: 'Intel Xeon(Ice Lake) Platinum 8369B',
    ghz: 2.9,
    turbo: 3.5,
  },
  { family: /^ecs\.(g7|c7|r7)$/, model: 'Intel Xeon(Ice Lake) Platinum 8369B', ghz: 2.7, turbo: 3.5 },
  {
    family: /^ecs\.(t6|gn7|ebmgn7|g6|c6)$/,
    model: 'Intel Xeon(Cascade Lake) Platinum 8269CY',
    ghz: 2.5,
    turbo: 2.5,
  },
  { family: /^ecs\./, model: 'Intel Xeon(Skylake) Platinum 8163', ghz: 2.5, turbo: 2.5 },
];

/** The fields DescribeInstanceTypes documents beyond size and GPU, for one type. */
function instanceTypeDetails(t: InstanceTypeFacts) {
  const cpu = PROCESSORS.find((p) => p.family.test(t.family))!;
  const burstable = t.family.startsWith('ecs.t');
  const enis = Math.min(8, Math.max(2, t.cpu / 2));
  const queues = Math.min(32, Math.max(1, t.cpu));
  return {
    PhysicalProcessorModel: cpu.model,
    CpuSpeedFrequency: cpu.ghz,
    CpuTurboFrequency: cpu.turbo,
    CpuOptions: {
      SupportedTopologyTypes: { SupportedTopologyType: ['ContinuousCoreToHTMapping'] },
      ThreadsPerCore: t.cpu > 1 ? 2 : 1,
      Core: Math.max(1, t.cpu / 2),
      CoreFactor: 1,
      HyperThreadingAdjustable: false,
    },
    EniQuantity: enis,
    EniTotalQuantity: enis,
    EniPrivateIpAddressQuantity: Math.min(30, Math.max(6, t.cpu * 3)),
    EniIpv6AddressQuantity: Math.min(30, Math.max(6, t.cpu * 3)),
    EniTrunkSupported: !burstable,
    EriQuantity: 0,
    PrimaryEniQueueNumber: queues,
    SecondaryEniQueueNumber: Math.min(queues, 2),
    MaximumQueueNumberPerEni: queues,
    TotalEniQueueQuantity: enis * queues,
    QueuePairNumber: 0,
    NetworkCardQuantity: 1,
    NetworkCards: { NetworkCardInfo: [{ NetworkCardIndex: 0 }] },
    NetworkEncryptionSupport: /^ecs\.(g8i|c8i)$/.test(t.family),
    EnhancedNetwork: { SriovSupport: false, VfQueueNumberPerEni: 0, RssSupport: true },
    JumboFrameSupport: !burstable,
    Clock: { PtpSupport: 'unsupported' },
    DiskQuantity: 17,
    LocalStorageCategory: '',
    // Credits of burstable types are not in our sources; the emulator reports none.
    InitialCredit: 0,
    BaselineCredit: 0,
    Attributes: { Attribute: [] },
    NetworkInfo: { BandwidthWeighting: { WeightingInfos: { WeightingInfo: [] } } },
  };
}

export const SYSTEM_DISK_CATEGORIES = [
  'cloud_essd',
  'cloud_auto',
  'cloud_essd_entry',
  'cloud_efficiency',
  'cloud_ssd',
];

const describeRegions: Handler = (req, world) => ({
  body: {
    RequestId: req.requestId,
    Regions: {
      Region: world.catalogue.regions.map((r) => ({
        RegionId: r.regionId,
        LocalName: english(req) ? (r.englishName ?? r.localName) : r.localName,
        RegionEndpoint:
          r.regionId === 'cn-hangzhou' ? 'ecs-cn-hangzhou.aliyuncs.com' : `ecs.${r.regionId}.aliyuncs.com`,
        Status: 'available',
      })),
    },
  },
});

const describeZones: Handler = (req, world) => {
  const region = requireRegion(req, world);
  const verbose = str(req, 'Verbose') !== 'false';
  return {
    body: {
      RequestId: req.requestId,
      Zones: {
        Zone: region.zones.map((z) => {
          const types = Object.keys(z.stock);
          return {
            ZoneId: z.zoneId,
            LocalName: zoneLocalName(region, z.zoneId, english(req)),
            ZoneType: 'AvailabilityZone',
            AvailableResourceCreation: {
              ResourceTypes: ['VSwitch', 'IoOptimized', 'Instance', 'Disk', 'DedicatedHost'],
            },
            AvailableDiskCategories: { DiskCategories: SYSTEM_DISK_CATEGORIES },
            AvailableVolumeCategories: { VolumeCategories: ['san_ssd', 'san_efficiency'] },
            AvailableInstanceTypes: { InstanceTypes: types },
            ...(verbose
              ? {
                  AvailableResources: {
                    ResourcesInfo: [
                      {
                        IoOptimized: true,
                        InstanceTypes: { supportedInstanceType: types },
                        InstanceTypeFamilies: {
                          supportedInstanceTypeFamily: [
                            ...new Set(types.map((t) => world.catalogue.instanceType(t)?.family ?? '')),
                          ],
                        },
                        InstanceGenerations: { supportedInstanceGeneration: ['ecs-5', 'ecs-6', 'ecs-7'] },
                        SystemDiskCategories: { supportedSystemDiskCategory: SYSTEM_DISK_CATEGORIES },
                        DataDiskCategories: { supportedDataDiskCategory: SYSTEM_DISK_CATEGORIES },
                        NetworkTypes: { supportedNetworkCategory: ['vpc'] },
                      },
                    ],
                  },
                }
              : {}),
          };
        }),
      },
    },
  };
};

const describeInstanceTypes: Handler = (req, world) => {
  const wanted = list(req, 'InstanceTypes');
  if (wanted.length > 10) {
    throw new ApiError(400, 'InvalidParameter', 'The number of InstanceTypes cannot exceed 10.');
  }
  const family = str(req, 'InstanceTypeFamily');
  const families = list(req, 'InstanceTypeFamilies');
  const gpuSpec = str(req, 'GPUSpec');
  const minCpu = int(req, 'MinimumCpuCoreCount');
  const maxCpu = int(req, 'MaximumCpuCoreCount');
  const minMem = int(req, 'MinimumMemorySize');
  const maxMem = int(req, 'MaximumMemorySize');
  const minGpu = int(req, 'MinimumGPUAmount');
  const maxGpu = int(req, 'MaximumGPUAmount');
  const matches = world.catalogue.instanceTypes.filter(
    (t) =>
      (wanted.length === 0 || wanted.includes(t.instanceTypeId)) &&
      (!family || t.family === family) &&
      (families.length === 0 || families.includes(t.family)) &&
      (!gpuSpec || t.gpuSpec === gpuSpec) &&
      (minCpu === undefined || t.cpu >= minCpu) &&
      (maxCpu === undefined || t.cpu <= maxCpu) &&
      (minMem === undefined || t.memoryGiB >= minMem) &&
      (maxMem === undefined || t.memoryGiB <= maxMem) &&
      (minGpu === undefined || t.gpuAmount >= minGpu) &&
      (maxGpu === undefined || t.gpuAmount <= maxGpu),
  );
  const maxResults = maxResultsOf(req, 1600) ?? 1600;
  const start = Number(str(req, 'NextToken') ?? 0) || 0;
  const slice = matches.slice(start, start + maxResults);
  return {
    body: {
      RequestId: req.requestId,
      NextToken: start + maxResults < matches.length ? String(start + maxResults) : '',
      InstanceTypes: {
        InstanceType: slice.map((t) => ({
          InstanceTypeId: t.instanceTypeId,
          InstanceTypeFamily: t.family,
          InstanceCategory: instanceCategory(t),
          InstanceFamilyLevel: t.family.startsWith('ecs.t') ? 'CreditEntryLevel' : 'EnterpriseLevel',
          CpuCoreCount: t.cpu,
          MemorySize: t.memoryGiB,
          GPUAmount: t.gpuAmount,
          GPUSpec: t.gpuSpec,
          GPUMemorySize: t.gpuMemoryGiB,
          CpuArchitecture: 'X86',
          LocalStorageCapacity: 0,
          LocalStorageAmount: 0,
          ...instanceTypeDetails(t),
          InstanceBandwidthRx: t.cpu * 256_000,
          InstanceBandwidthTx: t.cpu * 256_000,
          InstancePpsRx: t.cpu * 100_000,
          InstancePpsTx: t.cpu * 100_000,
          NvmeSupport: 'required',
          SupportedBootModes: { SupportedBootMode: ['BIOS', 'UEFI'] },
        })),
      },
    },
  };
};

const DESTINATIONS = ['Zone', 'IoOptimized', 'InstanceType', 'SystemDisk', 'DataDisk', 'Network', 'ddh'];

const describeAvailableResource: Handler = (req, world) => {
  const region = requireRegion(req, world);
  const destination = str(req, 'DestinationResource');
  if (!destination) {
    throw new ApiError(
      400,
      'Invalid.Param',
      'The input parameter DestinationResource that is mandatory for processing this request is not supplied.',
    );
  }
  if (!DESTINATIONS.includes(destination)) {
    throw new ApiError(404, 'Invalid.DestinationResource', 'The specified DestinationResource is not valid.');
  }
  oneOf(req, 'InstanceChargeType', ['PrePaid', 'PostPaid'], {
    status: 400,
    code: 'Invalid.InstanceChargeType',
    message: 'The specified InstanceChargeType is not valid.',
  });
  oneOf(req, 'IoOptimized', ['none', 'optimized'], {
    status: 404,
    code: 'Invalid.IoOptimized',
    message: 'The specified IoOptimized is not valid.',
  });
  const spotAsked = ['SpotWithPriceLimit', 'SpotAsPriceGo'].includes(
    oneOf(req, 'SpotStrategy', ['NoSpot', 'SpotWithPriceLimit', 'SpotAsPriceGo'], {
      status: 404,
      code: 'Invalid.SpotStrategy',
      message: 'The specified SpotStrategy is not valid.',
    }) ?? 'NoSpot',
  );
  oneOf(req, 'ResourceType', ['instance', 'disk', 'reservedinstance', 'ddh'], {
    status: 404,
    code: 'Invalid.ResourceType',
    message: 'The ResourceType provided does not exist in our records.',
  });
  oneOf(req, 'NetworkCategory', ['vpc', 'classic'], {
    status: 404,
    code: 'Invalid.NetworkCategory',
    message: 'The specified NetworkCategory is not valid.',
  });
  const zoneId = str(req, 'ZoneId');
  const onlyType = str(req, 'InstanceType');
  const cores = int(req, 'Cores');
  const memory = int(req, 'Memory');
  const zones = region.zones.filter((z) => !zoneId || z.zoneId === zoneId);
  const status = (inStock: boolean) => ({
    Status: inStock ? 'Available' : 'SoldOut',
    StatusCategory: inStock ? 'WithStock' : 'WithoutStock',
  });
  const AvailableZone = zones
    .map((z) => {
      const types = Object.keys(z.stock).filter((t) => {
        const facts = world.catalogue.instanceType(t)!;
        return (
          (!spotAsked || spotSupported(t)) &&
          (!onlyType || t === onlyType) &&
          (cores === undefined || facts.cpu === cores) &&
          (memory === undefined || facts.memoryGiB === memory)
        );
      });
      const withStock = types.filter((t) => world.stockOf(region.regionId, z.zoneId, t) > 0);
      let resources: unknown[] = [];
      if (destination === 'InstanceType') {
        resources = [
          {
            Type: 'InstanceType',
            SupportedResources: {
              SupportedResource: types.map((t) => ({
                Value: t,
                ...status(world.stockOf(region.regionId, z.zoneId, t) > 0),
                // Min/Max/Unit describe ranges (disk sizes); an instance type has none.
                Min: 0,
                Max: 0,
                Unit: '',
              })),
            },
          },
        ];
      } else if (destination === 'SystemDisk' || destination === 'DataDisk') {
        resources = [
          {
            Type: destination,
            SupportedResources: {
              SupportedResource: SYSTEM_DISK_CATEGORIES.map((c) => ({
                Value: c,
                Min: 20,
                Max: destination === 'SystemDisk' ? 2048 : 32768,
                Unit: 'GiB',
                ...status(true),
              })),
            },
          },
        ];
      } else if (destination === 'Network') {
        resources = [
          { Type: 'Network', SupportedResources: { SupportedResource: [{ Value: 'vpc', ...status(true) }] } },
        ];
      } else if (destination === 'IoOptimized') {
        resources = [
          {
            Type: 'IoOptimized',
            SupportedResources: { SupportedResource: [{ Value: 'optimized', ...status(true) }] },
          },
        ];
      }
      return {
        RegionId: region.regionId,
        ZoneId: z.zoneId,
        ...status(withStock.length > 0 || (destination !== 'InstanceType' && destination !== 'Zone')),
        AvailableResources: { AvailableResource: resources },
      };
    })
    .filter(
      (z) =>
        destination !== 'InstanceType' ||
        (z.AvailableResources.AvailableResource[0] as any).SupportedResources.SupportedResource.length > 0,
    );
  return { body: { RequestId: req.requestId, AvailableZones: { AvailableZone } } };
};

/** CNY per GiB-hour by system disk category. PL0/PL1 are the Hangzhou list prices (ECS "块存储计费", China site, 2020-12); others are assumptions. */
export const DISK_GIB_HOUR: Record<string, number> = {
  'cloud_essd/PL0': 0.001,
  'cloud_essd/PL1': 0.0021,
  'cloud_essd/PL2': 0.0042,
  'cloud_essd/PL3': 0.0084,
  cloud_essd_entry: 0.001,
  cloud_auto: 0.001,
  cloud_efficiency: 0.0005,
  cloud_ssd: 0.0014,
};

export function diskHourly(category: string, sizeGiB: number, performanceLevel?: string): number | undefined {
  const key = category === 'cloud_essd' ? `cloud_essd/${performanceLevel ?? 'PL1'}` : category;
  const unit = DISK_GIB_HOUR[key];
  return unit === undefined ? undefined : unit * sizeGiB;
}

/**
 * Pay-by-traffic outbound public traffic, CNY per GB; inbound is free (Alibaba Cloud's public
 * bandwidth billing page, China site, 2021-02-02). The same figure in every region.
 */
export const TRAFFIC_CNY_PER_GB = 0.8;

/** Pay-by-bandwidth: 1–5 Mbps at 0.063/Mbps/h, each Mbps above 5 at 0.248 (ECS "公网带宽计费", China site, 2021-02). Pay-by-traffic: billed per GB, 0/h. */
export function bandwidthHourly(chargeType: string, mbps: number): number {
  if (chargeType !== 'PayByBandwidth' || mbps <= 0) return 0;
  return Math.min(mbps, 5) * 0.063 + Math.max(0, mbps - 5) * 0.248;
}

const UNIT_HOURS: Record<string, number> = { Hour: 1, Week: 24 * 7, Month: 24 * 30, Year: 24 * 365 };
const money = (n: number) => Math.round(n * 10000) / 10000;

const describePrice: Handler = (req, world) => {
  const region = requireRegion(req, world);
  const resourceType = str(req, 'ResourceType') ?? 'instance';
  if (!['instance', 'disk', 'bandwidth'].includes(resourceType)) {
    throw new ApiError(
      400,
      'InvalidResourceType.ValueNotSupported',
      'The specified parameter ResourceType is not valid.',
    );
  }
  const priceUnit = str(req, 'PriceUnit') ?? 'Hour';
  const hours = UNIT_HOURS[priceUnit];
  if (hours === undefined)
    throw new ApiError(
      400,
      'InvalidPriceUnit.ValueNotSupported',
      'The specified parameter PriceUnit is not valid.',
    );
  const amount = int(req, 'Amount', 1)!;
  if (!Number.isInteger(amount) || amount < 1 || amount > 1000)
    throw new ApiError(403, 'InvalidAmount.Malformed', 'The specified parameter Amount is not valid.');
  const period = int(req, 'Period', 1)!;
  if (!Number.isInteger(period) || period < 1)
    throw new ApiError(400, 'InvalidPeriod', 'The specified period is not valid.');
  oneOf(req, 'SpotStrategy', ['NoSpot', 'SpotWithPriceLimit', 'SpotAsPriceGo'], {
    status: 400,
    code: 'InvalidParameter',
    message: 'The specified parameter "SpotStrategy" is not valid.',
  });
  oneOf(req, 'InternetChargeType', ['PayByBandwidth', 'PayByTraffic'], {
    status: 400,
    code: 'InvalidInternetChargeType.ValueNotSupported',
    message: 'The specified InternetChargeType is not valid.',
  });
  const details: { Resource: string; hourly: number; original: number }[] = [];

  if (resourceType === 'instance') {
    const type = str(req, 'InstanceType');
    if (!type) {
      throw new ApiError(
        404,
        'InvalidInstanceType.Missing',
        'The InstanceType parameter that is mandatory for processing the request is not provided.',
      );
    }
    if (!world.catalogue.instanceType(type)) {
      throw new ApiError(
        400,
        'InvalidInstanceType.ValueNotSupported',
        'The specified InstanceType does not exist or beyond the permitted range.',
      );
    }
    const base = world.catalogue.hourlyPrice(region.regionId, type);
    if (base === undefined) {
      throw new ApiError(
        400,
        'PriceNotFound',
        'The price of your queried resource is not available now, please try other resources.',
      );
    }
    const spot = spotRequest(req, world, {
      regionId: region.regionId,
      zoneId: str(req, 'ZoneId'),
      instanceType: type,
      priceQuery: true,
    });
    const hourly = spot.spot
      ? (spotHourly(world, region.regionId, type, str(req, 'ZoneId'), spot.duration) ?? base)
      : base;
    details.push({ Resource: 'instanceType', hourly, original: base });
  }
  if (resourceType === 'instance' || resourceType === 'disk') {
    const category =
      str(req, 'SystemDisk.Category') ??
      (resourceType === 'disk' ? str(req, 'DataDisk.1.Category') : undefined) ??
      'cloud_essd';
    const size = int(req, 'SystemDisk.Size') ?? int(req, 'DataDisk.1.Size') ?? 40;
    const pl = str(req, 'SystemDisk.PerformanceLevel') ?? str(req, 'DataDisk.1.PerformanceLevel');
    const hourly = diskHourly(category, size!, pl);
    if (hourly === undefined) {
      throw new ApiError(
        400,
        'InvalidSystemDiskCategory.ValueNotSupported',
        'The specified parameter "SystemDisk.Category" is not valid.',
      );
    }
    details.push({ Resource: 'systemDisk', hourly, original: hourly });
  }
  const mbps = int(req, 'InternetMaxBandwidthOut', 0)!;
  if (resourceType === 'bandwidth' || mbps > 0) {
    const hourly = bandwidthHourly(str(req, 'InternetChargeType') ?? 'PayByTraffic', mbps);
    details.push({ Resource: 'bandwidth', hourly, original: hourly });
  }

  const scale = (h: number) => money(h * hours * amount);
  const DetailInfo = details.map((d) => ({
    Resource: d.Resource,
    OriginalPrice: scale(d.original),
    DiscountPrice: money(scale(d.original) - scale(d.hourly)),
    TradePrice: scale(d.hourly),
    SubRules: { Rule: [] },
  }));
  const sum = (k: 'OriginalPrice' | 'DiscountPrice' | 'TradePrice') =>
    money(DetailInfo.reduce((s, d) => s + d[k], 0));
  return {
    body: {
      RequestId: req.requestId,
      PriceInfo: {
        Price: {
          Currency: 'CNY',
          OriginalPrice: sum('OriginalPrice'),
          DiscountPrice: sum('DiscountPrice'),
          TradePrice: sum('TradePrice'),
          // Only savings-plan and reserved-instance quotes carry an hourly RI price.
          ReservedInstanceHourPrice: 0,
          DetailInfos: { DetailInfo },
        },
        Rules: { Rule: [] },
        // acp prices public images only: no Marketplace image fee.
        RelatedPrice: {
          MarketplaceImagePrice: { Currency: 'CNY', OriginalPrice: 0, DiscountPrice: 0, TradePrice: 0 },
        },
      },
    },
  };
};

const describeRecommendInstanceType: Handler = (req, world) => {
  const region = requireRegion(req, world);
  const cores = int(req, 'Cores');
  const memory = int(req, 'Memory');
  const base = str(req, 'InstanceType');
  const families = list(req, 'InstanceTypeFamily');
  const maxPrice = int(req, 'MaxPrice');
  const zoneId = str(req, 'ZoneId');
  const spotStrategy = str(req, 'SpotStrategy') ?? 'NoSpot';
  const ref = base ? world.catalogue.instanceType(base) : undefined;
  if (base && !ref) {
    throw new ApiError(
      400,
      'InvalidInstanceType.ValueNotSupported',
      'The specified InstanceType does not exist or beyond the permitted range.',
    );
  }
  const wantCpu = cores ?? ref?.cpu;
  const wantMem = memory ?? ref?.memoryGiB;
  if (wantCpu === undefined && wantMem === undefined) {
    throw new ApiError(
      400,
      'MissingParameter',
      'The input parameter "Cores" or "InstanceType" that is mandatory for processing this request is not supplied.',
    );
  }
  const candidates = world.catalogue.instanceTypes
    .filter(
      (t) =>
        (wantCpu === undefined || t.cpu === wantCpu) &&
        (wantMem === undefined || t.memoryGiB === wantMem) &&
        (families.length === 0 || families.includes(t.family)) &&
        (!ref || t.gpuAmount === ref.gpuAmount),
    )
    .map((t) => ({ t, price: world.catalogue.hourlyPrice(region.regionId, t.instanceTypeId) }))
    .filter(
      (c): c is { t: InstanceTypeFacts; price: number } =>
        c.price !== undefined && (maxPrice === undefined || c.price <= maxPrice),
    )
    .sort((a, b) => a.price - b.price);
  const RecommendInstanceType = candidates.flatMap(({ t }) =>
    region.zones
      .filter(
        (z) =>
          (!zoneId || z.zoneId === zoneId) && world.stockOf(region.regionId, z.zoneId, t.instanceTypeId) > 0,
      )
      .slice(0, 1)
      .map((z) => ({
        CommodityCode: 'ecs',
        InstanceChargeType: str(req, 'InstanceChargeType') ?? 'PostPaid',
        SpotStrategy: spotStrategy,
        NetworkType: 'vpc',
        Scene: str(req, 'Scene') ?? 'CREATE',
        RegionId: region.regionId,
        ZoneId: z.zoneId,
        InstanceType: {
          InstanceType: t.instanceTypeId,
          InstanceTypeFamily: t.family,
          Cores: t.cpu,
          Memory: t.memoryGiB * 1024,
          Generation: 'ecs-5',
          SupportIoOptimized: 'optimized',
        },
        // The lowercase `zone` is how the real API spells it.
        Zones: {
          zone: region.zones
            .filter((zz) => world.stockOf(region.regionId, zz.zoneId, t.instanceTypeId) > 0)
            .map((zz) => ({ ZoneNo: zz.zoneId, NetworkTypes: { NetworkType: ['vpc'] } })),
        },
      })),
  );
  return {
    body: {
      RequestId: req.requestId,
      Data: { RecommendInstanceType: RecommendInstanceType.map((r, i) => ({ ...r, Priority: i + 1 })) },
    },
  };
};

const describeImages: Handler = (req, world) => {
  const region = requireRegion(req, world);
  const ids = (str(req, 'ImageId') ?? '').split(',').filter(Boolean);
  const family = str(req, 'ImageFamily');
  const owner = oneOf(req, 'ImageOwnerAlias', ['system', 'self', 'others', 'marketplace'], {
    status: 400,
    code: 'InvalidImageOwnerAlias.ValueNotSupported',
    message: 'The specified ImageOwnerAlias value is not supported.',
  });
  const osType = oneOf(req, 'OSType', ['windows', 'linux'], {
    status: 404,
    code: 'InvalidOSType',
    message: 'The specified OSType is not valid.',
  });
  const arch = oneOf(req, 'Architecture', ['i386', 'x86_64', 'arm64'], {
    status: 404,
    code: 'InvalidArchitecture',
    message: 'The specified Architecture is not valid.',
  });
  oneOf(req, 'Usage', ['instance', 'none'], {
    status: 404,
    code: 'InvalidUsage',
    message: 'The specified Usage is not valid.',
  });
  const name = str(req, 'ImageName');
  let images = SYSTEM_IMAGES.filter(
    (i) =>
      (ids.length === 0 || ids.includes(i.imageId)) &&
      (!owner || owner === 'system') &&
      (!osType || osType.toLowerCase() === 'linux') &&
      (!arch || arch === 'x86_64') &&
      (!name || i.imageId.includes(name.replace(/\*/g, ''))),
  );
  if (family) {
    const latest = latestOfFamily(family);
    images = latest && images.includes(latest) ? [latest] : [];
  }
  const p = page(req, 100);
  const slice = images.slice((p.number - 1) * p.size, p.number * p.size);
  const en = english(req) || bool(req, 'English');
  return {
    body: {
      RequestId: req.requestId,
      RegionId: region.regionId,
      TotalCount: images.length,
      PageNumber: p.number,
      PageSize: p.size,
      Images: {
        Image: slice.map((i) => ({
          ImageId: i.imageId,
          ImageName: i.imageId,
          ImageFamily: i.family,
          ImageVersion: i.version,
          OSName: en ? i.osNameEn : i.osName,
          OSNameEn: i.osNameEn,
          OSType: 'linux',
          Platform: i.platform,
          Architecture: 'x86_64',
          Size: 20,
          Status: 'Available',
          Progress: '100%',
          CreationTime: i.creationTime,
          ImageOwnerAlias: 'system',
          IsPublic: true,
          IsSupportCloudinit: true,
          IsSupportIoOptimized: true,
          Usage: 'instance',
          BootMode: 'BIOS',
          Description: '',
          // A public image: owned by Alibaba, not copied, shared or bought, no resource group.
          ImageOwnerId: 0,
          IsCopied: false,
          IsSelfShared: '',
          IsSubscribed: false,
          ProductCode: '',
          SupplierName: '',
          ResourceGroupId: '',
          LicenseType: '',
          LoginAsNonRootSupported: i.platform === 'Aliyun',
          Tags: { Tag: [] },
          DiskDeviceMappings: {
            DiskDeviceMapping: [
              {
                Device: '/dev/xvda',
                Size: '20',
                Type: 'system',
                Format: '',
                SnapshotId: '',
                ImportOSSBucket: '',
                ImportOSSObject: '',
                Progress: '100%',
                RemainTime: 0,
                Encrypted: false,
              },
            ],
          },
          DetectionOptions: { Status: 'Finished', Items: { Item: [] } },
          Features: {
            NvmeSupport: 'supported',
            ImdsSupport: 'v2',
            CpuOnlineUpgrade: 'unsupported',
            CpuOnlineDowngrade: 'unsupported',
            MemoryOnlineUpgrade: 'unsupported',
            MemoryOnlineDowngrade: 'unsupported',
          },
        })),
      },
    },
  };
};

export const catalogueActions: Record<string, Handler> = {
  DescribeRegions: describeRegions,
  DescribeZones: describeZones,
  DescribeInstanceTypes: describeInstanceTypes,
  DescribeAvailableResource: describeAvailableResource,
  DescribePrice: describePrice,
  DescribeRecommendInstanceType: describeRecommendInstanceType,
  DescribeImages: describeImages,
};
