// Every Alibaba Cloud API action acp's activities call, with its RAM name (docs/architecture.md, least privilege).
// `acp ram-policy` prints the policy built from this list (client/ram-policy.ts), and a test derives
// the SDK calls from activities/*.ts and fails when one is missing here, so the list cannot rot.
//
// The tag scope of each action says how the policy confines it to acp's own resources:
// - 'request': a create; Alibaba evaluates `acs:RequestTag/acp:managed` on it, so the identity can
//   only create resources that carry acp's tag (the tag goes in the create request).
// - 'resource' (or true): works on an existing resource and Alibaba evaluates
//   `acs:ResourceTag/acp:managed` on it, so it only reaches resources tagged acp:managed=true.
// - { tagged, open }: like 'resource', but only on the resources matching `tagged` (an ARN pattern);
//   the action also touches resources matching `open` that carry no tag (RunCommand: the instance
//   is acp's, the Cloud Assistant command it creates has no tags).
// - { arn }: no tag condition; the action is allowed only on resources whose ARN matches, because acp
//   names what it touches (the shared SLS log project `acp-logs-<account>-<region>`).
// - false/absent: no condition, because the action only reads, or because Alibaba does not evaluate
//   tag keys for it (a condition on a key the service never fills in denies every call).
// Reads stay unconditioned except a read that hands out credentials (an ACK kubeconfig).
// Sources, per product, are beside the entries; where the documentation could not be found the
// entry is unconditioned and the comment says so.

export type RamNamespace = 'ecs' | 'vpc' | 'fc' | 'cs' | 'paidlc' | 'sts' | 'log' | 'ram' | 'oss';

/** A resource-tag condition that applies to part of what the action touches (see above). */
export interface PartialTagScope {
  /** ARN pattern of the resources that must carry acp:managed=true, e.g. `acs:ecs:*:*:instance/*`. */
  tagged: string;
  /** ARN pattern of the untagged resources the action also needs, e.g. `acs:ecs:*:*:command/*`. */
  open: string;
}

/** The action reaches only resources whose ARN matches (no condition). */
export interface NamedScope {
  arn: string;
}

export type TagScope = 'request' | 'resource' | PartialTagScope | NamedScope;

export interface AlibabaAction {
  /** The RAM action, e.g. `ecs:RunInstances`. */
  action: `${RamNamespace}:${string}`;
  /** read: looks only; create/modify/delete: changes (and costs) something. */
  effect: 'read' | 'create' | 'modify' | 'delete';
  /** How the policy limits the action to acp's resources; undefined = not at all. */
  scope?: TagScope;
  /** True when the policy puts a tag condition on the action. */
  tagScoped: boolean;
  /** Which acp step needs it. */
  usedBy: string;
}

/** Every acp log project (activities/fc-logs.ts names them acp-logs-<account>-<region>). */
const SLS_PROJECTS = 'acs:log:*:*:project/acp-logs-*';

/** Checkpoint buckets and their objects (activities/oss.ts names them acp-ckpt-<hash>-<region>). */
const OSS_BUCKETS = 'acs:oss:*:*:acp-ckpt-*';

/** `true` is the resource scope (the registry's first form). */
const a = (
  action: AlibabaAction['action'],
  effect: AlibabaAction['effect'],
  usedBy: string,
  tagScoped: boolean | TagScope = false,
): AlibabaAction => {
  const scope = tagScoped === true ? 'resource' : tagScoped === false ? undefined : tagScoped;
  const named = typeof scope === 'object' && 'arn' in scope;
  return { action, effect, ...(scope ? { scope } : {}), tagScoped: scope !== undefined && !named, usedBy };
};

