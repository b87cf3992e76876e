// Cloud Assistant: RunCommand runs the script (world.runScript) on each Running instance, in that
// instance's own machine (its image's OS; services it starts keep running; the internet only with
// a public address — docs/simulation.md);
// DescribeInvocations / DescribeInvocationResults report per-instance status, exit code and the
// Base64 output (24 KB kept, the rest counted in Dropped), as the real service does. StopInvocation
// kills a running execution (Stopping → Terminated) and cancels one not started; releasing the
// instance kills its executions too (InstanceReleased). Invocations are not billable resources, so
// they live here rather than in the resource store.
import { requireRegion } from './ecs-catalogue';
import { instanceSandbox } from './ecs-instance-machine';
import { ossMountsOfUserData, runWithOssMounts } from './oss-mount';
import { ecsTags, int, isoSeconds, list, page, required, str, tags } from './rpc-params';
import { spotScriptEnv } from './spot';
import { ApiError, type Handler, type World } from './types';

const OUTPUT_LIMIT = 24 * 1024;
/** RunCommand's documented limit on CommandContent (after Base64 encoding). */
const CONTENT_LIMIT = 18 * 1024;
const COMMAND_TYPES = ['RunShellScript', 'RunBatScript', 'RunPowerShellScript'];

interface InstanceRun {
  instanceId: string;
  status:
    | 'Pending'
    | 'Running'
    | 'Success'
    | 'Failed'
    | 'Timeout'
    | 'Aborted'
    | 'Invalid'
    | 'Stopping'
    | 'Terminated'
    | 'Cancelled';
  exitCode?: number;
  output: string;
  dropped: number;
  errorCode: string;
  errorInfo: string;
  createdAt: number;
  startAt?: number;
  finishAt?: number;
  stopAt?: number;
  /** Kills the running script; set while it runs. */
  stopper?: AbortController;
  /** Why the script was killed before it ended on its own. */
  interruptedBy?: 'StopInvocation' | 'release';
}

interface Invocation {
  invokeId: string;
  commandId: string;
  regionId: string;
  name: string;
  type: string;
  content: string;
  timeout: number;
  workingDir: string;
  username: string;
  parameters: string;
  createdAt: number;
  tags: Record<string, string>;
  runs: InstanceRun[];
}

const invocationsByWorld = new WeakMap<World, Map<string, Invocation>>();
function invocations(world: World): Map<string, Invocation> {
  let m = invocationsByWorld.get(world);
  if (!m) {
    m = new Map();
    invocationsByWorld.set(world, m);
  }
  return m;
}

export function resetInvocations(world: World) {
  invocationsByWorld.delete(world);
}

function overallStatus(runs: InstanceRun[]): string {
  const s = runs.map((r) => r.status);
  if (s.some((x) => x === 'Stopping')) return 'Stopping';
  if (s.every((x) => x === 'Terminated' || x === 'Cancelled')) return 'Stopped';
  if (s.some((x) => x === 'Pending' || x === 'Running'))
    return s.some((x) => x === 'Running') ? 'Running' : 'Pending';
  if (s.every((x) => x === 'Success')) return 'Success';
  if (s.some((x) => x === 'Success')) return 'PartialFailed';
  return s.every((x) => x === 'Timeout') ? 'Timeout' : 'Failed';
}

/** The legacy InvokeStatus / InvokeRecordStatus vocabulary. */
function recordStatus(status: string): string {
  if (status === 'Pending' || status === 'Running') return 'Running';
  if (status === 'Stopping') return 'Stopping';
  if (status === 'Stopped' || status === 'Terminated' || status === 'Cancelled') return 'Stopped';
  if (status === 'Success') return 'Finished';
  return status === 'PartialFailed' ? 'PartialFinished' : 'Failed';
}

