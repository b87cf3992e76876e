// How acp's client and worker connect to a Temporal cluster or Temporal Cloud: TLS and API key from
// the variables the temporal CLI and SDKs read (client/temporal-server.ts temporalConnectionOptions).
// The cluster test (test/reliability/temporal-cluster.test.ts) runs them against a mutual-TLS
// cluster; here, what each variable does and the errors a wrong setting gets.
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { temporalConnectionOptions } from '../../client/temporal-server';
import { acp, emptyHome, scrubbedEnv } from './spawn-acp';

const dir = mkdtempSync(join(tmpdir(), 'acp-tls-'));
const file = (name: string, text: string) => {
  const path = join(dir, name);
  writeFileSync(path, text);
  return path;
};
const CERT = file('client.pem', 'client certificate');
const KEY = file('client.key', 'client key');
const CA = file('ca.pem', 'server ca');
const text = (b: Uint8Array | undefined) => (b ? Buffer.from(b).toString() : undefined);

test('no TLS variable: plain gRPC, as to a dev server', () => {
  assert.deepEqual(temporalConnectionOptions('127.0.0.1:7233', {}), { address: '127.0.0.1:7233' });
});

test('Temporal Cloud with an API key: TLS with the system roots, the key sent with every call', () => {
  assert.deepEqual(temporalConnectionOptions('ns.acct.tmprl.cloud:7233', { TEMPORAL_API_KEY: 'k' }), {
    address: 'ns.acct.tmprl.cloud:7233',
    tls: {},
    apiKey: 'k',
  });
  // TEMPORAL_TLS=false keeps the key but not TLS (a local proxy that terminates TLS).
  assert.deepEqual(
    temporalConnectionOptions('proxy:7233', { TEMPORAL_API_KEY: 'k', TEMPORAL_TLS: 'false' }),
    {
      address: 'proxy:7233',
      tls: false,
      apiKey: 'k',
    },
  );
});

test('mutual TLS: client certificate, key and server CA from files, the server name to check', () => {
  const o = temporalConnectionOptions('10.0.0.5:7233', {
    TEMPORAL_TLS_CLIENT_CERT_PATH: CERT,
    TEMPORAL_TLS_CLIENT_KEY_PATH: KEY,
    TEMPORAL_TLS_SERVER_CA_CERT_PATH: CA,
    TEMPORAL_TLS_SERVER_NAME: 'temporal.internal',
  });
  assert.ok(o.tls && typeof o.tls === 'object');
  assert.equal(text(o.tls.clientCertPair?.crt), 'client certificate');
  assert.equal(text(o.tls.clientCertPair?.key), 'client key');
  assert.equal(text(o.tls.serverRootCACertificate), 'server ca');
  assert.equal(o.tls.serverNameOverride, 'temporal.internal');
  assert.equal(o.apiKey, undefined);
});

test("PEM data in the variables themselves, and the CLI's older names, which win as in the CLI", () => {
  const o = temporalConnectionOptions('h:7233', {
    TEMPORAL_TLS_CLIENT_CERT_DATA: 'cert data',
    TEMPORAL_TLS_CLIENT_KEY_DATA: 'key data',
    TEMPORAL_TLS_SERVER_CA_CERT_PATH: CA,
    TEMPORAL_TLS_CA: file('other-ca.pem', 'older ca'),
  });
  assert.ok(o.tls && typeof o.tls === 'object');
  assert.equal(text(o.tls.clientCertPair?.crt), 'cert data');
  assert.equal(text(o.tls.clientCertPair?.key), 'key data');
  assert.equal(text(o.tls.serverRootCACertificate), 'older ca');
  // TEMPORAL_TLS alone: TLS with the system roots.
  assert.deepEqual(temporalConnectionOptions('h:7233', { TEMPORAL_TLS: 'true' }), {
    address: 'h:7233',
    tls: {},
  });
});

test('settings that cannot work are refused, naming the variable', () => {
  assert.throws(
    () => temporalConnectionOptions('h:7233', { TEMPORAL_TLS_CLIENT_CERT_PATH: CERT }),
    /TEMPORAL_TLS_CLIENT_CERT_PATH is set without TEMPORAL_TLS_CLIENT_KEY_PATH/,
  );
  assert.throws(
    () => temporalConnectionOptions('h:7233', { TEMPORAL_TLS_CLIENT_KEY_PATH: KEY }),
    /TEMPORAL_TLS_CLIENT_KEY_PATH is set without TEMPORAL_TLS_CLIENT_CERT_PATH/,
  );
  assert.throws(
    () => temporalConnectionOptions('h:7233', { TEMPORAL_TLS_SERVER_CA_CERT_PATH: join(dir, 'missing.pem') }),
    /TEMPORAL_TLS_SERVER_CA_CERT_PATH: cannot read the server CA certificate at .*missing\.pem \(ENOENT\)/,
  );
  assert.throws(
    () => temporalConnectionOptions('h:7233', { TEMPORAL_TLS: 'maybe' }),
    /TEMPORAL_TLS must be true or false/,
  );
  assert.throws(
    () => temporalConnectionOptions('h:7233', { TEMPORAL_TLS_DISABLE_HOST_VERIFICATION: 'true' }),
    /TEMPORAL_TLS_DISABLE_HOST_VERIFICATION: .* set TEMPORAL_TLS_SERVER_NAME/,
  );
});

test('`acp worker` with a half-set client certificate stops at once, naming the variable, and never prints the API key', async () => {
  const r = await acp(
    ['worker'],
    scrubbedEnv({
      HOME: emptyHome(),
      TEMPORAL_ADDRESS: '127.0.0.1:1',
      TEMPORAL_TLS_CLIENT_CERT_PATH: CERT,
      TEMPORAL_API_KEY: 'secret-api-key-value',
      ACP_ALIBABA_ENDPOINT: '127.0.0.1:1',
    }),
    60_000,
  );
  assert.notEqual(r.code, 0);
  assert.match(r.stderr, /TEMPORAL_TLS_CLIENT_CERT_PATH is set without TEMPORAL_TLS_CLIENT_KEY_PATH/);
  assert.doesNotMatch(r.stdout + r.stderr, /secret-api-key-value/);
});
