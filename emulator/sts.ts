// STS 2015-04-01: GetCallerIdentity, which acp uses to learn the account id for FC endpoints.
// The emulator's primary key is the account's own AccessKey (IdentityType "Account"); keys added
// through /__emulator/keys are RAM users named after their key id.
import { hashSeed } from './rng';
import type { ProductModule } from './types';

export const sts: ProductModule = {
  product: 'sts',
  version: '2015-04-01',
  hostId: 'sts.aliyuncs.com',
  actions: {
    GetCallerIdentity: (req, world) => {
      const primary = isPrimaryKey(req.accessKeyId, world);
      const userId = primary ? world.accountId : ramUserId(req.accessKeyId);
      return {
        body: {
          RequestId: req.requestId,
          AccountId: world.accountId,
          UserId: userId,
          PrincipalId: userId,
          IdentityType: primary ? 'Account' : 'RAMUser',
          Arn: primary
            ? `acs:ram::${world.accountId}:root`
            : `acs:ram::${world.accountId}:user/${req.accessKeyId}`,
          // Only an assumed RAM role has one; the emulator's keys are the account and RAM users.
          RoleId: '',
        },
      };
    },
  },
};

function isPrimaryKey(accessKeyId: string, world: { primaryAccessKeyId?: string }): boolean {
  return world.primaryAccessKeyId === undefined || world.primaryAccessKeyId === accessKeyId;
}

/** A stable 16-digit RAM user id derived from the key id. */
function ramUserId(accessKeyId: string): string {
  return `2${String(hashSeed(accessKeyId)).padStart(10, '0')}${String(hashSeed(`u${accessKeyId}`) % 100000).padStart(5, '0')}`;
}
