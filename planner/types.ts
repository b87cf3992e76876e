// The shared vocabulary of acp: what a caller asks for, what the planner decides, what a quote offers.
// Everything here is plain data so it can cross the workflow/activity boundary and live in history.

export const PRODUCTS = ['ecs', 'fc', 'ack', 'pai'] as const;
export type Product = (typeof PRODUCTS)[number];

export type Currency = 'USD' | 'CNY';

/** Workflow input (README.md, "Driving acp with the `temporal` CLI"). `temporal workflow start --input '<json>'` sends exactly this. */
export interface ProvisionRequest {
  intent?: string;
  /**
   * The script: a path on the worker, or its content; `name` is the file the content came from
   * ('train.py'), which decides how it runs (a `.py` file with python).
   */
  script?: { path?: string; content?: string; name?: string };
  product?: Product;
  region?: string;
  cpu?: number;
  memoryGiB?: number;
  gpu?: { model: string; count: number };
  durationMinutes?: number;
  budget?: { amount: number; currency: string };
  service?: boolean;
  ports?: number[];
  /** CIDR allowed to reach SSH (22). Never defaulted to 0.0.0.0/0. */
  sshCidr?: string;
  skipConfirmation?: boolean;
  /** Temporal duration string ('30m', '2s'); default 30 minutes. */
  confirmTimeout?: string;
  /** How long a service may live before it is torn down ('8h'). */
  ttl?: string;
  /** Run on spot capacity (docs/spot.md); "spot"/"竞价" in the text asks too. Not for services. */
  spot?: boolean;
  /** Re-runs after spot reclaims (default 3). */
  spotRecoveries?: number;
  /** When spot cannot finish (retry limit, budget, no capacity), run the job pay-as-you-go. */
  spotFallback?: boolean;
  /**
   * Spot only: give the script a directory ($ACP_CHECKPOINT_DIR) whose content survives a reclaim
   * and is there on the next attempt (an OSS bucket of the run; docs/spot.md).
   */
  checkpoint?: boolean;
}

export type TaskKind = 'oneshot' | 'service' | 'training';

export type GpuModel = 'T4' | 'V100' | 'A10' | 'A100' | 'P100' | 'H800' | 'L20';

export interface Budget {
  amount: number;
  currency: Currency;
  /** The same budget in CNY, the currency every price is compared in. */
  cny: number;
}

export type TemplateName = 'nginx' | 'static-site' | 'docker' | 'python-training' | 'custom';

/** What the planner understood from the request: typed, validated, defaults applied. */
export interface Intent {
  kind: TaskKind;
  cpu: number;
  memoryGiB: number;
  gpu?: { model: GpuModel; count: number };
  durationMinutes: number;
  budget?: Budget;
  product?: Product;
  region?: string;
  ports: number[];
  sshCidr?: string;
  /** The user asked for Kubernetes or containers. */
  containers: boolean;
  /** A script template the text asked for ("deploy nginx"), when no script was given. */
  template?: TemplateName;
  /** A model named in the text ("qwen-7b"), kept for the training template and the summary. */
  model?: string;
  /** One line a person reads back: "AI training · 1× A10 · ~2 h · budget CNY 300". */
  summary: string;
  warnings: string[];
  // Additions by the planner (all optional, so hand-built intents in tests stay valid).
  /** The free text as given, kept so the region scan can read it. */
  text?: string;
  /** The user asked for Kubernetes itself ("on k8s"), not only containers: ACK is the only fit. */
  kubernetes?: boolean;
  /** A container image named in the text ("run a docker container redis:7"). */
  image?: string;
  /** An ECS instance type named in the text ("ecs.g7.xlarge"); cpu/memory/gpu come from it. */
  instanceType?: string;
  /** A script file named in the text ("run train.py"), for the CLI to resolve. */
  scriptName?: string;
  /** Model size in billions of parameters ("qwen-72b" → 72), used for GPU and duration defaults. */
  modelSizeB?: number;
  /** `confirmTimeout` parsed, in ms (default 30 min). */
  confirmTimeoutMs?: number;
  /** `ttl` parsed, in ms, when given. */
  ttlMs?: number;
  /** The run asked for spot capacity (planner/spot.ts). */
  spot?: boolean;
  /** Re-runs after reclaims a spot run may make. */
  spotRecoveries?: number;
  /** Pay-as-you-go when spot cannot finish the job. */
  spotFallback?: boolean;
  /** Attempts share a checkpoint directory kept in OSS (planner/checkpoint.ts). */
  checkpoint?: boolean;
}

/** A request that cannot be planned. `field` names what the user must change. */
export class IntentError extends Error {
  readonly field: string;
  constructor(field: string, message: string) {
    super(`${field}: ${message}`);
    this.name = 'IntentError';
    this.field = field;
  }
}

