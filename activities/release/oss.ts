// Releasing the checkpoint buckets of spot runs (activities/oss.ts): found by their name prefix
// (ListBuckets) and acp's tags (GetBucketTags), or by name (derived from the workflow and region);
// released as every object deleted, then the bucket.
import { checkpointBucketName, deleteBucket, listCheckpointBuckets } from '../oss';
import { managedResource, type ReleaseKind } from './kind';

export const ossBucket: ReleaseKind = {
  type: 'oss-bucket',
  product: 'oss',
  stage: 0,
  async list(clients, regionId) {
    return (await listCheckpointBuckets(clients.oss(regionId), regionId)).map((b) =>
      managedResource(ossBucket, b.bucket, regionId, b.tags),
    );
  },
  // The name is the run's and the region's: a bucket that is not there is simply gone.
  findByOwner: async (_clients, regionId, owner) => [checkpointBucketName(owner.workflowId, regionId)],
  release: (clients, regionId, id) => deleteBucket(clients.oss(regionId), id),
};
