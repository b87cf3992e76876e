// ECS instances: RunInstances (ClientToken idempotency, DryRun, tags, AutoReleaseTime, spot,
// stock / quota / balance), the Pending → Starting → Running lifecycle on the emulated clock,
// DescribeInstances / DescribeInstanceStatus, DeleteInstance(s), ModifyInstanceAutoReleaseTime.
import { bandwidthHourly, diskHourly, requireRegion, SYSTEM_DISK_CATEGORIES } from './ecs-catalogue';
import { interruptCommandsOn } from './ecs-commands';
import { imageById, latestOfFamily } from './ecs-images';
import { instanceSandbox } from './ecs-instance-machine';
import { allocatePublicIp, syncPublicPorts } from './ecs-public-address';
import { requireSecurityGroup } from './ecs-security-groups';
import { INSTANCE_PENDING_MS, INSTANCE_RUNNING_AFTER_MS } from './lifecycle';
import {
  bool,
  ecsTags,
  int,
  isoMinutes,
  jsonList,
  list,
  matchesTags,
  objects,
  oneOf,
  page,
  required,
  str,
  tags,
} from './rpc-params';
import { armInstanceReclaim, requireSpotZone, spotHourly, spotRequest } from './spot';
import { ApiError, type ApiRequest, type Handler, type Resource, type World } from './types';

const MIN_AUTO_RELEASE_MS = 30 * 60_000;
const MAX_AUTO_RELEASE_MS = 3 * 365 * 24 * 3_600_000;

/** Parses and bounds AutoReleaseTime ('yyyy-MM-ddTHH:mm:ssZ' or without seconds), UTC. */
export function parseAutoReleaseTime(value: string, now: number): number {
  if (!/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2})?Z$/.test(value) || Number.isNaN(Date.parse(value))) {
    throw new ApiError(
      400,
      'InvalidAutoReleaseTime.Malformed',
      'The specified parameter "AutoReleaseTime" is not valid.',
    );
  }
  const at = Date.parse(value);
  if (at < now + MIN_AUTO_RELEASE_MS || at > now + MAX_AUTO_RELEASE_MS) {
    throw new ApiError(
      400,
      'InvalidAutoReleaseTime.Malformed',
      'The specified parameter "AutoReleaseTime" must be at least 30 minutes and at most 3 years later than the current time.',
    );
  }
  return at;
}

export function releaseInstance(world: World, instance: Resource) {
  if (instance.releasedAt !== undefined) return;
  // Whatever runs on the instance dies with it.
  interruptCommandsOn(world, instance.id);
  // Releasing the instance releases its public IP and ends its machine (world.release).
  world.release('instance', instance.id);
  world.adjustStock(instance.regionId, instance.data.zoneId, instance.data.instanceType, 1);
}

function scheduleAutoRelease(world: World, instance: Resource) {
  const at = instance.data.autoReleaseTime as number | undefined;
  if (at === undefined) return;
  // A later ModifyInstanceAutoReleaseTime changes data.autoReleaseTime; stale tasks then do nothing.
  world.scheduleWall(at, () => {
    if (instance.data.autoReleaseTime === at) releaseInstance(world, instance);
  });
}

function scheduleStart(world: World, instance: Resource) {
  world.schedule(instance.createdAt + INSTANCE_PENDING_MS, () => {
    if (instance.status === 'Pending') instance.status = 'Starting';
  });
  world.schedule(instance.createdAt + INSTANCE_RUNNING_AFTER_MS, () => {
    if (instance.status === 'Starting' || instance.status === 'Pending') {
      instance.status = 'Running';
      instance.data.startTime = world.now();
      syncPublicPorts(world);
      // Its machine boots now, while acp still polls for Running, as Cloud Assistant's agent comes
      // up after the instance does; a command sent before it is up waits for it.
      void world.prepareSandbox(instanceSandbox(instance));
    }
  });
}

