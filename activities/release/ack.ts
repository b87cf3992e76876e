// Releasing what acp makes on ACK: clusters (activities/ack.ts tags them at CreateCluster), the Jobs
// that run scripts, and each Job's script ConfigMap, which shares its name. DescribeClustersV1 has no
// tag filter, so listing reads every cluster of the region and its tags. A cluster's release is
// DeleteCluster (202 + task) and a wait until DescribeClusterDetail no longer finds it: its nodes sit
// in acp's vSwitch, which refuses deletion until then. A Job goes with its pods and its ConfigMap; in
// a cluster that is itself going, both are already on their way out.
//
// Only a cluster shared by every run of the region (acp:shared=true, never an orphan itself)
// outlives the runs on it, so only there does `acp gc` look for Jobs left behind; their ConfigMaps go
// with them.
import type * as $Cs from '@alicloud/cs20151215';
import { ApplicationFailure } from '@temporalio/common';
import {
  clusterStateOf,
  clustersIn,
  clustersOwnedBy,
  kubernetesDelete,
  kubernetesFor,
  MANAGED_BY_LABEL,
  NAMESPACE,
} from '../ack';
import type { AlibabaClients } from '../clients';
import { sdk } from '../sdk';
import { MANAGED_TAG, SHARED_TAG, STEP_TAG, WORKFLOW_TAG } from '../tags';
import { type ManagedResource, managedResource, type ReleaseKind, tagMap } from './kind';
import { releaseOne, waitUntil } from './retry';

/** CS deletes a cluster in 3–10 minutes. */
const CLUSTER_PATIENCE_MS = 25 * 60_000;
/** A cluster still settling (initial, updating) refuses DeleteCluster for a while. */
const NOT_NOW = ['ErrorClusterState'];

const csTags = (tags?: $Cs.Tag[]) =>
  tagMap(
    tags,
    (t) => t.key,
    (t) => t.value,
  );

/** A cluster on its way out takes its Jobs and ConfigMaps with it (and serves no kubeconfig). */
function clusterGoing(state: string): boolean {
  return state === 'gone' || state === 'deleting' || state === 'deleted';
}

/** `<clusterId>/<namespace>/<name>`: how a Kubernetes object is named outside its cluster. */
export function kubernetesObjectId(clusterId: string, name: string, namespace = NAMESPACE): string {
  return `${clusterId}/${namespace}/${name}`;
}

function parseObjectId(id: string) {
  const [clusterId, namespace, name] = id.split('/') as [string, string, string];
  return { clusterId, namespace, name };
}

/** acp's Jobs in one shared cluster, owned by the workflow their annotation names. */
async function jobsIn(
  clients: AlibabaClients,
  regionId: string,
  clusterId: string,
): Promise<ManagedResource[]> {
  const { batch } = await kubernetesFor(clients, regionId, clusterId);
  const jobs = await batch.listNamespacedJob({
    namespace: NAMESPACE,
    labelSelector: `${MANAGED_BY_LABEL.key}=${MANAGED_BY_LABEL.value}`,
  });
  return jobs.items
    .filter((j) => j.metadata?.name)
    .map((j) => {
      const notes = j.metadata?.annotations ?? {};
      const tags: Record<string, string> = { [MANAGED_TAG]: 'true' };
      for (const key of [WORKFLOW_TAG, STEP_TAG]) if (notes[key]) tags[key] = notes[key];
      return managedResource(k8sJob, kubernetesObjectId(clusterId, j.metadata!.name!), regionId, tags);
    });
}

/** acp's clusters of the region that are not already deleted. */
async function managedClusters(clients: AlibabaClients, regionId: string) {
  return (await clustersIn(clients, regionId)).filter(
    (c) => c.clusterId && csTags(c.tags)[MANAGED_TAG] === 'true' && c.state !== 'deleted',
  );
}

export const cluster: ReleaseKind = {
  type: 'cluster',
  product: 'ack',
  stage: 0,
  async list(clients, regionId) {
    return (await managedClusters(clients, regionId)).map((c) =>
      managedResource(cluster, c.clusterId!, regionId, csTags(c.tags)),
    );
  },
  async findByOwner(clients, regionId, owner) {
    return (await clustersOwnedBy(clients, regionId, owner)).map((c) => c.clusterId!);
  },
  async release(clients, regionId, id) {
    const outcome = await releaseOne(
      `DeleteCluster ${id}`,
      () =>
        clients
          .cs(regionId)
          .deleteCluster(id, new sdk.cs.DeleteClusterRequest({ retainAllResources: false, keepSlb: false })),
      NOT_NOW,
    );
    const what = `cluster ${id} to be deleted`;
    const gone = await waitUntil(
      what,
      async () => {
        const state = await clusterStateOf(clients, regionId, id);
        // Retryable: DeleteCluster again is how a failed deletion is retried.
        if (state === 'delete_failed')
          throw ApplicationFailure.retryable(
            `deleting cluster ${id} failed (state delete_failed)`,
            'ErrorClusterState',
          );
        return state === 'gone' || state === 'deleted';
      },
      CLUSTER_PATIENCE_MS,
      15_000,
    );
    if (!gone)
      throw ApplicationFailure.retryable(
        `cluster ${id} still not deleted after ${CLUSTER_PATIENCE_MS / 60_000} min`,
        'ErrorClusterState',
      );
    return outcome;
  },
};

/** Deletes one Kubernetes object of a cluster; in a cluster that is going, it is going too. */
async function deleteObject(
  clients: AlibabaClients,
  regionId: string,
  id: string,
  what: 'Job' | 'ConfigMap',
): Promise<'released' | 'gone'> {
  const { clusterId, namespace, name } = parseObjectId(id);
  if (clusterGoing(await clusterStateOf(clients, regionId, clusterId))) return 'gone';
  const { batch, core } = await kubernetesFor(clients, regionId, clusterId);
  return what === 'Job'
    ? kubernetesDelete(`delete Job ${name}`, () =>
        batch.deleteNamespacedJob({ name, namespace, propagationPolicy: 'Background' }),
      )
    : kubernetesDelete(`delete ConfigMap ${name}`, () => core.deleteNamespacedConfigMap({ name, namespace }));
}

export const k8sJob: ReleaseKind = {
  type: 'k8s-job',
  product: 'ack',
  stage: 0,
  async list(clients, regionId) {
    const out: ManagedResource[] = [];
    for (const c of await managedClusters(clients, regionId)) {
      // A run's own cluster takes its Jobs with it; only a shared cluster outlives the runs on it.
      const tags = csTags(c.tags);
      if (tags[SHARED_TAG] === 'true' && c.state === 'running')
        out.push(...(await jobsIn(clients, regionId, c.clusterId!)));
    }
    return out;
  },
  // A Job's name comes from its workflow id and its undo always knows the cluster: nothing to find.
  findByOwner: async () => [],
  async release(clients, regionId, id) {
    const job = await deleteObject(clients, regionId, id, 'Job');
    // The Job's script ConfigMap shares its name: an orphaned Job's is orphaned too.
    await deleteObject(clients, regionId, id, 'ConfigMap');
    return job;
  },
};

export const k8sConfigMap: ReleaseKind = {
  type: 'k8s-configmap',
  product: 'ack',
  stage: 0,
  // Listed through their Jobs: a ConfigMap goes with the Job of the same name.
  list: async () => [],
  findByOwner: async () => [],
  release: (clients, regionId, id) => deleteObject(clients, regionId, id, 'ConfigMap'),
};