export interface RegionChoice {
  region: string;
  reason: string;
  /** Other regions of the same class, best first, for failover. */
  fallbacks: string[];
  overseas: boolean;
  /** What the scan found ("pip install", "github.com"), empty when nothing overseas was found. */
  fetches?: string[];
}

export type PackageManager = 'apt-get' | 'yum' | 'dnf' | 'none';

export interface Script {
  content: string;
  /** Where it came from: a path, 'inline', or 'template:<name>'. */
  source: string;
  template?: TemplateName;
  packageManager: PackageManager;
  /** ECS image family the script expects (apt → Ubuntu, yum/dnf → Alibaba Cloud Linux). */
  imageFamily: string;
  lines: number;
}

export interface ScriptCheck {
  ok: boolean;
  errors: string[];
  warnings: string[];
  /** Frameworks the script uses (torch, tensorflow, …), for the summary. */
  frameworks: string[];
  /** Overseas hosts or registries the script fetches from, for the region choice. */
  overseasFetches: string[];
}

/** One priced way to run the job. Prices are CNY; totals are unit price × duration. */
export interface QuoteOption {
  product: Product;
  region: string;
  zone?: string;
  /** Every zone of the region with stock for this spec, best first (failover tries them in order). */
  zones?: string[];
  spec: string;
  /** Extra words shown next to the spec ("24 GB", "spot"). */
  specNote?: string;
  unitPricePerHour: number;
  durationMinutes: number;
  estimatedTotal: number;
  /** Seconds from confirmation until the script starts. */
  readyInSeconds: number;
  resources: string[];
  cleanup: string;
  feasible: boolean;
  reason?: string;
  spot?: boolean;
  /** Spot rows: SpotDuration (1 = a protected first hour) the create asks for. */
  spotDuration?: 0 | 1;
  /**
   * Spot rows: the interruption risk where the API gives it (ECS DescribeSpotAdvice's release rate,
   * PAI-DLC's SpotStockStatus), the reclaims expected, and the run's cost without them; the row's
   * estimatedTotal is the expected total with recovery overhead (planner/spot.ts).
   */
  spotRisk?: { rate: string; source: string; expectedReclaims: number; runTotal: number };
  /** PAI-DLC spot rows: SpotDiscountLimit for the job (NonProtectSpotDiscount at quote time). */
  spotDiscount?: number;
  /**
   * ISO time the cloud gave the price (a cached price is as old as this says); absent for published
   * prices (FC, the ACK fee) and for an option with no price. The re-quote before a create asks again.
   */
  pricedAt?: string;
  /**
   * ISO time the cloud stated the stock this row rests on, when it is not asked on every quote
   * (PAI-DLC's pool, kept a minute). The create step asks again before it creates anything.
   */
  stockSeenAt?: string;
  /** Facts the create step needs (vCPU, memory, GPU) so it does not re-derive them. */
  cpu?: number;
  memoryGiB?: number;
  gpu?: { model: string; count: number };
  /**
   * A cheaper fallback that does not fully match the request (a smaller spec than asked): offered when
   * nothing else fits the budget, never recommended on its own. (Spot options are treated the same.)
   */
  alternative?: boolean;
  /** The public address this option includes and its usage price (ECS; docs/network.md). */
  network?: PublicNetwork;
}

/** Why a job gets a public address: visitors reach a service, or the script fetches from the internet. */
export interface PublicNetworkNeed {
  reason: 'service' | 'egress';
  /** What the script fetches from the internet (egress), as the quote names it. */
  fetches: string[];
}

/**
 * An ECS instance's public IP (InternetMaxBandwidthOut > 0, pay-by-traffic): no hourly fee, outbound
 * traffic billed per GB, inbound free, released with the instance (docs/network.md).
 */
export interface PublicNetwork extends PublicNetworkNeed {
  chargeType: 'PayByTraffic';
  /** InternetMaxBandwidthOut: the outbound cap, which also bounds the traffic bill. */
  maxBandwidthOutMbps: number;
  cnyPerGbOut: number;
  /** The most one hour of outbound traffic can cost at the cap. */
  maxCnyPerHour: number;
  /** Where the per-GB price comes from, and its date. */
  source: string;
  date: string;
}

/** A charge billed by use rather than by the hour (public traffic), as the receipt itemises it. */
export interface UsageCharge {
  item: string;
  quantity: number;
  unit: string;
  unitPrice: number;
  /** CNY. */
  cost: number;
  source: string;
}

export interface Choice {
  /** Index into the sorted options of the recommended one, or undefined when nothing fits. */
  recommended?: number;
  withinBudget: boolean;
  reason: string;
  /** 'recommended', 'over-budget' (→ OVER_BUDGET), or 'none-feasible' (every quote failed). */
  outcome?: 'recommended' | 'over-budget' | 'none-feasible';
  /** Over budget: indices (into the sorted options) of cheaper spot/smaller options within the budget. */
  alternatives?: number[];
}