function requireVSwitch(world: World, regionId: string, id: string) {
  const vsw = world.get('vswitch', id);
  if (!vsw || vsw.releasedAt !== undefined || vsw.regionId !== regionId) {
    throw new ApiError(404, 'InvalidVSwitchId.NotFound', 'Specified virtual switch does not exist.');
  }
  return vsw;
}

function nextPrivateIp(vsw: Resource): string {
  const base = String(vsw.data.cidrBlock ?? '172.16.0.0/24')
    .split('/')[0]!
    .split('.')
    .map(Number);
  vsw.data.allocatedIps = (vsw.data.allocatedIps ?? 0) + 1;
  const n = vsw.data.allocatedIps + 9;
  const value = ((base[0]! << 24) >>> 0) + (base[1]! << 16) + (base[2]! << 8) + base[3]! + n;
  return [24, 16, 8, 0].map((s) => (value >>> s) & 255).join('.');
}

interface RunResult {
  ids: string[];
  orderId: string;
  tradePrice: number;
}

const runInstances: Handler = (req, world) => {
  const region = requireRegion(req, world);
  const result = world.idempotent<RunResult>(
    `ecs:RunInstances:${region.regionId}`,
    str(req, 'ClientToken'),
    () => createInstances(req, world, region.regionId),
  );
  return {
    body: {
      RequestId: req.requestId,
      OrderId: result.orderId,
      TradePrice: result.tradePrice,
      InstanceIdSets: { InstanceIdSet: result.ids },
    },
  };
};