function start(world: World, inv: Invocation, run: InstanceRun) {
  run.status = 'Running';
  run.startAt = world.now();
  run.stopper = new AbortController();
  const signal = run.stopper.signal;
  const instance = world.get('instance', run.instanceId)!;
  const sandbox = { ...instanceSandbox(instance), ...(inv.workingDir ? { cwd: inv.workingDir } : {}) };
  // The instance's ossfs mounts (cloud-config UserData) hold what earlier attempts saved.
  runWithOssMounts(
    world,
    ossMountsOfUserData(String(instance.data.userData ?? '')),
    sandbox,
    () =>
      world.runScript(inv.content, {
        timeoutSeconds: inv.timeout,
        signal,
        env: spotScriptEnv(world, run.instanceId),
        sandbox,
      }),
    String(instance.data.ramRoleName ?? ''),
  )
    .then((result) => {
      const bytes = Buffer.from(result.output, 'utf8');
      run.output = bytes.subarray(0, OUTPUT_LIMIT).toString('utf8');
      run.dropped = Math.max(0, bytes.length - OUTPUT_LIMIT) + (result.droppedBytes ?? 0);
      run.exitCode = result.exitCode;
      run.finishAt = world.now();
      run.stopper = undefined;
      if (run.interruptedBy === 'StopInvocation') {
        run.status = 'Terminated';
      } else if (run.interruptedBy === 'release') {
        run.status = 'Failed';
        run.errorCode = 'InstanceReleased';
        run.errorInfo = 'the instance has released when create task';
      } else if (result.timedOut) {
        run.status = 'Timeout';
        run.errorCode = 'ExecutionTimeout';
        run.errorInfo = 'the command execution has been timeout';
      } else if (result.exitCode === 0) {
        run.status = 'Success';
      } else {
        run.status = 'Failed';
        run.errorCode = 'ExitCodeNonzero';
        run.errorInfo = 'the command execution exit code is not zero';
      }
    })
    .catch((err) => {
      run.stopper = undefined;
      run.status = 'Failed';
      run.exitCode = 1;
      run.errorCode = 'ExecutionException';
      run.errorInfo = String(err?.message ?? err);
      run.finishAt = world.now();
    });
}

const runCommand: Handler = (req, world) => {
  const region = requireRegion(req, world);
  const result = world.idempotent(`ecs:RunCommand:${region.regionId}`, str(req, 'ClientToken'), () => {
    const type = required(req, 'Type');
    if (!COMMAND_TYPES.includes(type))
      throw new ApiError(403, 'InvalidCmdType.NotFound', 'The specified command type does not exist.');
    const raw = required(req, 'CommandContent');
    const encoding = str(req, 'ContentEncoding') ?? 'PlainText';
    if (!['PlainText', 'Base64'].includes(encoding)) {
      throw new ApiError(
        400,
        'InvalidParameter.ContentEncoding',
        'The specified parameter "ContentEncoding" is not valid.',
      );
    }
    const content = encoding === 'Base64' ? Buffer.from(raw, 'base64').toString('utf8') : raw;
    if (Buffer.from(content).toString('base64').length > CONTENT_LIMIT) {
      throw new ApiError(
        403,
        'CmdContent.ExceedLimit',
        'The length of the command content exceeds the upper limit (18 KB after Base64 encoding).',
      );
    }
    const ids = list(req, 'InstanceId');
    if (ids.length === 0) {
      throw new ApiError(
        400,
        'MissingParameter',
        'The input parameter "InstanceId" that is mandatory for processing this request is not supplied.',
      );
    }
    if (ids.length > 50)
      throw new ApiError(
        403,
        'InstanceIds.ExceedLimit',
        'The number of instance IDs exceeds the upper limit.',
      );
    const instances = ids.map((id) => {
      const r = world.get('instance', id);
      if (!r || r.releasedAt !== undefined || r.regionId !== region.regionId) {
        throw new ApiError(404, 'InvalidInstance.NotFound', 'The specified instance does not exist.');
      }
      return r;
    });
    const timeout = int(req, 'Timeout', 60)!;
    if (timeout < 10 || timeout > 86400) {
      throw new ApiError(
        403,
        'InvalidTimeout.ExceedLimit',
        'The specified timeout is out of range (10-86400 seconds).',
      );
    }
    const now = world.now();
    const inv: Invocation = {
      invokeId: world.newId('t', region.regionId),
      commandId: world.newId('c', region.regionId),
      regionId: region.regionId,
      name: str(req, 'Name') ?? '',
      type,
      content,
      timeout,
      workingDir: str(req, 'WorkingDir') ?? '',
      username: str(req, 'Username') ?? 'root',
      parameters: str(req, 'Parameters') ?? '{}',
      createdAt: now,
      tags: tags(req),
      runs: instances.map((r) => ({
        instanceId: r.id,
        status: 'Pending',
        output: '',
        dropped: 0,
        errorCode: '',
        errorInfo: '',
        createdAt: now,
      })),
    };
    invocations(world).set(inv.invokeId, inv);
    for (const [i, r] of instances.entries()) {
      const run = inv.runs[i]!;
      if (r.status !== 'Running') {
        // The agent only answers on a Running instance: the real service aborts delivery.
        run.status = 'Aborted';
        run.errorCode = 'InstanceNotRunning';
        run.errorInfo = 'the instance is not running when create task';
        run.finishAt = now;
      } else if (type !== 'RunShellScript') {
        run.status = 'Invalid';
        run.errorCode = 'CommandNotApplicable';
        run.errorInfo = 'the command is not applicable';
        run.finishAt = now;
      } else {
        start(world, inv, run);
      }
    }
    return { invokeId: inv.invokeId, commandId: inv.commandId };
  });
  return { body: { RequestId: req.requestId, CommandId: result.commandId, InvokeId: result.invokeId } };
};

