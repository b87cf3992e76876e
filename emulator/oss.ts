// Object Storage Service (API 2019-05-17) as @alicloud/oss20190517 speaks it: OSS's own REST
// protocol, not the ACS3 POP envelope. The bucket is in the host (`<bucket>.oss-<region>[-internal]
// .aliyuncs.com`; ListBuckets goes to `oss-<region>.aliyuncs.com`), requests are signed with OSS
// signature V1 (`Authorization: OSS <AccessKeyId>:<base64 HMAC-SHA1>` over the verb, Content-MD5,
// Content-Type, Date, the x-oss-* headers and `/<bucket>/<key>` with its sub-resources), bodies and
// errors are XML (`<Error><Code>…</Code><Message>…</Message><RequestId/><HostId/></Error>`, with
// the real statuses: NoSuchBucket 404, NoSuchKey 404, BucketAlreadyExists 409, BucketNotEmpty 409,
// SignatureDoesNotMatch 403, MalformedXML 400).
//
// What acp uses (docs/spot.md, checkpoints): buckets (PutBucket, GetBucketInfo, DeleteBucket,
// ListBuckets), bucket tags (PutBucketTags, GetBucketTags) and objects (PutObject, GetObject,
// DeleteObject, ListObjectsV2). Bucket names are global across OSS, as on Alibaba. A bucket is a
// resource of the store (type 'oss-bucket', its tags from PutBucketTags) so leaks show in
// /__emulator/resources; it bills its stored bytes at OSS Standard (LRS) 0.12 CNY per GB-month.
// oss-mount.ts gives a machine the OSS mounts an instance or a DLC job declares.
import { createHash, createHmac, timingSafeEqual } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { appliesTo, injectedFault } from './faults';
import { type GatewayCall, gatewayRequestId, serveGatewayCall } from './gateway';
import { evaluate, policyDocuments } from './ram';
import { ApiError, type Resource, type World } from './types';
import type { EmulatorWorld } from './world';

/** OSS Standard (locally redundant) storage, mainland China list price: CNY per GB per month. */
export const OSS_STANDARD_CNY_PER_GB_MONTH = 0.12;
const HOURS_PER_MONTH = 730;
const BUCKET_NAME = /^[a-z0-9][a-z0-9-]{1,61}[a-z0-9]$/;
const MAX_TAGS = 20;
/** Sub-resources OSS signs (its V1 signature documentation); list-type and the list paging are not. */
const SIGNED_SUBRESOURCES = new Set([
  'acl',
  'uploads',
  'location',
  'cors',
  'logging',
  'website',
  'referer',
  'lifecycle',
  'delete',
  'append',
  'tagging',
  'objectMeta',
  'uploadId',
  'partNumber',
  'security-token',
  'position',
  'img',
  'style',
  'styleName',
  'replication',
  'replicationProgress',
  'replicationLocation',
  'cname',
  'bucketInfo',
  'comp',
  'qos',
  'live',
  'status',
  'vod',
  'startTime',
  'endTime',
  'symlink',
  'x-oss-process',
  'response-content-type',
  'response-content-language',
  'response-expires',
  'response-cache-control',
  'response-content-disposition',
  'response-content-encoding',
  'udf',
  'udfName',
  'udfImage',
  'udfId',
  'udfImageDesc',
  'udfApplication',
  'udfApplicationLog',
  'restore',
  'callback',
  'callback-var',
  'policy',
  'encryption',
  'versions',
  'versioning',
  'versionId',
  'wormId',
  'stat',
]);

export interface OssObject {
  body: Buffer;
  etag: string;
  /** The cloud's wall clock, ms. */
  lastModified: number;
}

export interface BucketData {
  name: string;
  storageClass: string;
  /** The cloud's wall clock, ms. */
  created: number;
  objects: Map<string, OssObject>;
}

interface OssRequest {
  method: string;
  /** The object key (decoded), '' for the bucket itself. */
  key: string;
  query: Record<string, string>;
  headers: Record<string, string | undefined>;
  body: Buffer;
  regionId: string;
  /** The host named a bucket; undefined for the service (ListBuckets). */
  bucket?: string;
  host: string;
  requestId: string;
}