function createInstances(req: ApiRequest, world: World, regionId: string): RunResult {
  const instanceType = required(req, 'InstanceType');
  const facts = world.catalogue.instanceType(instanceType);
  if (!facts) {
    throw new ApiError(
      400,
      'InvalidInstanceType.ValueNotSupported',
      'The specified InstanceType does not exist or beyond the permitted range.',
    );
  }
  const imageId = str(req, 'ImageId');
  const family = str(req, 'ImageFamily');
  if (!imageId && !family) {
    throw new ApiError(
      400,
      'MissingParameter',
      'The input parameter "ImageId" that is mandatory for processing this request is not supplied.',
    );
  }
  const image = imageId ? imageById(imageId) : latestOfFamily(family!);
  if (!image) throw new ApiError(404, 'InvalidImageId.NotFound', 'The specified ImageId does not exist.');

  const vswId = str(req, 'VSwitchId');
  if (!vswId) {
    throw new ApiError(
      400,
      'MissingParameter',
      'The input parameter "VSwitchId" that is mandatory for processing this request is not supplied.',
    );
  }
  const vsw = requireVSwitch(world, regionId, vswId);
  if (vsw.status !== 'Available') {
    throw new ApiError(
      400,
      'IncorrectVSwitchStatus',
      'The current status of virtual switch does not support this operation.',
    );
  }
  const zoneId = str(req, 'ZoneId') ?? (vsw.data.zoneId as string);
  if (zoneId !== vsw.data.zoneId) {
    throw new ApiError(
      400,
      'InvalidParameter.Mismatch',
      'Specified virtual switch is not in the specified zone.',
    );
  }
  const sgIds = list(req, 'SecurityGroupIds');
  if (str(req, 'SecurityGroupId')) sgIds.unshift(str(req, 'SecurityGroupId')!);
  if (sgIds.length === 0) {
    throw new ApiError(
      400,
      'MissingParameter',
      'The input parameter "SecurityGroupId" that is mandatory for processing this request is not supplied.',
    );
  }
  for (const id of sgIds) {
    const sg = requireSecurityGroup(world, regionId, id);
    if (sg.data.vpcId && sg.data.vpcId !== vsw.data.vpcId) {
      throw new ApiError(
        400,
        'InvalidParameter.Mismatch',
        'Specified security group and virtual switch are not in the same VPC.',
      );
    }
  }
  const amount = int(req, 'Amount', 1)!;
  if (!Number.isInteger(amount) || amount < 1 || amount > 100) {
    throw new ApiError(400, 'InvalidParameter', 'The specified parameter "Amount" is not valid (1-100).');
  }
  const chargeType = str(req, 'InstanceChargeType') ?? 'PostPaid';
  if (!['PostPaid', 'PrePaid'].includes(chargeType)) {
    throw new ApiError(
      400,
      'InvalidInstanceChargeType.ValueNotSupported',
      'The specified InstanceChargeType is not valid.',
    );
  }
  requireSpotZone(req);
  const spotAsked = spotRequest(req, world, { regionId, zoneId, instanceType, chargeType });
  const spotStrategy = spotAsked.strategy;
  const autoReleaseRaw = str(req, 'AutoReleaseTime');
  const autoReleaseTime = autoReleaseRaw ? parseAutoReleaseTime(autoReleaseRaw, world.wallNow()) : undefined;
  const diskCategory = str(req, 'SystemDisk.Category') ?? 'cloud_essd';
  if (!SYSTEM_DISK_CATEGORIES.includes(diskCategory)) {
    throw new ApiError(
      400,
      'InvalidSystemDiskCategory.ValueNotSupported',
      'The specified parameter "SystemDisk.Category" is not valid.',
    );
  }
  const diskSize = int(req, 'SystemDisk.Size', 40)!;
  const internetChargeType = str(req, 'InternetChargeType') ?? 'PayByTraffic';
  if (!['PayByTraffic', 'PayByBandwidth'].includes(internetChargeType)) {
    throw new ApiError(
      400,
      'InvalidInternetChargeType.ValueNotSupported',
      'The specified InternetChargeType is invalid.',
    );
  }
  // Valid values 0–100 Mbit/s; above 0 the instance gets a public IP.
  const bandwidthOut = int(req, 'InternetMaxBandwidthOut', 0)!;
  if (!Number.isInteger(bandwidthOut) || bandwidthOut < 0 || bandwidthOut > 100) {
    throw new ApiError(
      400,
      'InvalidInternetMaxBandwidthOut.Malformed',
      'The specified parameter "InternetMaxBandwidthOut" is not valid.',
    );
  }
  const userData = str(req, 'UserData');
  if (userData && Buffer.from(userData, 'base64').length > 32 * 1024) {
    throw new ApiError(
      400,
      'InvalidUserData.SizeExceeded',
      'The specified parameter "UserData" exceeds the size limit (32 KB).',
    );
  }
  // An instance RAM role must exist (and is what the instance's metadata hands credentials for).
  const ramRoleName = str(req, 'RamRoleName') ?? '';
  const ramRole = ramRoleName ? world.roles.get(ramRoleName.toLowerCase()) : undefined;
  if (ramRoleName && !ramRole) {
    throw new ApiError(403, 'InvalidRamRole.NotExist', 'The specified RAM role does not exist.');
  }
  if (ramRole && !ramRole.trustedServices.includes('ecs.aliyuncs.com')) {
    throw new ApiError(
      403,
      'InvalidRamRole.NotEcsRole',
      'The specified ram role is not authorized for ecs, please check your role policy.',
    );
  }

  world.checkStock(regionId, zoneId, instanceType);
  if (world.stockOf(regionId, zoneId, instanceType) < amount) {
    throw new ApiError(
      403,
      'OperationDenied.NoStock',
      'The requested resource is sold out in the specified zone; try other types of resources or other regions and zones.',
    );
  }
  world.checkQuotaAndBalance('ecs', regionId, {
    instances: amount,
    vcpus: amount * facts.cpu,
    gpus: amount * facts.gpuAmount,
  });
  if (bool(req, 'DryRun')) {
    throw new ApiError(400, 'DryRunOperation', 'Request validation has been passed with DryRun flag set.');
  }

  const listPrice = world.catalogue.hourlyPrice(regionId, instanceType)!;
  const instancePrice = spotAsked.spot
    ? (spotHourly(world, regionId, instanceType, zoneId, spotAsked.duration) ?? listPrice)
    : listPrice;
  const hourlyPrice =
    instancePrice +
    (diskHourly(diskCategory, diskSize, str(req, 'SystemDisk.PerformanceLevel')) ?? 0) +
    bandwidthHourly(internetChargeType, bandwidthOut);
  const names = list(req, 'HostNames');
  const ids: string[] = [];
  for (let i = 0; i < amount; i++) {
    const id = world.newId('i', regionId);
    const instance = world.add({
      type: 'instance',
      id,
      regionId,
      status: 'Pending',
      tags: tags(req),
      hourlyPrice,
      data: {
        instanceType,
        family: facts.family,
        zoneId,
        vpcId: vsw.data.vpcId,
        vSwitchId: vsw.id,
        securityGroupIds: sgIds,
        imageId: image.imageId,
        osName: image.osName,
        osNameEn: image.osNameEn,
        cpu: facts.cpu,
        memoryGiB: facts.memoryGiB,
        gpuAmount: facts.gpuAmount,
        gpuSpec: facts.gpuSpec,
        instanceName: str(req, 'InstanceName') ?? id,
        hostName: names[i] ?? str(req, 'HostName') ?? `iZ${id.slice(2)}Z`,
        description: str(req, 'Description') ?? '',
        chargeType,
        spotStrategy,
        spotPriceLimit: spotAsked.priceLimit ?? 0,
        spotDuration: spotAsked.duration,
        internetChargeType,
        internetMaxBandwidthOut: bandwidthOut,
        ...(bandwidthOut > 0 ? { publicIp: allocatePublicIp(world) } : {}),
        keyPairName: str(req, 'KeyPairName') ?? '',
        deletionProtection: bool(req, 'DeletionProtection'),
        privateIp: nextPrivateIp(vsw),
        systemDisk: { category: diskCategory, size: diskSize },
        userData: userData ?? '',
        ramRoleName,
        autoReleaseTime,
        createdWall: world.wallNow(),
        resourceGroupId: str(req, 'ResourceGroupId') ?? '',
      },
    });
    world.adjustStock(regionId, zoneId, instanceType, -1);
    scheduleStart(world, instance);
    scheduleAutoRelease(world, instance);
    armInstanceReclaim(world, instance, INSTANCE_RUNNING_AFTER_MS, () => releaseInstance(world, instance));
    ids.push(id);
  }
  const orderId = String(200_000_000_000_000 + Math.floor(world.now() % 1e12));
  return { ids, orderId, tradePrice: Math.round(instancePrice * amount * 10000) / 10000 };
}

