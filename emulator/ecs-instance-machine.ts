// Which emulated machine an ECS instance's scripts run on (docs/simulation.md): one per instance,
// keyed by its resource so releasing the instance ends it, with the OS of its image, its hostname,
// its private address, and the internet only when it has a public IP. A spot instance also sees
// its metadata items (ACP_SPOT_METADATA_DIR, spot.ts), read-only.
import { imageById } from './ecs-images';
import { osOfPlatform } from './sandbox-image';
import type { SandboxRequest } from './script-runner';
import { metadataDir } from './spot';
import type { Resource } from './types';

/** The machine an instance's scripts run on (docs/simulation.md): its image's OS, its addresses. */
export function instanceSandbox(instance: Resource): SandboxRequest & { machine: string } {
  const d = instance.data;
  return {
    machine: `instance/${instance.id}`,
    os: osOfPlatform(imageById(d.imageId)?.platform),
    kind: 'vm',
    hostname: d.hostName,
    egress: Boolean(d.publicIp),
    privateIps: [d.privateIp],
    ...(d.publicIp ? { publicIp: d.publicIp } : {}),
    ...(d.spotStrategy && d.spotStrategy !== 'NoSpot' ? { sharedDirs: [metadataDir(instance.id)] } : {}),
  };
}
