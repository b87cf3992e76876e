// Official SDK clients pointed at an emulator, and a small admin-API client, for contract and
// end-to-end tests. Every product client is built exactly the way acp builds it for
// ACP_ALIBABA_ENDPOINT (host:port, plain http, explicit timeouts, static fake keys), so a test that
// passes here exercises the same wire format the real cloud sees.
import Cs from '@alicloud/cs20151215';
import Ecs from '@alicloud/ecs20140526';
import Fc from '@alicloud/fc20230330';
import OpenApi, { $OpenApiUtil } from '@alicloud/openapi-core';
import Sts from '@alicloud/sts20150401';
import Vpc from '@alicloud/vpc20160428';
import * as $dara from '@darabonba/typescript';
import { DEFAULT_ACCOUNT_ID } from '../../emulator';
import type { CallRecord } from '../../emulator/world';

/** What a client needs to reach an emulator: `startEmulator()`'s result satisfies it. */
export interface EmulatorTarget {
  endpoint: string; // '127.0.0.1:PORT'
  accessKeyId: string;
  accessKeySecret: string;
  /** The emulated account (FC's endpoint names it); startEmulator's default when absent. */
  accountId?: string;
}

export interface ClientOverrides {
  accessKeyId?: string;
  accessKeySecret?: string;
  /** ms; both read and connect timeouts (the SDK uses the smaller of the two). */
  timeoutMs?: number;
  retryOptions?: $dara.RetryOptions;
  /** FC only: the region whose endpoint the client calls (default cn-hangzhou). */
  regionId?: string;
}

export function emulatorConfig(target: EmulatorTarget, o: ClientOverrides = {}): $OpenApiUtil.Config {
  return new $OpenApiUtil.Config({
    accessKeyId: o.accessKeyId ?? target.accessKeyId,
    accessKeySecret: o.accessKeySecret ?? target.accessKeySecret,
    endpoint: target.endpoint,
    protocol: 'http',
    regionId: 'cn-hangzhou',
    readTimeout: o.timeoutMs ?? 10_000,
    connectTimeout: o.timeoutMs ?? 10_000,
    ...(o.retryOptions ? { retryOptions: o.retryOptions } : {}),
  });
}

export const ecsClient = (t: EmulatorTarget, o?: ClientOverrides) => new Ecs(emulatorConfig(t, o));
export const vpcClient = (t: EmulatorTarget, o?: ClientOverrides) => new Vpc(emulatorConfig(t, o));
export const stsClient = (t: EmulatorTarget, o?: ClientOverrides) => new Sts(emulatorConfig(t, o));
/** FC names account and region in its host; acp puts that host after the emulator's address. */
export const fcClient = (t: EmulatorTarget, o: ClientOverrides = {}) =>
  new Fc(
    emulatorConfig(
      {
        ...t,
        endpoint: `${t.endpoint}/${t.accountId ?? DEFAULT_ACCOUNT_ID}.${o.regionId ?? 'cn-hangzhou'}.fc.aliyuncs.com`,
      },
      o,
    ),
  );
export const csClient = (t: EmulatorTarget, o?: ClientOverrides) => new Cs(emulatorConfig(t, o));

/** PAI-DLC has no SDK package on this registry: openapi-core's generic client sends identical requests. */
export function dlcClient(t: EmulatorTarget, o?: ClientOverrides) {
  const client = new OpenApi(emulatorConfig(t, o));
  return {
    client,
    /** ROA call; returns the raw PascalCase JSON body. */
    async call(
      action: string,
      method: 'GET' | 'POST' | 'PUT' | 'DELETE',
      pathname: string,
      req: { query?: Record<string, any>; body?: unknown } = {},
    ): Promise<{ statusCode: number; headers: Record<string, string>; body: any }> {
      const params = new $OpenApiUtil.Params({
        action,
        version: '2020-12-03',
        protocol: 'HTTPS',
        pathname,
        method,
        authType: 'AK',
        style: 'ROA',
        reqBodyType: 'json',
        bodyType: 'json',
      });
      const request = new $OpenApiUtil.OpenApiRequest({
        ...(req.query ? { query: stringifyQuery(req.query) } : {}),
        ...(req.body !== undefined ? { body: req.body } : {}),
      });
      return (await client.callApi(params, request, new $dara.RuntimeOptions({}))) as any;
    },
  };
}

function stringifyQuery(q: Record<string, any>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(q)) {
    if (v === undefined || v === null) continue;
    out[k] = typeof v === 'object' ? JSON.stringify(v) : String(v);
  }
  return out;
}

/** Retry options that retry throttling, 5xx and dropped connections quickly (for fault tests). */
export function fastRetries(maxAttempts = 4, periodMs = 20): $dara.RetryOptions {
  return new $dara.RetryOptions({
    retryable: true,
    noRetryCondition: [],
    retryCondition: [
      {
        maxAttempts,
        exception: ['ServerError', 'ThrottlingError', 'RequestTimeoutError'],
        errorCode: ['ECONNRESET', 'ECONNREFUSED', 'EPIPE'],
        backoff: { policy: 'Fixed', period: periodMs },
        maxDelay: 2_000,
      },
    ],
  });
}

export interface EmulatorResourceRow {
  type: string;
  id: string;
  regionId: string;
  status: string;
  tags: Record<string, string>;
}
/** A row of GET /__emulator/calls (the emulator's call record, as JSON). */
export type EmulatorCallRow = CallRecord;

/** Plain-fetch client for the unauthenticated admin API under /__emulator/. */
export function emulatorAdmin(target: { endpoint: string }) {
  const base = `http://${target.endpoint}/__emulator`;
  async function send(method: string, path: string, body?: unknown): Promise<any> {
    const res = await fetch(base + path, {
      method,
      headers: body === undefined ? {} : { 'content-type': 'application/json' },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const text = await res.text();
    if (!res.ok) throw new Error(`admin ${method} ${path}: ${res.status} ${text}`);
    return text ? JSON.parse(text) : {};
  }
  return {
    resources: async (opts: { all?: boolean } = {}): Promise<EmulatorResourceRow[]> =>
      (await send('GET', opts.all ? '/resources?all=1' : '/resources')).resources,
    calls: async (): Promise<EmulatorCallRow[]> => (await send('GET', '/calls')).calls,
    clearCalls: () => send('DELETE', '/calls'),
    faults: (faults: Record<string, unknown>) => send('POST', '/faults', faults),
    reset: () => send('POST', '/reset'),
    cost: async (): Promise<{
      resources: { type: string; id: string; cost: number }[];
      total: number;
      currency: string;
    }> => send('GET', '/cost'),
    advance: (ms: number) => send('POST', '/clock', { advanceMs: ms }),
    clock: () => send('GET', '/clock'),
    addKey: (key: { accessKeyId: string; accessKeySecret: string; policy?: unknown }) =>
      send('POST', '/keys', key),
    /** A RAM role of the account that these services may assume. */
    addRole: (roleName: string, trustedServices: string[]) =>
      send('POST', '/roles', { roleName, trustedServices }),
    removeRole: (roleName: string) => send('DELETE', `/roles/${encodeURIComponent(roleName)}`),
  };
}
