// The sequential baseline: how the reference skill's `find_available_instance_type` searches
// (aliyun/alibabacloud-aiops-skills ecs.py l.464-557), through acp's own official SDK clients against the same emulator. Regions one after another;
// in each, DescribeRecommendInstanceType (InventoryFirst, cores+memory or an explicit instance type),
// then DescribePrice of the first recommendation with the skill's defaults (no ZoneId, cloud_essd
// 40 GiB, no bandwidth). The first region that answers wins; a failed region is skipped.
//
// `mode: 'full-table'` keeps walking every region instead of stopping at the first hit: the time the
// skill's method needs to produce a table over all the regions acp compares.
import * as $Ecs from '@alicloud/ecs20140526';
import type { AlibabaClients } from '../activities/clients';

export interface SkillSearch {
  /** cores + memory (GiB), or an explicit instance type (what the skill passes for GPU work). */
  cores?: number;
  memoryGiB?: number;
  instanceType?: string;
  regions: string[];
  mode: 'first-hit' | 'full-table';
}

export interface SkillHit {
  regionId: string;
  zoneId: string;
  instanceType: string;
  /** CNY per hour, or undefined when DescribePrice failed (the skill still returns the hit). */
  pricePerHour?: number;
}

export interface SkillResult {
  first?: SkillHit;
  hits: SkillHit[];
  errors: { regionId: string; message: string }[];
}

export async function skillSearch(clients: AlibabaClients, search: SkillSearch): Promise<SkillResult> {
  const result: SkillResult = { hits: [], errors: [] };
  for (const regionId of search.regions) {
    const ecs = clients.ecs(regionId);
    let hit: SkillHit | undefined;
    try {
      const rec = await ecs.describeRecommendInstanceType(
        new $Ecs.DescribeRecommendInstanceTypeRequest({
          regionId,
          networkType: 'vpc',
          instanceChargeType: 'PostPaid',
          spotStrategy: 'NoSpot',
          priorityStrategy: 'InventoryFirst',
          scene: 'CREATE',
          ...(search.instanceType
            ? { instanceType: search.instanceType }
            : { cores: search.cores, memory: search.memoryGiB }),
        }),
      );
      const first = rec.body?.data?.recommendInstanceType?.[0];
      const type = first?.instanceType?.instanceType;
      const zoneId = first?.zones?.zone?.[0]?.zoneNo ?? first?.zoneId;
      if (!type || !zoneId) {
        result.errors.push({ regionId, message: 'no recommendation' });
        continue;
      }
      hit = { regionId, zoneId, instanceType: type };
    } catch (err) {
      result.errors.push({ regionId, message: (err as Error).message });
      continue;
    }
    try {
      const price = await ecs.describePrice(
        new $Ecs.DescribePriceRequest({
          regionId,
          resourceType: 'instance',
          instanceType: hit.instanceType,
          priceUnit: 'Hour',
          period: 1,
          amount: 1,
          internetMaxBandwidthOut: 0,
          systemDisk: new $Ecs.DescribePriceRequestSystemDisk({ category: 'cloud_essd', size: 40 }),
        }),
      );
      hit.pricePerHour = price.body?.priceInfo?.price?.tradePrice ?? 0;
    } catch {
      hit.pricePerHour = undefined;
    }
    result.hits.push(hit);
    result.first ??= hit;
    if (search.mode === 'first-hit') break;
  }
  return result;
}
