// RAM 2015-05-01 roles: GetRole, which acp calls to check that the role Function Compute writes a
// function's logs with exists. The account starts with Function Compute's service-linked role
// AliyunServiceRoleForFC (created by the FC console's first-use prompt, and what FC 3.0 functions
// without a role of their own use for logs); tests remove it or add roles through the admin API
// (/__emulator/roles). A missing role is 404 EntityNotExist.Role, as RAM answers it.
import { ApiError, type ProductModule, type RamRole, type World } from './types';

/** Function Compute's service-linked role and the service that may assume it. */
export const FC_SERVICE_LINKED_ROLE = 'AliyunServiceRoleForFC';
export const FC_SERVICE = 'fc.aliyuncs.com';

/** A role the account has from the start (EmulatorOptions.roles). */
export interface StartRole {
  roleName: string;
  trustedServices: string[];
}

/** The roles an account has before anyone touches RAM (what `reset` restores). */
export function defaultRoles(accountId: string, now: number, start: StartRole[] = []): Map<string, RamRole> {
  const roles = new Map<string, RamRole>();
  const slr = makeRole(accountId, FC_SERVICE_LINKED_ROLE, [FC_SERVICE], now, true);
  roles.set(slr.roleName.toLowerCase(), slr);
  for (const r of start)
    roles.set(r.roleName.toLowerCase(), makeRole(accountId, r.roleName, r.trustedServices, now));
  return roles;
}

export function makeRole(
  accountId: string,
  roleName: string,
  trustedServices: string[],
  now: number,
  isServiceLinkedRole = false,
): RamRole {
  return {
    roleName,
    roleId: `3${String(hash(`${accountId}/${roleName}`))
      .padStart(18, '0')
      .slice(0, 18)}`,
    // RAM writes role ARNs in lower case (acs:ram::<uid>:role/aliyunserviceroleforfc).
    arn: `acs:ram::${accountId}:role/${roleName.toLowerCase()}`,
    description: isServiceLinkedRole
      ? 'Function Compute will use this role to access your resources in other services.'
      : '',
    trustedServices,
    isServiceLinkedRole,
    createdAt: now,
  };
}

/** The role an ARN or name stands for, in this account (RAM role names are case-insensitive). */
export function findRole(world: World, nameOrArn: string): RamRole | undefined {
  const m = /^acs:ram::(\d+):role\/(.+)$/.exec(nameOrArn);
  if (m && m[1] !== world.accountId) return undefined;
  return world.roles.get((m ? m[2]! : nameOrArn).toLowerCase());
}

function hash(s: string): number {
  let h = 2166136261;
  for (const c of s) h = Math.imul(h ^ c.charCodeAt(0), 16777619) >>> 0;
  return h;
}

const iso = (ms: number) => new Date(ms).toISOString().replace(/\.\d{3}Z$/, 'Z');

export const ram: ProductModule = {
  product: 'ram',
  version: '2015-05-01',
  hostId: 'ram.aliyuncs.com',
  actions: {
    GetRole: (req, world) => {
      const name = req.query.RoleName;
      if (!name)
        throw new ApiError(400, 'MissingRoleName', 'The parameter - RoleName is required but not provided.');
      const role = world.roles.get(name.toLowerCase());
      if (!role) throw new ApiError(404, 'EntityNotExist.Role', `The role not exists: ${name}.`);
      const policy = {
        Statement: [
          { Action: 'sts:AssumeRole', Effect: 'Allow', Principal: { Service: role.trustedServices } },
        ],
        Version: '1',
      };
      return {
        body: {
          RequestId: req.requestId,
          Role: {
            RoleId: role.roleId,
            RoleName: role.roleName,
            Arn: role.arn,
            Description: role.description,
            AssumeRolePolicyDocument: JSON.stringify(policy),
            CreateDate: iso(role.createdAt),
            UpdateDate: iso(role.createdAt),
            MaxSessionDuration: 3600,
          },
        },
      };
    },
  },
};
