// docker-compose.temporal.yml, read the way Compose reads it (no Docker engine here): the services a
// workstation needs, their images, ports, health checks, start order, and that every acp search
// attribute is registered, so the provision workflow's upserts never fail on this cluster.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { parse } from 'yaml';
import { SEARCH_ATTRIBUTES } from '../../workflows/search-attributes';

const file = join(__dirname, '..', '..', 'docker-compose.temporal.yml');
const compose = parse(readFileSync(file, 'utf8'));
const services: Record<string, any> = compose.services;

/** An image without Compose's `${VAR:-default}` indirection. */
function image(name: string): string {
  return String(services[name].image).replace(/\$\{[A-Z_]+:-([^}]*)\}/g, '$1');
}

function script(name: string): string {
  const s = services[name];
  return [s.entrypoint, s.command].flat().filter(Boolean).join('\n');
}

test('the cluster has PostgreSQL 16, the Temporal server, the setup jobs, the Web UI and an acp worker', () => {
  assert.deepEqual(Object.keys(services).sort(), [
    'acp-worker',
    'postgresql',
    'temporal',
    'temporal-schema',
    'temporal-setup',
    'temporal-ui',
  ]);
  assert.equal(image('postgresql'), 'postgres:16');
  assert.match(image('temporal'), /^temporalio\/server:\d+\.\d+\.\d+$/);
  assert.match(image('temporal-schema'), /^temporalio\/admin-tools:/);
  assert.match(image('temporal-setup'), /^temporalio\/admin-tools:/);
  assert.match(image('temporal-ui'), /^temporalio\/ui:\d+\.\d+\.\d+$/);
  assert.match(image('acp-worker'), /^node:20/);
});

test('ports: gRPC 7233 and the Web UI on 8080', () => {
  assert.ok(services.temporal.ports.includes('7233:7233'));
  assert.ok(services['temporal-ui'].ports.includes('8080:8080'));
  assert.equal(services['temporal-ui'].environment.TEMPORAL_ADDRESS, 'temporal:7233');
  assert.ok(
    'TEMPORAL_CODEC_ENDPOINT' in services['temporal-ui'].environment,
    'codec endpoint is configurable',
  );
});

test('health checks gate the start order', () => {
  for (const name of ['postgresql', 'temporal', 'temporal-ui']) {
    assert.ok(services[name].healthcheck?.test, `${name} has a health check`);
  }
  assert.match(JSON.stringify(services.postgresql.healthcheck.test), /pg_isready/);
  assert.match(JSON.stringify(services.temporal.healthcheck.test), /7233/);
  assert.equal(services['temporal-schema'].depends_on.postgresql.condition, 'service_healthy');
  assert.equal(services.temporal.depends_on['temporal-schema'].condition, 'service_completed_successfully');
  assert.equal(services['temporal-setup'].depends_on.temporal.condition, 'service_healthy');
  assert.equal(
    services['acp-worker'].depends_on['temporal-setup'].condition,
    'service_completed_successfully',
  );
});

test('the server stores in PostgreSQL and the schema job migrates both databases', () => {
  const env = services.temporal.environment;
  assert.equal(env.DB, 'postgres12');
  assert.equal(env.POSTGRES_SEEDS, 'postgresql');
  const schema = script('temporal-schema');
  assert.match(schema, /temporal-sql-tool --plugin postgres12/);
  assert.match(schema, /for db in temporal temporal_visibility/);
  assert.match(schema, /update-schema -d "\$\$schema\/\$\$dir\/versioned"/);
  // The dynamic config the server is pointed at is defined in this file.
  const config = services.temporal.configs[0];
  assert.equal(config.target, env.DYNAMIC_CONFIG_FILE_PATH);
  assert.match(compose.configs[config.source].content, /forceSearchAttributesCacheRefreshOnRead/);
});

test('the setup job creates the namespace and registers every acp search attribute', () => {
  const setup = script('temporal-setup');
  assert.match(setup, /temporal operator namespace create -n default/);
  const registered = new Map(
    [...setup.matchAll(/^\s*add (\w+) (\w+)$/gm)].map((m) => [m[1], m[2].toUpperCase()]),
  );
  assert.match(setup, /temporal operator search-attribute create -n default --name "\$\$1" --type "\$\$2"/);
  assert.deepEqual(
    [...registered.entries()].sort(),
    SEARCH_ATTRIBUTES.map((k) => [k.name, k.type]).sort(),
    'exactly the attributes of workflows/search-attributes.ts, with their types',
  );
});

test('the acp worker runs `npx acp worker` against the cluster', () => {
  const worker = services['acp-worker'];
  assert.match(JSON.stringify(worker.command), /npx acp worker/);
  assert.equal(worker.environment.TEMPORAL_ADDRESS, 'temporal:7233');
  assert.equal(worker.working_dir, '/app');
  // Secrets come from the operator's shell, never from this file.
  for (const [key, value] of Object.entries<string>(worker.environment)) {
    if (/SECRET|TOKEN|KEY/.test(key)) assert.match(value, /^\$\{\w+:-\}$/, `${key} is passed through`);
  }
});
