// Official Alibaba Cloud SDK clients for every product acp drives, built one way:
// - credentials only through @alicloud/credentials (the default chain unless a caller hands in one);
// - explicit read/connect timeouts, because the SDK's default of 3 s (and min(connect, read) as the
//   effective deadline) is shorter than a slow RunInstances or a synchronous FC invocation;
// - ACP_ALIBABA_ENDPOINT=host:port sends every product to one plain-HTTP address (the emulator);
//   otherwise each product's real regional endpoint. FC and PAI-DLC name their region (FC also the
//   account) only in the host, so behind ACP_ALIBABA_ENDPOINT their real host follows the address
//   (`host:port/<account>.<region>.fc.aliyuncs.com`) and the emulator reads it as the real service
//   reads its Host (docs/endpoints.md). Simple Log Service puts the project in front of the endpoint
//   (`<project>.<region>.log.aliyuncs.com`), which no address can carry in front; its gateway is the
//   official one with only the host moved after the address (`host:port/<project>.<region>.log…`).
// No SDK-level retries: Temporal's activity retry policy is the one retry loop, so a retried create
// is always the same activity with the same idempotency token.
// - Every call of every client passes the client-side flow control first (activities/flow-control.ts),
//   keyed by account, region and API: acp never sends a call Alibaba's documented limits would refuse.
//   (Simple Log Service calls go through its own gateway, not callApi; no SLS limit is documented.)

import Credential, { Config as CredentialConfig } from '@alicloud/credentials';
import type Cs from '@alicloud/cs20151215';
import type Ecs from '@alicloud/ecs20140526';
import type Fc from '@alicloud/fc20230330';
import type * as $OssOpenApi from '@alicloud/openapi-client';
import OpenApi, { $OpenApiUtil } from '@alicloud/openapi-core';
import type Oss from '@alicloud/oss20190517';
import type Ram from '@alicloud/ram20150501';
import type Sls from '@alicloud/sls20201230';
import type * as $Sts from '@alicloud/sts20150401';
import type Sts from '@alicloud/sts20150401';
import type Vpc from '@alicloud/vpc20160428';
import { Context } from '@temporalio/activity';
import { type FlowControl, sharedFlowControl } from './flow-control';
import { sdk } from './sdk';

export interface CloudConfig {
  /** 'host:port' of an emulator (plain HTTP), or undefined for the real cloud. */
  endpoint?: string;
  credential: Credential;
  /** FC 3.0 endpoints carry the account id; looked up with STS GetCallerIdentity when absent. */
  accountId?: string;
  /** ACP_FC_GPU_IMAGE: the container image of GPU functions instead of FC's public PyTorch image. */
  fcGpuImage?: string;
  /**
   * ACP_FC_ROLE_ARN: the RAM role FC writes an async run's logs with; without it FC uses its
   * service-linked role AliyunServiceRoleForFC (docs/fc.md).
   */
  fcRoleArn?: string;
  timeoutMs: number;
  /** FC sync invocations wait for the function; the SDK deadline must exceed FC's 60 s sync limit. */
  longTimeoutMs: number;
  /** The flow control calls wait on (default: the process's one, with Alibaba's documented limits). */
  flowControl?: FlowControl;
}

export function cloudConfigFromEnv(
  env: NodeJS.ProcessEnv = process.env,
  credential?: Credential,
): CloudConfig {
  return {
    endpoint: env.ACP_ALIBABA_ENDPOINT || undefined,
    credential: credential ?? new Credential(),
    accountId: env.ALIBABA_CLOUD_ACCOUNT_ID || undefined,
    fcGpuImage: env.ACP_FC_GPU_IMAGE || undefined,
    fcRoleArn: env.ACP_FC_ROLE_ARN || undefined,
    timeoutMs: Number(env.ACP_SDK_TIMEOUT_MS ?? 30_000),
    longTimeoutMs: Number(env.ACP_SDK_LONG_TIMEOUT_MS ?? 120_000),
  };
}

/** A credential from fixed keys, for `--simulate` (the in-process emulator's keys) and tests. */
export function staticCredential(accessKeyId: string, accessKeySecret: string): Credential {
  return new Credential(new CredentialConfig({ type: 'access_key', accessKeyId, accessKeySecret }));
}

export interface AlibabaClients {
  readonly config: CloudConfig;
  ecs(regionId: string): Ecs;
  vpc(regionId: string): Vpc;
  sts(): Sts;
  fc(regionId: string): Promise<Fc>;
  /** The account id (ALIBABA_CLOUD_ACCOUNT_ID, else STS GetCallerIdentity once). */
  accountId(): Promise<string>;
  /** Simple Log Service in a region (an async FC run's output, docs/fc.md). */
  sls(regionId: string): Sls;
  /** RAM (global): the role FC writes logs with. */
  ram(): Ram;
  cs(regionId: string): Cs;
  /** PAI-DLC through openapi-core's generic client (the generated package is not on our registry). */
  dlc(regionId: string): OpenApi;
  /** Object Storage Service in a region (checkpoints, docs/spot.md). */
  oss(regionId: string): Oss;
  /** The flow control every call of these clients goes through. */
  readonly flowControl: FlowControl;
}

/** The running activity's cancellation, so a call waiting for its window stops with its activity. */
function activitySignal(): AbortSignal | undefined {
  try {
    return Context.current().cancellationSignal;
  } catch {
    return undefined; // not inside an activity (the CLI's own look-ups, tests)
  }
}

const addressedGateways = () => require('./addressed-gateways') as typeof import('./addressed-gateways');

