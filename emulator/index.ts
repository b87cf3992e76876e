// Starts an emulator in-process: `const emu = await startEmulator({ port: 0 })`, then point the
// SDKs at `emu.endpoint` with `protocol: 'http'` and the returned key pair.
import type { AddressInfo } from 'node:net';
import { defaultCatalogue, randomCatalogue } from './catalogue';
import { loadProducts } from './products';
import { policyDocuments, type RamPolicyInput } from './ram';
import type { StartRole } from './ram-roles';
import { sandboxSupport } from './sandbox-machine';
import { EmulatorServer } from './server';
import type { Catalogue, Previews, RawRouteHandler } from './types';
import { EmulatorWorld } from './world';

export { defaultCatalogue, randomCatalogue } from './catalogue';
export type { RamPolicyDocument, RamPolicyInput } from './ram';
export type { EmulatorWorld } from './world';

export const DEFAULT_ACCESS_KEY_ID = 'acp-emulator-key';
export const DEFAULT_ACCESS_KEY_SECRET = 'acp-emulator-secret-not-a-real-key';
export const DEFAULT_ACCOUNT_ID = '1234567890123456';

export interface EmulatorOptions {
  /** 0 (default) picks a free port. */
  port?: number;
  /** The address to listen on (default 127.0.0.1); workers on other hosts need one they reach. */
  host?: string;
  /**
   * 'local' runs scripts in a sandboxed machine (docs/simulation.md; refused when this host cannot
   * make one); 'none' pretends they exit 0 with no output.
   */
  exec?: 'local' | 'none';
  /** Emulated seconds per wall second (default 60). */
  speed?: number;
  accessKeyId?: string;
  accessKeySecret?: string;
  accountId?: string;
  /** Seeds ids and rate faults (default 1). */
  seed?: number;
  /** A catalogue, or `{ seed }` for randomCatalogue(seed). Default: the deterministic price table. */
  catalogue?: Catalogue | (() => Catalogue) | { seed: number };
  /**
   * RAM policies per access key from the start, kept across /__emulator/reset (a test stack loads
   * acp's policy for the worker's key this way); a `policy` fault replaces one until the next reset.
   */
  policies?: Record<string, RamPolicyInput>;
  /** RAM roles the account has from the start besides FC's service-linked one, kept across reset. */
  roles?: StartRole[];
  /** Account-level previews to turn on (types.ts Previews), e.g. `{ fcAsyncReturnPayload: true }`. */
  previews?: Previews;
}

export interface RunningEmulator {
  /** 'HOST:PORT', what ACP_ALIBABA_ENDPOINT and Config.endpoint take. */
  endpoint: string;
  port: number;
  /** 'http://HOST:PORT' */
  url: string;
  accessKeyId: string;
  accessKeySecret: string;
  accountId: string;
  world: EmulatorWorld;
  /** Serves a raw HTTP route prefix (not ACS-signed), e.g. the emulated Kubernetes API. */
  registerRawRoute(prefix: string, handler: RawRouteHandler): void;
  stop(): Promise<void>;
}

function catalogueFactory(c: EmulatorOptions['catalogue']): () => Catalogue {
  if (!c) return defaultCatalogue;
  if (typeof c === 'function') return c;
  if ('seed' in c && !('regions' in c)) return () => randomCatalogue(c.seed);
  // A fixed catalogue object: reset() restores its stock from a snapshot.
  const snapshot = (c as Catalogue).regions.map((r) => r.zones.map((z) => ({ ...z.stock })));
  return () => {
    const cat = c as Catalogue;
    cat.regions.forEach((r, i) => {
      r.zones.forEach((z, j) => {
        z.stock = { ...snapshot[i]![j]! };
      });
    });
    return cat;
  };
}

export async function startEmulator(opts: EmulatorOptions = {}): Promise<RunningEmulator> {
  const accessKeyId = opts.accessKeyId ?? DEFAULT_ACCESS_KEY_ID;
  const accessKeySecret = opts.accessKeySecret ?? DEFAULT_ACCESS_KEY_SECRET;
  for (const doc of Object.values(opts.policies ?? {})) policyDocuments(doc);
  const world = new EmulatorWorld({
    speed: opts.speed ?? 60,
    exec: opts.exec ?? 'local',
    accountId: opts.accountId ?? DEFAULT_ACCOUNT_ID,
    seed: opts.seed ?? 1,
    catalogue: catalogueFactory(opts.catalogue),
    accessKeyId,
    accessKeySecret,
    ...(opts.policies ? { policies: opts.policies } : {}),
    ...(opts.roles ? { roles: opts.roles } : {}),
    ...(opts.previews ? { previews: opts.previews } : {}),
  });
  // Scripts run only in a sandbox: a host that cannot make one is refused here, with what is missing.
  if (world.exec === 'local') await sandboxSupport();
  const server = new EmulatorServer(world, loadProducts());
  const host = opts.host ?? '127.0.0.1';
  await new Promise<void>((resolve, reject) => {
    server.http.once('error', reject);
    server.http.listen(opts.port ?? 0, host, () => {
      server.http.off('error', reject);
      resolve();
    });
  });
  const port = (server.http.address() as AddressInfo).port;
  return {
    endpoint: `${host}:${port}`,
    port,
    url: `http://${host}:${port}`,
    accessKeyId,
    accessKeySecret,
    accountId: world.accountId,
    world,
    registerRawRoute: (prefix, handler) => server.registerRawRoute(prefix, handler),
    stop: async () => {
      const machines = world.stop();
      await new Promise<void>((resolve) => {
        server.http.close(() => resolve());
        server.http.closeAllConnections();
      });
      await machines;
    },
  };
}
