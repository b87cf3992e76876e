// Object Storage Service for checkpoints (docs/spot.md): one bucket per run and region, named from
// the workflow id so a retried create or a lost answer finds the same bucket, tagged like every acp
// resource so `acp gc` finds a leftover; emptied and deleted by the run's saga. When a spot run moves
// to another region, what the last attempt saved is copied into that region's bucket, so the next
// attempt reads it over the region's internal endpoint.
//
// Calls go through the OSS SDK's generic `execute` (its own signing gateway, XML and CRC checks):
// the typed methods of @alicloud/oss20190517 1.0.6 write PutBucketTags without its <Tagging> root
// and DeleteMultipleObjects under <root>, which OSS refuses as MalformedXML, and cannot read a
// ListObjectsV2 answer holding a single object ("type of contents is mismatch").
import { createHash } from 'node:crypto';
import { Readable } from 'node:stream';
import type Oss from '@alicloud/oss20190517';
import { ApplicationFailure } from '@temporalio/common';
import { type CheckpointLocation, DEFAULT_CHECKPOINT_ROLE } from '../planner/checkpoint';
import type { AlibabaClients } from './clients';
import { alibabaCall, describeSdkError, toFailure } from './errors';
import { beat } from './release/retry';
import { sdk } from './sdk';
import { MANAGED_TAG, type Owner, ownerTags } from './tags';

/** Every checkpoint bucket's name starts so (gc lists buckets by it, the RAM policy scopes to it). */
export const CHECKPOINT_BUCKET_PREFIX = 'acp-ckpt-';
const LIST_PAGE = 1000;

export interface CheckpointBucket extends CheckpointLocation {
  /** The instance RAM role ECS machines mount it with (ACP_CHECKPOINT_ROLE, docs/spot.md). */
  ramRole: string;
}

/** `acp-ckpt-<16 hex of the workflow id>-<region>`: OSS bucket names are global, 3–63 characters. */
export function checkpointBucketName(workflowId: string, regionId: string): string {
  const h = createHash('sha256').update(workflowId).digest('hex').slice(0, 16);
  return `${CHECKPOINT_BUCKET_PREFIX}${h}-${regionId}`;
}

export interface OssCall {
  action: string;
  method: 'GET' | 'PUT' | 'DELETE' | 'POST';
  pathname: string;
  bucket?: string;
  query?: Record<string, string>;
  /** An XML document as a map (its one key is the root element). */
  xml?: Record<string, unknown>;
  bytes?: Buffer;
  answer: 'xml' | 'binary' | 'none';
}

export async function ossCall(
  client: Oss,
  c: OssCall,
): Promise<{ body: any; headers: Record<string, string> }> {
  const req = new sdk.openApiClient.OpenApiRequest({
    hostMap: c.bucket ? { bucket: c.bucket } : {},
    headers: {},
    ...(c.query ? { query: c.query } : {}),
    ...(c.xml ? { body: c.xml } : {}),
    ...(c.bytes ? { body: Readable.from([c.bytes]), stream: Readable.from([c.bytes]) } : {}),
  });
  const params = new sdk.openApiClient.Params({
    action: c.action,
    version: '2019-05-17',
    protocol: 'HTTPS',
    pathname: c.pathname,
    method: c.method,
    authType: 'AK',
    style: 'ROA',
    reqBodyType: c.bytes ? 'binary' : 'xml',
    bodyType: c.answer === 'binary' ? 'binary' : c.answer === 'xml' ? 'xml' : 'none',
  });
  const out = await client.execute(params, req, new sdk.teaUtil.RuntimeOptions({}));
  return { body: out.body, headers: (out.headers ?? {}) as Record<string, string> };
}

const asList = <T>(v: T | T[] | undefined): T[] => (v === undefined ? [] : Array.isArray(v) ? v : [v]);

async function readAll(stream: NodeJS.ReadableStream): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const c of stream) chunks.push(Buffer.isBuffer(c) ? c : Buffer.from(c as string));
  return Buffer.concat(chunks);
}

/** Every key under `prefix` (ListObjectsV2, page by page). */
export async function listKeys(
  client: Oss,
  bucket: string,
  prefix = '',
): Promise<{ key: string; size: number }[]> {
  const keys: { key: string; size: number }[] = [];
  let token: string | undefined;
  for (;;) {
    const { body } = await ossCall(client, {
      action: 'ListObjectsV2',
      method: 'GET',
      pathname: '/?list-type=2',
      bucket,
      query: {
        'max-keys': String(LIST_PAGE),
        ...(prefix ? { prefix } : {}),
        ...(token ? { 'continuation-token': token } : {}),
      },
      answer: 'xml',
    });
    for (const c of asList<any>(body?.Contents)) keys.push({ key: String(c.Key), size: Number(c.Size ?? 0) });
    if (String(body?.IsTruncated) !== 'true' || !body?.NextContinuationToken) return keys;
    token = String(body.NextContinuationToken);
  }
}

/** Empties and deletes a bucket; 'gone' when it no longer exists. */
export async function deleteBucket(client: Oss, bucket: string): Promise<'released' | 'gone'> {
  const op = `DeleteBucket ${bucket}`;
  try {
    for (const { key } of await listKeys(client, bucket)) {
      await ossCall(client, {
        action: 'DeleteObject',
        method: 'DELETE',
        pathname: `/${key}`,
        bucket,
        answer: 'none',
      });
      beat({ deleted: key });
    }
    await ossCall(client, {
      action: 'DeleteBucket',
      method: 'DELETE',
      pathname: '/',
      bucket,
      answer: 'none',
    });
    return 'released';
  } catch (err) {
    if (describeSdkError(err, op).kind === 'not-found') return 'gone';
    throw toFailure(err, op);
  }
}