function selectInvocations(req: Parameters<Handler>[0], world: World, regionId: string): Invocation[] {
  const invokeId = str(req, 'InvokeId');
  const commandId = str(req, 'CommandId');
  const instanceId = str(req, 'InstanceId');
  return [...invocations(world).values()]
    .filter(
      (inv) =>
        inv.regionId === regionId &&
        (!invokeId || inv.invokeId === invokeId) &&
        (!commandId || inv.commandId === commandId) &&
        (!instanceId || inv.runs.some((r) => r.instanceId === instanceId)),
    )
    .reverse();
}

const encodeOutput = (output: string, encoding: string) =>
  encoding === 'PlainText' ? output : Buffer.from(output, 'utf8').toString('base64');
const time = (ms?: number) => (ms === undefined ? '' : isoSeconds(ms));

const describeInvocations: Handler = (req, world) => {
  const region = requireRegion(req, world);
  const encoding = str(req, 'ContentEncoding') ?? 'Base64';
  const includeOutput = str(req, 'IncludeOutput') === 'true';
  const invokeStatus = str(req, 'InvokeStatus');
  const instanceId = str(req, 'InstanceId');
  const all = selectInvocations(req, world, region.regionId).filter(
    (inv) =>
      !invokeStatus ||
      recordStatus(overallStatus(inv.runs)) === invokeStatus ||
      overallStatus(inv.runs) === invokeStatus,
  );
  const p = page(req, 50, (name) => `InvalidParam.${name}`);
  return {
    body: {
      RequestId: req.requestId,
      TotalCount: all.length,
      PageNumber: p.number,
      PageSize: p.size,
      NextToken: '',
      Invocations: {
        Invocation: all.slice((p.number - 1) * p.size, p.number * p.size).map((inv) => {
          const status = overallStatus(inv.runs);
          return {
            InvokeId: inv.invokeId,
            CommandId: inv.commandId,
            CommandName: inv.name,
            CommandType: inv.type,
            CommandContent: Buffer.from(inv.content).toString('base64'),
            InvocationStatus: status,
            InvokeStatus: recordStatus(status),
            CreationTime: isoSeconds(inv.createdAt),
            Timeout: inv.timeout,
            WorkingDir: inv.workingDir,
            Username: inv.username,
            Parameters: inv.parameters,
            RepeatMode: 'Once',
            Timed: false,
            Tags: ecsTags(inv.tags),
            InvokeInstances: {
              InvokeInstance: inv.runs
                .filter((r) => !instanceId || r.instanceId === instanceId)
                .map((r) => ({
                  InstanceId: r.instanceId,
                  InvocationStatus: r.status,
                  InstanceInvokeStatus: recordStatus(r.status),
                  ExitCode: r.exitCode ?? 0,
                  Output: includeOutput ? encodeOutput(r.output, encoding) : '',
                  Dropped: r.dropped,
                  ErrorCode: r.errorCode,
                  ErrorInfo: r.errorInfo,
                  CreationTime: isoSeconds(r.createdAt),
                  StartTime: time(r.startAt),
                  FinishTime: time(r.finishAt),
                  UpdateTime: time(r.finishAt ?? r.startAt ?? r.createdAt),
                  StopTime: time(r.stopAt),
                  Repeats: r.startAt === undefined ? 0 : 1,
                  Timed: false,
                })),
            },
          };
        }),
      },
    },
  };
};

