// The HTTP front of the emulator: one port for every product. A request carrying x-acs-action is
// an SDK call: it is authenticated (ACS3-HMAC-SHA256), authorised (RAM policies, ram.ts), counted
// against Alibaba's documented flow control (flow-control.ts), subjected to the fault table, then dispatched on x-acs-version + x-acs-action to its product module.
// /__emulator/… is the admin API; other paths go to raw routes (the emulated Kubernetes API).
// Simple Log Service speaks its own protocol (x-log-apiversion, its own signature): sls.ts serves it.
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { parse as parseQuery } from 'node:querystring';
import { handleAdmin } from './admin';
import { appliesTo, injectedFault, takeRule } from './faults';
import { flowRules } from './flow-control';
import { handleOss, isOssRequest } from './oss';
import type { ProductSet } from './products';
import { authRequestOf, evaluate, policyDocuments } from './ram';
import { verifySignature } from './signature';
import { handleSls, isSlsRequest } from './sls';
import {
  ApiError,
  type ApiRequest,
  type ApiResult,
  type ProductModule,
  type RawRoute,
  type RawRouteHandler,
} from './types';
import type { EmulatorWorld } from './world';

const DEFAULT_HOSTS: Record<string, string> = {
  ecs: 'ecs.aliyuncs.com',
  vpc: 'vpc.aliyuncs.com',
  sts: 'sts.aliyuncs.com',
  fc: 'fc.aliyuncs.com',
  cs: 'cs.aliyuncs.com',
  dlc: 'pai-dlc.aliyuncs.com',
  ram: 'ram.aliyuncs.com',
};

/** RAM service namespaces, as written in policies (`ecs:RunInstances`, `paidlc:CreateJob`). */
const RAM_NAMESPACE: Record<string, string> = {
  ecs: 'ecs',
  vpc: 'vpc',
  sts: 'sts',
  fc: 'fc',
  cs: 'cs',
  dlc: 'paidlc',
  k8s: 'cs',
  ram: 'ram',
};

export class EmulatorServer {
  readonly http: Server;
  private readonly byVersion = new Map<string, ProductModule>();
  private readonly rawRoutes: RawRoute[] = [];

  constructor(
    readonly world: EmulatorWorld,
    readonly products: ProductSet,
  ) {
    for (const m of products.modules) {
      if (Object.keys(m.actions).length > 0) this.byVersion.set(m.version, m);
    }
    this.rawRoutes.push(...products.rawRoutes);
    // Signed URLs carry every RPC parameter (UserData can be ~43 KB): Node's 16 KB default would
    // answer 431 with an empty body, which the SDK surfaces as a bare SyntaxError.
    this.http = createServer({ maxHeaderSize: 65536 }, (req, res) => {
      this.route(req, res).catch((err) => {
        console.error('emulator: unhandled error', err);
        if (!res.headersSent)
          this.sendError(res, new ApiError(500, 'InternalError', String(err?.message ?? err)), 'ecs');
        else res.destroy();
      });
    });
    // The SDKs share one keep-alive agent with no idle limit of its own, so a socket the server
    // closes after a short idle time can be reused by a request in flight at that moment and fail
    // with ECONNRESET (seen under load). Alibaba's gateways keep idle connections about a minute;
    // so does the emulator, which makes that race as rare here as it is there.
    this.http.keepAliveTimeout = 60_000;
    this.http.headersTimeout = 65_000;
  }

  /** Serves `prefix…` with a raw handler, outside the ACS signature (Kubernetes uses bearer tokens). */
  registerRawRoute(prefix: string, handle: RawRouteHandler): void {
    this.rawRoutes.push({ prefix, handle });
  }

  private async route(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const { url, rawPath, signedHost } = stripVirtualHost(req);
    if (isOssRequest(req)) {
      const body = await readBody(req);
      this.world.settle();
      return handleOss(
        req,
        res,
        body,
        rawPath,
        url.includes('?') ? url.slice(url.indexOf('?') + 1) : '',
        this.world,
      );
    }
    if (isSlsRequest(req)) {
      const body = await readBody(req);
      this.world.settle();
      const query = parseFlatQuery(url.includes('?') ? url.slice(url.indexOf('?') + 1) : '');
      return handleSls(req, res, body, safeDecodePath(rawPath), query, this.world);
    }
    if (!req.headers['x-acs-action']) {
      if (rawPath.startsWith('/__emulator/') || rawPath === '/__emulator') {
        const body = await readBody(req);
        this.world.settle();
        return handleAdmin(req, res, body, this.world, this.products.modules);
      }
      const raw = this.rawRoutes.find((r) => rawPath.startsWith(r.prefix));
      if (raw) {
        this.world.settle();
        return raw.handle(req, res, this.world);
      }
      await readBody(req);
      return this.sendError(
        res,
        new ApiError(
          400,
          'MissingParameter',
          'The input parameter "Action" that is mandatory for processing this request is not supplied.',
        ),
        'ecs',
      );
    }
    const body = await readBody(req);
    this.world.settle();
    await this.handleApiCall(req, res, rawPath, url, body, signedHost);
  }

