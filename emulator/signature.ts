// ACS3-HMAC-SHA256 verification, the V3 signature every @alicloud SDK sends by default:
//   canonical = METHOD \n pathname \n sortedQuery(k=encode(v)) \n "name:value\n" per signed header
//               \n signedHeaders \n x-acs-content-sha256
//   signature = hex(HMAC-SHA256(secret, "ACS3-HMAC-SHA256\n" + hex(sha256(canonical))))
// (mirrors openapi-core's utils.getAuthorization).
import { createHash, createHmac, timingSafeEqual } from 'node:crypto';
import { ApiError } from './types';

const ALGORITHM = 'ACS3-HMAC-SHA256';

export interface SignedRequest {
  method: string;
  /** Raw (still percent-encoded) path as it arrived. */
  rawPath: string;
  query: Record<string, string>;
  headers: Record<string, string | string[] | undefined>;
  body: Buffer;
}

/** RFC 3986 encoding as openapi-core does it (encodeURIComponent plus !'()*). */
export function acsEncode(s: string): string {
  return encodeURIComponent(s).replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);
}

export function sha256Hex(data: Buffer | string): string {
  return createHash('sha256').update(data).digest('hex');
}

/** Returns the access key id of a correctly signed request; throws the Alibaba error otherwise. */
export function verifySignature(
  req: SignedRequest,
  secretOf: (accessKeyId: string) => string | undefined,
): string {
  const auth = header(req.headers, 'authorization');
  if (!auth) {
    throw new ApiError(
      400,
      'MissingParameter',
      'The input parameter "Authorization" that is mandatory for processing this request is not supplied.',
    );
  }
  const m = /^(\S+)\s+Credential=([^,]+),\s*SignedHeaders=([^,]*),\s*Signature=([0-9a-fA-F]+)\s*$/.exec(auth);
  if (!m || m[1] !== ALGORITHM) {
    throw new ApiError(
      400,
      'IncompleteSignature',
      `The request signature does not conform to Aliyun standards (only ${ALGORITHM} is supported).`,
    );
  }
  const [, , accessKeyId, signedHeaderList, signature] = m as unknown as [
    string,
    string,
    string,
    string,
    string,
  ];
  const secret = secretOf(accessKeyId);
  // Alibaba answers an unknown key with 404 (observed in SDK error reports:
  // "HTTP Status: 404 Error:InvalidAccessKeyId.NotFound Specified access key is not found.").
  if (secret === undefined)
    throw new ApiError(404, 'InvalidAccessKeyId.NotFound', 'Specified access key is not found.');

  const payloadHash = header(req.headers, 'x-acs-content-sha256') ?? sha256Hex('');
  if (payloadHash !== sha256Hex(req.body)) {
    throw new ApiError(
      400,
      'SignatureDoesNotMatch',
      'The x-acs-content-sha256 header does not match the request body.',
    );
  }
  const signedHeaders = signedHeaderList.split(';').filter(Boolean);
  const canonicalHeaders = signedHeaders
    .map((h) => `${h}:${(header(req.headers, h) ?? '').trim()}\n`)
    .join('');
  const canonicalQuery = Object.keys(req.query)
    .sort()
    .map((k) => `${k}=${acsEncode(req.query[k]!)}`)
    .join('&');
  const canonicalUri = req.rawPath.replace(/\+/g, '%20').replace(/\*/g, '%2A').replace(/%7E/g, '~');
  const canonical = [
    req.method,
    canonicalUri,
    canonicalQuery,
    canonicalHeaders,
    signedHeaders.join(';'),
    payloadHash,
  ].join('\n');
  const expected = createHmac('sha256', secret)
    .update(`${ALGORITHM}\n${sha256Hex(canonical)}`)
    .digest('hex');
  const a = Buffer.from(expected);
  const b = Buffer.from(signature.toLowerCase());
  if (a.length !== b.length || !timingSafeEqual(a, b)) {
    throw new ApiError(
      400,
      'SignatureDoesNotMatch',
      'Specified signature is not matched with our calculation.',
    );
  }
  return accessKeyId;
}

function header(headers: SignedRequest['headers'], name: string): string | undefined {
  const v = headers[name.toLowerCase()];
  return Array.isArray(v) ? v.join(',') : v;
}
