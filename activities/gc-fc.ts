// `acp gc` for Function Compute 3.0: the functions acp made (activities/fc.ts tags each one at
// CreateFunction), found with ListFunctions' `tags` filter and deleted with DeleteFunction. acp
// creates no triggers and no async-invoke configuration, so there is nothing to remove first.
import * as $Fc from '@alicloud/fc20230330';
import type { AlibabaClients } from './clients';
import { alibabaCall } from './errors';
import { type ManagedResource, managedResource, releaseOne, type Sweeper, tagMap } from './gc-sweeper';
import { MANAGED_TAG } from './tags';

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

async function list(clients: AlibabaClients, regionId: string): Promise<ManagedResource[]> {
  const fc = await clients.fc(regionId);
  const out: ManagedResource[] = [];
  let nextToken: string | undefined;
  do {
    const token = nextToken;
    const r = await alibabaCall(`ListFunctions tagged ${MANAGED_TAG} in ${regionId}`, () =>
      fc.listFunctions(
        new $Fc.ListFunctionsRequest({
          limit: LIMIT,
          tags: [new $Fc.Tag({ key: MANAGED_TAG, value: 'true' })],
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
        : fcTags(
            (
              await alibabaCall(`GetFunction ${name}`, () =>
                fc.getFunction(name, new $Fc.GetFunctionRequest({})),
              )
            ).body?.tags,
          );
      out.push(managedResource('function', name, regionOfArn(f.functionArn) ?? regionId, tags));
    }
    nextToken = r.body?.nextToken || undefined;
  } while (nextToken);
  return out;
}

async function release(clients: AlibabaClients, r: ManagedResource): Promise<'released' | 'gone'> {
  const fc = await clients.fc(r.regionId);
  return releaseOne(`DeleteFunction ${r.id} in ${r.regionId}`, () => fc.deleteFunction(r.id));
}

export const fcSweeper: Sweeper = { types: ['function'], list, release };