  private async handleApiCall(
    req: IncomingMessage,
    res: ServerResponse,
    rawPath: string,
    url: string,
    body: Buffer,
    signedHost: string,
  ) {
    const world = this.world;
    const requestId = world.newRequestId();
    const action = String(req.headers['x-acs-action']);
    const version = String(req.headers['x-acs-version'] ?? '');
    const module = this.byVersion.get(version);
    const product = module?.product ?? 'unknown';
    const query = parseFlatQuery(url.includes('?') ? url.slice(url.indexOf('?') + 1) : '');
    const contentType = String(req.headers['content-type'] ?? '');
    const apiReq: ApiRequest = {
      product: (module?.product ?? 'ecs') as ApiRequest['product'],
      action,
      version,
      method: req.method ?? 'GET',
      path: safeDecodePath(rawPath),
      query,
      headers: req.headers as Record<string, string | undefined>,
      body,
      json: undefined,
      accessKeyId: '',
      requestId,
    };
    const record = (code: string, httpStatus: number, dropped?: boolean) =>
      world.calls.push({
        action,
        product,
        ...(apiReq.regionId ? { regionId: apiReq.regionId } : {}),
        code,
        httpStatus,
        at: world.now(),
        ...(apiReq.accessKeyId ? { accessKeyId: apiReq.accessKeyId } : {}),
        requestId,
        ...(dropped ? { dropped } : {}),
      });

    try {
      apiReq.accessKeyId = verifySignature(
        { method: apiReq.method, rawPath, query, headers: { ...req.headers, host: signedHost }, body },
        (ak) => world.keys.get(ak),
      );
      if (contentType.startsWith('application/x-www-form-urlencoded') && body.length > 0) {
        // RPC parameters the SDK put in a form body count as query parameters.
        Object.assign(apiReq.query, parseFlatQuery(body.toString('utf8')));
      }
      if (contentType.includes('json') && body.length > 0) {
        try {
          apiReq.json = JSON.parse(body.toString('utf8'));
        } catch {
          throw new ApiError(400, 'InvalidParameter', 'The request body is not valid JSON.');
        }
      }
      apiReq.regionId =
        query.RegionId ??
        query.regionId ??
        apiReq.json?.region_id ??
        apiReq.json?.RegionId ??
        apiReq.json?.regionId;
      if (!module)
        throw new ApiError(400, 'InvalidVersion', `Specified parameter Version "${version}" is not valid.`);
      const handler = Object.hasOwn(module.actions, action) ? module.actions[action] : undefined;
      if (!handler)
        throw new ApiError(
          404,
          'InvalidAction.NotFound',
          'Specified api is not found, please check your url and method.',
        );
      this.authorize(apiReq, module, action);
      // Flow control is counted on arrival, on the wall clock Alibaba's windows use.
      world.flow.admit(
        flowRules(world.faults.flowControl),
        {
          accountId: world.accountId,
          regionId: apiReq.regionId ?? 'global',
          product: module.product,
          action,
        },
        Date.now(),
      );
      await this.applyRateFaults(action);
      const injected = injectedFault(world.faults, action);
      if (injected) throw injected;

      const result = await handler(apiReq, world);
      const drop = takeRule(world.faults.dropResponse, action);
      if (drop) {
        record('OK', result.status ?? 200, true);
        if ((drop.mode ?? 'reset') === 'reset') {
          res.socket?.destroy();
          return;
        }
        return this.sendError(
          res,
          new ApiError(
            503,
            'ServiceUnavailable',
            'The request has failed due to a temporary failure of the server.',
          ),
          product,
          requestId,
          module,
        );
      }
      record('OK', result.status ?? 200);
      this.sendResult(res, result, requestId);
    } catch (err) {
      const apiErr =
        err instanceof ApiError
          ? err
          : new ApiError(
              500,
              'InternalError',
              'The request processing has failed due to some unknown error, exception or failure.',
            );
      if (!(err instanceof ApiError)) console.error(`emulator: ${action} failed`, err);
      record(apiErr.code, apiErr.status);
      this.sendError(res, apiErr, product, requestId, module);
    }
  }

  private authorize(apiReq: ApiRequest, module: ProductModule, action: string) {
    const { accessKeyId } = apiReq;
    const policy = this.world.faults.policy[accessKeyId] ?? this.world.startPolicies[accessKeyId];
    if (!policy) return;
    const namespace = RAM_NAMESPACE[module.product] ?? module.product;
    const request = authRequestOf(namespace, action, apiReq, this.world);
    const decision = evaluate(policyDocuments(policy), request);
    if (decision.allowed) return;
    throw new ApiError(
      403,
      'Forbidden.RAM',
      "User not authorized to operate on the specified resource, or this API doesn't support RAM.",
      {
        AccessDeniedDetail: {
          AuthAction: request.action,
          AuthPrincipalType: 'SubUser',
          AuthPrincipalOwnerId: this.world.accountId,
          AuthPrincipalDisplayName: accessKeyId,
          NoPermissionType: decision.noPermissionType,
          PolicyType: 'AccountLevelIdentityBasedPolicy',
          // Real RAM encodes its diagnosis for ram:DecodeDiagnosticMessage; the emulator's says which
          // resource was refused and which condition keys did not hold.
          EncodedDiagnosticMessage: Buffer.from(
            JSON.stringify({
              AuthAction: request.action,
              AuthResource: decision.resource,
              AccessKeyId: accessKeyId,
              NoPermissionType: decision.noPermissionType,
              UnmetConditions: decision.unmetConditions,
            }),
          ).toString('base64'),
        },
      },
    );
  }