interface OssAction {
  name: string;
  /** The RAM action (`oss:PutBucketTagging` for PutBucketTags, as RAM names it). */
  ram: string;
  handle: (req: OssRequest, world: World) => OssAnswer;
}

interface OssAnswer {
  status?: number;
  xml?: string;
  raw?: Buffer;
  headers?: Record<string, string>;
}

class OssError extends ApiError {
  constructor(
    status: number,
    code: string,
    message: string,
    readonly fields: Record<string, string> = {},
  ) {
    super(status, code, message);
  }
}

// ---- the bucket store ----

export function findBucket(world: World, name: string): Resource | undefined {
  return world.list({ type: 'oss-bucket' }).find((r) => r.id === name);
}

function mustBucket(world: World, req: OssRequest): Resource {
  const b = req.bucket ? findBucket(world, req.bucket) : undefined;
  if (!b)
    throw new OssError(404, 'NoSuchBucket', 'The specified bucket does not exist.', {
      BucketName: req.bucket ?? '',
    });
  if (b.regionId !== req.regionId) {
    // OSS answers a bucket addressed through another region's endpoint with the right endpoint.
    throw new OssError(
      403,
      'AccessDenied',
      'The bucket you are attempting to access must be addressed using the specified endpoint. Please send all future requests to this endpoint.',
      { Bucket: b.id, Endpoint: `oss-${b.regionId}.aliyuncs.com` },
    );
  }
  return b;
}

/** Bills a bucket's stored bytes (the store prices resources per hour). */
function reprice(bucket: Resource): void {
  const bytes = [...(bucket.data as BucketData).objects.values()].reduce((s, o) => s + o.body.length, 0);
  bucket.hourlyPrice = ((bytes / 1024 ** 3) * OSS_STANDARD_CNY_PER_GB_MONTH) / HOURS_PER_MONTH;
}

/** Writes an object as PutObject does (oss-mount.ts writes what a mounted directory holds). */
export function putObjectData(world: World, bucket: Resource, key: string, body: Buffer): OssObject {
  const obj: OssObject = {
    body,
    etag: createHash('md5').update(body).digest('hex').toUpperCase(),
    lastModified: world.wallNow(),
  };
  (bucket.data as BucketData).objects.set(key, obj);
  reprice(bucket);
  return obj;
}

export function deleteObjectData(bucket: Resource, key: string): void {
  (bucket.data as BucketData).objects.delete(key);
  reprice(bucket);
}

// ---- actions ----

const httpDate = (ms: number) => new Date(ms).toUTCString();
const isoDate = (ms: number) => new Date(ms).toISOString();

function esc(s: string): string {
  return s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
}

function xml(root: string, body: string): string {
  return `<?xml version="1.0" encoding="UTF-8"?>\n<${root}>${body}</${root}>`;
}

function el(name: string, value: string | number | boolean): string {
  return `<${name}>${esc(String(value))}</${name}>`;
}

function owner(world: World): string {
  return `<Owner>${el('ID', world.accountId)}${el('DisplayName', world.accountId)}</Owner>`;
}

function bucketSummary(b: Resource): string {
  const d = b.data as BucketData;
  return (
    el('CreationDate', isoDate(d.created)) +
    el('ExtranetEndpoint', `oss-${b.regionId}.aliyuncs.com`) +
    el('IntranetEndpoint', `oss-${b.regionId}-internal.aliyuncs.com`) +
    el('Location', `oss-${b.regionId}`) +
    el('Name', b.id) +
    el('Region', b.regionId) +
    el('StorageClass', d.storageClass)
  );
}

