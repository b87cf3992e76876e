// Where acp finds a Temporal server, in the order a user would expect:
//   1. TEMPORAL_ADDRESS — an existing server (a cluster, or a dev server someone already runs);
//   2. TEMPORAL_CLI_PATH — a `temporal` binary to start a dev server with;
//   3. a `temporal` on PATH;
//   4. the binary acp built from Go modules (scripts/build-temporal-cli.sh) under ~/.cache/acp;
//   5. the SDK's own download (only works with internet access).
// The dev server always gets acp's search attributes registered, because the Web UI's list view and
// `acp list` query them and an unregistered attribute fails every upsert in the workflow.
import { execFileSync } from 'node:child_process';
import { accessSync, constants, existsSync, readFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { delimiter, join, resolve } from 'node:path';
import { status } from '@grpc/grpc-js';
import type { Connection, TLSConfig } from '@temporalio/client';
import { encodeSearchAttributeIndexedValueType } from '@temporalio/common/lib/search-attributes';
import { installRoot } from '../worker/install-root';
import { SEARCH_ATTRIBUTES } from '../workflows/search-attributes';

export const TEMPORAL_CLI_VERSION = '1.5.1';

export function cachedTemporalCliPath(): string {
  const base = process.env.XDG_CACHE_HOME ?? join(homedir(), '.cache');
  return join(base, 'acp', `temporal-cli-${TEMPORAL_CLI_VERSION}`, 'temporal');
}

export type ServerSource =
  | { kind: 'existing'; address: string }
  | { kind: 'binary'; path: string; from: 'TEMPORAL_CLI_PATH' | 'PATH' | 'cache' }
  | { kind: 'download' };

function isExecutable(path: string): boolean {
  try {
    accessSync(path, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

function onPath(name: string): string | undefined {
  for (const dir of (process.env.PATH ?? '').split(delimiter)) {
    if (!dir) continue;
    const candidate = join(dir, name);
    if (isExecutable(candidate)) return candidate;
  }
  return undefined;
}

/** Decides where the server comes from without starting anything. */
export function findTemporalServer(env: NodeJS.ProcessEnv = process.env): ServerSource {
  if (env.TEMPORAL_ADDRESS) return { kind: 'existing', address: env.TEMPORAL_ADDRESS };
  if (env.TEMPORAL_CLI_PATH) {
    const path = resolve(env.TEMPORAL_CLI_PATH);
    if (!existsSync(path)) throw new Error(`TEMPORAL_CLI_PATH points at ${path}, which does not exist`);
    return { kind: 'binary', path, from: 'TEMPORAL_CLI_PATH' };
  }
  const fromPath = onPath('temporal');
  if (fromPath) return { kind: 'binary', path: fromPath, from: 'PATH' };
  const cached = cachedTemporalCliPath();
  if (isExecutable(cached)) return { kind: 'binary', path: cached, from: 'cache' };
  return { kind: 'download' };
}

/** What both SDK connections (client and worker) take besides the address. */
export interface TemporalConnectionOptions {
  address: string;
  tls?: TLSConfig | boolean;
  apiKey?: string;
}

/**
 * TLS and API key for a Temporal cluster or Temporal Cloud, from the variables the Temporal CLI and
 * SDKs read (docs/operators.md): TEMPORAL_API_KEY; TEMPORAL_TLS; TEMPORAL_TLS_CLIENT_CERT_PATH,
 * TEMPORAL_TLS_CLIENT_KEY_PATH, TEMPORAL_TLS_SERVER_CA_CERT_PATH (or the CLI's older TEMPORAL_TLS_CERT,
 * TEMPORAL_TLS_KEY, TEMPORAL_TLS_CA, which win as they do in the CLI), each also as *_DATA with the PEM
 * itself; TEMPORAL_TLS_SERVER_NAME. TLS is on when any of them is set, unless TEMPORAL_TLS=false.
 */
export function temporalConnectionOptions(
  address: string,
  env: NodeJS.ProcessEnv = process.env,
): TemporalConnectionOptions {
  const pem = (what: string, legacy: string, current: string): Buffer | undefined => {
    const names = [legacy, `${legacy}_DATA`, `${current}_PATH`, `${current}_DATA`];
    const name = names.find((n) => env[n]);
    if (!name) return undefined;
    const value = env[name]!;
    if (name.endsWith('_DATA')) return Buffer.from(value);
    try {
      return readFileSync(value);
    } catch (err) {
      throw new Error(
        `${name}: cannot read the ${what} at ${value} (${(err as NodeJS.ErrnoException).code})`,
      );
    }
  };
  const crt = pem('client certificate', 'TEMPORAL_TLS_CERT', 'TEMPORAL_TLS_CLIENT_CERT');
  const key = pem('client key', 'TEMPORAL_TLS_KEY', 'TEMPORAL_TLS_CLIENT_KEY');
  const ca = pem('server CA certificate', 'TEMPORAL_TLS_CA', 'TEMPORAL_TLS_SERVER_CA_CERT');
  if (Boolean(crt) !== Boolean(key))
    throw new Error(
      crt
        ? 'TEMPORAL_TLS_CLIENT_CERT_PATH is set without TEMPORAL_TLS_CLIENT_KEY_PATH: mTLS needs both'
        : 'TEMPORAL_TLS_CLIENT_KEY_PATH is set without TEMPORAL_TLS_CLIENT_CERT_PATH: mTLS needs both',
    );
  if (flag(env, 'TEMPORAL_TLS_DISABLE_HOST_VERIFICATION'))
    throw new Error(
      "TEMPORAL_TLS_DISABLE_HOST_VERIFICATION: the Temporal TypeScript SDK always verifies the server's name; set TEMPORAL_TLS_SERVER_NAME to the name in its certificate instead",
    );
  const serverName = env.TEMPORAL_TLS_SERVER_NAME || undefined;
  const apiKey = env.TEMPORAL_API_KEY || undefined;
  const tlsFlag = flag(env, 'TEMPORAL_TLS');
  const wanted = tlsFlag ?? Boolean(crt || ca || serverName || apiKey);
  if (!wanted) return { address, ...(apiKey ? { apiKey, tls: false } : {}) };
  const tls: TLSConfig = {
    ...(serverName ? { serverNameOverride: serverName } : {}),
    ...(ca ? { serverRootCACertificate: ca } : {}),
    ...(crt && key ? { clientCertPair: { crt, key } } : {}),
  };
  return { address, tls, ...(apiKey ? { apiKey } : {}) };
}

function flag(env: NodeJS.ProcessEnv, name: string): boolean | undefined {
  const value = env[name]?.trim().toLowerCase();
  if (!value) return undefined;
  if (['1', 'true', 'yes', 'on'].includes(value)) return true;
  if (['0', 'false', 'no', 'off'].includes(value)) return false;
  throw new Error(`${name} must be true or false, got ${JSON.stringify(env[name])}`);
}

/** `--search-attribute Name=Type` pairs for `temporal server start-dev`. */
export function searchAttributeArgs(): string[] {
  return SEARCH_ATTRIBUTES.flatMap((key) => ['--search-attribute', `${key.name}=${cliType(key.type)}`]);
}

function cliType(type: string): string {
  // SearchAttributeType values are upper-case ('KEYWORD', 'DOUBLE'); the CLI wants 'Keyword', 'Double'.
  return type.charAt(0) + type.slice(1).toLowerCase();
}

/** Registers acp's search attributes on a server that may not have them (an existing cluster). */
export async function registerSearchAttributes(connection: Connection, namespace: string): Promise<void> {
  // Temporal's Java time-skipping test server can add search attributes but not list them.
  const existing = await connection.operatorService.listSearchAttributes({ namespace }).catch((err) => {
    if ((err as { code?: number })?.code === status.UNIMPLEMENTED) return { customAttributes: {} };
    throw err;
  });
  const known = new Set(Object.keys(existing.customAttributes ?? {}));
  const missing = SEARCH_ATTRIBUTES.filter((key) => !known.has(key.name));
  if (missing.length === 0) return;

  await connection.operatorService.addSearchAttributes({
    namespace,
    searchAttributes: Object.fromEntries(
      missing.map((key) => [key.name, encodeSearchAttributeIndexedValueType(key.type)!]),
    ),
  });
}

/** The CLI version line of a binary, for `acp doctor`-style messages. */
export function temporalCliVersion(path: string): string {
  return execFileSync(path, ['--version'], { encoding: 'utf8' }).trim();
}

/**
 * Like findTemporalServer, but when nothing is found and Go is installed, builds the CLI from Go
 * modules first (once, ~6 minutes on 2 cores) instead of relying on the SDK's download, which needs
 * internet access. Progress goes to stderr.
 */
export function ensureTemporalServer(env: NodeJS.ProcessEnv = process.env): ServerSource {
  const found = findTemporalServer(env);
  if (found.kind !== 'download' || !onPath('go')) return found;
  const script = join(installRoot(), 'scripts', 'build-temporal-cli.sh');
  process.stderr.write(
    'No Temporal server or CLI found: building the Temporal CLI from Go modules (once, ~6 min)…\n',
  );
  execFileSync('bash', [script], { stdio: ['ignore', process.stderr, process.stderr] });
  return findTemporalServer(env);
}
