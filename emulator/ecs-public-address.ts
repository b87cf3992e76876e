// Public addresses of ECS instances, as the emulator models them (docs/simulation.md).
// An instance created with InternetMaxBandwidthOut > 0 gets a public IP, as on Alibaba Cloud; here
// it is an address of 127.0.0.0/8 (all loopback on Linux), so it works on this machine. While the
// instance is Running, the emulator listens on that address at every TCP port an Accept ingress
// rule of its security groups opens, and lets a visitor in only when the rules (by priority; Drop
// wins a tie) accept the visitor's address for that port. An accepted visitor is carried into the
// instance's sandbox through its relay (sandbox-machine.ts). Bytes the instance sends back are its
// outbound public traffic: metered for DescribeInstanceMonitorData and billed per GB.
import { randomInt } from 'node:crypto';
import { createServer, type Server, type Socket } from 'node:net';
import { TRAFFIC_CNY_PER_GB } from './ecs-catalogue';
import type { Permission } from './ecs-security-groups';
import type { Resource, World } from './types';

/** Port ranges wider than this are not listened on (a 1/65535 rule would need every port). */
const MAX_LISTENED_RANGE = 32;
const GB = 1024 ** 3;

interface Listener {
  server: Server;
  instanceId: string;
}

const listenersByWorld = new WeakMap<World, Map<string, Listener>>();
const warned = new Set<string>();

function listeners(world: World): Map<string, Listener> {
  let m = listenersByWorld.get(world);
  if (!m) {
    m = new Map();
    listenersByWorld.set(world, m);
    world.onRelease((r) => {
      if (r.type === 'instance' || r.type === 'security-group') syncPublicPorts(world);
    });
  }
  return m;
}

/** A public address for a new instance: unused in this emulator, random so parallel emulators differ. */
export function allocatePublicIp(world: World): string {
  const used = new Set(world.list({ type: 'instance' }).map((r) => r.data.publicIp));
  for (;;) {
    const ip = `127.47.${randomInt(0, 256)}.${randomInt(2, 255)}`;
    if (!used.has(ip)) return ip;
  }
}

function ipToInt(ip: string): number | undefined {
  const m = /^(\d+)\.(\d+)\.(\d+)\.(\d+)$/.exec(ip.replace(/^::ffff:/, ''));
  if (!m) return undefined;
  return m.slice(1).reduce((a, o) => a * 256 + Number(o), 0);
}

function cidrContains(cidr: string, ip: string): boolean {
  const [net, bits = '32'] = cidr.split('/');
  const a = ipToInt(net!);
  const b = ipToInt(ip);
  if (a === undefined || b === undefined) return false;
  const size = 2 ** (32 - Number(bits));
  return Math.floor(a / size) === Math.floor(b / size);
}

function portRange(p: Permission): [number, number] {
  if (p.PortRange === '-1/-1') return [1, 65535];
  const [from, to] = p.PortRange.split('/').map(Number);
  return [from!, to!];
}

function ingress(world: World, instance: Resource): Permission[] {
  return (instance.data.securityGroupIds as string[]).flatMap((id) => {
    const sg = world.get('security-group', id);
    if (!sg || sg.releasedAt !== undefined) return [];
    return (sg.data.permissions as Permission[]).filter(
      (p) => p.Direction === 'ingress' && (p.IpProtocol === 'TCP' || p.IpProtocol === 'ALL'),
    );
  });
}

/** Whether the instance's security groups let `from` reach TCP `port` (default: deny inbound). */
export function ingressAllows(world: World, instance: Resource, from: string, port: number): boolean {
  const matching = ingress(world, instance).filter((p) => {
    const [lo, hi] = portRange(p);
    return port >= lo && port <= hi && p.SourceCidrIp !== '' && cidrContains(p.SourceCidrIp, from);
  });
  if (matching.length === 0) return false;
  const best = Math.min(...matching.map((p) => Number(p.Priority) || 1));
  const top = matching.filter((p) => (Number(p.Priority) || 1) === best);
  return !top.some((p) => p.Policy === 'Drop');
}

