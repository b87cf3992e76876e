// Which network a job gets. Ingress: only the intent's ports are opened; remote-login ports
// (SSH 22, RDP 3389) are never opened to the whole internet: SSH only from a CIDR the user named.
// A public address: a service whose ports visitors reach, or a job whose script fetches from the
// internet (a VPC alone reaches only Alibaba's internal mirrors); nothing else gets one.
import { findInternetFetches } from './fetches';
import type { Intent, PublicNetworkNeed } from './types';

export interface IngressRule {
  protocol: 'tcp';
  portRange: string;
  sourceCidr: string;
  description: string;
}

const REMOTE_LOGIN_PORTS = new Set([22, 3389]);
const WORLD = '0.0.0.0/0';

export function ingressRules(intent: Pick<Intent, 'ports' | 'sshCidr'>): {
  rules: IngressRule[];
  warnings: string[];
} {
  const rules: IngressRule[] = [];
  const warnings: string[] = [];
  for (const port of [...new Set(intent.ports)].sort((a, b) => a - b)) {
    if (REMOTE_LOGIN_PORTS.has(port)) {
      if (port === 22 && intent.sshCidr) continue; // added below from the named CIDR
      warnings.push(
        `port ${port} is not opened to ${WORLD}; name a CIDR (sshCidr / --ssh-cidr) to allow SSH`,
      );
      continue;
    }
    rules.push({
      protocol: 'tcp',
      portRange: `${port}/${port}`,
      sourceCidr: WORLD,
      description: `acp: port ${port}`,
    });
  }
  if (intent.sshCidr) {
    if (intent.sshCidr === WORLD)
      warnings.push('SSH is open to the whole internet because sshCidr is 0.0.0.0/0');
    rules.push({
      protocol: 'tcp',
      portRange: '22/22',
      sourceCidr: intent.sshCidr,
      description: 'acp: SSH from the named CIDR',
    });
  }
  return { rules, warnings };
}

/** Whether (and why) a job's instance needs a public address (docs/network.md). */
export function publicNetworkNeed(
  intent: Pick<Intent, 'kind' | 'ports'>,
  scriptContent: string,
): PublicNetworkNeed | undefined {
  const fetches = findInternetFetches(scriptContent).map((f) => f.what);
  const served = intent.ports.filter((p) => !REMOTE_LOGIN_PORTS.has(p));
  if (intent.kind === 'service' && served.length > 0) return { reason: 'service', fetches };
  if (fetches.length > 0) return { reason: 'egress', fetches };
  return undefined;
}

/** The addresses a person opens for a service: http://IP:PORT (https://IP for 443). */
export function serviceUrls(publicIp: string, ports: readonly number[]): string[] {
  return ports
    .filter((p) => !REMOTE_LOGIN_PORTS.has(p))
    .map((p) => (p === 443 ? `https://${publicIp}` : `http://${publicIp}:${p}`));
}

/** A CIDR as [first address, prefix length]; undefined when it is not IPv4 a.b.c.d/n. */
function parseCidr(cidr: string): [number, number] | undefined {
  const m = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})\/(\d{1,2})$/.exec(cidr.trim());
  if (!m) return undefined;
  const octets = m.slice(1, 5).map(Number);
  const bits = Number(m[5]);
  if (octets.some((o) => o > 255) || bits > 32) return undefined;
  const ip = octets.reduce((a, o) => a * 256 + o, 0);
  const size = 2 ** (32 - bits);
  return [ip - (ip % size), bits];
}

function formatIp(ip: number): string {
  return [24, 16, 8, 0].map((shift) => Math.floor(ip / 2 ** shift) % 256).join('.');
}

/**
 * A /24 inside `vpcCidr` that overlaps none of `taken`, searched from position `start` (wrapping), so
 * runs adding vSwitches to one shared VPC at once begin at different blocks. Undefined when full.
 */
export function freeSubnet(vpcCidr: string, taken: readonly string[], start = 0): string | undefined {
  const vpc = parseCidr(vpcCidr);
  if (!vpc || vpc[1] > 24) return undefined;
  const used = taken.map(parseCidr).filter((c): c is [number, number] => !!c);
  const blocks = 2 ** (24 - vpc[1]);
  const overlaps = (first: number) =>
    used.some(([ip, bits]) => {
      const size = 2 ** (32 - bits);
      return first < ip + size && ip < first + 256;
    });
  for (let i = 0; i < blocks; i++) {
    const first = vpc[0] + (((start % blocks) + blocks + i) % blocks) * 256;
    if (!overlaps(first)) return `${formatIp(first)}/24`;
  }
  return undefined;
}

/** Pod and Service CIDR pairs an ACK cluster may take (ACK's console defaults first). */
const CLUSTER_CIDRS = [
  { containerCidr: '172.20.0.0/16', serviceCidr: '172.21.0.0/20' },
  { containerCidr: '10.96.0.0/16', serviceCidr: '10.97.0.0/20' },
  { containerCidr: '192.168.0.0/17', serviceCidr: '192.168.128.0/20' },
] as const;

function overlap(a: string, b: string): boolean {
  const [x, y] = [parseCidr(a), parseCidr(b)];
  if (!x || !y) return true;
  return x[0] < y[0] + 2 ** (32 - y[1]) && y[0] < x[0] + 2 ** (32 - x[1]);
}

/**
 * An ACK cluster's pod and Service CIDRs: they must overlap neither its VPC (a run's own
 * 192.168.0.0/16, or a shared one of any block) nor each other. Undefined when no pair fits.
 */
export function clusterCidrs(vpcCidr: string): { containerCidr: string; serviceCidr: string } | undefined {
  const pair = CLUSTER_CIDRS.find(
    (p) => !overlap(p.containerCidr, vpcCidr) && !overlap(p.serviceCidr, vpcCidr),
  );
  return pair ? { ...pair } : undefined;
}
