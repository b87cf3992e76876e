// `acp gc` for OSS: the checkpoint buckets of spot runs (activities/oss.ts), found by their name
// prefix (ListBuckets) and acp's tags (GetBucketTags), released the way a run releases them: every
// object deleted, then the bucket.
import type { AlibabaClients } from './clients';
import { managedResource, type Sweeper } from './gc-sweeper';
import { deleteBucket, listCheckpointBuckets } from './oss';

export const ossSweeper: Sweeper = {
  types: ['oss-bucket'],
  list: async (clients: AlibabaClients, regionId: string) =>
    (await listCheckpointBuckets(clients.oss(regionId), regionId)).map((b) =>
      managedResource('oss-bucket', b.bucket, regionId, b.tags),
    ),
  release: (clients, r) => deleteBucket(clients.oss(r.regionId), r.id),
};
