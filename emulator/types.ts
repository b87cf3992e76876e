// The contract between the emulator's core (server, signature, state, clock, faults, admin API) and
// its product modules (ecs, vpc, sts, fc, cs + kubernetes, dlc). The core parses and authenticates a
// request, applies faults, then hands it to the product module that owns (product, action).
// Product modules never touch HTTP; they return data or throw ApiError.

export type EmulatedProduct = 'ecs' | 'vpc' | 'sts' | 'fc' | 'cs' | 'dlc' | 'k8s';

export interface ApiRequest {
  product: EmulatedProduct;
  /** x-acs-action (every signed SDK request carries it, RPC and ROA alike). */
  action: string;
  version: string;
  method: string;
  /** URL path without the query, e.g. '/', '/2023-03-30/functions/f1/invocations', '/clusters/c1'. */
  path: string;
  /** Decoded query parameters (RPC puts every parameter here: 'Tag.1.Key', 'SystemDisk.Category'). */
  query: Record<string, string>;
  headers: Record<string, string | undefined>;
  body: Buffer;
  /** Body parsed as JSON when it is JSON (ROA), else undefined. */
  json: any;
  accessKeyId: string;
  /** RegionId from the query, or the region the product module derives (ROA has none on the wire). */
  regionId?: string;
  requestId: string;
}

export interface ApiResult {
  /** Defaults to 200. */
  status?: number;
  /** Serialised as JSON with exactly these keys (the SDK drops wrongly-cased keys silently). */
  body?: unknown;
  /** A raw body instead of JSON (FC InvokeFunction returns the function's bytes). */
  raw?: Buffer;
  headers?: Record<string, string>;
}

/** An Alibaba error answer: real HTTP status and the {RequestId, HostId, Code, Message, Recommend} body. */
export class ApiError extends Error {
  readonly status: number;
  readonly code: string;
  /** Extra body fields, e.g. AccessDeniedDetail for Forbidden.RAM. */
  readonly extra: Record<string, unknown>;
  readonly headers: Record<string, string>;
  constructor(
    status: number,
    code: string,
    message: string,
    extra: Record<string, unknown> = {},
    headers: Record<string, string> = {},
  ) {
    super(message);
    this.name = 'ApiError';
    this.status = status;
    this.code = code;
    this.extra = extra;
    this.headers = headers;
  }
}

/** A live or released cloud resource. The admin API lists these; the cost meter prices them. */
export interface Resource {
  type: string; // 'instance' | 'vpc' | 'vswitch' | 'security-group' | 'function' | 'cluster' | 'k8s-job' | 'dlc-job' | …
  id: string;
  regionId: string;
  status: string;
  tags: Record<string, string>;
  /** Emulated-clock ms. */
  createdAt: number;
  releasedAt?: number;
  /** CNY per hour while alive (0 for free resources such as VPCs). */
  hourlyPrice: number;
  /** Product-specific state (instance type, zone, invocations, …). */
  data: Record<string, any>;
}

export interface ScriptRun {
  exitCode: number;
  output: string;
  /** Emulated ms the run took. */
  durationMs: number;
}

/** What every product module can use. Implemented by the core (emulator/world.ts). */
export interface World {
  /** Emulated time in ms since epoch; advances `speed` times faster than the wall clock. */
  now(): number;
  speed: number;
  /** Runs a script in a sandboxed temp dir with a timeout (exec mode 'local'), or pretends (mode 'none'). */
  runScript(script: string, opts: { timeoutSeconds: number; env?: Record<string, string> }): Promise<ScriptRun>;
  /** Resource store: every create goes through add(), every delete through release(). */
  add(resource: Omit<Resource, 'createdAt'>): Resource;
  get(type: string, id: string): Resource | undefined;
  /** Live resources (not released), optionally filtered. */
  list(filter?: { type?: string; regionId?: string; tag?: Record<string, string> }): Resource[];
  release(type: string, id: string): void;
  newId(prefix: string): string;
  /** Catalogue facts shared by all products (regions, zones, instance types, prices). */
  catalogue: Catalogue;
  /** Throws the sold-out error when the fault table says (region, zone, type) is sold out or stock is 0. */
  checkStock(regionId: string, zoneId: string | undefined, instanceType: string): void;
  /** Throws QuotaExceed.* / InvalidAccountStatus.NotEnoughBalance when a fault says so. */
  checkQuotaAndBalance(product: EmulatedProduct, regionId: string, add: { instances?: number; vcpus?: number; gpus?: number }): void;
}

export interface InstanceTypeFacts {
  instanceTypeId: string;
  family: string;
  cpu: number;
  memoryGiB: number;
  gpuAmount: number;
  gpuSpec: string; // '' when none, e.g. 'NVIDIA A10'
  gpuMemoryGiB: number;
}

export interface ZoneFacts {
  zoneId: string;
  /** Instance types offered here with their stock (0 = sold out). */
  stock: Record<string, number>;
}

export interface RegionFacts {
  regionId: string;
  localName: string;
  mainland: boolean;
  zones: ZoneFacts[];
  /** Multiplier on the cn-hangzhou price. */
  priceFactor: number;
}

export interface Catalogue {
  regions: RegionFacts[];
  instanceTypes: InstanceTypeFacts[];
  region(regionId: string): RegionFacts | undefined;
  instanceType(id: string): InstanceTypeFacts | undefined;
  /** Pay-as-you-go CNY/hour of the instance alone in this region (undefined when not sold there). */
  hourlyPrice(regionId: string, instanceType: string): number | undefined;
}

export type Handler = (req: ApiRequest, world: World) => ApiResult | Promise<ApiResult>;

/** A product module: RPC and ROA actions keyed by x-acs-action. */
export interface ProductModule {
  product: EmulatedProduct;
  /** x-acs-version this module answers. */
  version: string;
  actions: Record<string, Handler>;
}
