// The admin API under /__emulator/ (unauthenticated; the emulator only listens on loopback).
// Tests, benchmarks and operators rely on these exact paths:
//   GET    /__emulator/resources[?all=1][&type=instance]  {"resources":[{type,id,regionId,status,tags,…}]}
//   GET    /__emulator/calls                             {"calls":[{action,product,regionId,code,httpStatus,at,…}]}
//                                                        code is the error Code, or "OK"; at = emulated ms
//   DELETE /__emulator/calls
//   GET    /__emulator/faults                            the current fault table
//   POST   /__emulator/faults                            merge a partial fault table (faults.ts)
//   POST   /__emulator/reset                             forget every resource, call, fault and extra key
//   GET    /__emulator/cost                              {"resources":[{type,id,regionId,status,hourlyPrice,cost}],"total","currency":"CNY"}
//   GET    /__emulator/clock | POST {"advanceMs":n}      {"now":ms,"iso":…,"speed":n}
//   POST   /__emulator/keys {"accessKeyId","accessKeySecret","policy?":<RAM policy document(s) or
//                                                        ["ecs:Describe*",…]>}   a RAM user (ram.ts)
//   GET    /__emulator/health                            {"ok":true,"accountId",…}
//   POST   /__emulator/reclaim {"id"}                    reclaims a spot instance or spot DLC job now
//                                                        (notice, release 5 min later; spot.ts)
//   GET    /__emulator/metadata/<instanceId>/latest/meta-data/instance/spot/termination-time
//                                                        the metadata item: the UTC time, or 404
//   GET    /__emulator/roles                             {"roles":[{roleName,arn,trustedServices,…}]}
//   POST   /__emulator/roles {"roleName","trustedServices?":["fc.aliyuncs.com"]}   adds a RAM role
//   DELETE /__emulator/roles/<roleName>                  removes one (e.g. FC's service-linked role)
import type { IncomingMessage, ServerResponse } from 'node:http';
import { reclaimJob } from './dlc';
import { releaseInstance } from './ecs-instances';
import { mergeFaults } from './faults';
import { makeRole } from './ram-roles';
import { reclaimInstance, terminationTime } from './spot';
import { ApiError, type ProductModule, type Resource } from './types';
import type { EmulatorWorld } from './world';

export async function handleAdmin(
  req: IncomingMessage,
  res: ServerResponse,
  body: Buffer,
  world: EmulatorWorld,
  modules: ProductModule[],
): Promise<void> {
  const url = new URL(req.url ?? '/', 'http://emulator');
  const route = `${req.method} ${url.pathname.replace(/\/+$/, '')}`;
  const metadata =
    /^GET \/__emulator\/metadata\/([^/]+)\/latest\/meta-data\/instance\/spot\/termination-time$/.exec(route);
  if (metadata) {
    // Plain text, as the metadata server answers; 404 while no reclaim is scheduled.
    const instance = world.get('instance', metadata[1]!);
    const at = instance && instance.releasedAt === undefined ? terminationTime(instance) : undefined;
    res.writeHead(at ? 200 : 404, { 'content-type': 'text/plain' });
    res.end(at ?? 'Not Found');
    return;
  }
  try {
    const input = body.length > 0 ? parseJson(body) : {};
    send(res, 200, answer(route, url, input, world, modules));
  } catch (err) {
    const e =
      err instanceof ApiError
        ? err
        : new ApiError(500, 'InternalError', String((err as Error)?.message ?? err));
    send(res, e.status, { Code: e.code, Message: e.message });
  }
}

