// A run's status as the workflow's `status` query returns it, for the CLI's rendering tests.
import type { QuoteOption } from '../../planner/types';
import type { ResourceRecord, RunStatus } from '../../workflows/messages';

export function option(over: Partial<QuoteOption> = {}): QuoteOption {
  return {
    product: 'ecs',
    region: 'cn-hangzhou',
    zone: 'cn-hangzhou-h',
    zones: ['cn-hangzhou-h', 'cn-hangzhou-i'],
    spec: 'ecs.c6.large',
    unitPricePerHour: 0.47,
    durationMinutes: 30,
    estimatedTotal: 0.24,
    readyInSeconds: 120,
    resources: ['VPC', 'vSwitch', 'security group', 'instance ecs.c6.large'],
    cleanup: 'instance → security group → vSwitch → VPC',
    feasible: true,
    ...over,
  };
}

export const OPTIONS: QuoteOption[] = [
  option({
    region: 'cn-zhangjiakou',
    zone: 'cn-zhangjiakou-a',
    zones: ['cn-zhangjiakou-a'],
    unitPricePerHour: 0.43,
    estimatedTotal: 0.22,
  }),
  option(),
  option({
    product: 'fc',
    zone: undefined,
    zones: undefined,
    spec: 'fc.cpu.2c4g',
    unitPricePerHour: 0.9,
    estimatedTotal: 0.45,
    readyInSeconds: 10,
  }),
  option({
    product: 'ack',
    spec: '—',
    zone: undefined,
    zones: undefined,
    feasible: false,
    reason: 'one-shot job: cluster fee + 5-15 min start',
  }),
];

export function status(over: Partial<RunStatus> = {}): RunStatus {
  return {
    workflowId: 'acp-1234abcd',
    status: 'AWAITING_CONFIRMATION',
    summary: 'recommended ecs ecs.c6.large in cn-hangzhou-h · est. CNY 0.42',
    message: 'waiting for confirmation',
    intent: {
      kind: 'oneshot',
      cpu: 2,
      memoryGiB: 4,
      durationMinutes: 30,
      ports: [],
      containers: false,
      summary: 'one-shot script · 2 vCPU 4 GiB · ~30 min · budget CNY 300',
      warnings: [],
      budget: { amount: 300, currency: 'CNY', cny: 300 },
    },
    region: {
      region: 'cn-hangzhou',
      reason: 'nothing downloads from overseas',
      fallbacks: ['cn-shanghai'],
      overseas: false,
    },
    candidates: ['ecs', 'fc', 'ack'],
    options: OPTIONS,
    recommended: 0,
    resourcesCreated: [],
    resourcesReleased: [],
    leftBehind: [],
    kept: [],
    currency: 'CNY',
    warnings: [],
    events: [
      { at: '2026-01-01T10:00:00.000Z', message: 'reading the request' },
      { at: '2026-01-01T10:00:00.100Z', message: 'comparing ecs, fc, ack in 2 region(s)' },
      { at: '2026-01-01T10:00:01.500Z', message: 'waiting for confirmation' },
    ],
    ...over,
  };
}

const created: ResourceRecord[] = [
  { type: 'vpc', id: 'vpc-1', regionId: 'cn-zhangjiakou' },
  { type: 'instance', id: 'i-1', regionId: 'cn-zhangjiakou' },
];

/** The same run, finished: confirmed, created, ran `echo hello-acp`, released everything. */
export function succeeded(over: Partial<RunStatus> = {}): RunStatus {
  return status({
    status: 'SUCCEEDED',
    message: 'finished with exit code 0; released',
    chosen: OPTIONS[0],
    confirmation: { by: 'alice', at: '2026-01-01T10:00:05.000Z', option: 1 },
    resourcesCreated: created,
    resourcesReleased: [...created].reverse(),
    execution: {
      exitCode: 0,
      outputTail: 'hello-acp\n',
      startedAt: '2026-01-01T10:01:00.000Z',
      finishedAt: '2026-01-01T10:01:02.000Z',
    },
    estimatedCost: 0.22,
    accruedCost: 0.01,
    ...over,
  });
}
