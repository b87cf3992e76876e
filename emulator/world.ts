// The emulated cloud's state behind every product module: clock, resource store, ids, stock,
// quotas, balance, idempotency tokens, scripts, access keys, the call log and the fault table.
import { randomUUID } from 'node:crypto';
import { defaultCatalogue, regionIdCode } from './catalogue';
import {
  BALANCE_ERRORS,
  DEFAULT_BALANCE_ERROR,
  emptyFaults,
  FaultDice,
  type FaultTable,
  matchesSoldOut,
  QUOTA_ERRORS,
} from './faults';
import { FlowCounters } from './flow-control';
import type { RamPolicyInput } from './ram';
import { defaultRoles, type StartRole } from './ram-roles';
import { type Rng, seededRng } from './rng';
import type { Machine } from './sandbox-machine';
import { type SandboxRequest, type ScriptOptions, ScriptRunner } from './script-runner';
import {
  ApiError,
  type Catalogue,
  type EmulatedProduct,
  type Previews,
  type RamRole,
  type Resource,
  type ScriptRun,
  type World,
} from './types';

export interface WorldOptions {
  speed?: number;
  exec?: 'local' | 'none';
  accountId?: string;
  seed?: number;
  /** Builds the catalogue; called again on reset so stock is restored. */
  catalogue?: () => Catalogue;
  accessKeyId: string;
  accessKeySecret: string;
  /** Emulated start time (ms since epoch); defaults to the wall clock. */
  startAt?: number;
  /** RAM policies per access key that hold from the start and survive reset (ram.ts). */
  policies?: Record<string, RamPolicyInput>;
  /** RAM roles besides FC's service-linked one that the account has from the start and after reset. */
  roles?: StartRole[];
  /** Features Alibaba opens only to some accounts (types.ts Previews); all off by default. */
  previews?: Previews;
}

export interface CallRecord {
  action: string;
  product: string;
  regionId?: string;
  /** The error Code, or "OK" for a success (also for a success whose response was dropped). */
  code: string;
  httpStatus: number;
  /** Emulated-clock ms since epoch. */
  at: number;
  accessKeyId?: string;
  requestId: string;
  /** True when a dropResponse fault lost this call's (successful) response. */
  dropped?: boolean;
}

interface Task {
  at: number;
  seq: number;
  fn: () => void;
}

/** Which stored resource types a product's quota counters count. */
const QUOTA_TYPES: Record<string, string[]> = {
  ecs: ['instance'],
  fc: ['function'],
  cs: ['cluster'],
  dlc: ['dlc-job'],
  k8s: ['k8s-job'],
  vpc: ['vpc'],
};
const COUNTER_TYPES: Record<string, string> = {
  vpcs: 'vpc',
  vswitches: 'vswitch',
  securityGroups: 'security-group',
};

const HOUR_MS = 3_600_000;

export class EmulatorWorld implements World {
  readonly speed: number;
  readonly accountId: string;
  readonly exec: 'local' | 'none';
  readonly seed: number;
  readonly previews: Previews;
  catalogue: Catalogue;
  faults: FaultTable = emptyFaults();
  readonly dice: FaultDice;
  readonly keys = new Map<string, string>();
  /** Start-up RAM policies per key; a `policy` fault for the key replaces its entry until reset. */
  readonly startPolicies: Record<string, RamPolicyInput>;
  calls: CallRecord[] = [];
  roles: Map<string, RamRole>;
  private readonly startRoles: StartRole[];
  /** Calls counted against Alibaba's documented flow-control windows (flow-control.ts). */
  readonly flow = new FlowCounters();

  private readonly makeCatalogue: () => Catalogue;
  private readonly primaryKey: [string, string];
  get primaryAccessKeyId(): string {
    return this.primaryKey[0];
  }
  private resources = new Map<string, Resource>();
  private tokens = new Map<string, unknown>();
  private tasks: Task[] = [];
  private wallTasks: Task[] = [];
  private taskSeq = 0;
  private sleepers: { at: number; wake: () => void }[] = [];
  private idRng: Rng;
  private readonly startWall = Date.now();
  private readonly startEmulated: number;
  private offsetMs = 0;
  private ticker: NodeJS.Timeout;
  private readonly scripts: ScriptRunner;

