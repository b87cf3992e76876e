// What the products served outside the RPC/ROA server (OSS, SLS) do around each request alike: a
// request id in the product's own shape, one call record per request (what tests and the bench
// count), and one answer for anything thrown — the product's own error body, or its internal error
// for a bug in the emulator (logged, so a test sees it).
import type { ServerResponse } from 'node:http';
import { ApiError } from './types';
import type { EmulatorWorld } from './world';

export interface GatewayAnswer {
  status: number;
  headers: Record<string, string | number>;
  body: Buffer | string;
}

/** Filled in by the handler as it learns them; the call record reads them whether it succeeds or not. */
export interface GatewayCall {
  readonly requestId: string;
  action?: string;
  regionId?: string;
  accessKeyId?: string;
}

/** OSS and SLS request ids: 24 upper-case hex characters. */
export const gatewayRequestId = (world: EmulatorWorld): string =>
  world.newRequestId().replace(/-/g, '').slice(0, 24).toUpperCase();

export async function serveGatewayCall(
  world: EmulatorWorld,
  res: ServerResponse,
  gateway: {
    product: 'oss' | 'sls';
    call: GatewayCall;
    /** The call's name in the record until the handler has found its action. */
    unnamed: string;
    internalError: () => ApiError;
    handle: () => Promise<GatewayAnswer>;
    errorAnswer: (e: ApiError, thrown: unknown) => GatewayAnswer;
  },
): Promise<void> {
  const { call } = gateway;
  const record = (code: string, httpStatus: number) =>
    world.calls.push({
      action: call.action ?? gateway.unnamed,
      product: gateway.product,
      ...(call.regionId ? { regionId: call.regionId } : {}),
      code,
      httpStatus,
      at: world.now(),
      ...(call.accessKeyId ? { accessKeyId: call.accessKeyId } : {}),
      requestId: call.requestId,
    });
  let answer: GatewayAnswer;
  try {
    answer = await gateway.handle();
    record('OK', answer.status);
  } catch (err) {
    const e = err instanceof ApiError ? err : gateway.internalError();
    if (!(err instanceof ApiError))
      console.error(`emulator: ${gateway.product.toUpperCase()} call failed`, err);
    record(e.code, e.status);
    answer = gateway.errorAnswer(e, err);
  }
  // A HEAD answer names the object's length over an empty body: the handler's header wins.
  res.writeHead(answer.status, { 'content-length': Buffer.byteLength(answer.body), ...answer.headers });
  res.end(answer.body);
}
