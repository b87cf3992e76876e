// `acp gc` for ACK: the clusters acp made (activities/ack.ts tags them at CreateCluster) and, in a
// cluster shared by every run of the region (acp:shared=true, never an orphan itself), the Jobs acp
// left there. DescribeClustersV1 has no tag filter and CS ListTagResources needs the cluster ids it
// should look at, so every cluster of the region is listed and its tags read here.
//
// A cluster's release is DeleteCluster (202 + task) and a wait until DescribeClusterDetail no longer
// finds it: its nodes sit in acp's vSwitch, which refuses deletion until then. A Job's release is
// the Job (with its pods) and its script ConfigMap, which shares its name.
import * as $Cs from '@alicloud/cs20151215';
import { clusterGoing, kubernetesDelete, kubernetesFor, MANAGED_BY_LABEL, NAMESPACE } from './ack';
import type { AlibabaClients } from './clients';
import { alibabaCall, describeSdkError } from './errors';
import {
  type ManagedResource,
  managedResource,
  pages,
  releaseOne,
  type Sweeper,
  tagMap,
  waitUntil,
} from './gc-sweeper';
import { MANAGED_TAG, SHARED_TAG, STEP_TAG, WORKFLOW_TAG } from './tags';

const PAGE = 100;
/** CS deletes a cluster in 3–10 minutes (facts §6). */
const CLUSTER_PATIENCE_MS = 25 * 60_000;
/** A cluster still settling (initial, updating) refuses DeleteCluster for a while. */
const NOT_NOW = ['ErrorClusterState'];

const csTags = (tags?: $Cs.Tag[]) =>
  tagMap(
    tags,
    (t) => t.key,
    (t) => t.value,
  );

async function clusterState(clients: AlibabaClients, regionId: string, clusterId: string): Promise<string> {
  try {
    const r = await clients.cs(regionId).describeClusterDetail(clusterId);
    return r.body?.state ?? 'unknown';
  } catch (err) {
    if (describeSdkError(err, `DescribeClusterDetail ${clusterId}`).kind === 'not-found') return 'gone';
    throw err;
  }
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
      return managedResource('k8s-job', `${clusterId}/${NAMESPACE}/${j.metadata!.name}`, regionId, tags);
    });
}

async function list(clients: AlibabaClients, regionId: string): Promise<ManagedResource[]> {
  const clusters = await pages(async (pageNumber) => {
    const r = await alibabaCall(`DescribeClustersV1 in ${regionId}`, () =>
      clients
        .cs(regionId)
        .describeClustersV1(new $Cs.DescribeClustersV1Request({ regionId, pageSize: PAGE, pageNumber })),
    );
    return { items: r.body?.clusters ?? [], total: r.body?.pageInfo?.totalCount ?? 0 };
  });
  const out: ManagedResource[] = [];
  for (const c of clusters) {
    const tags = csTags(c.tags);
    if (!c.clusterId || tags[MANAGED_TAG] !== 'true' || c.state === 'deleted') continue;
    out.push(managedResource('cluster', c.clusterId, regionId, tags));
    // A run's own cluster takes its Jobs with it; only a shared cluster outlives the runs on it.
    if (tags[SHARED_TAG] === 'true' && c.state === 'running')
      out.push(...(await jobsIn(clients, regionId, c.clusterId)));
  }
  return out;
}

async function releaseCluster(clients: AlibabaClients, r: ManagedResource): Promise<'released' | 'gone'> {
  const outcome = await releaseOne(
    `DeleteCluster ${r.id}`,
    () =>
      clients
        .cs(r.regionId)
        .deleteCluster(r.id, new $Cs.DeleteClusterRequest({ retainAllResources: false, keepSlb: false })),
    NOT_NOW,
  );
  await waitUntil(
    `cluster ${r.id} to be deleted`,
    async () => {
      const state = await clusterState(clients, r.regionId, r.id);
      if (state === 'delete_failed') throw new Error(`deleting cluster ${r.id} failed (state delete_failed)`);
      return state === 'gone' || state === 'deleted';
    },
    CLUSTER_PATIENCE_MS,
    15_000,
  );
  return outcome;
}

async function releaseJob(clients: AlibabaClients, r: ManagedResource): Promise<'released' | 'gone'> {
  const [clusterId, namespace, name] = r.id.split('/') as [string, string, string];
  if (clusterGoing(await clusterState(clients, r.regionId, clusterId))) return 'gone';
  const { batch, core } = await kubernetesFor(clients, r.regionId, clusterId);
  const job = await kubernetesDelete(`delete Job ${name}`, () =>
    batch.deleteNamespacedJob({ name, namespace, propagationPolicy: 'Background' }),
  );
  await kubernetesDelete(`delete ConfigMap ${name}`, () =>
    core.deleteNamespacedConfigMap({ name, namespace }),
  );
  return job;
}

export const ackSweeper: Sweeper = {
  types: ['cluster', 'k8s-job'],
  list,
  release: (clients, r) => (r.type === 'k8s-job' ? releaseJob(clients, r) : releaseCluster(clients, r)),
};
