// How PAI-DLC shows a job in GetJob and ListJobs: every field of the documented example responses
// (GetJob's example response in the PAI-DLC OpenAPI metadata, 2020-12-03; test/fixtures/alibaba-examples), filled from the job's own request and
// lifecycle. Options acp never sets (sidecars, elastic training, credential injection…) come back
// in their off state — false, 0, '' or an empty list — as a job created without them has them.
import type { Resource, World } from './types';

/** What dlc.ts keeps per job (its JobData), as far as the view needs it. */
export interface JobView {
  input: Record<string, any>;
  status: string;
  reasonCode: string;
  reasonMessage: string;
  history: {
    Status: string;
    StartTime: string;
    EndTime?: string;
    ReasonCode: string;
    ReasonMessage: string;
  }[];
  pods: {
    PodId: string;
    PodUid: string;
    Type: string;
    Status: string;
    Ip: string;
    NodeName: string;
    GmtCreateTime: string;
    GmtStartTime?: string;
    GmtFinishTime?: string;
    SubStatus?: string;
  }[];
  created: number;
  runningAt?: number;
  finishedAt?: number;
  ecsSpec: string;
  podCount: number;
  modified?: number;
}

const iso = (ms: number | undefined) =>
  ms === undefined ? '' : new Date(ms).toISOString().replace(/\.\d{3}Z$/, 'Z');

function resourcesOf(world: World, ecsSpec: string) {
  const t = world.catalogue.instanceType(ecsSpec);
  return {
    CPU: String(t?.cpu ?? 0),
    GPU: String(t?.gpuAmount ?? 0),
    Memory: `${t?.memoryGiB ?? 0}Gi`,
    SharedMemory: '',
    GPUType: t?.gpuSpec ?? '',
  };
}

function specView(world: World, spec: Record<string, any>): Record<string, unknown> {
  const registry = /^([a-z0-9.-]+\.[a-z]+)\//.exec(String(spec.Image ?? ''))?.[1] ?? '';
  return {
    Type: spec.Type ?? 'Worker',
    Image: spec.Image,
    ImageConfig: { DockerRegistry: registry, Username: '', Password: '', Auth: '', ...spec.ImageConfig },
    PodCount: Number(spec.PodCount ?? 1),
    EcsSpec: spec.EcsSpec ?? '',
    ExtraPodSpec: {
      SideCarContainers: [],
      InitContainers: [],
      PodLabels: {},
      PodAnnotations: {},
      SharedVolumeMountPaths: [],
      SharedVolumeEphemeralStorageSize: '',
      Lifecycle: { PreStop: { Exec: { Command: [] } }, PostStart: { Exec: { Command: [] } } },
      MainContainerSecurityContext: {
        RunAsUser: 0,
        Privileged: false,
        Capabilities: { Add: [], Drop: [] },
        RunAsGroup: 0,
        SeccompProfile: { Type: '', LocalhostProfile: '' },
      },
      ...spec.ExtraPodSpec,
    },
    // A public-resource job names an EcsSpec; DLC reports the resources that spec stands for.
    ResourceConfig: spec.ResourceConfig ?? resourcesOf(world, spec.EcsSpec),
    UseSpotInstance: spec.UseSpotInstance === true,
    SpotSpec: { SpotStrategy: '', SpotDiscountLimit: 0, SpotPriceLimit: 0, ...spec.SpotSpec },
    AssignNodeSpec: {
      EnableAssignNode: false,
      NodeNames: '',
      AntiAffinityNodeNames: '',
      HyperNodes: [],
      AntiAffinityHyperNodes: [],
      ...spec.AssignNodeSpec,
    },
    LocalMountSpecs: spec.LocalMountSpecs ?? [],
    AutoScalingSpec: {
      ScalingStrategy: '',
      MinReplicas: 0,
      MaxReplicas: 0,
      PodsToDelete: [],
      AutoscalingMetricSpec: { MetricName: '', TargetValue: 0 },
      ...spec.AutoScalingSpec,
    },
    ServiceSpec: { ServiceMode: '', ExtraPorts: [], DefaultPort: 0, ...spec.ServiceSpec },
    // Both spellings are in the documented response.
    IsCheif: spec.Type === 'Chief',
    IsChief: spec.Type === 'Chief',
    RestartPolicy: spec.RestartPolicy ?? '',
    SystemDisk: { Size: 0, Category: '', PerformanceLevel: '', ...spec.SystemDisk },
    StartupDependencies: spec.StartupDependencies ?? [],
  };
}

function replicaStatus(world: World, d: JobView, spec: Record<string, any>) {
  const type = spec.Type ?? 'Worker';
  return {
    Type: type,
    Active: d.pods.filter((p) => p.Type === type && p.Status === 'Running').length,
    EstimatedPodCount: Number(spec.PodCount ?? 1),
    EstimatedAutoScalingSpec: {
      ScalingStrategy: '',
      MinReplicas: 0,
      MaxReplicas: 0,
      PodsToDelete: [],
      AutoscalingMetricSpec: { MetricName: '', TargetValue: 0 },
    },
    EstimatedResourceConfig: spec.ResourceConfig ?? resourcesOf(world, spec.EcsSpec),
  };
}