  constructor(opts: WorldOptions) {
    this.speed = opts.speed ?? 60;
    this.exec = opts.exec ?? 'local';
    this.accountId = opts.accountId ?? '1234567890123456';
    this.seed = opts.seed ?? 1;
    this.previews = { ...opts.previews };
    this.makeCatalogue = opts.catalogue ?? defaultCatalogue;
    this.catalogue = this.makeCatalogue();
    this.dice = new FaultDice(this.seed);
    this.idRng = seededRng(this.seed ^ 0x5eed);
    this.primaryKey = [opts.accessKeyId, opts.accessKeySecret];
    this.keys.set(opts.accessKeyId, opts.accessKeySecret);
    this.startPolicies = { ...opts.policies };
    this.startEmulated = opts.startAt ?? this.startWall;
    this.startRoles = [...(opts.roles ?? [])];
    this.roles = defaultRoles(this.accountId, this.startEmulated, this.startRoles);
    this.scripts = new ScriptRunner(this.speed);
    // Lifecycles advance even when nobody is polling (a DLC job's script must start on time).
    this.ticker = setInterval(() => this.settle(), 50);
    this.ticker.unref();
  }

  // ---- clock ----

  now(): number {
    return Math.floor(this.startEmulated + (Date.now() - this.startWall) * this.speed + this.offsetMs);
  }

  /**
   * The cloud's wall clock: real time plus every advance(). Absolute times a client sends
   * (AutoReleaseTime) are read against this, because a client computes them from its own clock; only
   * lifecycle durations run `speed` times faster (now()).
   */
  wallNow(): number {
    return Date.now() + this.offsetMs;
  }

  /** Runs fn once the wall clock (wallNow) reaches atWallMs. */
  scheduleWall(atWallMs: number, fn: () => void): void {
    this.wallTasks.push({ at: atWallMs, seq: this.taskSeq++, fn });
  }

  /** Jumps the emulated clock forward (tests: prove AutoReleaseTime, lifecycles, cost). */
  advance(ms: number): void {
    if (!(ms >= 0)) throw new ApiError(400, 'InvalidParameter', 'advanceMs must be a non-negative number');
    this.offsetMs += ms;
    this.settle();
  }

  schedule(atMs: number, fn: () => void): void {
    this.tasks.push({ at: atMs, seq: this.taskSeq++, fn });
  }

  sleepUntil(atMs: number): Promise<void> {
    if (this.now() >= atMs) return Promise.resolve();
    return new Promise((resolve) => {
      const timer = setTimeout(
        () => {
          this.sleepers = this.sleepers.filter((s) => s.wake !== wake);
          resolve();
        },
        Math.max(0, (atMs - this.now()) / this.speed),
      );
      const wake = () => {
        clearTimeout(timer);
        resolve();
      };
      this.sleepers.push({ at: atMs, wake });
    });
  }

  /** Runs every due task in time order (tasks may schedule more), then wakes due sleepers. */
  settle(): void {
    for (;;) {
      const now = this.now();
      const due = this.tasks.filter((t) => t.at <= now).sort((a, b) => a.at - b.at || a.seq - b.seq);
      if (due.length === 0) break;
      this.tasks = this.tasks.filter((t) => t.at > now);
      for (const t of due) {
        try {
          t.fn();
        } catch (err) {
          console.error('emulator: scheduled task failed', err);
        }
      }
    }
    const wall = this.wallNow();
    const dueWall = this.wallTasks.filter((t) => t.at <= wall).sort((a, b) => a.at - b.at || a.seq - b.seq);
    this.wallTasks = this.wallTasks.filter((t) => t.at > wall);
    for (const t of dueWall) {
      try {
        t.fn();
      } catch (err) {
        console.error('emulator: scheduled task failed', err);
      }
    }
    const now = this.now();
    const woken = this.sleepers.filter((s) => s.at <= now);
    this.sleepers = this.sleepers.filter((s) => s.at > now);
    for (const s of woken) s.wake();
  }

  // ---- resources ----

  add(resource: Omit<Resource, 'createdAt'>): Resource {
    const stored: Resource = { ...resource, createdAt: this.now() };
    this.resources.set(`${stored.type}/${stored.id}`, stored);
    return stored;
  }

  get(type: string, id: string): Resource | undefined {
    return this.resources.get(`${type}/${id}`);
  }

