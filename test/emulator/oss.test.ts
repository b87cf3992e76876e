// Object Storage Service through the official SDK (@alicloud/oss20190517 with its own gateway and
// signature V1), built as acp builds it for ACP_ALIBABA_ENDPOINT; and the checkpoint activities
// (activities/oss.ts) against it. The emulator refuses as OSS does: a wrong signature, a missing
// bucket, a bucket that is not empty, a name another account holds, a bucket addressed through
// another region, an XML body without its documented root.
import assert from 'node:assert/strict';
import { Readable } from 'node:stream';
import { after, before, beforeEach, describe, test } from 'node:test';
import * as $Ecs from '@alicloud/ecs20140526';
import * as $Oss from '@alicloud/oss20190517';
import { cloudConfigFromEnv, createClients, staticCredential } from '../../activities/clients';
import { createOssActivities, ossCall } from '../../activities/oss';
import { createReleaseActivities } from '../../activities/release';
import { crc64ecma } from '../../emulator/oss';
import { CHECKPOINT_DIR, ossfsCloudConfig } from '../../planner/checkpoint';
import { ecsClient } from '../support/emulator-clients';
import {
  createNetwork,
  eventually,
  runRequest,
  type TestEmulator,
  testEmulator,
  untilRunning,
} from './fixtures';

const REGION = 'cn-hangzhou';
let emu: TestEmulator['emu'];
let admin: TestEmulator['admin'];
before(async () => {
  ({ emu, admin } = await testEmulator({ speed: 600 }));
});
after(() => emu.stop());
beforeEach(() => admin.reset());

const clientsAs = (secret = emu.accessKeySecret) =>
  createClients({
    ...cloudConfigFromEnv({ ACP_ALIBABA_ENDPOINT: emu.endpoint }, staticCredential(emu.accessKeyId, secret)),
    timeoutMs: 10_000,
  });
const oss = (region = REGION) => clientsAs().oss(region);

async function refusal(p: Promise<unknown>): Promise<{ code: string; statusCode: number; message: string }> {
  try {
    await p;
  } catch (err: any) {
    return { code: String(err.code), statusCode: Number(err.data?.statusCode), message: String(err.message) };
  }
  assert.fail('the call was expected to be refused');
}

/** PutBucket through the SDK's execute (its typed putBucket cannot read OSS's empty 200 answer). */
const makeBucket = (bucket: string, region = REGION) =>
  ossCall(oss(region), { action: 'PutBucket', method: 'PUT', pathname: '/', bucket, answer: 'none' });

const put = (bucket: string, key: string, body: string, region = REGION) =>
  oss(region).putObject(bucket, key, new $Oss.PutObjectRequest({ body: Readable.from([Buffer.from(body)]) }));

describe('OSS through the official SDK', () => {
  test('buckets and objects: create, write (CRC64 and MD5 checked by the SDK), list, read, and delete only when empty', async () => {
    await makeBucket('acp-ckpt-test-a');
    await put('acp-ckpt-test-a', 'checkpoint/step', '41');
    const list = await oss()
      .listObjectsV2('acp-ckpt-test-a', new $Oss.ListObjectsV2Request({ prefix: 'checkpoint/' }))
      .catch((e: Error) => e);
    // The SDK's typed ListObjectsV2 cannot read a single <Contents> (why activities/oss.ts uses execute).
    assert.ok(list instanceof Error && /contents is mismatch/.test(list.message), String(list));
    const notEmpty = await refusal(oss().deleteBucket('acp-ckpt-test-a'));
    assert.deepEqual([notEmpty.code, notEmpty.statusCode], ['BucketNotEmpty', 409]);
    const resources: any[] = await admin.resources();
    const b = resources.find((r: any) => r.type === 'oss-bucket');
    assert.equal(b?.id, 'acp-ckpt-test-a');
    assert.equal(b?.regionId, REGION);
  });

  test('refusals: NoSuchBucket 404, another region 403 with its endpoint, a taken name 409, a wrong key 403', async () => {
    const missing = await refusal(put('acp-ckpt-nobody', 'x', 'y'));
    assert.deepEqual([missing.code, missing.statusCode], ['NoSuchBucket', 404]);
    await makeBucket('acp-ckpt-test-b');
    const elsewhere = await refusal(put('acp-ckpt-test-b', 'x', 'y', 'cn-shanghai'));
    assert.deepEqual([elsewhere.code, elsewhere.statusCode], ['AccessDenied', 403]);
    const taken = await refusal(
      oss('cn-shanghai').putBucket('acp-ckpt-test-b', new $Oss.PutBucketRequest({})),
    );
    assert.deepEqual([taken.code, taken.statusCode], ['BucketAlreadyExists', 409]);
    const forged = await refusal(
      clientsAs('not-the-secret').oss(REGION).putBucket('acp-ckpt-test-c', new $Oss.PutBucketRequest({})),
    );
    assert.deepEqual([forged.code, forged.statusCode], ['SignatureDoesNotMatch', 403]);
    // The SDK's typed PutBucket writes <StorageClass> without the documented <CreateBucketConfiguration>.
    const config = await refusal(
      oss().putBucket(
        'acp-ckpt-test-d',
        new $Oss.PutBucketRequest({
          createBucketConfiguration: new $Oss.CreateBucketConfiguration({ storageClass: 'Standard' }),
        }),
      ),
    );
    assert.deepEqual([config.code, config.statusCode], ['MalformedXML', 400]);
    // The SDK's typed PutBucketTags writes <TagSet> without the documented <Tagging> root: refused.
    const tags = await refusal(
      oss().putBucketTags(
        'acp-ckpt-test-b',
        new $Oss.PutBucketTagsRequest({
          tagging: new $Oss.Tagging({
            tagSet: new $Oss.TagSet({ tags: [new $Oss.Tag({ key: 'k', value: 'v' })] }),
          }),
        }),
      ),
    );
    assert.deepEqual([tags.code, tags.statusCode], ['MalformedXML', 400]);
  });

  test('x-oss-hash-crc64ecma is CRC-64/ECMA-182 as OSS computes it', () => {
    // The check value of CRC-64/XZ (the parameters OSS uses) for "123456789".
    assert.equal(crc64ecma(Buffer.from('123456789')).toString(16), '995dc9bbdf1939fa');
  });
});

