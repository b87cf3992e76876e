// ECS 2014-05-26 (RPC): the catalogue, security groups, instances, Cloud Assistant and tags.
import { catalogueActions } from './ecs-catalogue';
import { commandActions, resetInvocations } from './ecs-commands';
import { instanceActions } from './ecs-instances';
import { securityGroupActions } from './ecs-security-groups';
import { tagActions } from './ecs-tags';
import { spotActions } from './spot';
import type { ProductModule } from './types';

export const ecs: ProductModule = {
  product: 'ecs',
  version: '2014-05-26',
  hostId: 'ecs.aliyuncs.com',
  actions: {
    ...catalogueActions,
    ...securityGroupActions,
    ...instanceActions,
    ...commandActions,
    ...tagActions,
    ...spotActions,
  },
  reset: resetInvocations,
};
