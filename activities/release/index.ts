// Every kind of resource acp makes, each with its one release path (kind.ts), and the saga's release
// activities built on them. The activity names are the ones workflow histories already hold
// (deleteInstance, releaseDlcJob, …), so runs recorded before stay replayable.

import type { JobRef } from '../ack';
import type { AlibabaClients } from '../clients';
import { cluster, k8sConfigMap, k8sJob, kubernetesObjectId } from './ack';
import { instance, securityGroup } from './ecs';
import { fn } from './fc';
import type { ReleaseKind, ReleaseOutcome, ReleaseTarget, ResourceKind } from './kind';
import { ossBucket } from './oss';
import { dlcJob } from './pai';
import { vpc, vSwitch } from './vpc';

export type { ManagedResource, RecordedKind, ReleaseOutcome, ReleaseTarget, ResourceKind } from './kind';

/** One module per kind; the compiler insists every kind has one. */
export const RELEASE_KINDS: Record<ResourceKind, ReleaseKind> = {
  instance,
  'security-group': securityGroup,
  vswitch: vSwitch,
  vpc,
  function: fn,
  cluster,
  'k8s-job': k8sJob,
  'k8s-configmap': k8sConfigMap,
  'dlc-job': dlcJob,
  'oss-bucket': ossBucket,
};

/** The kinds by release stage: each stage goes only once everything of the stage before is gone. */
export const RELEASE_STAGES: readonly (readonly ResourceKind[])[] = [0, 1, 2, 3].map((stage) =>
  Object.values(RELEASE_KINDS)
    .filter((k) => k.stage === stage)
    .map((k) => k.type),
);

/** Releases what an undo names: its id, or whatever its (workflow, step) made. */
export async function releaseTarget(
  clients: AlibabaClients,
  type: ResourceKind,
  target: ReleaseTarget,
): Promise<ReleaseOutcome> {
  const kind = RELEASE_KINDS[type];
  const ids = target.id ? [target.id] : await kind.findByOwner(clients, target.regionId, target);
  let outcome: ReleaseOutcome['outcome'] = 'gone';
  for (const id of ids) {
    if ((await kind.release(clients, target.regionId, id)) === 'released') outcome = 'released';
  }
  return { ids, outcome };
}

/** The saga's undos as activities, one per kind. */
export function createReleaseActivities(clients: AlibabaClients) {
  const by = (type: ResourceKind) => (target: ReleaseTarget) => releaseTarget(clients, type, target);
  const kubernetesObject = (type: 'k8s-job' | 'k8s-configmap') => (ref: JobRef) =>
    RELEASE_KINDS[type].release(clients, ref.regionId, kubernetesObjectId(ref.clusterId, ref.name));
  return {
    deleteInstance: by('instance'),
    deleteSecurityGroup: by('security-group'),
    deleteVSwitch: by('vswitch'),
    deleteVpc: by('vpc'),
    /** DeleteCluster (202 + task), then waits until the cluster is gone so its vSwitch can go. */
    deleteAckCluster: by('cluster'),
    /** The Job with its pods and its script ConfigMap; a Job already gone is done. */
    deleteKubernetesJob: kubernetesObject('k8s-job'),
    deleteScriptConfigMap: kubernetesObject('k8s-configmap'),
    /** StopJob if the job has not finished, wait until it has, DeleteJob. */
    releaseDlcJob: by('dlc-job'),
    /** By the run's function name (from its workflow id); someone else's function is never touched. */
    /** Empties and deletes the run's checkpoint bucket in a region (NoSuchBucket: already gone). */
    releaseCheckpointBucket: async (target: ReleaseTarget): Promise<{ ids: string[] }> => {
      const out = await releaseTarget(clients, 'oss-bucket', target);
      return { ids: out.outcome === 'released' ? out.ids : [] };
    },
    deleteFunction: (target: Omit<ReleaseTarget, 'step'> & { step?: string }) =>
      releaseTarget(clients, 'function', { step: '', ...target }),
  };
}
