// Emulated durations of the cloud's asynchronous transitions, in emulated ms (divide by the speed
// factor for wall time). Sources: Alibaba's ECS "Instance FAQ" and "ECS instance lifecycle" pages, the
// CreateVpc / CreateVSwitch references and the Terraform provider — ECS creation "a minute or two", Pending
// "a few seconds"; VPC / vSwitch Available "within seconds"; a released instance keeps its security
// group "in use" for a short while (TF retries DependencyViolation); DeleteVpc right after
// DeleteVSwitch "commonly" answers DependencyViolation.VSwitch for up to about a minute.
export const INSTANCE_PENDING_MS = 5_000;
export const INSTANCE_RUNNING_AFTER_MS = 60_000;
export const VPC_AVAILABLE_AFTER_MS = 5_000;
export const VSWITCH_AVAILABLE_AFTER_MS = 3_000;
export const SECURITY_GROUP_SETTLE_MS = 10_000;
export const VPC_AFTER_VSWITCH_SETTLE_MS = 20_000;
