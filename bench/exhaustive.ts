// The optimum acp is measured against: every instance type that fits the intent × every region with
// stock in at least one zone, each priced with the same DescribePrice acp's quote uses (acp's own
// activity functions, called directly, outside Temporal). "Fits" is acp's definition: planner
// fitsIntent (≥ vCPU, ≥ memory, the GPU model and count) and not burstable (ecs.t*, which acp never
// offers for a job that runs flat out). No cap on how many types are priced.
import type { AlibabaClients } from '../activities/clients';
import { createEcsActivities } from '../activities/ecs';
import { estimateTotal } from '../planner/pricing';
import { fitsIntent } from '../planner/specs';
import type { Intent } from '../planner/types';

export interface Placement {
  regionId: string;
  zoneIds: string[];
  instanceType: string;
  hourly: number;
  total: number;
}

export async function cheapestFeasible(
  clients: AlibabaClients,
  intent: Pick<Intent, 'cpu' | 'memoryGiB' | 'gpu' | 'durationMinutes'>,
  regions: string[],
): Promise<{ best?: Placement; priced: number }> {
  const ecs = createEcsActivities(clients);
  const types = (await ecs.listInstanceTypes()).filter(
    (t) => fitsIntent(t, intent) && !/^ecs\.t\d/.test(t.instanceTypeId),
  );
  let best: Placement | undefined;
  let priced = 0;
  for (const regionId of regions) {
    const stock = await ecs.describeZoneStock({ regionId });
    for (const t of types) {
      const zoneIds = [
        ...new Set(stock.filter((s) => s.instanceType === t.instanceTypeId).map((s) => s.zoneId)),
      ];
      if (zoneIds.length === 0) continue;
      const price = await ecs.describeInstancePrice({ regionId, instanceType: t.instanceTypeId });
      priced += 1;
      const total = estimateTotal(price.hourly, intent.durationMinutes);
      if (!best || total < best.total)
        best = { regionId, zoneIds, instanceType: t.instanceTypeId, hourly: price.hourly, total };
    }
  }
  return { best, priced };
}