export function createClients(config: CloudConfig): AlibabaClients {
  const flowControl = config.flowControl ?? sharedFlowControl();
  // Alibaba counts calls per account; the access key stands for it when the account id is unknown.
  let account: Promise<string> | undefined;
  const accountKey = () => {
    account ??= config.accountId
      ? Promise.resolve(config.accountId)
      : config.credential.getCredential().then(
          (c) => c.accessKeyId ?? 'default',
          () => 'default',
        );
    return account;
  };
  /** Every SDK call goes through callApi (RPC, ROA and the generic client alike): the one gate. */
  const gated = <T extends OpenApi>(client: T, product: string, regionId: string): T => {
    const callApi = client.callApi.bind(client);
    client.callApi = async (params, request, runtime) => {
      await flowControl.admit(
        { account: await accountKey(), regionId, product, action: params.action },
        activitySignal(),
      );
      return callApi(params, request, runtime);
    };
    return client;
  };
  const cache = new Map<string, unknown>();
  const memo = <T>(key: string, make: () => T): T => {
    if (!cache.has(key)) cache.set(key, make());
    return cache.get(key) as T;
  };
  /**
   * `productHost` is the product's real host when its SDK has no regional endpoint rule (FC, DLC) or
   * when the region lives only in the host; behind ACP_ALIBABA_ENDPOINT it rides after the address.
   */
  const sdkConfig = (regionId: string, productHost: string | undefined, timeoutMs = config.timeoutMs) =>
    new $OpenApiUtil.Config({
      credential: config.credential,
      regionId,
      ...(config.endpoint
        ? { endpoint: productHost ? `${config.endpoint}/${productHost}` : config.endpoint, protocol: 'http' }
        : productHost
          ? { endpoint: productHost }
          : {}),
      readTimeout: timeoutMs,
      connectTimeout: timeoutMs,
    });
  let accountId: Promise<string> | undefined;
  const lookUpAccountId = (): Promise<string> => {
    if (config.accountId) return Promise.resolve(config.accountId);
    accountId ??= clients
      .sts()
      .getCallerIdentity()
      .then((r: $Sts.GetCallerIdentityResponse) => {
        const id = r.body?.accountId;
        if (!id) throw new Error('STS GetCallerIdentity returned no AccountId');
        return id;
      })
      .catch((err: unknown) => {
        // A throttled or failed look-up is asked again by the next call (the activity's retry).
        accountId = undefined;
        throw err;
      });
    return accountId;
  };
  const clients: AlibabaClients = {
    config,
    flowControl,
    ecs: (regionId) =>
      memo(`ecs:${regionId}`, () =>
        gated(new sdk.ecs.default(sdkConfig(regionId, undefined)), 'ecs', regionId),
      ),
    vpc: (regionId) =>
      memo(`vpc:${regionId}`, () =>
        gated(new sdk.vpc.default(sdkConfig(regionId, undefined)), 'vpc', regionId),
      ),
    // STS is global: its one host needs no region (and behind the emulator address, no host at all).
    sts: () =>
      memo('sts', () =>
        gated(
          new sdk.sts.default(sdkConfig('cn-hangzhou', config.endpoint ? undefined : 'sts.aliyuncs.com')),
          'sts',
          'cn-hangzhou',
        ),
      ),
    fc: async (regionId) => {
      // The FC 3.0 SDK has no regional endpoint rule: without this it would call fc.aliyuncs.com.
      const host = `${await lookUpAccountId()}.${regionId}.fc.aliyuncs.com`;
      return memo(`fc:${regionId}`, () =>
        gated(new sdk.fc.default(sdkConfig(regionId, host, config.longTimeoutMs)), 'fc', regionId),
      );
    },
    accountId: lookUpAccountId,
    sls: (regionId) =>
      memo(`sls:${regionId}`, () => {
        const client = new sdk.sls.default(
          sdkConfig(regionId, config.endpoint ? undefined : `${regionId}.log.aliyuncs.com`),
        );
        if (config.endpoint) {
          // The project host rides after the emulator address, like FC's (docs/endpoints.md).
          client._endpoint = `${regionId}.log.aliyuncs.com`;
          client._spi = addressedGateways().slsGateway(config.endpoint);
        }
        return client;
      }),
    ram: () =>
      memo('ram', () =>
        gated(
          new sdk.ram.default(sdkConfig('cn-hangzhou', config.endpoint ? undefined : 'ram.aliyuncs.com')),
          'ram',
          'global',
        ),
      ),
    cs: (regionId) =>
      memo(`cs:${regionId}`, () => gated(new sdk.cs.default(sdkConfig(regionId, undefined)), 'cs', regionId)),
    dlc: (regionId) =>
      memo(`dlc:${regionId}`, () =>
        gated(new OpenApi(sdkConfig(regionId, `pai-dlc.${regionId}.aliyuncs.com`)), 'dlc', regionId),
      ),
    oss: (regionId) =>
      memo(`oss:${regionId}`, () => {
        // The OSS SDK is built on the older openapi-client; its Config takes the same credential.
        const client = new sdk.oss.default(
          new sdk.openApiClient.Config({
            credential: config.credential as unknown as $OssOpenApi.Config['credential'],
            regionId,
            endpoint: `oss-${regionId}.aliyuncs.com`,
            ...(config.endpoint ? { protocol: 'http' } : {}),
            readTimeout: config.longTimeoutMs,
            connectTimeout: config.timeoutMs,
          }),
        );
        // OSS puts the bucket in front of the endpoint (`<bucket>.oss-<region>.aliyuncs.com`), as SLS
        // puts the project: behind the emulator address the host rides after it (docs/endpoints.md).
        if (config.endpoint) client._spi = addressedGateways().ossGateway(config.endpoint);
        return client;
      }),
  };
  return clients;
}
