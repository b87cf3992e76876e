// Reading RPC parameters the way the SDKs flatten them into the query string:
// scalars as strings, arrays as Name.N, arrays of objects as Name.N.Field, nested objects as
// Parent.Field, and a few JSON-string parameters (DescribeInstances.InstanceIds).
import { ApiError, type ApiRequest } from './types';

export function str(req: ApiRequest, name: string): string | undefined {
  const v = req.query[name];
  return v === undefined || v === '' ? undefined : v;
}

export function required(req: ApiRequest, name: string): string {
  const v = str(req, name);
  if (v === undefined) {
    throw new ApiError(
      400,
      `MissingParameter`,
      `The input parameter "${name}" that is mandatory for processing this request is not supplied.`,
    );
  }
  return v;
}

export function int(req: ApiRequest, name: string, fallback?: number): number | undefined {
  const v = str(req, name);
  if (v === undefined) return fallback;
  const n = Number(v);
  if (!Number.isFinite(n))
    throw new ApiError(400, 'InvalidParameter', `The specified parameter "${name}" is not valid.`);
  return n;
}

export function bool(req: ApiRequest, name: string): boolean {
  return str(req, name)?.toLowerCase() === 'true';
}

/**
 * An enumerated parameter: undefined when absent, otherwise one of `values`, else the API's
 * documented refusal (`status`, `code`, `message`).
 */
export function oneOf(
  req: ApiRequest,
  name: string,
  values: readonly string[],
  refusal: { status: number; code: string; message?: string },
): string | undefined {
  const v = str(req, name);
  if (v === undefined || values.includes(v)) return v;
  throw new ApiError(
    refusal.status,
    refusal.code,
    refusal.message ?? `The specified parameter "${name}" is not valid.`,
  );
}

/** Name.1, Name.2, … in index order. */
export function list(req: ApiRequest, name: string): string[] {
  const out: [number, string][] = [];
  const re = new RegExp(`^${name.replace(/\./g, '\\.')}\\.(\\d+)$`);
  for (const [k, v] of Object.entries(req.query)) {
    const m = re.exec(k);
    if (m) out.push([Number(m[1]), v]);
  }
  return out.sort((a, b) => a[0] - b[0]).map(([, v]) => v);
}

/** Name.N.Field objects in index order. */
export function objects(req: ApiRequest, name: string): Record<string, string>[] {
  const byIndex = new Map<number, Record<string, string>>();
  const re = new RegExp(`^${name.replace(/\./g, '\\.')}\\.(\\d+)\\.(.+)$`);
  for (const [k, v] of Object.entries(req.query)) {
    const m = re.exec(k);
    if (!m) continue;
    const i = Number(m[1]);
    if (!byIndex.has(i)) byIndex.set(i, {});
    byIndex.get(i)![m[2]!] = v;
  }
  return [...byIndex.entries()].sort((a, b) => a[0] - b[0]).map(([, o]) => o);
}

/** Tag.N.Key / Tag.N.Value as a map. */
export function tags(req: ApiRequest, name = 'Tag'): Record<string, string> {
  const out: Record<string, string> = {};
  for (const t of objects(req, name)) if (t.Key) out[t.Key] = t.Value ?? '';
  return out;
}

/** A JSON-array string parameter (`InstanceIds='["i-1","i-2"]'`). */
export function jsonList(req: ApiRequest, name: string): string[] | undefined {
  const v = str(req, name);
  if (v === undefined) return undefined;
  try {
    const parsed = JSON.parse(v);
    if (Array.isArray(parsed)) return parsed.map(String);
  } catch {
    // fall through
  }
  throw new ApiError(400, 'InvalidParameter', `The specified parameter "${name}" is not a valid JSON array.`);
}

/**
 * PageNumber/PageSize, refused outside the documented range (PageSize 1..maxSize, PageNumber ≥ 1)
 * as the real APIs refuse them, never silently clamped. `code(name)` is the API's documented error
 * code for a bad paging parameter (Cloud Assistant documents InvalidParam.PageSize; most APIs
 * document none, and answer InvalidParameter).
 */
export function page(
  req: ApiRequest,
  maxSize = 100,
  code: (name: string) => string = () => 'InvalidParameter',
): { number: number; size: number } {
  const number = int(req, 'PageNumber', 1)!;
  const size = int(req, 'PageSize', 10)!;
  if (!Number.isInteger(number) || number < 1)
    throw new ApiError(400, code('PageNumber'), 'The specified parameter "PageNumber" is not valid.');
  if (!Number.isInteger(size) || size < 1 || size > maxSize) {
    throw new ApiError(
      400,
      code('PageSize'),
      `The specified parameter "PageSize" is not valid: it must be between 1 and ${maxSize}.`,
    );
  }
  return { number, size };
}

/** MaxResults (NextToken paging) in 1..max, refused outside it; undefined when not given. */
export function maxResults(req: ApiRequest, max: number, code = 'InvalidParameter'): number | undefined {
  const n = int(req, 'MaxResults');
  if (n === undefined) return undefined;
  if (!Number.isInteger(n) || n < 1 || n > max) {
    throw new ApiError(
      400,
      code,
      `The specified parameter "MaxResults" is not valid: it must be between 1 and ${max}.`,
    );
  }
  return n;
}

/** ISO 8601 without milliseconds, as Alibaba prints times ('2024-04-14T22:32:05Z'). */
export function isoSeconds(ms: number): string {
  return new Date(ms).toISOString().replace(/\.\d{3}Z$/, 'Z');
}

/** ECS prints instance times without seconds ('2017-12-10T04:04Z'). */
export function isoMinutes(ms: number): string {
  return new Date(ms).toISOString().replace(/:\d{2}\.\d{3}Z$/, 'Z');
}

/** The `{Tags:{Tag:[{TagKey,TagValue}]}}` ECS shape. */
export function ecsTags(t: Record<string, string>) {
  return { Tag: Object.entries(t).map(([TagKey, TagValue]) => ({ TagKey, TagValue })) };
}

/** The `{Tags:{Tag:[{Key,Value}]}}` VPC shape. */
export function vpcTags(t: Record<string, string>) {
  return { Tag: Object.entries(t).map(([Key, Value]) => ({ Key, Value })) };
}

export function matchesTags(have: Record<string, string>, want: Record<string, string>): boolean {
  return Object.entries(want).every(([k, v]) => (v === '' ? k in have : have[k] === v));
}
