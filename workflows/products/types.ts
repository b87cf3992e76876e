// The shape every product has in the workflow layer (docs/architecture.md, how a product plugs in): a quote, a deployer that creates
// one attempt's resources (registering each compensation before its create), execute, and keep-alive.
// The provision workflow only ever talks to this interface, so adding a product adds a module here.
import type { RegionFindings, RegionNeeds } from '../../activities/market';
import type {
  Intent,
  Product,
  PublicNetworkNeed,
  QuoteOption,
  Script,
  UsageCharge,
} from '../../planner/types';
import type { CheckpointMount } from '../checkpoint';
import type { Execution, ResourceRecord } from '../messages';
import type { Saga } from '../saga';

export interface QuoteInput {
  product: Product;
  intent: Intent;
  /** Regions to compare, best first (the chosen region, then its fallbacks). */
  regions: string[];
  /** Whether the job needs a public address (a service's visitors, the script's downloads). */
  network?: PublicNetworkNeed;
}

/** One concrete try: a (region, zone, spec) of the chosen option. */
export interface Attempt {
  option: QuoteOption;
  regionId: string;
  zoneId?: string;
  spec: string;
}

export interface DeployContext {
  workflowId: string;
  intent: Intent;
  script: Script;
  saga: Saga;
  /** Records a resource once its create returned (for the result and the status query). */
  created(resource: ResourceRecord): void;
  /** Records a resource reused instead of created (never released by this run). */
  kept(resource: ResourceRecord): void;
  progress(message: string): void;
  /** Latest known execution state, shown by the status query while the script runs. */
  executing(execution: Execution): void;
  /**
   * With `intent.checkpoint`: the run's checkpoint bucket for an attempt in a region, holding what
   * the last attempt saved (workflows/checkpoint.ts).
   */
  checkpoint?(regionId: string): Promise<CheckpointMount>;
  /** Where a service answers (http://IP:PORT), for the status query, the memo and the CLI. */
  published?(urls: string[]): void;
}

export interface Deployment {
  attempt: Attempt;
  /** Product-specific handles (instance id, function name, …). */
  handles: Record<string, string>;
}

export interface Deployer {
  /** Creates what one attempt needs. Throws the activity failure on sold-out, quota, etc. */
  deploy(attempt: Attempt): Promise<Deployment>;
  /** Runs the script to completion and returns its exit code and output tail. */
  execute(deployment: Deployment): Promise<Execution>;
  /**
   * Stops the script on the cloud when the run is torn down or cancelled while it runs (ECS
   * StopInvocation). Optional: where the release itself stops the script first (deleting the ACK
   * Job, StopJob of PAI-DLC), the saga is enough.
   */
  stop?(deployment: Deployment): Promise<void>;
  /**
   * Releases one attempt's compute now, ahead of the saga: a reclaimed spot instance or job bills
   * until it goes (docs/spot.md). The saga's release of it later finds it gone.
   */
  releaseAttempt?(deployment: Deployment): Promise<void>;
  /** Called periodically while a deployment lives (e.g. to push ECS AutoReleaseTime forward). */
  keepAlive?(deployment: Deployment, untilMs: number): Promise<void>;
  /** Charges billed by use (public traffic) up to now; read once, right before the release. */
  usage?(deployment: Deployment): Promise<UsageCharge[]>;
}

export interface ProductSteps {
  product: Product;
  /**
   * What the quote must know of each region (stock, prices, a shared cluster); one look-up per region
   * answers every product's needs at once (workflows/quote.ts). None: the product has no such API (FC).
   */
  needs?(input: QuoteInput): RegionNeeds | undefined;
  /** The options, from what the look-ups found in each region (in `regions` order). */
  quote(input: QuoteInput, found?: RegionFindings[]): Promise<QuoteOption[]>;
  /** Prices one option again right before the first paid create (undefined: price unchanged). */
  requote?(option: QuoteOption): Promise<number | undefined>;
  deployer(ctx: DeployContext): Deployer;
}
