// docker-compose.temporal.yml, read the way Compose reads it (no Docker engine here): the services a
// workstation needs, their images, ports, health checks and start order, and that it is the cluster
// scripts/temporal-cluster.sh stands up and test/reliability/temporal-cluster.test.ts proves: the same
// versions, the same server settings, the same schema and setup scripts and dynamic config, the same
// two acp workers.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { parse } from 'yaml';
import { SEARCH_ATTRIBUTES } from '../../workflows/search-attributes';

const ROOT = join(__dirname, '..', '..');
const compose = parse(readFileSync(join(ROOT, 'docker-compose.temporal.yml'), 'utf8'), { merge: true });
const services: Record<string, any> = compose.services;
const script = readFileSync(join(ROOT, 'scripts', 'temporal-cluster.sh'), 'utf8');
const SERVER_ROLES = ['temporal', 'temporal-history', 'temporal-matching', 'temporal-worker'];

/** An image without Compose's `${VAR:-default}` indirection. */
function image(name: string): string {
  return String(services[name].image).replace(/\$\{[A-Z_]+:-([^}]*)\}/g, '$1');
}

/** A variable the cluster script sets (`NAME=value` in its code). */
function scriptValue(name: string): string {
  const m = new RegExp(`\\b${name}=([\\w.-]+)`).exec(script);
  assert.ok(m, `scripts/temporal-cluster.sh sets ${name}`);
  return m[1]!;
}

test('the cluster: PostgreSQL, four Temporal server roles, the setup jobs, the Web UI, acp workers', () => {
  assert.deepEqual(Object.keys(services).sort(), [
    'acp-install',
    'acp-worker',
    'postgresql',
    'temporal',
    'temporal-history',
    'temporal-matching',
    'temporal-schema',
    'temporal-setup',
    'temporal-ui',
    'temporal-worker',
  ]);
  assert.deepEqual(
    SERVER_ROLES.map((s) => services[s].environment.TEMPORAL_SERVICES),
    ['frontend', 'history', 'matching', 'worker'],
  );
  assert.match(image('temporal-schema'), /^temporalio\/admin-tools:/);
  assert.match(image('temporal-setup'), /^temporalio\/admin-tools:/);
  assert.match(image('acp-worker'), /^node:20/);
});

test('the versions are the ones the cluster script builds and CI runs', () => {
  const version = scriptValue('TEMPORAL_VERSION');
  for (const s of SERVER_ROLES) assert.equal(image(s), `temporalio/server:${version}`);
  assert.equal(image('temporal-schema'), `temporalio/admin-tools:${version}`);
  assert.equal(image('temporal-ui'), `temporalio/ui:${scriptValue('UI_VERSION')}`);
  // The PostgreSQL major the script runs (Debian 12's), where one is installed (.ci/run installs it).
  const bin = execFileSync('sh', ['-c', 'ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -1'], {
    encoding: 'utf8',
  }).trim();
  assert.match(image('postgresql'), /^postgres:\d+$/);
  if (bin) assert.equal(image('postgresql'), `postgres:${/postgresql\/(\d+)\/bin/.exec(bin)?.[1]}`);
});

test('ports: gRPC 7233 on the frontend and the Web UI on 8080', () => {
  assert.deepEqual(services.temporal.ports, ['7233:7233']);
  for (const s of SERVER_ROLES.slice(1)) assert.equal(services[s].ports, undefined, `${s} stays inside`);
  assert.ok(services['temporal-ui'].ports.includes('8080:8080'));
  assert.equal(services['temporal-ui'].environment.TEMPORAL_ADDRESS, 'temporal:7233');
  assert.ok(
    'TEMPORAL_CODEC_ENDPOINT' in services['temporal-ui'].environment,
    'codec endpoint is configurable',
  );
});

