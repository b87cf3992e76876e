// Every Alibaba Cloud API action acp's activities call, with its RAM name (DESIGN §3 Least privilege).
// `acp ram-policy` prints the policy built from this list (client/ram-policy.ts), and a test derives
// the SDK calls from activities/*.ts and fails when one is missing here, so the list cannot rot.

export type RamNamespace = 'ecs' | 'vpc' | 'fc' | 'cs' | 'paidlc' | 'sts';

export interface AlibabaAction {
  /** The RAM action, e.g. `ecs:RunInstances`. */
  action: `${RamNamespace}:${string}`;
  /** read: looks only; create/modify/delete: changes (and costs) something. */
  effect: 'read' | 'create' | 'modify' | 'delete';
  /**
   * True when the action works on an existing acp resource and Alibaba evaluates
   * `acs:ResourceTag/<key>` for it, so the policy can limit it to resources tagged acp:managed=true.
   */
  tagScoped: boolean;
  /** Which acp step needs it. */
  usedBy: string;
}

const a = (
  action: AlibabaAction['action'],
  effect: AlibabaAction['effect'],
  usedBy: string,
  tagScoped = false,
): AlibabaAction => ({ action, effect, tagScoped, usedBy });

export const ALIBABA_ACTIONS: readonly AlibabaAction[] = [
  // ECS: quote, create, execute, release, backstop, gc.
  a('ecs:DescribeRegions', 'read', 'acp gc: the regions of the account'),
  a('ecs:DescribeInstanceTypes', 'read', 'quote: instance type facts'),
  a('ecs:DescribeAvailableResource', 'read', 'quote: stock per zone'),
  a('ecs:DescribePrice', 'read', 'quote and re-quote'),
  a('ecs:DescribeImages', 'read', 'create: image by family'),
  a('ecs:CreateSecurityGroup', 'create', 'create: the job’s security group'),
  a('ecs:AuthorizeSecurityGroup', 'modify', 'create: ingress for the job’s ports', true),
  a('ecs:DescribeSecurityGroups', 'read', 'release by tag; acp gc'),
  a('ecs:DeleteSecurityGroup', 'delete', 'release; acp gc', true),
  a('ecs:RunInstances', 'create', 'create: the instance'),
  a('ecs:DescribeInstances', 'read', 'release by tag; acp gc'),
  a('ecs:DescribeInstanceStatus', 'read', 'create: wait for Running'),
  a('ecs:ModifyInstanceAutoReleaseTime', 'modify', 'the cloud-side backstop', true),
  a('ecs:DeleteInstance', 'delete', 'release; acp gc', true),
  a('ecs:RunCommand', 'create', 'execute: Cloud Assistant'),
  a('ecs:DescribeInvocationResults', 'read', 'execute: exit code and output'),
  // VPC
  a('vpc:DescribeVpcs', 'read', 'create: reuse a shared VPC; release by tag; acp gc'),
  a('vpc:CreateVpc', 'create', 'create: the run’s VPC'),
  a('vpc:DeleteVpc', 'delete', 'release; acp gc', true),
  a('vpc:DescribeVSwitches', 'read', 'create: wait Available; release by tag; acp gc'),
  a('vpc:CreateVSwitch', 'create', 'create: a vSwitch in the zone'),
  a('vpc:DeleteVSwitch', 'delete', 'release; acp gc', true),
  // Function Compute 3.0
  a('fc:CreateFunction', 'create', 'create: the function wrapping the script'),
  a('fc:GetFunction', 'read', 'create: wait Active; release'),
  a('fc:InvokeFunction', 'create', 'execute'),
  a('fc:GetAsyncTask', 'read', 'execute: async invocations'),
  a('fc:DeleteFunction', 'delete', 'release'),
  a('fc:ListFunctions', 'read', 'acp gc: functions tagged acp:managed'),
  // ACK
  a('cs:DescribeClustersV1', 'read', 'create: reuse a running acp cluster'),
  a('cs:CreateCluster', 'create', 'create: a managed cluster'),
  a('cs:DescribeTaskInfo', 'read', 'create: wait for the cluster'),
  a('cs:DescribeClusterDetail', 'read', 'create: wait for the cluster'),
  a('cs:DescribeClusterUserKubeconfig', 'read', 'execute: the Job through the Kubernetes API'),
  a('cs:DeleteCluster', 'delete', 'release (only a cluster this run created)'),
  // PAI-DLC
  a('paidlc:ListEcsSpecs', 'read', 'quote: DLC stock'),
  a('paidlc:CreateJob', 'create', 'create: the training job'),
  a('paidlc:GetJob', 'read', 'execute: job status'),
  a('paidlc:GetPodLogs', 'read', 'execute: logs'),
  a('paidlc:ListJobs', 'read', 'release by name'),
  a('paidlc:StopJob', 'modify', 'release'),
  a('paidlc:DeleteJob', 'delete', 'release'),
  // STS: the FC endpoint needs the account id when ALIBABA_CLOUD_ACCOUNT_ID is unset.
  a('sts:GetCallerIdentity', 'read', 'FC endpoint: the account id'),
];

export const ACTION_NAMES: readonly string[] = ALIBABA_ACTIONS.map((x) => x.action);
