// The run's checkpoint directory across spot attempts (docs/spot.md): an OSS bucket in each region an
// attempt runs in, made before the first attempt there (its release registered first, as every
// create), and — when a recovery moves to another region — filled with what the last attempt saved.
// The saga empties and deletes every bucket at the end.
import type { CheckpointLocation } from '../planner/checkpoint';
import { api, described } from './activity-options';
import type { ResourceRecord } from './messages';
import { deployKit } from './products/kit';
import type { Saga } from './saga';

export interface CheckpointMount extends CheckpointLocation {
  /** The instance RAM role an ECS machine mounts it with. */
  ramRole: string;
}

export class RunCheckpoint {
  private readonly buckets = new Map<string, Promise<CheckpointMount>>();
  /** The bucket the last attempt used: where the next one's checkpoint comes from. */
  private last: CheckpointMount | undefined;

  constructor(
    private readonly workflowId: string,
    private readonly saga: Saga,
    private readonly report: { created(r: ResourceRecord): void; progress(m: string): void },
  ) {}

  /** The checkpoint bucket an attempt in `regionId` mounts, holding what the last attempt saved. */
  async forAttempt(regionId: string): Promise<CheckpointMount> {
    let made = this.buckets.get(regionId);
    const fresh = !made;
    if (!made) {
      made = this.create(regionId);
      this.buckets.set(regionId, made);
    }
    const loc = await made;
    const from = this.last;
    if (from && from.regionId !== regionId) {
      const copied = await described(
        api.copyCheckpoint,
        `copy the checkpoint ${from.bucket} → ${loc.bucket}`,
        { from: { regionId: from.regionId, bucket: from.bucket }, to: { regionId, bucket: loc.bucket } },
      );
      this.report.progress(
        `checkpoint carried from ${from.regionId} to ${regionId}: ${copied.objects} object(s), ${copied.bytes} bytes`,
      );
    } else if (fresh) {
      this.report.progress(`checkpoint directory: oss://${loc.bucket}/ (kept across attempts)`);
    }
    this.last = loc;
    return loc;
  }

  private async create(regionId: string): Promise<CheckpointMount> {
    const step = `checkpoint-${regionId}`;
    const { created } = await deployKit({
      workflowId: this.workflowId,
      saga: this.saga,
      created: this.report.created,
    }).create({
      kind: 'oss-bucket',
      label: `checkpoint bucket in ${regionId}`,
      regionId,
      step,
      create: () =>
        described(api.createCheckpointBucket, `PutBucket: the checkpoint bucket in ${regionId}`, {
          regionId,
          workflowId: this.workflowId,
          step,
        }),
      idOf: (loc) => loc.bucket,
    });
    return created;
  }
}
