// The contract between the emulator's core (server, signature, state, clock, faults, admin API) and
// its product modules (ecs, vpc, sts, fc, cs + kubernetes, dlc). The core parses and authenticates a
// request, applies faults, then hands it to the product module that owns (product, action).
// Product modules never touch HTTP; they return data or throw ApiError.

import type { IncomingMessage, ServerResponse } from 'node:http';
import type { ReclaimRule } from './faults';
import type { Machine } from './sandbox-machine';
import type { SandboxRequest, ScriptOptions } from './script-runner';

export type EmulatedProduct = 'ecs' | 'vpc' | 'sts' | 'fc' | 'cs' | 'dlc' | 'k8s' | 'ram' | 'sls' | 'oss';

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
  /**
   * RegionId from the query (or a ROA body's region_id/RegionId). A handler may set it for ROA
   * calls that carry none; the call log records the value after the handler ran.
   */
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
  /** CNY billed by usage rather than time (an instance's public traffic), added to the cost meter. */
  meteredCost?: number;
  /** Product-specific state (instance type, zone, invocations, …). */
  data: Record<string, any>;
}

export interface ScriptRun {
  exitCode: number;
  output: string;
  /** Emulated ms the run took. */
  durationMs: number;
  /** True when the run was killed at its timeout (exitCode is then 124). */
  timedOut?: boolean;
  /** Bytes of output dropped beyond the cap (the head is kept, like Cloud Assistant). */
  droppedBytes?: number;
}

/**
 * Features Alibaba opens only to accounts that ask for them; the emulated account has none unless a
 * test turns one on, so acp cannot come to rely on one unnoticed.
 */
export interface Previews {
  /**
   * GetAsyncTask's `returnPayload`: "in public preview/internal beta, contact us to use it" (FC
   * 3.0 GetAsyncTask and AsyncTask reference pages).
   */
  fcAsyncReturnPayload?: boolean;
}

/** What every product module can use. Implemented by the core (emulator/world.ts). */
export interface World {
  readonly previews: Previews;
  /** The fault table (faults.ts); spot reclaim rules are used up as spot resources start. */
  faults: { reclaim: ReclaimRule[] };
  /** Emulated time in ms since epoch; advances `speed` times faster than the wall clock. */
  now(): number;
  speed: number;
  /**
   * Runs a script in a sandboxed machine with a timeout (exec mode 'local', script-runner.ts), or
   * pretends (mode 'none'). timeoutSeconds is emulated time (wall = timeout / speed, but at least
   * min(timeout, 2) s). `sandbox` picks the machine (an instance's own, or one for this run).
   */
  runScript(script: string, opts: ScriptOptions): Promise<ScriptRun>;
  /**
   * Boots a long-lived machine (key '<resource type>/<id>', ended when that resource is released)
   * before its first script, so the boot counts as the resource starting, not as the script's run.
   */
  prepareSandbox(request: SandboxRequest & { machine: string }): Promise<void>;
  /** The machine of a long-lived sandbox key ('instance/i-…') once a script ran there. */
  machine(key: string): Machine | undefined;
  /** Called after every release. */
  onRelease(listener: (r: Resource) => void): void;
  /** Resource store: every create goes through add(), every delete through release(). */
  add(resource: Omit<Resource, 'createdAt'>): Resource;
  get(type: string, id: string): Resource | undefined;
  /** Live resources (not released), optionally filtered; includeReleased adds released ones. */
  list(filter?: {
    type?: string;
    regionId?: string;
    tag?: Record<string, string>;
    includeReleased?: boolean;
  }): Resource[];
  release(type: string, id: string): void;
  /** An Alibaba-looking id: newId('i', 'cn-hangzhou') → 'i-bp1…' (the region picks the letters). */
  newId(prefix: string, regionId?: string): string;
  /** Catalogue facts shared by all products (regions, zones, instance types, prices). */
  catalogue: Catalogue;
  /** Throws the sold-out error when the fault table says (region, zone, type) is sold out or stock is 0. */
  checkStock(regionId: string, zoneId: string | undefined, instanceType: string): void;
  /**
   * Throws the product's quota error / InvalidAccountStatus.NotEnoughBalance when a fault says so.
   * `add` counts what the create adds; the quota fault key is `<product>.<counter>` (see faults.ts).
   * Call it only for paid creates (balance applies to every call of it).
   */
  checkQuotaAndBalance(
    product: EmulatedProduct,
    regionId: string,
    add: { instances?: number; vcpus?: number; gpus?: number; [counter: string]: number | undefined },
  ): void;

