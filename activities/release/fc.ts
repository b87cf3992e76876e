// Releasing Function Compute 3.0 functions. acp tags each one at CreateFunction and names it from its
// workflow id, so a run finds its function by name even when the CreateFunction answer never arrived
// (and touches none that is not tagged as its own); `acp gc` lists them with ListFunctions' `tags`
// filter. acp creates no triggers; the async config an async run sets goes first.
import type * as $Fc from '@alicloud/fc20230330';
import { ApplicationFailure } from '@temporalio/common';
import { alibabaCall, describeSdkError } from '../errors';
import { functionIn, functionNameFor, ownedBy } from '../fc';
import { sdk } from '../sdk';
import { MANAGED_TAG } from '../tags';
import { type ManagedResource, managedResource, type ReleaseKind, tagMap } from './kind';
import { releaseOne } from './retry';

const LIMIT = 100;

const fcTags = (tags?: $Fc.Tag[]) =>
  tagMap(
    tags,
    (t) => t.key,
    (t) => t.value,
  );

/** acs:fc:<region>:<account>:functions/<name> → region (the ARN says where the function lives). */
function regionOfArn(arn: string | undefined): string | undefined {
  return arn?.split(':')[2] || undefined;
}

export const fn: ReleaseKind = {
  type: 'function',
  product: 'fc',
  stage: 0,
  async list(clients, regionId) {
    const fc = await clients.fc(regionId);
    const out: ManagedResource[] = [];
    let nextToken: string | undefined;
    do {
      const token = nextToken;
      const r = await alibabaCall(`ListFunctions tagged ${MANAGED_TAG} in ${regionId}`, () =>
        fc.listFunctions(
          new sdk.fc.ListFunctionsRequest({
            limit: LIMIT,
            tags: [new sdk.fc.Tag({ key: MANAGED_TAG, value: 'true' })],
            ...(token ? { nextToken: token } : {}),
          }),
        ),
      );
      for (const f of r.body?.functions ?? []) {
        if (!f.functionName) continue;
        const name = f.functionName;
        // Should a listing leave the tags out, the function itself has them.
        const tags = f.tags?.length
          ? fcTags(f.tags)
          : fcTags((await functionIn(clients, { regionId, functionName: name }))?.tags);
        out.push(managedResource(fn, name, regionOfArn(f.functionArn) ?? regionId, tags));
      }
      nextToken = r.body?.nextToken || undefined;
    } while (nextToken);
    return out;
  },
  async findByOwner(clients, regionId, owner) {
    const functionName = functionNameFor(owner.workflowId);
    const found = await functionIn(clients, { regionId, functionName });
    if (!found) return [];
    if (!ownedBy(found, owner.workflowId)) {
      throw ApplicationFailure.nonRetryable(
        `function ${functionName} in ${regionId} is not tagged as run ${owner.workflowId}'s; not deleting it`,
        'NotOwned',
      );
    }
    return [functionName];
  },
  async release(clients, regionId, id) {
    const fc = await clients.fc(regionId);
    // The async config (set for async runs) is a sub-resource of the function: removed first, so it
    // is gone even where deleting the function would not take it along. None is fine.
    await releaseOne(`DeleteAsyncInvokeConfig ${id} in ${regionId}`, async () => {
      try {
        return await fc.deleteAsyncInvokeConfig(id, new sdk.fc.DeleteAsyncInvokeConfigRequest({}));
      } catch (err) {
        if (describeSdkError(err, 'DeleteAsyncInvokeConfig').httpStatus === 404) return undefined;
        throw err;
      }
    });
    return releaseOne(`DeleteFunction ${id} in ${regionId}`, () => fc.deleteFunction(id));
  },
};