function putBucket(req: OssRequest, world: World): OssAnswer {
  const name = req.bucket!;
  if (!BUCKET_NAME.test(name))
    throw new OssError(400, 'InvalidBucketName', 'The specified bucket is not valid.', { BucketName: name });
  let storageClass = 'Standard';
  if (req.body.length > 0) {
    const doc = parseXml(req.body.toString('utf8'));
    if (doc?.name !== 'CreateBucketConfiguration')
      throw new OssError(
        400,
        'MalformedXML',
        'The XML you provided was not well-formed or did not validate against our published schema.',
      );
    storageClass = text(doc, 'StorageClass') ?? 'Standard';
    if (!['Standard', 'IA', 'Archive', 'ColdArchive', 'DeepColdArchive'].includes(storageClass))
      throw new OssError(400, 'InvalidArgument', `Invalid storage class: ${storageClass}`);
  }
  // Bucket names are global across every account and region of OSS.
  if (findBucket(world, name))
    throw new OssError(
      409,
      'BucketAlreadyExists',
      'The requested bucket name is not available. The bucket namespace is shared by all users of the system. Please select a different name and try again.',
      { BucketName: name },
    );
  const data: BucketData = { name, storageClass, created: world.wallNow(), objects: new Map() };
  world.add({
    type: 'oss-bucket',
    id: name,
    regionId: req.regionId,
    status: 'Available',
    tags: {},
    hourlyPrice: 0,
    data,
  });
  return { headers: { location: `/${name}` } };
}

function getBucketInfo(req: OssRequest, world: World): OssAnswer {
  const b = mustBucket(world, req);
  return {
    xml: xml(
      'BucketInfo',
      `<Bucket>${bucketSummary(b)}${owner(world)}<AccessControlList>${el('Grant', 'private')}</AccessControlList>${el('DataRedundancyType', 'LRS')}</Bucket>`,
    ),
  };
}

function deleteBucket(req: OssRequest, world: World): OssAnswer {
  const b = mustBucket(world, req);
  if ((b.data as BucketData).objects.size > 0)
    throw new OssError(409, 'BucketNotEmpty', 'The bucket you tried to delete is not empty.', {
      BucketName: b.id,
    });
  world.release('oss-bucket', b.id);
  return { status: 204 };
}

function listBuckets(req: OssRequest, world: World): OssAnswer {
  if (req.bucket) throw new OssError(400, 'InvalidRequest', 'ListBuckets is sent to the service endpoint.');
  const prefix = req.query.prefix ?? '';
  const marker = req.query.marker ?? '';
  const maxKeys = Number(req.query['max-keys'] ?? 100);
  if (!Number.isInteger(maxKeys) || maxKeys < 1 || maxKeys > 1000)
    throw new OssError(400, 'InvalidArgument', 'max-keys must be an integer from 1 to 1000.');
  const all = world
    .list({ type: 'oss-bucket' })
    .filter((b) => b.id.startsWith(prefix) && b.id > marker)
    .sort((a, b) => a.id.localeCompare(b.id));
  const page = all.slice(0, maxKeys);
  const truncated = all.length > page.length;
  return {
    xml: xml(
      'ListAllMyBucketsResult',
      el('Prefix', prefix) +
        el('Marker', marker) +
        el('MaxKeys', maxKeys) +
        el('IsTruncated', truncated) +
        (truncated ? el('NextMarker', page[page.length - 1]!.id) : '') +
        owner(world) +
        `<Buckets>${page.map((b) => `<Bucket>${bucketSummary(b)}</Bucket>`).join('')}</Buckets>`,
    ),
  };
}

function putBucketTags(req: OssRequest, world: World): OssAnswer {
  const b = mustBucket(world, req);
  const doc = parseXml(req.body.toString('utf8'));
  const set = doc?.name === 'Tagging' ? child(doc, 'TagSet') : undefined;
  if (!set)
    throw new OssError(
      400,
      'MalformedXML',
      'The XML you provided was not well-formed or did not validate against our published schema.',
    );
  const tags: Record<string, string> = {};
  for (const t of set.children.filter((c) => c.name === 'Tag')) {
    const key = text(t, 'Key') ?? '';
    if (!key || key.length > 64 || key.startsWith('aliyun') || key.startsWith('acs:'))
      throw new OssError(400, 'InvalidTag', `The tag key ${key} is not valid.`);
    const value = text(t, 'Value') ?? '';
    if (value.length > 128) throw new OssError(400, 'InvalidTag', `The tag value of ${key} is too long.`);
    tags[key] = value;
  }
  if (Object.keys(tags).length > MAX_TAGS)
    throw new OssError(400, 'BadRequest', `A bucket has at most ${MAX_TAGS} tags.`);
  b.tags = tags;
  return {};
}

