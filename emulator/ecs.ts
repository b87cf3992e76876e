// ECS 2014-05-26 (RPC): the catalogue, security groups, instances, Cloud Assistant, monitoring and tags.
import { catalogueActions } from './ecs-catalogue';
import { commandActions, resetInvocations } from './ecs-commands';
import { instanceActions } from './ecs-instances';
import { monitorActions } from './ecs-monitoring';
import { closePublicPorts } from './ecs-public-address';
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
    ...monitorActions,
    ...tagActions,
    ...spotActions,
  },
  reset(world) {
    resetInvocations(world);
    closePublicPorts(world);
  },
};