describe('checkpoint buckets (activities/oss.ts)', () => {
  const acts = () => ({ ...createOssActivities(clientsAs()), ...createReleaseActivities(clientsAs()) });
  const owner = { workflowId: 'acp-test-ckpt', step: 'checkpoint-cn-hangzhou' };

  test('created once and tagged, copied to another region, emptied and deleted; a second release finds it gone', async () => {
    const a = await acts().createCheckpointBucket({ regionId: REGION, ...owner });
    const again = await acts().createCheckpointBucket({ regionId: REGION, ...owner });
    assert.equal(again.bucket, a.bucket, 'a retried create finds the same bucket');
    assert.match(a.bucket, /^acp-ckpt-[0-9a-f]{16}-cn-hangzhou$/);
    const resources: any[] = await admin.resources();
    assert.equal(resources.filter((r: any) => r.type === 'oss-bucket').length, 1);
    assert.equal(resources.find((r: any) => r.id === a.bucket).tags['acp:managed'], 'true');
    await put(a.bucket, 'checkpoint/step', '2');
    await put(a.bucket, 'checkpoint/model/weights.bin', 'x'.repeat(5000));
    const b = await acts().createCheckpointBucket({
      regionId: 'cn-shanghai',
      ...owner,
      step: 'checkpoint-cn-shanghai',
    });
    const copied = await acts().copyCheckpoint({ from: a, to: b });
    assert.deepEqual(copied, { objects: 2, bytes: 5001 });
    const step = await oss('cn-shanghai').getObject(
      b.bucket,
      'checkpoint/step',
      new $Oss.GetObjectRequest({}),
    );
    assert.ok(step.body);
    for (const loc of [a, b]) {
      const out = await acts().releaseCheckpointBucket({ regionId: loc.regionId, ...owner });
      assert.deepEqual(out.ids, [loc.bucket]);
      assert.deepEqual((await acts().releaseCheckpointBucket({ regionId: loc.regionId, ...owner })).ids, []);
    }
    const left: any[] = await admin.resources();
    assert.deepEqual(
      left.filter((r: any) => r.type === 'oss-bucket'),
      [],
    );
  });
});

describe("an instance's ossfs mount", () => {
  test('a file the script writes is in the bucket while the script still runs (a next spot attempt can start during the reclaim notice)', async () => {
    await admin.addRole('AcpCheckpointRole', ['ecs.aliyuncs.com']);
    await makeBucket('acp-ckpt-test-m');
    const ecs = ecsClient(emu);
    const net = await createNetwork(emu);
    const userData = ossfsCloudConfig(
      {
        bucket: 'acp-ckpt-test-m',
        regionId: REGION,
        internalEndpoint: `oss-${REGION}-internal.aliyuncs.com`,
      },
      'AcpCheckpointRole',
    );
    const run = await ecs.runInstances(
      runRequest(net, {
        userData: Buffer.from(userData).toString('base64'),
        ramRoleName: 'AcpCheckpointRole',
      }),
    );
    const instanceId = run.body!.instanceIdSets!.instanceIdSet![0]!;
    await untilRunning(ecs, instanceId);
    const script = `echo 7 > ${CHECKPOINT_DIR}/step; echo saved; sleep 30`;
    const { body } = await ecs.runCommand(
      new $Ecs.RunCommandRequest({
        regionId: REGION,
        type: 'RunShellScript',
        commandContent: script,
        instanceId: [instanceId],
        timeout: 120,
      }),
    );
    const step = await eventually(async () => {
      const got = await oss()
        .getObject('acp-ckpt-test-m', 'checkpoint/step', new $Oss.GetObjectRequest({}))
        .catch(() => undefined);
      if (!got?.body) return undefined;
      const chunks: Buffer[] = [];
      for await (const c of got.body) chunks.push(Buffer.from(c));
      return Buffer.concat(chunks).toString();
    }, 20_000);
    assert.equal(step, '7\n');
    const inv = await ecs.describeInvocations(
      new $Ecs.DescribeInvocationsRequest({ regionId: REGION, invokeId: body!.invokeId }),
    );
    assert.equal(
      inv.body!.invocations!.invocation![0]!.invocationStatus,
      'Running',
      'the script is still running',
    );
    await ecs.stopInvocation(new $Ecs.StopInvocationRequest({ regionId: REGION, invokeId: body!.invokeId }));
  });
});