const describeInvocationResults: Handler = (req, world) => {
  const region = requireRegion(req, world);
  // The real default is Base64; PlainText must be asked for.
  const encoding = str(req, 'ContentEncoding') ?? 'Base64';
  const instanceId = str(req, 'InstanceId');
  const recordFilter = str(req, 'InvokeRecordStatus');
  const results = selectInvocations(req, world, region.regionId).flatMap((inv) =>
    inv.runs
      .filter(
        (r) =>
          (!instanceId || r.instanceId === instanceId) &&
          (!recordFilter || recordStatus(r.status) === recordFilter),
      )
      .map((r) => ({
        InvokeId: inv.invokeId,
        CommandId: inv.commandId,
        InstanceId: r.instanceId,
        InvocationStatus: r.status,
        InvokeRecordStatus: recordStatus(r.status),
        ExitCode: r.exitCode ?? 0,
        Output: encodeOutput(r.output, encoding),
        Dropped: r.dropped,
        ErrorCode: r.errorCode,
        ErrorInfo: r.errorInfo,
        StartTime: time(r.startAt),
        FinishedTime: time(r.finishAt),
        StopTime: time(r.stopAt),
        Repeats: r.startAt === undefined ? 0 : 1,
        Username: inv.username,
        Tags: ecsTags(inv.tags),
        // Options acp does not use: output to OSS, containers, a custom launcher.
        OssOutputDelivery: '',
        OssOutputUri: '',
        OssOutputStatus: '',
        ContainerId: '',
        ContainerName: '',
        Launcher: '',
        TerminationMode: 'Process',
      })),
  );
  const p = page(req, 50, (name) => `InvalidParam.${name}`);
  return {
    body: {
      RequestId: req.requestId,
      Invocation: {
        TotalCount: results.length,
        PageNumber: p.number,
        PageSize: p.size,
        NextToken: '',
        InvocationResults: { InvocationResult: results.slice((p.number - 1) * p.size, p.number * p.size) },
      },
    },
  };
};

/** Kills what runs on an instance that is going away (DeleteInstance, AutoReleaseTime). */
export function interruptCommandsOn(world: World, instanceId: string): void {
  for (const inv of invocations(world).values()) {
    for (const run of inv.runs) {
      if (run.instanceId !== instanceId) continue;
      if (run.status === 'Pending') {
        run.status = 'Failed';
        run.errorCode = 'InstanceReleased';
        run.errorInfo = 'the instance has released when create task';
        run.finishAt = world.now();
      } else if (run.stopper) {
        run.interruptedBy ??= 'release';
        run.stopper.abort();
      }
    }
  }
}

// StopInvocation's usage notes also say a started one-off execution "is not interrupted", while the
// API summary says it stops a Running process and DescribeInvocationResults documents Stopping →
// Terminated ("terminated while running"); the emulator follows the summary and the states. acp does
// not depend on either reading: it releases the instance right after, which ends the process.
const stopInvocation: Handler = (req, world) => {
  const region = requireRegion(req, world);
  const invokeId = required(req, 'InvokeId');
  const inv = invocations(world).get(invokeId);
  if (!inv || inv.regionId !== region.regionId)
    throw new ApiError(404, 'InvalidInvokeId.NotFound', 'The specified invoke ID does not exist.');
  const ids = list(req, 'InstanceId');
  if (ids.length > 50)
    throw new ApiError(403, 'InstanceIds.ExceedLimit', 'The number of instance IDs exceeds the upper limit.');
  for (const id of ids) {
    if (!inv.runs.some((r) => r.instanceId === id)) {
      throw new ApiError(
        404,
        'InvalidInstanceId.NotFound',
        'The specified parameter InstanceId does not exist.',
      );
    }
  }
  const now = world.now();
  for (const run of inv.runs) {
    if (ids.length > 0 && !ids.includes(run.instanceId)) continue;
    if (run.status === 'Pending') {
      run.status = 'Cancelled';
      run.stopAt = now;
      run.finishAt = now;
    } else if (run.status === 'Running' && run.stopper) {
      run.status = 'Stopping';
      run.stopAt = now;
      run.interruptedBy = 'StopInvocation';
      run.stopper.abort();
    }
  }
  return { body: { RequestId: req.requestId } };
};

export const commandActions: Record<string, Handler> = {
  RunCommand: runCommand,
  StopInvocation: stopInvocation,
  DescribeInvocations: describeInvocations,
  DescribeInvocationResults: describeInvocationResults,
};