/** The job as GetJob returns it (`list` adds the fields only ListJobs documents). */
export function jobView(world: World, job: Resource, list = false): Record<string, unknown> {
  const d = job.data as JobView;
  const i = d.input;
  const end = d.finishedAt ?? world.now();
  const specs: Record<string, any>[] = i.JobSpecs ?? [];
  const first = specs[0] ?? {};
  const resources = resourcesOf(world, d.ecsSpec);
  const finished = (status: string) => (d.status === status ? iso(d.finishedAt) : '');
  const replicas = specs.map((s) => replicaStatus(world, d, s));
  return {
    JobId: job.id,
    DisplayName: i.DisplayName,
    JobType: i.JobType,
    UserId: world.accountId,
    ...(list ? { Username: '' } : {}),
    WorkspaceId: i.WorkspaceId ?? '',
    WorkspaceName: i.WorkspaceId ? `workspace-${i.WorkspaceId}` : '',
    ResourceId: i.ResourceId ?? '',
    ResourceLevel: '',
    ResourceType: 'ECS',
    Status: d.status,
    SubStatus: '',
    ReasonCode: d.reasonCode,
    ReasonMessage: d.reasonMessage,
    UserCommand: i.UserCommand,
    Envs: i.Envs ?? {},
    JobMaxRunningTimeMinutes: i.JobMaxRunningTimeMinutes ?? 0,
    Priority: i.Priority ?? 1,
    JobSpecs: specs.map((s) => specView(world, s)),
    DataSources: i.DataSources ?? [],
    CodeSource: { CodeSourceId: '', Branch: '', Commit: '', MountPath: '', ...i.CodeSource },
    ThirdpartyLibs: i.ThirdpartyLibs ?? [],
    ThirdpartyLibDir: i.ThirdpartyLibDir ?? '',
    UserVpc: {
      VpcId: '',
      SwitchId: '',
      SecurityGroupId: '',
      ExtendedCidrs: [],
      DefaultRoute: '',
      ...i.UserVpc,
    },
    Duration: d.runningAt === undefined ? 0 : Math.floor((end - d.runningAt) / 1000),
    GmtCreateTime: iso(d.created),
    GmtSubmittedTime: iso(d.created),
    GmtRunningTime: iso(d.runningAt),
    GmtFinishTime: iso(d.finishedAt),
    GmtSuccessedTime: finished('Succeeded'),
    GmtFailedTime: finished('Failed'),
    GmtStoppedTime: finished('Stopped'),
    Pods: d.pods.map((p) => ({
      ...p,
      SubStatus: p.SubStatus ?? 'Normal',
      ResourceType: 'Normal',
      Duration: p.GmtStartTime
        ? Math.floor(
            ((p.GmtFinishTime ? Date.parse(p.GmtFinishTime) : world.now()) - Date.parse(p.GmtStartTime)) /
              1000,
          )
        : 0,
      ...(list ? { PodIp: p.Ip } : {}),
      PodIps: p.Ip ? [{ InterfaceName: 'eth0', Ip: p.Ip }] : [],
      HistoryPods: [],
    })),
    StatusHistory: d.history,
    RestartTimes: '0',
    Settings: {
      BusinessUserId: '',
      Caller: '',
      PipelineId: '',
      EnableTideResource: false,
      EnableErrorMonitoringInAIMaster: false,
      ErrorMonitoringArgs: '',
      EnableRDMA: false,
      EnableOssAppend: false,
      OversoldType: '',
      AdvancedSettings: {},
      Driver: '',
      EnableSanityCheck: false,
      SanityCheckArgs: '',
      JobReservedMinutes: 0,
      JobReservedPolicy: '',
      EnableCPUAffinity: false,
      DisableEcsStockCheck: false,
      AllocateAllRDMADevices: false,
      EnableDSWDev: false,
      DataJuicerConfig: {
        ExecutionMode: '',
        CommandType: '',
        EnableResourceEstimation: false,
        ResourceLimit: { CPU: '', Memory: '', GPU: '' },
      },
      ModelConfig: { ModelName: '' },
      ...i.Settings,
      Tags: i.Settings?.Tags ?? {},
    },
    ClusterId: '',
    TenantId: '',
    ElasticSpec: {
      EnableElasticTraining: false,
      MinParallelism: 0,
      MaxParallelism: 0,
      AIMasterType: '',
      AIMasterDockerImage: '',
      EnablePsJobElasticWorker: false,
      EnableAIMaster: false,
      EnablePsResourceEstimate: false,
      EnablePsJobElasticPS: false,
      PSMinParallelism: 0,
      PSMaxParallelism: 0,
      ElasticStrategy: '',
      EnableEDP: false,
      EDPMaxParallelism: 0,
      EDPMinParallelism: 0,
      ...i.ElasticSpec,
    },
    EnabledDebugger: false,
    CredentialConfig: {
      EnableCredentialInject: false,
      AliyunEnvRoleKey: '',
      CredentialConfigItems: [],
      ...i.CredentialConfig,
    },
    Accessibility: i.Accessibility ?? 'PRIVATE',
    ...(list
      ? {
          NodeNames: d.pods.map((p) => p.NodeName).filter(Boolean),
          SystemEnvs: {},
          GmtModifiedTime: iso(d.modified ?? d.finishedAt ?? d.runningAt ?? d.created),
          IsDeleted: job.releasedAt !== undefined,
          EnablePreemptibleJob: false,
          ResourceName: '',
          WorkingDir: '',
          UserScript: '',
          RequestCPU: Number(resources.CPU) * d.podCount,
          RequestMemory: `${Number.parseFloat(resources.Memory) * d.podCount}Gi`,
          RequestGPU: String(Number(resources.GPU) * d.podCount),
          ResourceQuotaName: '',
          NodeCount: String(d.podCount),
          UseOversoldResource: false,
          // ListJobs documents one replica status object per job (GetJob a list per replica type).
          JobReplicaStatuses: replicas[0] ?? replicaStatus(world, d, first),
        }
      : { RestartRecord: [], JobReplicaStatuses: replicas }),
  };
}