  list(
    filter: {
      type?: string;
      regionId?: string;
      tag?: Record<string, string>;
      includeReleased?: boolean;
    } = {},
  ): Resource[] {
    return this.all().filter(
      (r) =>
        (filter.includeReleased || r.releasedAt === undefined) &&
        (filter.type === undefined || r.type === filter.type) &&
        (filter.regionId === undefined || r.regionId === filter.regionId) &&
        Object.entries(filter.tag ?? {}).every(([k, v]) => r.tags[k] === v),
    );
  }

  /** Live and released resources, in creation order. */
  all(): Resource[] {
    return [...this.resources.values()];
  }

  release(type: string, id: string): void {
    // A released instance's (or pod's) machine goes with it: its services stop serving.
    void this.scripts.release(`${type}/${id}`);
    const r = this.get(type, id);
    if (!r || r.releasedAt !== undefined) return;
    r.releasedAt = this.now();
    r.status = 'Released';
    for (const listener of this.releaseListeners) listener(r);
  }

  /** Called after every release (the public-address forwarder closes the instance's ports). */
  onRelease(listener: (r: Resource) => void): void {
    this.releaseListeners.push(listener);
  }
  private releaseListeners: ((r: Resource) => void)[] = [];

  /** CNY accrued so far: hourly price × lifetime on the emulated clock, plus metered usage. */
  costOf(r: Resource): number {
    const end = r.releasedAt ?? this.now();
    return (r.hourlyPrice * Math.max(0, end - r.createdAt)) / HOUR_MS + (r.meteredCost ?? 0);
  }

  newId(prefix: string, regionId?: string): string {
    const alphabet = 'abcdefghijklmnopqrstuvwxyz0123456789';
    let tail = '';
    for (let i = 0; i < 17; i++) tail += alphabet[Math.floor(this.idRng() * alphabet.length)];
    const digit = 1 + Math.floor(this.idRng() * 9);
    return `${prefix}-${regionId ? regionIdCode(regionId) : 'bp'}${digit}${tail}`;
  }

  newRequestId(): string {
    return randomUUID().toUpperCase();
  }

  idempotent<T>(scope: string, token: string | undefined, create: () => T): T {
    if (!token) return create();
    const key = `${scope}\u0000${token}`;
    if (this.tokens.has(key)) return this.tokens.get(key) as T;
    const result = create();
    this.tokens.set(key, result);
    if (result && typeof (result as any).then === 'function') {
      (result as any).then(undefined, () => this.tokens.delete(key));
    }
    return result;
  }

  // ---- stock, quota, balance ----

  stockOf(regionId: string, zoneId: string, instanceType: string): number {
    if (matchesSoldOut(this.faults.soldOut, regionId, zoneId, instanceType)) return 0;
    const zone = this.catalogue.region(regionId)?.zones.find((z) => z.zoneId === zoneId);
    return zone?.stock[instanceType] ?? 0;
  }

  adjustStock(regionId: string, zoneId: string, instanceType: string, delta: number): void {
    const zone = this.catalogue.region(regionId)?.zones.find((z) => z.zoneId === zoneId);
    if (zone && instanceType in zone.stock)
      zone.stock[instanceType] = Math.max(0, zone.stock[instanceType]! + delta);
  }

  checkStock(regionId: string, zoneId: string | undefined, instanceType: string): void {
    if (!this.catalogue.instanceType(instanceType)) {
      throw new ApiError(
        400,
        'InvalidInstanceType.ValueNotSupported',
        'The specified InstanceType does not exist or beyond the permitted range.',
      );
    }
    const region = this.catalogue.region(regionId);
    if (!region)
      throw new ApiError(404, 'InvalidRegionId.NotFound', 'The specified RegionId does not exist.');
    if (this.catalogue.hourlyPrice(regionId, instanceType) === undefined) {
      throw new ApiError(
        403,
        'InvalidInstanceType.NotSupported',
        'The specified InstanceType is not Supported.',
      );
    }
    const zones = zoneId === undefined ? region.zones : region.zones.filter((z) => z.zoneId === zoneId);
    if (zones.length === 0)
      throw new ApiError(404, 'InvalidZoneId.NotFound', 'The specified zoneId does not exist.');
    const offered = zones.filter((z) => instanceType in z.stock);
    if (offered.length === 0) {
      throw new ApiError(
        403,
        'Zone.NotOnSale',
        'The resource in the specified zone is no longer available for sale. Please try other regions and zones.',
      );
    }
    if (offered.every((z) => this.stockOf(regionId, z.zoneId, instanceType) <= 0)) {
      throw new ApiError(
        403,
        'OperationDenied.NoStock',
        'The requested resource is sold out in the specified zone; try other types of resources or other regions and zones.',
      );
    }
  }