function getBucketTags(req: OssRequest, world: World): OssAnswer {
  const b = mustBucket(world, req);
  const tags = Object.entries(b.tags)
    .map(([k, v]) => `<Tag>${el('Key', k)}${el('Value', v)}</Tag>`)
    .join('');
  return { xml: xml('Tagging', `<TagSet>${tags}</TagSet>`) };
}

function objectHeaders(o: OssObject): Record<string, string> {
  return {
    etag: `"${o.etag}"`,
    'x-oss-hash-crc64ecma': crc64ecma(o.body).toString(),
    'content-md5': createHash('md5').update(o.body).digest('base64'),
    'x-oss-object-type': 'Normal',
    'x-oss-storage-class': 'Standard',
  };
}

function putObject(req: OssRequest, world: World): OssAnswer {
  const b = mustBucket(world, req);
  if (req.key.length > 1023) throw new OssError(400, 'KeyTooLong', 'Your key is too long.');
  const md5 = req.headers['content-md5'];
  if (md5 && md5 !== createHash('md5').update(req.body).digest('base64'))
    throw new OssError(400, 'InvalidDigest', 'The Content-MD5 you specified is not valid.');
  const obj = putObjectData(world, b, req.key, req.body);
  return { headers: objectHeaders(obj) };
}

function getObject(req: OssRequest, world: World): OssAnswer {
  const b = mustBucket(world, req);
  const obj = (b.data as BucketData).objects.get(req.key);
  if (!obj) throw new OssError(404, 'NoSuchKey', 'The specified key does not exist.', { Key: req.key });
  return {
    raw: obj.body,
    headers: {
      ...objectHeaders(obj),
      'content-type': 'application/octet-stream',
      'last-modified': httpDate(obj.lastModified),
    },
  };
}

function deleteObject(req: OssRequest, world: World): OssAnswer {
  const b = mustBucket(world, req);
  deleteObjectData(b, req.key);
  return { status: 204 };
}

function listObjectsV2(req: OssRequest, world: World): OssAnswer {
  const b = mustBucket(world, req);
  const prefix = req.query.prefix ?? '';
  const maxKeys = Number(req.query['max-keys'] ?? 100);
  if (!Number.isInteger(maxKeys) || maxKeys < 1 || maxKeys > 1000)
    throw new OssError(400, 'InvalidArgument', 'max-keys must be an integer from 1 to 1000.');
  if (req.query.delimiter)
    throw new OssError(400, 'InvalidArgument', 'delimiter is not supported by this emulator.');
  const token = req.query['continuation-token'];
  const after = token ? Buffer.from(token, 'base64').toString('utf8') : (req.query['start-after'] ?? '');
  const keys = [...(b.data as BucketData).objects.keys()]
    .filter((k) => k.startsWith(prefix) && k > after)
    .sort();
  const page = keys.slice(0, maxKeys);
  const truncated = keys.length > page.length;
  const objects = (b.data as BucketData).objects;
  const encode = req.query['encoding-type'] === 'url';
  return {
    xml: xml(
      'ListBucketResult',
      el('Name', b.id) +
        el('Prefix', prefix) +
        el('MaxKeys', maxKeys) +
        (encode ? el('EncodingType', 'url') : '') +
        el('IsTruncated', truncated) +
        el('KeyCount', page.length) +
        (token ? el('ContinuationToken', token) : '') +
        (truncated
          ? el('NextContinuationToken', Buffer.from(page[page.length - 1]!).toString('base64'))
          : '') +
        page
          .map((k) => {
            const o = objects.get(k)!;
            return `<Contents>${el('Key', encode ? encodeURIComponent(k).replace(/%2F/g, '/') : k)}${el('LastModified', isoDate(o.lastModified))}${el('ETag', `"${o.etag}"`)}${el('Type', 'Normal')}${el('Size', o.body.length)}${el('StorageClass', 'Standard')}</Contents>`;
          })
          .join(''),
    ),
  };
}