function instanceView(r: Resource) {
  const d = r.data;
  const publicIp = d.publicIp ? [d.publicIp] : [];
  return {
    InstanceId: r.id,
    InstanceName: d.instanceName,
    Description: d.description,
    HostName: d.hostName,
    Status: r.status,
    InstanceType: d.instanceType,
    InstanceTypeFamily: d.family,
    RegionId: r.regionId,
    ZoneId: d.zoneId,
    ImageId: d.imageId,
    OSName: d.osName,
    OSNameEn: d.osNameEn,
    OSType: 'linux',
    Cpu: d.cpu,
    Memory: d.memoryGiB * 1024,
    GPUAmount: d.gpuAmount,
    GPUSpec: d.gpuSpec,
    InstanceNetworkType: 'vpc',
    InstanceChargeType: d.chargeType,
    InternetChargeType: d.internetChargeType,
    InternetMaxBandwidthOut: d.internetMaxBandwidthOut,
    InternetMaxBandwidthIn: -1,
    SpotStrategy: d.spotStrategy,
    SpotPriceLimit: d.spotPriceLimit,
    SpotInterruptionBehavior: 'Terminate',
    CreationTime: isoMinutes(r.createdAt),
    StartTime: d.startTime ? isoMinutes(d.startTime) : '',
    ExpiredTime: '2099-12-31T15:59Z',
    AutoReleaseTime: d.autoReleaseTime ? isoMinutes(d.autoReleaseTime) : '',
    KeyPairName: d.keyPairName,
    DeletionProtection: d.deletionProtection,
    StoppedMode: 'Not-applicable',
    IoOptimized: true,
    ResourceGroupId: d.resourceGroupId,
    SerialNumber: `${r.id.slice(2, 10)}-0000-4000-8000-${r.id.slice(-12).padStart(12, '0')}`,
    PublicIpAddress: { IpAddress: publicIp },
    InnerIpAddress: { IpAddress: [] },
    EipAddress: {
      IpAddress: '',
      AllocationId: '',
      Bandwidth: 0,
      InternetChargeType: '',
      IsSupportUnassociate: true,
    },
    VpcAttributes: {
      VpcId: d.vpcId,
      VSwitchId: d.vSwitchId,
      PrivateIpAddress: { IpAddress: [d.privateIp] },
      NatIpAddress: '',
    },
    SecurityGroupIds: { SecurityGroupId: d.securityGroupIds },
    NetworkInterfaces: {
      NetworkInterface: [
        {
          NetworkInterfaceId: `eni-${r.id.slice(2)}`,
          Type: 'Primary',
          PrimaryIpAddress: d.privateIp,
          MacAddress: '00:16:3e:00:00:01',
          PrivateIpSets: {
            PrivateIpSet: [{ PrivateIpAddress: d.privateIp, Primary: true, PrivateDnsName: '' }],
          },
          Ipv6Sets: { Ipv6Set: [] },
          Ipv6PrefixSets: { Ipv6PrefixSet: [] },
          Ipv4PrefixSets: { Ipv4PrefixSet: [] },
        },
      ],
    },
    // A reclaimed spot instance is locked until its release (docs/spot.md).
    OperationLocks: {
      LockReason: d.recycling
        ? [{ LockReason: 'Recycling', LockMsg: 'The spot instance is being reclaimed and will be released.' }]
        : [],
    },
    Tags: ecsTags(r.tags),
    ...unusedOptions(r),
  };
}

