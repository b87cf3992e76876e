// A Temporal cluster (PostgreSQL, four server processes, the Web UI) brought up and down with
// scripts/temporal-cluster.sh, in a directory and on ports of its own, for tests and benchmarks.
import { execFile, spawnSync } from 'node:child_process';
import { chmodSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';

const SCRIPT = join(__dirname, '..', '..', 'scripts', 'temporal-cluster.sh');
const run = promisify(execFile);

export const CLUSTER_SERVICES = ['frontend', 'history', 'matching', 'worker'] as const;
export type ClusterService = (typeof CLUSTER_SERVICES)[number];

export interface TestCluster {
  dir: string;
  /** host:port of the frontend. */
  address: string;
  uiUrl: string;
  pgPort: number;
  /** What `up` told a client to export: TEMPORAL_ADDRESS, TEMPORAL_NAMESPACE and, with TLS, TEMPORAL_TLS_*. */
  clientEnv: Record<string, string>;
  /** The PID the script recorded for a service. */
  pid(service: ClusterService | 'ui'): number;
  /** `up` again: starts whatever is not running; resolves with what the script said. */
  up(): Promise<string>;
  /** `down` and delete the directory. */
  destroy(): Promise<void>;
}

/** Why `up` cannot run here without building or installing (the script's `check`), or undefined. */
export function clusterUnavailable(): string | undefined {
  const r = spawnSync('bash', [SCRIPT, 'check'], { encoding: 'utf8' });
  return r.status === 0 ? undefined : (r.stdout + r.stderr).trim().split('\n').join('; ');
}

/**
 * A cluster listening on `ip`, its frontend on `port` (the script derives the other ports from it;
 * they stay below 32768, out of the range the kernel hands out for port 0).
 */
export async function startCluster(opts: {
  ip: string;
  port: number;
  uiPort: number;
  /** Mutual TLS between the services and towards clients (ACP_CLUSTER_TLS=1). */
  tls?: boolean;
}): Promise<TestCluster> {
  const dir = mkdtempSync(join(tmpdir(), 'acp-cluster-'));
  // PostgreSQL runs as another user when we are root; it must be able to walk into the directory.
  chmodSync(dir, 0o711);
  const env = {
    ...process.env,
    ACP_CLUSTER_DIR: dir,
    ACP_CLUSTER_IP: opts.ip,
    ACP_CLUSTER_PORT: String(opts.port),
    ACP_CLUSTER_UI_PORT: String(opts.uiPort),
    ACP_CLUSTER_TLS: opts.tls ? '1' : '0',
  };
  const up = async () => {
    try {
      const { stdout, stderr } = await run('bash', [SCRIPT, 'up'], { env, timeout: 5 * 60_000 });
      return stdout + stderr;
    } catch (err) {
      const e = err as { stdout?: string; stderr?: string; message: string };
      throw new Error(`temporal-cluster.sh up failed: ${e.stderr || e.message}\n${clusterLogs(dir)}`);
    }
  };
  const cluster: TestCluster = {
    dir,
    address: `${opts.ip}:${opts.port}`,
    uiUrl: `http://${opts.ip}:${opts.uiPort}`,
    pgPort: opts.port - 1800,
    clientEnv: {},
    pid: (service) => Number(readFileSync(join(dir, 'pids', `${service}.pid`), 'utf8').trim()),
    up,
    async destroy() {
      await run('bash', [SCRIPT, 'down'], { env, timeout: 2 * 60_000 }).catch(() => undefined);
      rmSync(dir, { recursive: true, force: true });
    },
  };
  try {
    const said = await up();
    for (const m of said.matchAll(/^export (\w+)=(.*)$/gm)) cluster.clientEnv[m[1]!] = m[2]!;
  } catch (err) {
    await cluster.destroy();
    throw err;
  }
  return cluster;
}

/** The last lines of every log of the cluster in `dir`, for a failure message. */
export function clusterLogs(dir: string): string {
  const r = spawnSync('sh', ['-c', `for f in "${dir}"/logs/*.log; do echo "== $f"; tail -n 15 "$f"; done`], {
    encoding: 'utf8',
  });
  return r.stdout;
}

/** A random frontend port for a test cluster (a port in use makes `up` fail, naming the service). */
export function pickClusterPort(): number {
  // 20000–29000: above the usual fixed ports, and -1800 … +2000 stays below 32768.
  return 20_000 + Math.floor(Math.random() * 900) * 10;
}
