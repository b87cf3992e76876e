// Where an async Function Compute run's output and exact exit code come from: Simple Log Service,
// the channel every FC account has (docs/fc.md). A function created with a logConfig has FC ship
// every line it prints to that Logstore as it prints it (topic `FCLogs:<function>`); the function's
// server ends a run with one line `acp-exit-code=<n> request-id=<id>`, so acp reads the exact code
// from the same place as the output. GetAsyncTask's returnPayload (an invite-only preview) is never
// needed.
//
// What this module owns:
// - the per-region log project every acp run shares (`acp-logs-<account>-<region>`, one Logstore of
//   one shard, 7 days, a full-text index): made on first use, tagged acp:managed + acp:shared, never
//   deleted by a run and not swept by `acp gc`;
// - the check that the role FC writes logs with exists (its service-linked role
//   AliyunServiceRoleForFC, or ACP_FC_ROLE_ARN's): a missing one is BLOCKED with what to create;
// - reading a run's lines back (GetLogs by the function's topic, newest first, up to a tail).
import { ApplicationFailure } from '@temporalio/common';
import type { AlibabaClients } from './clients';
import { alibabaCall, describeSdkError, toFailure } from './errors';
import { sdk } from './sdk';
import { MANAGED_TAG, SHARED_TAG } from './tags';

/** The Logstore in each acp log project that FC functions write to. */
export const FC_LOGSTORE = 'function-output';
/** Days SLS keeps a run's lines (storage is what SLS bills; a run's output is read within minutes). */
const LOGSTORE_TTL_DAYS = 7;
/** FC's service-linked role: what FC 3.0 functions without a role of their own write logs with. */
export const FC_SERVICE_LINKED_ROLE = 'AliyunServiceRoleForFC';
/** What acp keeps of a run's output (the workflow keeps a shorter tail). */
const OUTPUT_TAIL_CHARS = 16_000;
/** GetLogs returns at most 100 logs a call. */
const PAGE = 100;
/** A read never pages further back than this many logs. */
const MAX_PAGES = 20;
/** SLS separators for the full-text index (its console default). */
const INDEX_TOKENS = [...', \'";=()[]{}?@&<>/:\n\t\r'];
/** Log times are the cloud's clock: a window this much wider on each side forgives a skewed worker. */
const CLOCK_SLACK_SECONDS = 300;

/** One project per account and region: SLS project names are unique across Alibaba Cloud. */
export function logProjectFor(accountId: string, regionId: string): string {
  return `acp-logs-${accountId}-${regionId}`;
}

/** The topic FC 3.0 gives a function's log lines. */
export function logTopicOf(functionName: string): string {
  return `FCLogs:${functionName}`;
}

/** The last line the function's server prints for a run (server in fc.ts). */
export const EXIT_LINE = /^acp-exit-code=(\d+) request-id=(\S+)$/;

export interface FunctionLogs {
  regionId: string;
  project: string;
  logstore: string;
}

export interface RunOutput {
  /** The run's lines, oldest first, without the exit line (a tail of at most OUTPUT_TAIL_CHARS). */
  output: string;
  /** From the exit line for this request; undefined while the run has not ended (or its line is late). */
  exitCode?: number;
}

/** A run's output from its log lines (oldest first): the exit line of `requestId` gives the code. */
export function readRunOutput(lines: string[], requestId: string | undefined): RunOutput {
  let exitCode: number | undefined;
  const kept: string[] = [];
  for (const line of lines) {
    const m = EXIT_LINE.exec(line);
    if (m) {
      if (requestId !== undefined && m[2] === requestId) exitCode = Number(m[1]);
      continue;
    }
    kept.push(line);
  }
  const output = kept.length > 0 ? `${kept.join('\n')}\n` : '';
  return { output: output.slice(-OUTPUT_TAIL_CHARS), ...(exitCode !== undefined ? { exitCode } : {}) };
}

/** The name of the role an ARN (acs:ram::<account>:role/<name>) stands for. */
export function roleNameOf(arn: string): string {
  const m = /^acs:ram::\d+:role\/(.+)$/.exec(arn);
  if (!m) {
    throw ApplicationFailure.nonRetryable(
      `ACP_FC_ROLE_ARN '${arn}' is not a RAM role ARN (acs:ram::<account-id>:role/<name>)`,
      'InvalidParameter',
    );
  }
  return m[1]!;
}

const codeOf = (err: unknown, operation: string) => describeSdkError(err, operation).code;

/** A person must create the role: BLOCKED, saying exactly what to create. */
function roleMissing(roleName: string, arn: string | undefined, operation: string): ApplicationFailure {
  const nextStep = arn
    ? `create the RAM role ${roleName} (trusted entity: Function Compute, fc.aliyuncs.com) with the system policy AliyunFCDefaultRolePolicy (or log:PostLogStoreLogs on acs:log:*:*:project/acp-logs-*), or unset ACP_FC_ROLE_ARN to use FC's service-linked role; then send \`acp retry ID\`.`
    : `create Function Compute's service-linked role ${roleName} once: accept the authorization prompt in the Function Compute console, or run \`aliyun ram CreateServiceLinkedRole --ServiceName fc.aliyuncs.com\`; then send \`acp retry ID\`.`;
  const message = `Function Compute writes an async run's output to Simple Log Service with the RAM role ${roleName}, which this account does not have`;
  return ApplicationFailure.create({
    message: `${message} (${operation})`,
    type: 'EntityNotExist.Role',
    nonRetryable: true,
    details: [{ code: 'EntityNotExist.Role', message, kind: 'blocked', nextStep, operation }],
  });
}