/**
 * Documented instance fields for options acp never uses (deployment sets, dedicated hosts, HPC,
 * capacity reservations, IPv6, RDMA, hibernation, private DNS records): the values a plain
 * pay-as-you-go VPC instance shows.
 */
function unusedOptions(r: Resource) {
  const d = r.data;
  return {
    ImageOptions: { LoginAsNonRoot: false, CurrentOSNVMeSupported: true },
    VlanId: '',
    HibernationOptions: { Configured: false },
    AdditionalInfo: { EnableHighDensityMode: false },
    MetadataOptions: { HttpPutResponseHopLimit: 1, HttpTokens: 'optional', HttpEndpoint: 'enabled' },
    CpuOptions: {
      TopologyType: 'ContinuousCoreToHTMapping',
      TurboMode: '',
      EnableVISST: false,
      EnableVRDT: false,
      ThreadsPerCore: d.cpu > 1 ? 2 : 1,
      Numa: '',
      CoreCount: Math.max(1, Math.floor(d.cpu / 2)),
    },
    PrivateDnsNameOptions: {
      HostnameType: 'Custom',
      EnableInstanceIdDnsARecord: false,
      EnableInstanceIdDnsAAAARecord: false,
      EnableIpDnsARecord: false,
      EnableIpDnsPtrRecord: false,
    },
    DeploymentSetId: '',
    DeploymentSetGroupNo: 0,
    EnableNVS: false,
    LocalStorageCapacity: 0,
    LocalStorageAmount: 0,
    DedicatedInstanceAttribute: { Tenancy: 'default', Affinity: 'default' },
    DedicatedHostAttribute: { DedicatedHostId: '', DedicatedHostName: '', DedicatedHostClusterId: '' },
    EcsCapacityReservationAttr: { CapacityReservationPreference: '', CapacityReservationId: '' },
    SpotDuration: d.spotDuration ?? 0,
    SaleCycle: '',
    DeviceAvailable: true,
    ClusterId: '',
    HpcClusterId: '',
    ISP: '',
    RdmaIpAddress: { IpAddress: [] },
    ClockOptions: { PtpStatus: '' },
    Recyclable: false,
    CreditSpecification: String(d.family).startsWith('ecs.t') ? 'Standard' : '',
  };
}