test('health checks gate the start order', () => {
  for (const name of ['postgresql', ...SERVER_ROLES, 'temporal-ui']) {
    assert.ok(services[name].healthcheck?.test, `${name} has a health check`);
  }
  assert.match(JSON.stringify(services.postgresql.healthcheck.test), /pg_isready/);
  assert.match(JSON.stringify(services.temporal.healthcheck.test), /7233/);
  assert.equal(services['temporal-schema'].depends_on.postgresql.condition, 'service_healthy');
  for (const s of SERVER_ROLES) {
    assert.equal(services[s].depends_on['temporal-schema'].condition, 'service_completed_successfully');
    assert.equal(services['temporal-setup'].depends_on[s].condition, 'service_healthy');
    // History starts alone, as in the script: roles starting together race to write cluster metadata.
    if (s !== 'temporal-history')
      assert.equal(services[s].depends_on['temporal-history'].condition, 'service_healthy');
  }
  assert.match(script, /services=\(history /);
  assert.equal(
    services['acp-worker'].depends_on['temporal-setup'].condition,
    'service_completed_successfully',
  );
  assert.equal(services['acp-worker'].depends_on['acp-install'].condition, 'service_completed_successfully');
});

test("every server role gets the settings the script gives its processes (the server's embedded template)", () => {
  const fromScript = (name: string) => {
    const m = new RegExp(`\\b${name}=("?)([^\\s"]+)\\1`).exec(script);
    return m?.[2];
  };
  for (const s of SERVER_ROLES) {
    const env = services[s].environment;
    for (const name of ['DB', 'POSTGRES_USER', 'POSTGRES_PWD', 'LOG_LEVEL'])
      assert.equal(
        String(env[name]),
        fromScript(name)?.replace(/^\$\{ACP_CLUSTER_LOG_LEVEL:-(\w+)\}$/, '$1'),
        `${s}: ${name}`,
      );
    assert.equal(env.TEMPORAL_ALLOW_NO_AUTH, 'true', `${s}: the script passes --allow-no-auth`);
    // The same dynamic config file, mounted where DYNAMIC_CONFIG_FILE_PATH points.
    assert.deepEqual(services[s].volumes, [
      `./scripts/temporal-cluster/dynamic-config.yaml:${env.DYNAMIC_CONFIG_FILE_PATH}:ro`,
    ]);
  }
  assert.match(script, /DYNAMIC_CONFIG_FILE_PATH="\$shared\/dynamic-config\.yaml"/);
  const dynamic = readFileSync(join(ROOT, 'scripts', 'temporal-cluster', 'dynamic-config.yaml'), 'utf8');
  assert.match(dynamic, /system\.forceSearchAttributesCacheRefreshOnRead/);
  assert.match(dynamic, /frontend\.enableUpdateWorkflowExecution:/);
  // Four roles need more connections than PostgreSQL's default.
  assert.match(JSON.stringify(services.postgresql.command), /max_connections=200/);
  assert.match(script, /max_connections=200/);
});

test('the schema and setup jobs run the scripts the cluster script runs', () => {
  for (const [job, file] of [
    ['temporal-schema', 'schema.sh'],
    ['temporal-setup', 'setup.sh'],
  ] as const) {
    assert.deepEqual(services[job].volumes, ['./scripts/temporal-cluster:/acp:ro']);
    assert.deepEqual(services[job].entrypoint, ['sh', `/acp/${file}`]);
    assert.match(script, new RegExp(`sh "\\$shared/${file.replace('.', '\\.')}"`));
  }
  assert.equal(services['temporal-schema'].environment.SQL_TOOL, 'temporal-sql-tool');
  assert.equal(services['temporal-setup'].environment.TEMPORAL_ADDRESS, 'temporal:7233');
});

test('the setup script creates the namespace and registers every acp search attribute', () => {
  const setup = readFileSync(join(ROOT, 'scripts', 'temporal-cluster', 'setup.sh'), 'utf8');
  assert.match(setup, /operator namespace create -n "\$ns"/);
  const registered = [...setup.matchAll(/add (\w+) (\w+)/g)].map((m) => [m[1], m[2]!.toUpperCase()]);
  assert.deepEqual(
    registered.sort(),
    SEARCH_ATTRIBUTES.map((k) => [k.name, k.type]).sort(),
    'exactly the attributes of workflows/search-attributes.ts, with their types',
  );
});

test('two acp workers run `acp worker` against the cluster, installed once', () => {
  const worker = services['acp-worker'];
  assert.deepEqual(worker.command, ['node', 'bin/acp.js', 'worker']);
  assert.equal(worker.deploy.replicas, 2);
  assert.equal(worker.environment.TEMPORAL_ADDRESS, 'temporal:7233');
  assert.match(
    worker.environment.MALLOC_ARENA_MAX,
    /^\$\{MALLOC_ARENA_MAX:-2\}$/,
    "glibc's arenas capped, overridable",
  );
  assert.equal(worker.working_dir, '/app');
  assert.match(JSON.stringify(services['acp-install'].command), /npm","ci/);
  assert.doesNotMatch(JSON.stringify(worker.command), /npm/, 'replicas never install side by side');
  // Secrets come from the operator's shell, never from this file.
  for (const [key, value] of Object.entries<string>(worker.environment)) {
    if (/SECRET|TOKEN|KEY/.test(key)) assert.match(value, /^\$\{\w+:-\}$/, `${key} is passed through`);
  }
});
