// Runs per second on a production-shaped Temporal cluster (scripts/temporal-cluster.sh: PostgreSQL,
// frontend, history, matching and worker as four processes) against the single-process dev server
// (SQLite), with the same benchmark in the same run: figure 3's orchestration (one-shot ECS sagas, and
// a raw workflow with the same activities as no-ops; bench/orchestration.ts), alternating the two
// servers so the machine's load hits both alike. Writes bench/cluster-results.json; asserts nothing.
//
//   node --import tsx bench/cluster.ts      BENCH_SAGAS (default 40), BENCH_CONCURRENCY (10), BENCH_ROUNDS (2)
import { writeFileSync } from 'node:fs';
import os from 'node:os';
import { join } from 'node:path';
import { clusterLogs, pickClusterPort, startCluster } from '../test/support/temporal-cluster';
import { type OrchestrationResult, orchestration } from './orchestration';
import { startBenchStack } from './stack';

const num = (name: string, fallback: number) => Number(process.env[name] ?? fallback);

interface Round {
  server: 'dev' | 'cluster';
  sagasPerSecond: number;
  rawPerSecond: number;
  probeMs: number;
}

async function main(): Promise<void> {
  const sagas = num('BENCH_SAGAS', 40);
  const concurrency = num('BENCH_CONCURRENCY', 10);
  const rounds = num('BENCH_ROUNDS', 2);
  const began = Date.now();
  const log = (m: string) => console.error(`[${((Date.now() - began) / 1000).toFixed(0)} s] ${m}`);
  const port = pickClusterPort();
  log('starting the cluster (scripts/temporal-cluster.sh up)');
  const t = Date.now();
  const cluster = await startCluster({ ip: '127.0.0.1', port, uiPort: 0 });
  const clusterUpS = (Date.now() - t) / 1000;
  const results: Round[] = [];
  try {
    const stacks = {
      dev: await startBenchStack(),
      cluster: await startBenchStack(cluster.address),
    };
    try {
      for (let r = 0; r < rounds; r++) {
        for (const server of ['dev', 'cluster'] as const) {
          log(`round ${r + 1}: ${server}`);
          const o: OrchestrationResult = await orchestration(stacks[server], sagas, concurrency).catch(
            (err) => {
              // Said before the stacks close, which can end the process on a retried call.
              console.error(`${server} round ${r + 1} failed:`, err);
              console.error(clusterLogs(cluster.dir));
              throw err;
            },
          );
          const round = {
            server,
            sagasPerSecond: o.sagasPerSecond,
            rawPerSecond: o.rawPerSecond,
            probeMs: o.probeMs,
          };
          log(JSON.stringify(round));
          results.push(round);
        }
      }
    } finally {
      await stacks.cluster.stop();
      await stacks.dev.stop();
    }
  } finally {
    await cluster.destroy();
  }
  const mean = (server: Round['server'], key: 'sagasPerSecond' | 'rawPerSecond' | 'probeMs') => {
    const xs = results.filter((x) => x.server === server).map((x) => x[key]);
    return xs.reduce((a, b) => a + b, 0) / xs.length;
  };
  const summary = {
    date: new Date().toISOString(),
    machine: {
      cpus: os.cpus().length,
      cpuModel: os.cpus()[0]?.model,
      memoryGiB: Math.round((os.totalmem() / 2 ** 30) * 10) / 10,
      loadAverage: os.loadavg().map((x) => Math.round(x * 10) / 10),
      node: process.version,
    },
    servers: {
      dev: 'temporal CLI 1.5.1 dev server (server 1.29.1, SQLite), one process',
      cluster:
        'Temporal server 1.30.1 from scripts/temporal-cluster.sh: PostgreSQL 15, frontend/history/matching/worker as four processes, 4 history shards, on the same machine',
    },
    sizes: { sagas, concurrency, rounds },
    clusterUpS,
    rounds: results,
    dev: {
      sagasPerSecond: mean('dev', 'sagasPerSecond'),
      rawPerSecond: mean('dev', 'rawPerSecond'),
      probeMs: mean('dev', 'probeMs'),
    },
    cluster: {
      sagasPerSecond: mean('cluster', 'sagasPerSecond'),
      rawPerSecond: mean('cluster', 'rawPerSecond'),
      probeMs: mean('cluster', 'probeMs'),
    },
  };
  const ratio = summary.cluster.sagasPerSecond / summary.dev.sagasPerSecond;
  writeFileSync(
    join(__dirname, 'cluster-results.json'),
    `${JSON.stringify({ ...summary, clusterOverDev: ratio }, null, 2)}\n`,
  );
  const f = (x: number) => x.toFixed(2);
  console.log(
    [
      `runs/s, ${sagas} one-shot ECS sagas ${concurrency} in flight, mean of ${rounds} alternating rounds (load ${summary.machine.loadAverage.join(' ')}):`,
      `  dev server  sagas ${f(summary.dev.sagasPerSecond)}/s  raw ${f(summary.dev.rawPerSecond)}/s  one saga alone ${f(summary.dev.probeMs / 1000)} s`,
      `  cluster     sagas ${f(summary.cluster.sagasPerSecond)}/s  raw ${f(summary.cluster.rawPerSecond)}/s  one saga alone ${f(summary.cluster.probeMs / 1000)} s`,
      `  cluster ÷ dev server (sagas/s): ${f(ratio)}; cluster up in ${clusterUpS.toFixed(1)} s`,
    ].join('\n'),
  );
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