  checkQuotaAndBalance(
    product: EmulatedProduct,
    regionId: string,
    add: { instances?: number; vcpus?: number; gpus?: number; [counter: string]: number | undefined },
  ): void {
    if (this.faults.balance !== null && this.faults.balance <= 0) {
      const e = BALANCE_ERRORS[product] ?? DEFAULT_BALANCE_ERROR;
      throw new ApiError(e.status, e.code, e.message);
    }
    this.checkQuota(product, regionId, add);
  }

  /** Quota only (free resources such as VPCs have quotas but no balance check). */
  checkQuota(product: EmulatedProduct, regionId: string, add: Record<string, number | undefined>): void {
    for (const [counter, n] of Object.entries(add)) {
      const limit = this.faults.quota[`${product}.${counter}`];
      if (limit === undefined || n === undefined) continue;
      if (this.usage(product, regionId, counter) + n > limit) {
        if (product === 'vpc' && counter === 'vswitches') {
          throw new ApiError(400, 'QuotaExceeded.VSwitch', 'Virtual switch quota exceeded.');
        }
        const e = QUOTA_ERRORS[product];
        throw new ApiError(e.status, e.code, e.message);
      }
    }
  }

  private usage(product: EmulatedProduct, regionId: string, counter: string): number {
    const types = COUNTER_TYPES[counter] ? [COUNTER_TYPES[counter]] : (QUOTA_TYPES[product] ?? []);
    const live = this.list({ regionId }).filter((r) => types.includes(r.type));
    if (counter === 'vcpus') return live.reduce((s, r) => s + (r.data.cpu ?? r.data.vcpus ?? 0), 0);
    if (counter === 'gpus') return live.reduce((s, r) => s + (r.data.gpuAmount ?? r.data.gpus ?? 0), 0);
    return live.length;
  }

  // ---- scripts ----

  /**
   * timeoutSeconds is on the emulated clock (a 60 s Cloud Assistant timeout is 0.1 s of wall time at
   * speed 600), but a script always gets at least min(timeout, 2) wall seconds: real processes need
   * real time to start.
   */
  async runScript(script: string, opts: ScriptOptions): Promise<ScriptRun> {
    if (this.exec === 'none') return { exitCode: 0, output: '', durationMs: 0 };
    const start = this.now();
    const wallTimeout = Math.max(opts.timeoutSeconds / this.speed, Math.min(opts.timeoutSeconds, 2));
    const run = await this.scripts.run(script, { ...opts, timeoutSeconds: wallTimeout });
    return { ...run, durationMs: this.now() - start };
  }

  /** Boots the machine of a long-lived sandbox key ahead of its first script (exec mode 'local'). */
  async prepareSandbox(request: SandboxRequest & { machine: string }): Promise<void> {
    if (this.exec === 'local') await this.scripts.prepare(request);
  }

  /** The machine a long-lived sandbox key runs on, once a script has run there. */
  machine(key: string): Machine | undefined {
    return this.scripts.machine(key);
  }

  // ---- admin ----

  /** Clears resources, calls, faults, tokens, pending lifecycles and extra keys; restores stock. */
  reset(): void {
    void this.scripts.releaseAll();
    this.resources.clear();
    this.tokens.clear();
    this.tasks = [];
    this.calls = [];
    this.flow.clear();
    this.faults = emptyFaults();
    this.dice.reseed(this.seed);
    this.catalogue = this.makeCatalogue();
    this.keys.clear();
    this.keys.set(this.primaryKey[0], this.primaryKey[1]);
    this.roles = defaultRoles(this.accountId, this.now(), this.startRoles);
  }

  stop(): Promise<void> {
    clearInterval(this.ticker);
    for (const s of this.sleepers) s.wake();
    this.sleepers = [];
    return this.scripts.releaseAll();
  }
}