/** The bucket's tags (GetBucketTags). */
export async function bucketTags(client: Oss, bucket: string): Promise<Record<string, string>> {
  const { body } = await ossCall(client, {
    action: 'GetBucketTags',
    method: 'GET',
    pathname: '/?tagging',
    bucket,
    answer: 'xml',
  });
  const tags: Record<string, string> = {};
  for (const t of asList<any>(body?.TagSet?.Tag)) tags[String(t.Key)] = String(t.Value ?? '');
  return tags;
}

export function createOssActivities(clients: AlibabaClients) {
  return {
    /**
     * The run's checkpoint bucket in a region: created and tagged, or found when an earlier try of
     * this activity made it. A bucket of that name owned by someone else (OSS names are global) is
     * a clear failure.
     */
    async createCheckpointBucket(input: Owner & { regionId: string }): Promise<CheckpointBucket> {
      const { regionId } = input;
      const bucket = checkpointBucketName(input.workflowId, regionId);
      const oss = clients.oss(regionId);
      try {
        await ossCall(oss, { action: 'PutBucket', method: 'PUT', pathname: '/', bucket, answer: 'none' });
      } catch (err) {
        if (describeSdkError(err, `PutBucket ${bucket}`).code !== 'BucketAlreadyExists')
          throw toFailure(err, `PutBucket ${bucket} in ${regionId}`);
        // Ours when our keys can read it in this region (an earlier try of this step made it).
        await ossCall(oss, {
          action: 'GetBucketInfo',
          method: 'GET',
          pathname: '/?bucketInfo',
          bucket,
          answer: 'xml',
        }).catch((e: unknown) => {
          throw ApplicationFailure.nonRetryable(
            `OSS bucket ${bucket} exists and is not this account's in ${regionId} (${describeSdkError(e, 'GetBucketInfo').code}); bucket names are global`,
            'BucketAlreadyExists',
          );
        });
      }
      await alibabaCall(`PutBucketTags ${bucket}`, () =>
        ossCall(oss, {
          action: 'PutBucketTags',
          method: 'PUT',
          pathname: '/?tagging',
          bucket,
          xml: {
            Tagging: { TagSet: { Tag: ownerTags(input).map((t) => ({ Key: t.key, Value: t.value })) } },
          },
          answer: 'none',
        }),
      );
      return {
        bucket,
        regionId,
        internalEndpoint: `oss-${regionId}-internal.aliyuncs.com`,
        ramRole: process.env.ACP_CHECKPOINT_ROLE || DEFAULT_CHECKPOINT_ROLE,
      };
    },

    /**
     * Copies what the last attempt saved into the bucket of the region the next attempt runs in
     * (OSS copies objects only inside a region, so the bytes pass through the worker).
     */
    async copyCheckpoint(input: {
      from: { regionId: string; bucket: string };
      to: { regionId: string; bucket: string };
    }): Promise<{ objects: number; bytes: number }> {
      const src = clients.oss(input.from.regionId);
      const dst = clients.oss(input.to.regionId);
      const keys = await alibabaCall(`ListObjectsV2 ${input.from.bucket}`, () =>
        listKeys(src, input.from.bucket),
      );
      let bytes = 0;
      for (const { key } of keys) {
        const got = await alibabaCall(`GetObject ${input.from.bucket}/${key}`, () =>
          ossCall(src, {
            action: 'GetObject',
            method: 'GET',
            pathname: `/${key}`,
            bucket: input.from.bucket,
            answer: 'binary',
          }),
        );
        const data = await readAll(got.body);
        await alibabaCall(`PutObject ${input.to.bucket}/${key}`, () =>
          ossCall(dst, {
            action: 'PutObject',
            method: 'PUT',
            pathname: `/${key}`,
            bucket: input.to.bucket,
            bytes: data,
            answer: 'none',
          }),
        );
        bytes += data.length;
        beat({ copied: key });
      }
      return { objects: keys.length, bytes };
    },
  };
}

/** acp's checkpoint buckets in a region, with their tags (release/oss.ts). */
export async function listCheckpointBuckets(
  client: Oss,
  regionId: string,
): Promise<{ bucket: string; tags: Record<string, string> }[]> {
  const found: { bucket: string; tags: Record<string, string> }[] = [];
  let marker: string | undefined;
  for (;;) {
    const { body } = await alibabaCall(`ListBuckets ${CHECKPOINT_BUCKET_PREFIX}* in ${regionId}`, () =>
      ossCall(client, {
        action: 'ListBuckets',
        method: 'GET',
        pathname: '/',
        query: { prefix: CHECKPOINT_BUCKET_PREFIX, 'max-keys': '1000', ...(marker ? { marker } : {}) },
        answer: 'xml',
      }),
    );
    for (const b of asList<any>(body?.Buckets?.Bucket)) {
      // ListBuckets lists the account's buckets in every region; this region's are swept here.
      if (String(b.Region ?? String(b.Location ?? '').replace(/^oss-/, '')) !== regionId) continue;
      const name = String(b.Name);
      const tags = await alibabaCall(`GetBucketTags ${name}`, () => bucketTags(client, name)).catch(
        (err: unknown) => {
          if (err instanceof ApplicationFailure && /NoSuchBucket/.test(err.message)) return undefined;
          throw err;
        },
      );
      if (tags?.[MANAGED_TAG] === 'true') found.push({ bucket: name, tags });
    }
    if (String(body?.IsTruncated) !== 'true' || !body?.NextMarker) return found;
    marker = String(body.NextMarker);
  }
}