function answer(
  route: string,
  url: URL,
  input: any,
  world: EmulatorWorld,
  modules: ProductModule[],
): unknown {
  const removeRole = /^DELETE \/__emulator\/roles\/(.+)$/.exec(route);
  if (removeRole) {
    const name = decodeURIComponent(removeRole[1]!).toLowerCase();
    if (!world.roles.delete(name)) throw new ApiError(404, 'EntityNotExist.Role', `no role ${name}`);
    return { ok: true };
  }
  switch (route) {
    case 'GET /__emulator/roles':
      return { roles: [...world.roles.values()] };
    case 'POST /__emulator/roles': {
      if (typeof input.roleName !== 'string' || !input.roleName)
        throw new ApiError(400, 'MissingParameter', 'roleName is required');
      const services = Array.isArray(input.trustedServices) ? input.trustedServices.map(String) : [];
      const role = makeRole(world.accountId, input.roleName, services, world.now());
      world.roles.set(role.roleName.toLowerCase(), role);
      return role;
    }
    case 'GET /__emulator/resources': {
      const all = url.searchParams.get('all') === '1';
      const type = url.searchParams.get('type');
      const rows = (all ? world.all() : world.list()).filter((r) => !type || r.type === type);
      return { resources: rows.map(resourceRow) };
    }
    case 'GET /__emulator/calls':
      return { calls: world.calls };
    case 'DELETE /__emulator/calls':
      world.calls = [];
      return { ok: true };
    case 'GET /__emulator/faults':
      return world.faults;
    case 'POST /__emulator/faults':
      world.faults = mergeFaults(world.faults, input);
      if (typeof input.seed === 'number') world.dice.reseed(input.seed);
      return world.faults;
    case 'POST /__emulator/reset':
      world.reset();
      for (const m of modules) m.reset?.(world);
      return { ok: true };
    case 'GET /__emulator/cost': {
      const resources = world
        .all()
        .filter((r) => r.hourlyPrice > 0)
        .map((r) => ({ ...resourceRow(r), hourlyPrice: r.hourlyPrice, cost: round(world.costOf(r)) }));
      return { resources, total: round(resources.reduce((s, r) => s + r.cost, 0)), currency: 'CNY' };
    }
    case 'GET /__emulator/clock':
      return clock(world);
    case 'POST /__emulator/clock':
      world.advance(Number(input.advanceMs ?? 0));
      return clock(world);
    case 'POST /__emulator/keys': {
      const { accessKeyId, accessKeySecret, policy } = input;
      if (typeof accessKeyId !== 'string' || typeof accessKeySecret !== 'string') {
        throw new ApiError(400, 'MissingParameter', 'accessKeyId and accessKeySecret are required');
      }
      if (policy !== undefined && policy !== null)
        world.faults = mergeFaults(world.faults, { policy: { [accessKeyId]: policy } });
      world.keys.set(accessKeyId, accessKeySecret);
      return { accessKeyId, policy: policy ?? null };
    }
    case 'POST /__emulator/reclaim': {
      const id = String(input.id ?? '');
      const instance = world.get('instance', id);
      const job = world.get('dlc-job', id);
      const done = instance
        ? reclaimInstance(world, instance, () => releaseInstance(world, instance))
        : job
          ? reclaimJob(world, job)
          : false;
      if (!done)
        throw new ApiError(400, 'InvalidParameter', `${id} is not a running spot instance or spot DLC job`);
      return { id, reclaimed: true };
    }
    case 'GET /__emulator/health':
      return { ok: true, accountId: world.accountId, speed: world.speed, exec: world.exec, now: world.now() };
    default:
      throw new ApiError(404, 'NotFound', `no admin route ${route}`);
  }
}

function resourceRow(r: Resource) {
  return {
    type: r.type,
    id: r.id,
    regionId: r.regionId,
    status: r.status,
    tags: r.tags,
    createdAt: r.createdAt,
    ...(r.releasedAt !== undefined ? { releasedAt: r.releasedAt } : {}),
  };
}

function clock(world: EmulatorWorld) {
  const now = world.now();
  return { now, iso: new Date(now).toISOString(), speed: world.speed };
}

const round = (n: number) => Math.round(n * 1e6) / 1e6;

function parseJson(body: Buffer): any {
  try {
    return JSON.parse(body.toString('utf8'));
  } catch {
    throw new ApiError(400, 'InvalidParameter', 'the body is not valid JSON');
  }
}

function send(res: ServerResponse, status: number, body: unknown) {
  const text = JSON.stringify(body);
  res.writeHead(status, {
    'content-type': 'application/json;charset=utf-8',
    'content-length': Buffer.byteLength(text),
  });
  res.end(text);
}
