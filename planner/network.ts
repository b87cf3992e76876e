// Which ingress a job's security group gets. Only the intent's ports are opened; remote-login ports
// (SSH 22, RDP 3389) are never opened to the whole internet: SSH only from a CIDR the user named.
import type { Intent } from './types';

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
