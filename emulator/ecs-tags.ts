// ECS TagResources / ListTagResources over instances and security groups. The wire resource types
// are lowercase ("instance", "securitygroup"); the store uses its own type names.
import { requireRegion } from './ecs-catalogue';
import { list, required, tags } from './rpc-params';
import { ApiError, type Handler } from './types';

const STORE_TYPE: Record<string, string> = { instance: 'instance', securitygroup: 'security-group' };

const tagResources: Handler = (req, world) => {
  const region = requireRegion(req, world);
  const wireType = required(req, 'ResourceType').toLowerCase();
  const storeType = STORE_TYPE[wireType];
  if (!storeType)
    throw new ApiError(400, 'InvalidResourceType.NotFound', 'The specified ResourceType is not supported.');
  const ids = list(req, 'ResourceId');
  const add = tags(req);
  if (ids.length === 0 || Object.keys(add).length === 0) {
    throw new ApiError(
      400,
      'MissingParameter',
      'The input parameters "ResourceId" and "Tag" are mandatory for processing this request.',
    );
  }
  const resources = ids.map((id) => {
    const r = world.get(storeType, id);
    if (!r || r.releasedAt !== undefined || r.regionId !== region.regionId) {
      throw new ApiError(
        404,
        'InvalidResourceId.NotFound',
        'The specified ResourceIds are not found in our records.',
      );
    }
    return r;
  });
  for (const r of resources) Object.assign(r.tags, add);
  return { body: { RequestId: req.requestId } };
};

const listTagResources: Handler = (req, world) => {
  const region = requireRegion(req, world);
  const wireType = required(req, 'ResourceType').toLowerCase();
  const storeType = STORE_TYPE[wireType];
  if (!storeType)
    throw new ApiError(400, 'InvalidResourceType.NotFound', 'The specified ResourceType is not supported.');
  const ids = list(req, 'ResourceId');
  const want = tags(req);
  const TagResource = world
    .list({ type: storeType, regionId: region.regionId })
    .filter((r) => ids.length === 0 || ids.includes(r.id))
    .flatMap((r) =>
      Object.entries(r.tags)
        .filter(
          ([k, v]) => Object.keys(want).length === 0 || (k in want && (want[k] === '' || want[k] === v)),
        )
        .map(([TagKey, TagValue]) => ({ ResourceId: r.id, ResourceType: wireType, TagKey, TagValue })),
    );
  return { body: { RequestId: req.requestId, NextToken: '', TagResources: { TagResource } } };
};

export const tagActions: Record<string, Handler> = {
  TagResources: tagResources,
  ListTagResources: listTagResources,
};
