// Checkpoints across spot attempts (docs/spot.md): the run's OSS bucket in the attempt's region holds
// what the script saved; each attempt sees it as a directory, $ACP_CHECKPOINT_DIR. An ECS instance
// mounts it with ossfs, declared in its cloud-config UserData and authenticated with an instance RAM
// role (no key on the machine, none in the workflow); a PAI-DLC job mounts it from its DataSources
// with PAI's own service role. Pure: the workflow and the activities build requests from these.

/** Where the directory is on the machine. */
export const CHECKPOINT_DIR = '/mnt/acp-checkpoint';
/** The key prefix in the bucket the directory shows. */
export const CHECKPOINT_PREFIX = 'checkpoint/';
/** The instance RAM role ossfs uses unless ACP_CHECKPOINT_ROLE names another (docs/spot.md). */
export const DEFAULT_CHECKPOINT_ROLE = 'AcpCheckpointRole';

export interface CheckpointLocation {
  bucket: string;
  regionId: string;
  /** `oss-<region>-internal.aliyuncs.com`: reached from the region's VPCs without a public address. */
  internalEndpoint: string;
}

/**
 * cloud-config for an ECS instance: install ossfs when the image lacks it, and mount the run's
 * bucket at CHECKPOINT_DIR with the instance's RAM role (credentials from the metadata service).
 */
export function ossfsCloudConfig(loc: CheckpointLocation, ramRole: string): string {
  const options = [
    '_netdev',
    'allow_other',
    `url=http://${loc.internalEndpoint}`,
    `ram_role=http://100.100.100.200/latest/meta-data/ram/security-credentials/${ramRole}`,
  ].join(',');
  return [
    '#cloud-config',
    'mounts:',
    `  - ["ossfs#${loc.bucket}:/${CHECKPOINT_PREFIX}", "${CHECKPOINT_DIR}", "fuse", "${options}", "0", "0"]`,
    'runcmd:',
    `  - [sh, -c, "command -v ossfs >/dev/null || yum install -y ossfs || apt-get install -y ossfs; mkdir -p ${CHECKPOINT_DIR}; mount -a"]`,
    '',
  ].join('\n');
}

/** The lines put before the script on ECS: wait for cloud-init's mount, then name the directory. */
export function withCheckpointDir(command: string): string {
  return [
    '# acp: the checkpoint directory kept across spot attempts (docs/spot.md)',
    'command -v cloud-init >/dev/null 2>&1 && cloud-init status --wait >/dev/null 2>&1',
    `export ACP_CHECKPOINT_DIR=${CHECKPOINT_DIR}`,
    command,
  ].join('\n');
}

/** The DataSources entry of a PAI-DLC job: the bucket's prefix mounted at CHECKPOINT_DIR. */
export function dlcCheckpointSource(loc: CheckpointLocation): { Uri: string; MountPath: string } {
  return {
    Uri: `oss://${loc.bucket}.${loc.internalEndpoint}/${CHECKPOINT_PREFIX}`,
    MountPath: CHECKPOINT_DIR,
  };
}