function actionOf(req: OssRequest): OssAction | undefined {
  const q = req.query;
  const m = req.method;
  if (!req.bucket)
    return m === 'GET' ? { name: 'ListBuckets', ram: 'oss:ListBuckets', handle: listBuckets } : undefined;
  if (req.key === '') {
    if ('tagging' in q) {
      if (m === 'PUT') return { name: 'PutBucketTags', ram: 'oss:PutBucketTagging', handle: putBucketTags };
      if (m === 'GET') return { name: 'GetBucketTags', ram: 'oss:GetBucketTagging', handle: getBucketTags };
      return undefined;
    }
    if ('bucketInfo' in q)
      return m === 'GET'
        ? { name: 'GetBucketInfo', ram: 'oss:GetBucketInfo', handle: getBucketInfo }
        : undefined;
    if (q['list-type'] === '2' && m === 'GET')
      return { name: 'ListObjectsV2', ram: 'oss:ListObjects', handle: listObjectsV2 };
    const other = Object.keys(q).find((k) => !['prefix', 'max-keys', 'marker'].includes(k));
    if (other) return undefined; // a sub-resource acp does not use: refused, not half-done
    if (m === 'PUT') return { name: 'PutBucket', ram: 'oss:PutBucket', handle: putBucket };
    if (m === 'DELETE') return { name: 'DeleteBucket', ram: 'oss:DeleteBucket', handle: deleteBucket };
    return undefined;
  }
  if (Object.keys(q).length > 0) return undefined;
  if (m === 'PUT') return { name: 'PutObject', ram: 'oss:PutObject', handle: putObject };
  if (m === 'GET') return { name: 'GetObject', ram: 'oss:GetObject', handle: getObject };
  if (m === 'DELETE') return { name: 'DeleteObject', ram: 'oss:DeleteObject', handle: deleteObject };
  return undefined;
}

// ---- the HTTP front ----

const HOST = /^(?:([a-z0-9][a-z0-9-]*)\.)?oss-([a-z0-9-]+?)(-internal)?\.aliyuncs\.com$/;

/** True for a request in OSS's protocol: signed `OSS …`, or sent to an OSS host. */
export function isOssRequest(req: IncomingMessage): boolean {
  const host = String(req.headers.host ?? '').replace(/:\d+$/, '');
  return HOST.test(host) || /^OSS /.test(String(req.headers.authorization ?? ''));
}

