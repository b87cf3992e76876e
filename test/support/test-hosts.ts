// Test hosts: Linux network namespaces on a private bridge, each with its own loopback and one address
// on the bridge, so a process started in one reaches the others only over the network, the way a
// worker on another machine does. Needs root and iproute2 (`ip`).
import { execFileSync, type SpawnOptions, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';

export interface TestHost {
  /** The network namespace. */
  name: string;
  /** Its address on the bridge. */
  ip: string;
  /** Spawns a command inside it (`ip netns exec` execs, so the child's PID is the command's). */
  spawn(command: string, args: string[], options?: SpawnOptions): ReturnType<typeof spawn>;
}

export interface TestNetwork {
  /** The address of this machine (the root namespace) on the bridge. */
  gateway: string;
  hosts: TestHost[];
  remove(): void;
}

function ip(...args: string[]): void {
  execFileSync('ip', args, { stdio: ['ignore', 'ignore', 'pipe'] });
}

/** Why test hosts cannot be made here, or undefined when they can. */
export function testHostsUnavailable(): string | undefined {
  if (process.getuid?.() !== 0) return 'network namespaces need root (`ip netns add`)';
  try {
    execFileSync('ip', ['netns', 'list'], { stdio: 'ignore' });
  } catch {
    return 'iproute2 (`ip`) is missing or cannot list network namespaces';
  }
  return undefined;
}

/** A bridge on a random 10.x.y.0/24 with `count` namespaces on it at .11, .12, … */
export function createTestNetwork(count: number): TestNetwork {
  const tag = randomBytes(3).toString('hex');
  const subnet = `10.${200 + (randomBytes(1)[0]! % 50)}.${randomBytes(1)[0]! % 250}`;
  const gateway = `${subnet}.1`;
  const bridge = `acpbr${tag}`;
  const hosts: TestHost[] = [];
  const made: { netns: string[]; bridge?: string } = { netns: [] };
  const remove = () => {
    for (const ns of made.netns) {
      try {
        ip('netns', 'delete', ns); // its end of the veth pair goes with it, and so the other end
      } catch {}
    }
    if (made.bridge) {
      try {
        ip('link', 'delete', made.bridge);
      } catch {}
    }
  };
  try {
    ip('link', 'add', 'name', bridge, 'type', 'bridge');
    made.bridge = bridge;
    ip('addr', 'add', `${gateway}/24`, 'dev', bridge);
    ip('link', 'set', bridge, 'up');
    for (let i = 1; i <= count; i++) {
      const name = `acp-${tag}-h${i}`;
      const outside = `acpv${tag}${i}`;
      const inside = `eth${i}`;
      const address = `${subnet}.${10 + i}`;
      ip('netns', 'add', name);
      made.netns.push(name);
      ip('link', 'add', outside, 'type', 'veth', 'peer', 'name', inside, 'netns', name);
      ip('link', 'set', outside, 'master', bridge, 'up');
      ip('-n', name, 'addr', 'add', `${address}/24`, 'dev', inside);
      ip('-n', name, 'link', 'set', inside, 'up');
      ip('-n', name, 'link', 'set', 'lo', 'up');
      ip('-n', name, 'route', 'add', 'default', 'via', gateway);
      hosts.push({
        name,
        ip: address,
        spawn: (command, args, options = {}) =>
          spawn('ip', ['netns', 'exec', name, command, ...args], options),
      });
    }
  } catch (err) {
    remove();
    throw new Error(`could not make the test network: ${(err as { stderr?: Buffer }).stderr ?? err}`);
  }
  return { gateway, hosts, remove };
}