function requireInstance(world: World, id: string, regionId?: string, code = 'InvalidInstanceId.NotFound') {
  const r = world.get('instance', id);
  if (!r || r.releasedAt !== undefined || (regionId && r.regionId !== regionId)) {
    throw new ApiError(404, code, 'The specified InstanceId does not exist.');
  }
  return r;
}

const describeInstances: Handler = (req, world) => {
  const region = requireRegion(req, world);
  const ids = jsonList(req, 'InstanceIds');
  if (ids && ids.length > 100)
    throw new ApiError(400, 'InvalidParameter', 'InstanceIds cannot contain more than 100 ids.');
  if (objects(req, 'Tag').length > 20)
    throw new ApiError(400, 'InvalidTagCount', 'The specified tags are beyond the permitted range.');
  oneOf(req, 'InstanceNetworkType', ['classic', 'vpc'], {
    status: 404,
    code: 'InvalidNetworkType.NotFound',
    message: 'The specified InstanceNetworkType is not found.',
  });
  oneOf(req, 'InternetChargeType', ['PayByBandwidth', 'PayByTraffic'], {
    status: 404,
    code: 'InvalidInternetChargeType.ValueNotSupported',
    message: 'The specified InternetChargeType is not valid.',
  });
  const f = {
    vpcId: str(req, 'VpcId'),
    vSwitchId: str(req, 'VSwitchId'),
    zoneId: str(req, 'ZoneId'),
    status: oneOf(req, 'Status', ['Pending', 'Running', 'Starting', 'Stopping', 'Stopped'], {
      status: 404,
      code: 'InvalidStatus.NotFound',
      message: 'The specified Status is not found.',
    }),
    instanceType: str(req, 'InstanceType'),
    chargeType: oneOf(req, 'InstanceChargeType', ['PostPaid', 'PrePaid'], {
      status: 404,
      code: 'InvalidInstanceChargeType.NotFound',
      message: 'The InstanceChargeType does not exist in our records.',
    }),
    securityGroupId: str(req, 'SecurityGroupId'),
    name: str(req, 'InstanceName'),
  };
  const nameRe = f.name
    ? new RegExp(`^${f.name.replace(/[.+?^${}()|[\]\\]/g, '\\$&').replace(/\*/g, '.*')}$`)
    : undefined;
  const want = tags(req);
  const matches = world.list({ type: 'instance', regionId: region.regionId }).filter((r) => {
    const d = r.data;
    return (
      (!ids || ids.includes(r.id)) &&
      (!f.vpcId || d.vpcId === f.vpcId) &&
      (!f.vSwitchId || d.vSwitchId === f.vSwitchId) &&
      (!f.zoneId || d.zoneId === f.zoneId) &&
      (!f.status || r.status === f.status) &&
      (!f.instanceType || d.instanceType === f.instanceType) &&
      (!f.chargeType || d.chargeType === f.chargeType) &&
      (!f.securityGroupId || d.securityGroupIds.includes(f.securityGroupId)) &&
      (!nameRe || nameRe.test(d.instanceName)) &&
      matchesTags(r.tags, want)
    );
  });
  // MaxResults is documented to be read as 10 below 10 and as 100 above 100 (not refused).
  const max = int(req, 'MaxResults');
  const token = str(req, 'NextToken');
  let slice: Resource[];
  let nextToken = '';
  let p = page(req, 100);
  if (max !== undefined || token !== undefined) {
    const size = Math.min(100, Math.max(10, max ?? 10));
    const start = Number(token ?? 0) || 0;
    slice = matches.slice(start, start + size);
    if (start + size < matches.length) nextToken = String(start + size);
    p = { number: 1, size };
  } else {
    slice = matches.slice((p.number - 1) * p.size, p.number * p.size);
  }
  return {
    body: {
      RequestId: req.requestId,
      TotalCount: matches.length,
      PageNumber: p.number,
      PageSize: p.size,
      NextToken: nextToken,
      Instances: { Instance: slice.map((r) => instanceView(r)) },
    },
  };
};