/** Serves one OSS request; `path` is the API's own (raw, still encoded) path after the host. */
export async function handleOss(
  req: IncomingMessage,
  res: ServerResponse,
  body: Buffer,
  rawPath: string,
  rawQuery: string,
  world: EmulatorWorld,
): Promise<void> {
  const call: GatewayCall = { requestId: gatewayRequestId(world) };
  const { requestId } = call;
  const headers = req.headers as Record<string, string | undefined>;
  const host = String(headers.host ?? '');
  const ossReq: OssRequest = {
    method: req.method ?? 'GET',
    key: decodeKey(rawPath),
    query: parseQuery(rawQuery),
    headers,
    body,
    regionId: '',
    host,
    requestId,
  };
  const ossHeaders = () => ({
    'x-oss-request-id': requestId,
    server: 'AliyunOSS',
    date: httpDate(Date.now()),
  });
  await serveGatewayCall(world, res, {
    product: 'oss',
    call,
    unnamed: `${ossReq.method} ${rawPath}`,
    internalError: () =>
      new ApiError(500, 'InternalError', 'We encountered an internal error. Please try again.'),
    async handle() {
      const m = HOST.exec(host.replace(/:\d+$/, ''));
      if (!m || !world.catalogue.region(m[2]!))
        throw new OssError(400, 'InvalidArgument', `The host ${host} is not an OSS endpoint of a region.`);
      ossReq.regionId = call.regionId = m[2]!;
      if (m[1]) ossReq.bucket = m[1];
      const accessKeyId = verifyOssSignature(ossReq, (ak) => world.keys.get(ak));
      call.accessKeyId = accessKeyId;
      const action = actionOf(ossReq);
      if (!action)
        throw new OssError(
          400,
          'InvalidRequest',
          `${ossReq.method} ${rawPath}?${rawQuery} is not an operation this emulator serves.`,
        );
      call.action = action.name;
      authorize(world, accessKeyId, ossReq, action);
      await applyFaults(world, action);
      const result = action.handle(ossReq, world);
      return {
        status: result.status ?? 200,
        headers: {
          ...ossHeaders(),
          ...(result.xml !== undefined ? { 'content-type': 'application/xml' } : {}),
          ...result.headers,
        },
        body: result.raw ?? (result.xml !== undefined ? Buffer.from(result.xml) : Buffer.alloc(0)),
      };
    },
    errorAnswer: (e, thrown) => ({
      status: e.status,
      headers: { ...ossHeaders(), 'content-type': 'application/xml' },
      body: xml(
        'Error',
        el('Code', e.code) +
          el('Message', e.message) +
          el('RequestId', requestId) +
          el('HostId', host.replace(/^[^/]*\//, '')) +
          Object.entries(thrown instanceof OssError ? thrown.fields : {})
            .map(([k, v]) => el(k, v))
            .join(''),
      ),
    }),
  });
}

function decodeKey(rawPath: string): string {
  const p = rawPath.replace(/^\//, '');
  try {
    return decodeURIComponent(p);
  } catch {
    throw new OssError(400, 'InvalidObjectName', 'The object name is not valid.');
  }
}

function parseQuery(qs: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const part of qs.split('&')) {
    if (!part) continue;
    const eq = part.indexOf('=');
    const k = decodeURIComponent(eq < 0 ? part : part.slice(0, eq));
    out[k] = eq < 0 ? '' : decodeURIComponent(part.slice(eq + 1).replace(/\+/g, ' '));
  }
  return out;
}

/**
 * OSS signature V1: base64(HMAC-SHA1(secret, VERB\nContent-MD5\nContent-Type\nDate\n
 * <x-oss-* headers sorted, "name:value\n"><CanonicalizedResource>)), the resource being
 * `/<bucket>/<key>` (or `/` for the service) plus the signed sub-resources in order.
 */
function verifyOssSignature(req: OssRequest, secretOf: (ak: string) => string | undefined): string {
  const auth = req.headers.authorization ?? '';
  const m = /^OSS ([^:\s]+):(\S+)$/.exec(auth);
  if (!m)
    throw new OssError(
      403,
      'AccessDenied',
      'AccessDenied: the Authorization header is not OSS <AccessKeyId>:<Signature>.',
    );
  const [, accessKeyId, signature] = m as unknown as [string, string, string];
  const secret = secretOf(accessKeyId);
  if (secret === undefined)
    throw new OssError(
      403,
      'InvalidAccessKeyId',
      'The OSS Access Key Id you provided does not exist in our records.',
      { OSSAccessKeyId: accessKeyId },
    );
  if (!req.headers.date) throw new OssError(403, 'AccessDenied', 'Date header is required.');
  const ossHeaders = Object.keys(req.headers)
    .filter((h) => h.startsWith('x-oss-'))
    .sort()
    .map((h) => `${h}:${req.headers[h]}\n`)
    .join('');
  const subs = Object.keys(req.query)
    .filter((k) => SIGNED_SUBRESOURCES.has(k))
    .sort()
    .map((k) => (req.query[k] === '' ? k : `${k}=${req.query[k]}`));
  const resource = `${req.bucket ? `/${req.bucket}/` : '/'}${req.key}${subs.length ? `?${subs.join('&')}` : ''}`;
  const toSign = `${req.method}\n${req.headers['content-md5'] ?? ''}\n${req.headers['content-type'] ?? ''}\n${req.headers.date}\n${ossHeaders}${resource}`;
  const expected = createHmac('sha1', secret).update(toSign).digest('base64');
  const a = Buffer.from(expected);
  const b = Buffer.from(signature);
  if (a.length !== b.length || !timingSafeEqual(a, b))
    throw new OssError(
      403,
      'SignatureDoesNotMatch',
      'The request signature we calculated does not match the signature you provided. Check your key and signing method.',
      { OSSAccessKeyId: accessKeyId, StringToSign: toSign },
    );
  return accessKeyId;
}

function authorize(world: EmulatorWorld, accessKeyId: string, req: OssRequest, action: OssAction): void {
  const policy = world.faults.policy[accessKeyId] ?? world.startPolicies[accessKeyId];
  if (!policy) return;
  const arn = `acs:oss:*:${world.accountId}:${req.bucket ?? '*'}${req.key ? `/${req.key}` : ''}`;
  const bucket = req.bucket ? findBucket(world, req.bucket) : undefined;
  const decision = evaluate(policyDocuments(policy), {
    action: action.ram,
    targets: [{ arn, tags: bucket?.tags ?? {} }],
    requestTags: {},
  });
  if (decision.allowed) return;
  throw new OssError(403, 'AccessDenied', 'You have no right to access this object because of bucket acl.');
}

async function applyFaults(world: EmulatorWorld, action: OssAction): Promise<void> {
  const f = world.faults;
  const injected = injectedFault(f, action.name);
  if (injected) throw injected;
  if (!appliesTo(f, action.name)) return;
  if (f.latencyMs > 0) await new Promise((r) => setTimeout(r, f.latencyMs));
  if (f.errorRate > 0 && world.dice.roll() < f.errorRate)
    throw new ApiError(503, 'ServiceUnavailable', 'Please reduce your request rate.');
}

// ---- CRC-64/ECMA (as OSS computes x-oss-hash-crc64ecma: reflected, init and xorout all ones) ----

const CRC_TABLE = (() => {
  const poly = 0xc96c5795d7870f42n;
  const t: bigint[] = [];
  for (let i = 0n; i < 256n; i++) {
    let c = i;
    for (let k = 0; k < 8; k++) c = c & 1n ? (c >> 1n) ^ poly : c >> 1n;
    t.push(c);
  }
  return t;
})();

export function crc64ecma(buf: Buffer): bigint {
  let crc = 0xffffffffffffffffn;
  for (const byte of buf) crc = CRC_TABLE[Number((crc ^ BigInt(byte)) & 0xffn)]! ^ (crc >> 8n);
  return crc ^ 0xffffffffffffffffn;
}

// ---- a small XML reader for the request bodies OSS takes (elements and text, no attributes) ----

interface XmlNode {
  name: string;
  children: XmlNode[];
  text: string;
}

function parseXml(s: string): XmlNode | undefined {
  const src = s.replace(/<\?xml[^>]*\?>/, '').trim();
  let i = 0;
  const node = (): XmlNode | undefined => {
    const open = /^<([A-Za-z_][\w.-]*)\s*>/.exec(src.slice(i));
    if (!open) return undefined;
    i += open[0].length;
    const n: XmlNode = { name: open[1]!, children: [], text: '' };
    for (;;) {
      const close = `</${n.name}>`;
      if (src.startsWith(close, i)) {
        i += close.length;
        return n;
      }
      if (src[i] === '<') {
        const c = node();
        if (!c) return undefined;
        n.children.push(c);
        continue;
      }
      const next = src.indexOf('<', i);
      if (next < 0) return undefined;
      n.text += unescapeXml(src.slice(i, next));
      i = next;
    }
  };
  const root = node();
  return root && src.slice(i).trim() === '' ? root : undefined;
}

function unescapeXml(s: string): string {
  return s
    .replace(/&lt;/g, '<')
    .replace(/&gt;/g, '>')
    .replace(/&quot;/g, '"')
    .replace(/&apos;/g, "'")
    .replace(/&amp;/g, '&');
}

function child(n: XmlNode, name: string): XmlNode | undefined {
  return n.children.find((c) => c.name === name);
}

function text(n: XmlNode, name: string): string | undefined {
  return child(n, name)?.text.trim();
}