  // ---- added by the core (emulator/world.ts) ----
  /** Quota only, no balance check: for free resources that still have quotas (VPCs, vSwitches). */
  checkQuota(product: EmulatedProduct, regionId: string, add: Record<string, number | undefined>): void;
  /** The account id of this emulator (STS GetCallerIdentity, FC ARNs, endpoints). */
  accountId: string;
  /** The account's RAM roles by name (ram-roles.ts); reset restores the default ones. */
  readonly roles: Map<string, RamRole>;
  /** The account's own key (other keys are RAM users). */
  primaryAccessKeyId?: string;
  /** Script mode chosen at start. */
  exec: 'local' | 'none';
  /**
   * Runs fn once the emulated clock reaches atMs. Due tasks run before every request, after
   * advance(), and on a ~50 ms wall-clock tick, in time order. Use it for lifecycles.
   */
  schedule(atMs: number, fn: () => void): void;
  /** The cloud's wall clock (real time + advances), for absolute times a client sends (AutoReleaseTime). */
  wallNow(): number;
  /** Runs fn once wallNow() reaches atWallMs. */
  scheduleWall(atWallMs: number, fn: () => void): void;
  /** Resolves when the emulated clock reaches atMs (sooner if a test advances the clock). */
  sleepUntil(atMs: number): Promise<void>;
  /**
   * ClientToken idempotency: the first call with (scope, token) runs create and remembers its
   * result; later calls with the same scope and token return that result without creating again.
   * No token → always create. A create that throws is not remembered.
   */
  idempotent<T>(scope: string, token: string | undefined, create: () => T): T;
  /** Stock left for (region, zone, type); 0 when not offered there or a soldOut fault matches. */
  stockOf(regionId: string, zoneId: string, instanceType: string): number;
  /** Takes stock on create (negative delta) and gives it back on release (positive). */
  adjustStock(regionId: string, zoneId: string, instanceType: string, delta: number): void;
}

/** A RAM role of the account, as GetRole describes it. */
export interface RamRole {
  roleName: string;
  roleId: string;
  arn: string;
  description: string;
  /** The services the trust policy lets assume the role (fc.aliyuncs.com, …). */
  trustedServices: string[];
  isServiceLinkedRole: boolean;
  /** Emulated ms. */
  createdAt: number;
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
  /** LocalName for AcceptLanguage=en-US. */
  englishName?: string;
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

/**
 * A raw HTTP route outside the ACS signature scheme (the emulated Kubernetes API authenticates with
 * the kubeconfig's bearer token). It must write the whole response itself.
 */
export type RawRouteHandler = (
  req: IncomingMessage,
  res: ServerResponse,
  world: World,
) => void | Promise<void>;

export interface RawRoute {
  /** URL path prefix, e.g. '/k8s-api/'. Requests carrying x-acs-action never reach raw routes. */
  prefix: string;
  handle: RawRouteHandler;
}

/** A product module: RPC and ROA actions keyed by x-acs-action. */
export interface ProductModule {
  product: EmulatedProduct;
  /** x-acs-version this module answers. */
  version: string;
  actions: Record<string, Handler>;
  /** Host name used in error bodies' HostId (e.g. 'ecs.aliyuncs.com'). */
  hostId?: string;
  /** Raw routes this module serves (registered when the server starts). */
  rawRoutes?: RawRoute[];
  /** Called on POST /__emulator/reset after the store is cleared (drop module-level caches). */
  reset?(world: World): void;
  /**
   * The error body for this product. Default: {RequestId, HostId, Code, Message, Recommend, ...extra}
   * (the POP envelope every SDK understands).
   */
  errorBody?(err: ApiError, requestId: string, hostId: string): unknown;
}