/** The TCP ports an instance's Accept rules open (narrow ranges only). */
function openPorts(world: World, instance: Resource): number[] {
  const ports = new Set<number>();
  for (const p of ingress(world, instance)) {
    if (p.Policy !== 'Accept') continue;
    const [lo, hi] = portRange(p);
    if (hi - lo + 1 > MAX_LISTENED_RANGE) continue;
    for (let port = lo; port <= hi; port++) ports.add(port);
  }
  return [...ports];
}

/** Brings the listeners in line with Running instances, their addresses and their rules. */
export function syncPublicPorts(world: World): void {
  const current = listeners(world);
  const wanted = new Map<string, { ip: string; port: number; instanceId: string }>();
  if (world.exec === 'local') {
    for (const i of world.list({ type: 'instance' })) {
      if (i.status !== 'Running' || !i.data.publicIp) continue;
      for (const port of openPorts(world, i))
        wanted.set(`${i.data.publicIp}:${port}`, { ip: i.data.publicIp, port, instanceId: i.id });
    }
  }
  for (const [key, l] of current) {
    if (wanted.get(key)?.instanceId !== l.instanceId) {
      l.server.close();
      current.delete(key);
    }
  }
  for (const [key, w] of wanted) {
    if (current.has(key)) continue;
    const server = createServer((socket) => void visit(world, w.instanceId, w.port, socket));
    server.on('error', (err: NodeJS.ErrnoException) => {
      current.delete(key);
      if (warned.has(key)) return;
      warned.add(key);
      const why =
        err.code === 'EACCES'
          ? `ports below 1024 need root or net.ipv4.ip_unprivileged_port_start ≤ ${w.port}`
          : err.message;
      console.error(`emulator: cannot serve the public address ${key} of ${w.instanceId}: ${why}`);
    });
    server.listen(w.port, w.ip);
    server.unref();
    current.set(key, { server, instanceId: w.instanceId });
  }
}

/** Closes every listener (emulator reset or stop). */
export function closePublicPorts(world: World): void {
  const current = listenersByWorld.get(world);
  for (const l of current?.values() ?? []) l.server.close();
  current?.clear();
}

async function visit(world: World, instanceId: string, port: number, visitor: Socket): Promise<void> {
  visitor.on('error', () => {});
  const instance = world.get('instance', instanceId);
  const from = visitor.remoteAddress ?? '';
  if (instance?.status !== 'Running' || !ingressAllows(world, instance, from, port)) {
    // A security group drops what it does not accept: the visitor hears nothing until it gives up.
    visitor.pause();
    visitor.setTimeout(30_000, () => visitor.destroy());
    return;
  }
  const inside = await world.machine(`instance/${instanceId}`)?.connect(port);
  if (!inside) {
    visitor.resetAndDestroy(); // nothing listens on that port in the instance: refused
    return;
  }
  inside.on('error', () => visitor.destroy());
  visitor.on('close', () => inside.destroy());
  inside.on('data', (chunk: Buffer) => meterTraffic(world, instance, 'internetTx', chunk.length));
  visitor.on('data', (chunk: Buffer) => meterTraffic(world, instance, 'internetRx', chunk.length));
  visitor.pipe(inside);
  inside.pipe(visitor);
}

/**
 * Records public traffic per wall-clock minute (what DescribeInstanceMonitorData reports); what the
 * instance sends out is billed per GB, what it receives is free.
 */
export function meterTraffic(
  world: World,
  instance: Resource,
  direction: 'internetTx' | 'internetRx',
  bytes: number,
): void {
  const minute = Math.floor(world.wallNow() / 60_000) * 60_000;
  instance.data[direction] ??= {};
  const samples = instance.data[direction] as Record<string, number>;
  samples[minute] = (samples[minute] ?? 0) + bytes;
  if (direction === 'internetTx') {
    instance.data.internetTxBytes = (instance.data.internetTxBytes ?? 0) + bytes;
    instance.meteredCost = ((instance.data.internetTxBytes as number) / GB) * TRAFFIC_CNY_PER_GB;
  }
}
