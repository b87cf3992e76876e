// planner/checkpoint.ts and the checkpoint field of the request: opt-in, spot only, ECS and PAI-DLC;
// the mount an ECS instance declares and the one a DLC job declares name the same bucket prefix.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ossMountOfUri, ossMountsOfUserData } from '../../emulator/oss-mount';
import { dlcCheckpointSource, ossfsCloudConfig, withCheckpointDir } from '../../planner/checkpoint';
import { parseIntent } from '../../planner/intent';
import { IntentError } from '../../planner/types';

const loc = {
  bucket: 'acp-ckpt-0123456789abcdef-cn-hangzhou',
  regionId: 'cn-hangzhou',
  internalEndpoint: 'oss-cn-hangzhou-internal.aliyuncs.com',
};

function refusal(fn: () => unknown): IntentError {
  try {
    fn();
  } catch (err) {
    if (err instanceof IntentError) return err;
    throw err;
  }
  assert.fail('expected an IntentError');
}

describe('the checkpoint request field', () => {
  it('is kept on a spot one-shot', () => {
    const intent = parseIntent({ intent: 'run a.sh on 2 vCPU for 1 hour', spot: true, checkpoint: true });
    assert.equal(intent.checkpoint, true);
  });

  it('is refused without spot, on FC, and when not a boolean, naming the field', () => {
    const noSpot = refusal(() => parseIntent({ intent: 'run a.sh on 2 vCPU for 1 hour', checkpoint: true }));
    assert.equal(noSpot.field, 'checkpoint');
    assert.match(noSpot.message, /--spot/);
    const fc = refusal(() =>
      parseIntent({ intent: 'run a.sh on 2 vCPU for 1 hour', product: 'fc', spot: true, checkpoint: true }),
    );
    assert.equal(fc.field, 'checkpoint');
    assert.match(fc.message, /ecs and pai, not fc/);
    const odd = refusal(() =>
      parseIntent({ intent: 'run a.sh on 2 vCPU for 1 hour', spot: true, checkpoint: 'yes' as any }),
    );
    assert.equal(odd.field, 'checkpoint');
  });
});

describe('the mounts', () => {
  it('ECS: cloud-config mounts the bucket prefix with ossfs and the instance role', () => {
    const config = ossfsCloudConfig(loc, 'AcpCheckpointRole');
    assert.match(config, /^#cloud-config\n/);
    const [mount] = ossMountsOfUserData(Buffer.from(config).toString('base64'));
    assert.deepEqual(mount, {
      bucket: loc.bucket,
      prefix: 'checkpoint/',
      mountPath: '/mnt/acp-checkpoint',
      regionId: 'cn-hangzhou',
      ramRole: 'AcpCheckpointRole',
    });
    assert.match(withCheckpointDir('echo hi'), /export ACP_CHECKPOINT_DIR=\/mnt\/acp-checkpoint\necho hi$/);
  });

  it('PAI-DLC: the DataSources entry names the same prefix', () => {
    const ds = dlcCheckpointSource(loc);
    assert.deepEqual(ossMountOfUri(ds.Uri, ds.MountPath), {
      bucket: loc.bucket,
      prefix: 'checkpoint/',
      mountPath: '/mnt/acp-checkpoint',
      regionId: 'cn-hangzhou',
    });
  });
});