export const ALIBABA_ACTIONS: readonly AlibabaAction[] = [
  // ECS: quote, create, execute, release, backstop, gc.
  // Tag conditions: instances and security groups take acs:RequestTag on create and acs:ResourceTag
  // afterwards (Resource Management, "Use tags to control access to ECS instances",
  // https://www.alibabacloud.com/help/en/resource-management/tag/use-cases/use-tags-to-control-access-to-ecs-resources-1;
  // ECS "Manage resource permissions with tags",
  // https://www.alibabacloud.com/help/en/ecs/user-guide/manage-resource-permissions-with-tags).
  // RunCommand: acs:ResourceTag on acs:ecs:*:*:instance/* plus an unconditioned grant on
  // acs:ecs:*:*:command/* ("Use tags to control the running of Cloud Assistant commands",
  // https://www.alibabacloud.com/help/en/resource-management/use-cases/use-tags-to-control-the-running-of-cloud-assistant-commands).
  a('ecs:DescribeRegions', 'read', 'acp gc: the regions of the account'),
  a('ecs:DescribeInstanceTypes', 'read', 'quote: instance type facts'),
  a('ecs:DescribeAvailableResource', 'read', 'quote: stock per zone'),
  a('ecs:DescribePrice', 'read', 'quote and re-quote'),
  a('ecs:DescribeSpotAdvice', 'read', 'quote: spot release rate (interruption risk) per zone'),
  a('ecs:DescribeImages', 'read', 'create: image by family'),
  a('ecs:CreateSecurityGroup', 'create', 'create: the job’s security group', 'request'),
  a('ecs:AuthorizeSecurityGroup', 'modify', 'create: ingress for the job’s ports', true),
  a('ecs:DescribeSecurityGroups', 'read', 'release by tag; acp gc'),
  a('ecs:DeleteSecurityGroup', 'delete', 'release; acp gc', true),
  a('ecs:RunInstances', 'create', 'create: the instance', 'request'),
  a('ecs:DescribeInstances', 'read', 'create: the public address; release by tag; acp gc'),
  a('ecs:DescribeInstanceStatus', 'read', 'create: wait for Running'),
  a('ecs:DescribeInstanceMonitorData', 'read', 'receipt: the public traffic an instance sent'),
  a('ecs:ModifyInstanceAutoReleaseTime', 'modify', 'the cloud-side backstop', true),
  a('ecs:DeleteInstance', 'delete', 'release; acp gc', true),
  a('ecs:RunCommand', 'create', 'execute: Cloud Assistant', {
    tagged: 'acs:ecs:*:*:instance/*',
    open: 'acs:ecs:*:*:command/*',
  }),
  a('ecs:DescribeInvocationResults', 'read', 'execute: exit code and output'),
  // StopInvocation names the instance (InstanceId.N) and the command task: scoped like RunCommand.
  a('ecs:StopInvocation', 'modify', 'teardown / cancellation: stop the running script', {
    tagged: 'acs:ecs:*:*:instance/*',
    open: 'acs:ecs:*:*:command/*',
  }),
  // VPC: VPCs and vSwitches take acs:RequestTag on create and acs:ResourceTag on change/delete
  // ("使用标签限制 RAM 用户管理 VPC", https://help.aliyun.com/zh/vpc/use-tags-to-restrict-ram-users-ability-to-manage-vpcs:
  // its example conditions vpc:CreateVSwitch on acs:RequestTag and vpc:DeleteVSwitch on
  // acs:ResourceTag and lists VPC among the resources that support tag authorisation). CreateVpc on
  // acs:RequestTag is our reading of that page (it takes Tag.N like CreateVSwitch); no example shows it.
  a('vpc:DescribeVpcs', 'read', 'create: reuse a shared VPC; release by tag; acp gc'),
  a('vpc:CreateVpc', 'create', 'create: the run’s VPC', 'request'),
  a('vpc:DeleteVpc', 'delete', 'release; acp gc', true),
  a('vpc:DescribeVSwitches', 'read', 'create: wait Available; release by tag; acp gc'),
  a('vpc:CreateVSwitch', 'create', 'create: a vSwitch in the zone', 'request'),
  a('vpc:DeleteVSwitch', 'delete', 'release; acp gc', true),
  // Function Compute 3.0: acs:RequestTag when a function is created, acs:ResourceTag on every
  // operation on a function; its async tasks inherit the function's tags ("Grant different groups
  // of functions to different RAM users",
  // https://help.aliyun.com/en/functioncompute/fc/grant-different-grouping-function-operation-permissions-to-different-ram-roles).
  // GetFunction/GetAsyncTask/ListFunctions stay open (reads): acp must see a same-named function
  // that is not its own to refuse it, rather than be denied.
  a('fc:CreateFunction', 'create', 'create: the function wrapping the script', 'request'),
  a('fc:GetFunction', 'read', 'create: wait Active; release'),
  a('fc:InvokeFunction', 'create', 'execute', 'resource'),
  // The async config APIs keep FC 2.0's RAM names (the FC 3.0 GetAsyncInvokeConfig reference:
  // fc:GetFunctionAsyncInvokeConfig); they act on a function, so they take its tag like the others.
  a('fc:PutFunctionAsyncInvokeConfig', 'modify', 'execute: async task mode, no retries', 'resource'),
  a('fc:DeleteFunctionAsyncInvokeConfig', 'delete', 'release', 'resource'),
  a('fc:GetAsyncTask', 'read', 'execute: async invocations'),
  a('fc:DeleteFunction', 'delete', 'release', 'resource'),
  a('fc:ListFunctions', 'read', 'acp gc: functions tagged acp:managed'),
  // ACK: clusters support tag authorisation, cs:CreateCluster with acs:RequestTag; DescribeTaskInfo
  // is listed among the actions that do not ("Use labels to enforce fine-grained access control",
  // https://www.alibabacloud.com/help/en/ack/ack-managed-and-ack-dedicated/user-guide/use-labels-to-enforce-fine-grained-access-control).
  // The kubeconfig is a credential for the whole cluster, so it is scoped like a change.
  a('cs:DescribeClustersV1', 'read', 'create: reuse a running acp cluster'),
  a('cs:CreateCluster', 'create', 'create: a managed cluster', 'request'),
  a('cs:DescribeTaskInfo', 'read', 'create: wait for the cluster'),
  a('cs:DescribeClusterDetail', 'read', 'create: wait for the cluster'),
  a('cs:DescribeClusterUserKubeconfig', 'read', 'execute: the Job through the Kubernetes API', 'resource'),
  a('cs:DeleteCluster', 'delete', 'release (only a cluster this run created)', 'resource'),
  // PAI-DLC: no Alibaba page says whether DLC evaluates acs:RequestTag/acs:ResourceTag (its API
  // pages publish no condition keys), so these stay unconditioned: a condition DLC never fills in
  // would deny every call. Judgement call, revisit when the documentation says otherwise.
  a('paidlc:ListEcsSpecs', 'read', 'quote: DLC stock'),
  a('paidlc:CreateJob', 'create', 'create: the training job'),
  a('paidlc:GetJob', 'read', 'execute: job status'),
  a('paidlc:GetPodLogs', 'read', 'execute: logs'),
  a('paidlc:ListJobs', 'read', 'release by name'),
  a('paidlc:StopJob', 'modify', 'release'),
  a('paidlc:DeleteJob', 'delete', 'release'),
  // STS: the FC endpoint needs the account id when ALIBABA_CLOUD_ACCOUNT_ID is unset.
  a('sts:GetCallerIdentity', 'read', 'FC endpoint: the account id'),
  // Simple Log Service: an async FC run's output (docs/fc.md). Only on acp's own log projects, by
  // name (`acs:log:{region}:{account}:project/{project}[/logstore/{logstore}]`, SLS's RAM resource
  // form, e.g. the GetLogsV2 reference: log:GetLogStoreLogs on
  // acs:log:{#regionId}:{#accountId}:project/{#ProjectName}/logstore/{#LogstoreName}). GetLogs is
  // authorised as log:GetLogStoreLogs.
  a('log:GetProject', 'read', 'FC async output: the shared log project', { arn: SLS_PROJECTS }),
  a('log:CreateProject', 'create', 'FC async output: the shared log project, once per region', {
    arn: SLS_PROJECTS,
  }),
  a('log:TagResources', 'modify', 'FC async output: tag the log project acp:managed + acp:shared', {
    arn: SLS_PROJECTS,
  }),
  a('log:GetLogStore', 'read', 'FC async output: its Logstore', { arn: SLS_PROJECTS }),
  a('log:CreateLogStore', 'create', 'FC async output: its Logstore, once', { arn: SLS_PROJECTS }),
  a('log:GetIndex', 'read', 'FC async output: its index', { arn: SLS_PROJECTS }),
  a('log:CreateIndex', 'create', 'FC async output: its index, once', { arn: SLS_PROJECTS }),
  a('log:GetLogStoreLogs', 'read', 'FC async output: the run’s lines and exit code', { arn: SLS_PROJECTS }),
  // RAM: that the role FC writes logs with exists (its service-linked role, or ACP_FC_ROLE_ARN's).
  a('ram:GetRole', 'read', 'FC async output: the role FC writes logs with'),
  // OSS: the checkpoint buckets of spot runs (docs/spot.md), only by name (OSS's RAM resource form
  // acs:oss:{region}:{account}:{bucket}[/{object}]). ListBuckets is account-wide (gc).
  a('oss:ListBuckets', 'read', 'acp gc: checkpoint buckets'),
  a('oss:PutBucket', 'create', 'spot checkpoints: the run’s bucket per region', { arn: OSS_BUCKETS }),
  a('oss:GetBucketInfo', 'read', 'spot checkpoints: a bucket an earlier try made', { arn: OSS_BUCKETS }),
  a('oss:PutBucketTagging', 'modify', 'spot checkpoints: tag the bucket acp:managed', { arn: OSS_BUCKETS }),
  a('oss:GetBucketTagging', 'read', 'acp gc: a checkpoint bucket’s owner', { arn: OSS_BUCKETS }),
  a('oss:ListObjects', 'read', 'spot checkpoints: copy to another region, empty before delete', {
    arn: OSS_BUCKETS,
  }),
  a('oss:GetObject', 'read', 'spot checkpoints: copy to another region', { arn: OSS_BUCKETS }),
  a('oss:PutObject', 'create', 'spot checkpoints: copy to another region', { arn: OSS_BUCKETS }),
  a('oss:DeleteObject', 'delete', 'spot checkpoints: empty the bucket', { arn: OSS_BUCKETS }),
  a('oss:DeleteBucket', 'delete', 'spot checkpoints: release the bucket', { arn: OSS_BUCKETS }),
  // An instance RAM role (the checkpoint mount's) is passed to RunInstances.
  a('ram:PassRole', 'modify', 'spot checkpoints: the instance RAM role of ECS attempts'),
];

export const ACTION_NAMES: readonly string[] = ALIBABA_ACTIONS.map((x) => x.action);

/** SDK operations whose RAM action has another name (FC 3.0's async config APIs). */
export const RAM_ACTION_OF_API: Readonly<Record<string, string>> = {
  'log:GetLogs': 'log:GetLogStoreLogs',
  'oss:PutBucketTags': 'oss:PutBucketTagging',
  'oss:GetBucketTags': 'oss:GetBucketTagging',
  'oss:ListObjectsV2': 'oss:ListObjects',
  'fc:PutAsyncInvokeConfig': 'fc:PutFunctionAsyncInvokeConfig',
  'fc:DeleteAsyncInvokeConfig': 'fc:DeleteFunctionAsyncInvokeConfig',
  'fc:GetAsyncInvokeConfig': 'fc:GetFunctionAsyncInvokeConfig',
};