  private async applyRateFaults(action: string) {
    const f = this.world.faults;
    if (!appliesTo(f, action)) return;
    if (f.latencyMs > 0) await new Promise((r) => setTimeout(r, f.latencyMs));
    if (f.throttleRate > 0 && this.world.dice.roll() < f.throttleRate) {
      throw new ApiError(
        400,
        'Throttling.User',
        'Request was denied due to user flow control.',
        {},
        {
          'x-acs-retry-after': String(f.throttleRetryAfterMs),
        },
      );
    }
    if (f.errorRate > 0 && this.world.dice.roll() < f.errorRate) {
      if (this.world.dice.roll() < 0.5) {
        throw new ApiError(
          500,
          'InternalError',
          'The request processing has failed due to some unknown error, exception or failure.',
        );
      }
      throw new ApiError(
        503,
        'ServiceUnavailable',
        'The request has failed due to a temporary failure of the server.',
      );
    }
  }

  private sendResult(res: ServerResponse, result: ApiResult, requestId: string) {
    const status = result.status ?? 200;
    if (result.raw) {
      res.writeHead(status, { 'x-acs-request-id': requestId, ...result.headers });
      res.end(result.raw);
      return;
    }
    const body = JSON.stringify(result.body ?? { RequestId: requestId });
    res.writeHead(status, {
      'content-type': 'application/json;charset=utf-8',
      'x-acs-request-id': requestId,
      'content-length': Buffer.byteLength(body),
      ...result.headers,
    });
    res.end(body);
  }

  sendError(
    res: ServerResponse,
    err: ApiError,
    product: string,
    requestId = this.world.newRequestId(),
    module?: ProductModule,
  ) {
    const hostId = module?.hostId ?? DEFAULT_HOSTS[product] ?? 'ecs.aliyuncs.com';
    const body = JSON.stringify(
      module?.errorBody?.(err, requestId, hostId) ?? {
        RequestId: requestId,
        HostId: hostId,
        Code: err.code,
        Message: err.message,
        Recommend: `https://api.aliyun.com/troubleshoot?q=${encodeURIComponent(err.code)}&product=${productName(product)}&requestId=${requestId}`,
        ...err.extra,
      },
    );
    res.writeHead(err.status, {
      'content-type': 'application/json;charset=utf-8',
      'x-acs-request-id': requestId,
      'content-length': Buffer.byteLength(body),
      ...err.headers,
    });
    res.end(body);
  }
}

/**
 * Products whose endpoint names the account or region in the host (FC `<account>.<region>.fc.aliyuncs.com`,
 * PAI-DLC `pai-dlc.<region>.aliyuncs.com`) reach one emulator address as `host:port/<that host>`: the
 * SDK builds its URL and Host header from the endpoint verbatim, so the request line starts with the
 * product host and the Host header carries it after the address. The product host then stands as
 * the Host the product module reads (as on the real endpoint), and the path is the API's own, which
 * is also what the SDK signed (the signed `host` value stays as sent). docs/endpoints.md.
 */
function stripVirtualHost(req: IncomingMessage): { url: string; rawPath: string; signedHost: string } {
  const url = req.url ?? '/';
  const host = String(req.headers.host ?? '');
  const slash = host.indexOf('/');
  const product = slash < 0 ? '' : host.slice(slash + 1);
  const prefix = `/${product}`;
  if (!product || !(url === prefix || url.startsWith(`${prefix}/`) || url.startsWith(`${prefix}?`))) {
    return { url, rawPath: url.split('?')[0]!, signedHost: host };
  }
  const stripped = url.slice(prefix.length) || '/';
  req.headers.host = product;
  return { url: stripped, rawPath: stripped.split('?')[0]!, signedHost: host };
}

function productName(product: string): string {
  const names: Record<string, string> = {
    ecs: 'Ecs',
    vpc: 'Vpc',
    sts: 'Sts',
    fc: 'FC',
    cs: 'CS',
    dlc: 'pai-dlc',
    ram: 'Ram',
  };
  return names[product] ?? product;
}

export function readBody(req: IncomingMessage): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => resolve(Buffer.concat(chunks)));
    req.on('error', reject);
  });
}

/** Query parameters as single strings (the SDK never repeats a key). */
export function parseFlatQuery(qs: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(parseQuery(qs))) {
    out[k] = Array.isArray(v) ? v[v.length - 1]! : (v ?? '');
  }
  return out;
}

/** Decodes each path segment on its own, so an encoded '/' cannot split a segment. */
function safeDecodePath(p: string): string {
  return p
    .split('/')
    .map((seg) => {
      try {
        return decodeURIComponent(seg);
      } catch {
        return seg;
      }
    })
    .join('/');
}