export function createFcLogActivities(clients: AlibabaClients) {
  /** Creates what is missing; another run creating it at the same moment is just as good. */
  async function ensure(
    operation: string,
    exists: () => Promise<unknown>,
    missing: string,
    create: () => Promise<unknown>,
    already: string,
  ): Promise<boolean> {
    try {
      await exists();
      return false;
    } catch (err) {
      if (codeOf(err, operation) !== missing) throw toFailure(err, operation);
    }
    try {
      await create();
      return true;
    } catch (err) {
      if (codeOf(err, operation) === already) return false;
      throw toFailure(err, operation);
    }
  }

  return {
    /**
     * Makes sure an async run's output can reach acp in this region: the role FC writes logs with
     * exists (else BLOCKED naming it), and the shared log project, its Logstore and index exist
     * (created on first use). Returns where the function is to log.
     */
    async ensureFunctionLogs(input: { regionId: string }): Promise<FunctionLogs & { created: boolean }> {
      const { regionId } = input;
      const arn = clients.config.fcRoleArn;
      const roleName = arn ? roleNameOf(arn) : FC_SERVICE_LINKED_ROLE;
      const getRole = `GetRole ${roleName}`;
      try {
        await clients.ram().getRole(new sdk.ram.GetRoleRequest({ roleName }));
      } catch (err) {
        if (codeOf(err, getRole) === 'EntityNotExist.Role') throw roleMissing(roleName, arn, getRole);
        throw toFailure(err, getRole);
      }

      const project = logProjectFor(await clients.accountId(), regionId);
      const sls = clients.sls(regionId);
      const createdProject = await ensure(
        `CreateProject ${project} in ${regionId}`,
        () => sls.getProject(project),
        'ProjectNotExist',
        () =>
          sls.createProject(
            new sdk.sls.CreateProjectRequest({
              projectName: project,
              description:
                'acp: the output of async Function Compute runs, shared by every acp run in this region',
            }),
          ),
        'ProjectAlreadyExist',
      );
      if (createdProject) {
        // Shared and long-lived, like `acp network share`'s VPC: no run releases it, gc leaves it.
        await alibabaCall(`TagResources ${project}`, () =>
          sls.tagResources(
            new sdk.sls.TagResourcesRequest({
              resourceType: 'project',
              resourceId: [project],
              tags: [
                new sdk.sls.TagResourcesRequestTags({ key: MANAGED_TAG, value: 'true' }),
                new sdk.sls.TagResourcesRequestTags({ key: SHARED_TAG, value: 'true' }),
              ],
            }),
          ),
        );
      }
      const createdStore = await ensure(
        `CreateLogStore ${project}/${FC_LOGSTORE}`,
        () => sls.getLogStore(project, FC_LOGSTORE),
        'LogStoreNotExist',
        () =>
          sls.createLogStore(
            project,
            new sdk.sls.CreateLogStoreRequest({
              logstoreName: FC_LOGSTORE,
              ttl: LOGSTORE_TTL_DAYS,
              // One shard: a script's lines are far below a shard's 5 MB/s, and 31 shard-days a month
              // are free; no auto-split, so it never grows into paid shards.
              shardCount: 1,
              autoSplit: false,
            }),
          ),
        'LogStoreAlreadyExist',
      );
      // GetLogs finds only what arrived while an index existed: the index comes before any function.
      await ensure(
        `CreateIndex ${project}/${FC_LOGSTORE}`,
        () => sls.getIndex(project, FC_LOGSTORE),
        'IndexConfigNotExist',
        () =>
          sls.createIndex(
            project,
            FC_LOGSTORE,
            new sdk.sls.CreateIndexRequest({
              body: new sdk.sls.Index({
                line: new sdk.sls.IndexLine({ caseSensitive: false, chn: false, token: INDEX_TOKENS }),
              }),
            }),
          ),
        'IndexAlreadyExist',
      );
      return { regionId, project, logstore: FC_LOGSTORE, created: createdProject || createdStore };
    },

    /**
     * The newest lines a function has logged since `fromSeconds` (a tail of the run), oldest first,
     * and the exact exit code once the exit line of `requestId` is among them.
     */
    async readFunctionOutput(
      input: FunctionLogs & { functionName: string; fromSeconds: number; requestId?: string },
    ): Promise<RunOutput & { lines: number }> {
      const sls = clients.sls(input.regionId);
      const to = Math.floor(Date.now() / 1000) + CLOCK_SLACK_SECONDS;
      const from = Math.min(input.fromSeconds - CLOCK_SLACK_SECONDS, to - 1);
      const newestFirst: string[] = [];
      let chars = 0;
      for (let page = 0; page < MAX_PAGES; page++) {
        const operation = `GetLogs ${input.project}/${input.logstore} ${logTopicOf(input.functionName)}`;
        const r = await alibabaCall(operation, () =>
          sls.getLogs(
            input.project,
            input.logstore,
            new sdk.sls.GetLogsRequest({
              from,
              to,
              topic: logTopicOf(input.functionName),
              query: '*',
              line: PAGE,
              offset: page * PAGE,
              reverse: true,
            }),
          ),
        );
        const logs = r.body ?? [];
        for (const log of logs) {
          const message = String(log.message ?? '');
          newestFirst.push(message);
          chars += message.length + 1;
        }
        // The exit line is the newest one, so the first page has it; older pages only fill the tail.
        if (logs.length < PAGE || chars >= OUTPUT_TAIL_CHARS) break;
      }
      return { ...readRunOutput(newestFirst.reverse(), input.requestId), lines: newestFirst.length };
    },
  };
}