const describeInstanceStatus: Handler = (req, world) => {
  const region = requireRegion(req, world);
  const ids = list(req, 'InstanceId');
  if (ids.length > 100)
    throw new ApiError(403, 'InvalidParameter.TooManyInstanceIds', 'Instance ids cannot be more than 100.');
  const zoneId = str(req, 'ZoneId');
  const matches = world
    .list({ type: 'instance', regionId: region.regionId })
    .filter((r) => (ids.length === 0 || ids.includes(r.id)) && (!zoneId || r.data.zoneId === zoneId));
  const p = page(req, 50);
  return {
    body: {
      RequestId: req.requestId,
      TotalCount: matches.length,
      PageNumber: p.number,
      PageSize: p.size,
      InstanceStatuses: {
        InstanceStatus: matches
          .slice((p.number - 1) * p.size, p.number * p.size)
          .map((r) => ({ InstanceId: r.id, Status: r.status })),
      },
    },
  };
};

/** Why an instance cannot be deleted right now, or undefined when it can. */
function deleteRefusal(r: Resource, force: boolean): ApiError | undefined {
  if (r.data.deletionProtection) {
    return new ApiError(
      403,
      'InvalidOperation.DeletionProtection',
      'The operation is not allowed due to deletion protection.',
    );
  }
  if (r.status === 'Pending') {
    return new ApiError(
      403,
      'IncorrectInstanceStatus.Initializing',
      'The specified instance status does not support this operation.',
    );
  }
  if ((r.status === 'Running' || r.status === 'Starting' || r.status === 'Stopping') && !force) {
    return new ApiError(
      403,
      'IncorrectInstanceStatus',
      'The current status of the resource does not support this operation.',
    );
  }
  return undefined;
}

const deleteInstance: Handler = (req, world) => {
  const r = requireInstance(world, required(req, 'InstanceId'));
  req.regionId = r.regionId;
  const refusal = deleteRefusal(r, bool(req, 'Force'));
  if (refusal) throw refusal;
  if (bool(req, 'DryRun'))
    throw new ApiError(400, 'DryRunOperation', 'Request validation has been passed with DryRun flag set.');
  releaseInstance(world, r);
  return { body: { RequestId: req.requestId } };
};

const deleteInstances: Handler = (req, world) => {
  const region = requireRegion(req, world);
  const ids = list(req, 'InstanceId');
  if (ids.length === 0) {
    throw new ApiError(
      400,
      'MissingParameter',
      'The input parameter "InstanceId" that is mandatory for processing this request is not supplied.',
    );
  }
  if (ids.length > 100)
    throw new ApiError(403, 'InvalidParameter.TooManyInstanceIds', 'Instance ids cannot be more than 100.');
  world.idempotent(`ecs:DeleteInstances:${region.regionId}`, str(req, 'ClientToken'), () => {
    const instances = ids.map((id) => requireInstance(world, id, region.regionId));
    const force = bool(req, 'Force');
    for (const r of instances) {
      const refusal = deleteRefusal(r, force);
      if (refusal) throw refusal;
    }
    if (bool(req, 'DryRun'))
      throw new ApiError(400, 'DRYRUN.SUCCESS', 'This request is a dryrun request with successful result.');
    for (const r of instances) releaseInstance(world, r);
    return true;
  });
  return { body: { RequestId: req.requestId } };
};

const modifyInstanceAutoReleaseTime: Handler = (req, world) => {
  const region = requireRegion(req, world);
  const r = requireInstance(world, required(req, 'InstanceId'), region.regionId);
  const value = str(req, 'AutoReleaseTime');
  // An empty AutoReleaseTime cancels automatic release.
  r.data.autoReleaseTime = value ? parseAutoReleaseTime(value, world.wallNow()) : undefined;
  scheduleAutoRelease(world, r);
  return { body: { RequestId: req.requestId } };
};

export const instanceActions: Record<string, Handler> = {
  RunInstances: runInstances,
  DescribeInstances: describeInstances,
  DescribeInstanceStatus: describeInstanceStatus,
  DeleteInstance: deleteInstance,
  DeleteInstances: deleteInstances,
  ModifyInstanceAutoReleaseTime: modifyInstanceAutoReleaseTime,
};
