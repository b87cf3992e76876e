// Simple Log Service (API 2020-12-30) as @alicloud/sls20201230 speaks it: not the ACS3 POP envelope
// but SLS's own protocol. The host names the project and the region
// (`<project>.<region>.log.aliyuncs.com`; project-less calls such as CreateProject go to
// `<region>.log.aliyuncs.com`), requests carry `x-log-apiversion` and are signed with SLS's own
// signature (`Authorization: LOG <AccessKeyId>:<base64 HMAC-SHA256>`, verified here as SLS does),
// errors are `{errorCode, errorMessage, requestId}` with `x-log-requestid`.
//
// What acp uses, faithfully: projects (CreateProject, GetProject, TagResources), Logstores
// (CreateLogStore, GetLogStore), indexes (CreateIndex, GetIndex) and GetLogs. GetLogs finds only
// logs that were indexed when they arrived (no index → IndexConfigNotExist), within [from, to) of
// the log time, filtered by topic and a plain search (`*`, terms, `key: value`); analytic SQL
// (`… | select …`) is refused rather than half-done. Function Compute ships a function's output
// lines here when the function has a logConfig (fc.ts → shipFunctionLogs).
//
// A log's time is the cloud's wall clock (World.wallNow): a client computes from/to from its own
// clock. RAM: actions `log:<Action>` (GetLogs is `log:GetLogStoreLogs`) on
// `acs:log:<region>:<account>:project/<p>[/logstore/<l>]`; a denial is 401 Unauthorized
// "denied by sts or ram, …", as SLS answers it.
import { createHash, createHmac, timingSafeEqual } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { appliesTo, injectedFault } from './faults';
import { type GatewayAnswer, type GatewayCall, gatewayRequestId, serveGatewayCall } from './gateway';
import { evaluate, policyDocuments } from './ram';
import { ApiError, type Resource, type World } from './types';
import type { EmulatorWorld } from './world';

const HOST_SUFFIX = '.log.aliyuncs.com';
const PROJECT_NAME = /^[a-z0-9][a-z0-9-]{1,61}[a-z0-9]$/;
const LOGSTORE_NAME = /^[a-z0-9][a-z0-9_-]{1,61}[a-z0-9]$/;
/** GetLogs returns at most this many logs per call (`line`). */
const MAX_LINES = 100;

export interface LogEntry {
  /** Seconds since epoch on the cloud's wall clock. */
  time: number;
  topic: string;
  source: string;
  fields: Record<string, string>;
  /** Only logs that arrive while the Logstore has an index can be found by GetLogs. */
  indexed: boolean;
}

interface LogstoreData {
  logstoreName: string;
  ttl: number;
  shardCount: number;
  autoSplit: boolean;
  maxSplitShard: number;
  appendMeta: boolean;
  enableTracking: boolean;
  mode: string;
  telemetryType: string;
  /** As CreateLogStore was given it (encryption is echoed, not applied). */
  encryptConf?: Record<string, unknown>;
  createTime: number;
  lastModifyTime: number;
  index?: { body: Record<string, any>; lastModifyTime: number };
  logs: LogEntry[];
}

interface ProjectData {
  projectName: string;
  description: string;
  resourceGroupId: string;
  dataRedundancyType: string;
  createTime: number;
  lastModifyTime: number;
  logstores: Record<string, LogstoreData>;
}

interface SlsRequest {
  method: string;
  path: string;
  query: Record<string, string>;
  headers: Record<string, string | undefined>;
  body: Buffer;
  json: any;
  regionId: string;
  project?: string;
  requestId: string;
}

type SlsAction = {
  name: string;
  /** The RAM action. */
  ram: string;
  write: boolean;
  /** The resource the call is authorised against (no region/account prefix). */
  resource: (req: SlsRequest) => string;
  handle: (req: SlsRequest, world: World) => { body?: unknown; headers?: Record<string, string> };
};

// ---- the project store ----

function findProject(world: World, regionId: string, name: string | undefined): Resource | undefined {
  if (!name) return undefined;
  return world.list({ type: 'log-project', regionId }).find((r) => r.id === name);
}

function mustProject(world: World, req: SlsRequest): Resource {
  const project = findProject(world, req.regionId, req.project);
  if (!project)
    throw new ApiError(404, 'ProjectNotExist', `The Project does not exist : ${req.project ?? ''}`);
  return project;
}

function mustLogstore(world: World, req: SlsRequest, name: string): LogstoreData {
  const store = (mustProject(world, req).data as ProjectData).logstores[name];
  if (!store) throw new ApiError(404, 'LogStoreNotExist', `logstore ${name} does not exist`);
  return store;
}

/** The Logstore a function's logConfig names, if it exists (fc.ts checks logConfig with it). */
export function logstoreExists(world: World, regionId: string, project: string, logstore?: string): boolean {
  const p = findProject(world, regionId, project);
  if (!p) return false;
  return logstore === undefined || !!(p.data as ProjectData).logstores[logstore];
}

/**
 * Function Compute writing a function's log lines (what the function printed) into its logConfig's
 * Logstore, one log per line with FC's fields. Nothing is written when the Logstore is gone.
 */
export function shipFunctionLogs(
  world: World,
  target: { regionId: string; project: string; logstore: string },
  lines: { message: string; fields: Record<string, string>; topic: string }[],
): void {
  const p = findProject(world, target.regionId, target.project);
  const store = p && (p.data as ProjectData).logstores[target.logstore];
  if (!store) return;
  const time = Math.floor(world.wallNow() / 1000);
  for (const line of lines) {
    store.logs.push({
      time,
      topic: line.topic,
      source: '',
      fields: { ...line.fields, message: line.message },
      indexed: store.index !== undefined,
    });
  }
}

// ---- actions ----

const nowSeconds = (world: World) => Math.floor(world.wallNow() / 1000);

function createProject(req: SlsRequest, world: World) {
  if (req.project)
    throw new ApiError(
      400,
      'ParameterInvalid',
      'CreateProject is sent to the region endpoint, not a project',
    );
  const name = String(req.json?.projectName ?? '');
  const description = String(req.json?.description ?? '');
  if (!PROJECT_NAME.test(name))
    throw new ApiError(
      400,
      'ParameterInvalid',
      `project name ${name} is invalid: 3-63 lowercase letters, digits and hyphens, starting and ending with a letter or digit`,
    );
  if (world.list({ type: 'log-project' }).some((r) => r.id === name))
    throw new ApiError(400, 'ProjectAlreadyExist', `Project ${name} already exist.`);
  const t = nowSeconds(world);
  const data: ProjectData = {
    projectName: name,
    description,
    resourceGroupId: String(req.json?.resourceGroupId ?? 'rg-acfm-default'),
    dataRedundancyType: String(req.json?.dataRedundancyType ?? 'LRS'),
    createTime: t,
    lastModifyTime: t,
    logstores: {},
  };
  // Pay-by-feature with one idle shard is inside SLS's monthly free quota (docs/fc.md): priced 0.
  world.add({
    type: 'log-project',
    id: name,
    regionId: req.regionId,
    status: 'Normal',
    tags: {},
    hourlyPrice: 0,
    data,
  });
  return {};
}

function getProject(req: SlsRequest, world: World) {
  const p = mustProject(world, req);
  const d = p.data as ProjectData;
  return {
    body: {
      createTime: String(d.createTime),
      dataRedundancyType: d.dataRedundancyType,
      description: d.description,
      lastModifyTime: String(d.lastModifyTime),
      location: '',
      owner: world.accountId,
      projectName: d.projectName,
      recycleBinEnabled: false,
      region: p.regionId,
      resourceGroupId: d.resourceGroupId,
      status: 'Normal',
    },
  };
}

function createLogStore(req: SlsRequest, world: World) {
  const p = mustProject(world, req);
  const b = req.json ?? {};
  const name = String(b.logstoreName ?? '');
  if (!LOGSTORE_NAME.test(name))
    throw new ApiError(400, 'ParameterInvalid', `logstore name ${name} is invalid`);
  const ttl = Number(b.ttl);
  if (!Number.isInteger(ttl) || ttl < 1 || ttl > 3650)
    throw new ApiError(400, 'ParameterInvalid', `ttl ${b.ttl} is invalid: an integer from 1 to 3650 (days)`);
  const shardCount = Number(b.shardCount);
  if (!Number.isInteger(shardCount) || shardCount < 1 || shardCount > 256)
    throw new ApiError(
      400,
      'ParameterInvalid',
      `shardCount ${b.shardCount} is invalid: an integer from 1 to 256`,
    );
  const data = p.data as ProjectData;
  if (data.logstores[name])
    throw new ApiError(400, 'LogStoreAlreadyExist', `logstore ${name} already exists`);
  const t = nowSeconds(world);
  data.logstores[name] = {
    logstoreName: name,
    ttl,
    shardCount,
    autoSplit: b.autoSplit ?? true,
    maxSplitShard: b.maxSplitShard ?? 64,
    appendMeta: b.appendMeta ?? false,
    enableTracking: b.enable_tracking ?? false,
    mode: b.mode ?? 'standard',
    telemetryType: b.telemetryType ?? 'None',
    ...(b.encrypt_conf ? { encryptConf: b.encrypt_conf } : {}),
    createTime: t,
    lastModifyTime: t,
    logs: [],
  };
  return {};
}

function getLogStore(req: SlsRequest, world: World) {
  const s = mustLogstore(world, req, logstoreIn(req));
  return {
    body: {
      appendMeta: s.appendMeta,
      autoSplit: s.autoSplit,
      createTime: s.createTime,
      enable_tracking: s.enableTracking,
      ...(s.encryptConf ? { encrypt_conf: s.encryptConf } : {}),
      hot_ttl: s.ttl,
      infrequentAccessTTL: 0,
      lastModifyTime: s.lastModifyTime,
      logstoreName: s.logstoreName,
      maxSplitShard: s.maxSplitShard,
      mode: s.mode,
      processorId: '',
      productType: '',
      resourceQuota: {
        storage: {
          preserved: -1,
          used: s.logs.reduce((n, l) => n + Buffer.byteLength(JSON.stringify(l.fields)), 0),
        },
      },
      shardCount: s.shardCount,
      telemetryType: s.telemetryType,
      ttl: s.ttl,
    },
  };
}

function createIndex(req: SlsRequest, world: World) {
  const s = mustLogstore(world, req, logstoreIn(req));
  const b = req.json ?? {};
  if (!b.line && !(b.keys && Object.keys(b.keys).length > 0))
    throw new ApiError(400, 'ParameterInvalid', 'an index needs a full-text (line) or a field (keys) index');
  if (s.index) throw new ApiError(400, 'IndexAlreadyExist', 'log store index is already created');
  s.index = { body: b, lastModifyTime: nowSeconds(world) };
  return {};
}

function getIndex(req: SlsRequest, world: World) {
  const s = mustLogstore(world, req, logstoreIn(req));
  if (!s.index) throw new ApiError(400, 'IndexConfigNotExist', "index config doesn't exist");
  const b = s.index.body;
  return {
    body: {
      index_mode: 'v2',
      ...(b.keys ? { keys: b.keys } : {}),
      lastModifyTime: s.index.lastModifyTime,
      ...(b.line ? { line: b.line } : {}),
      log_reduce: b.log_reduce ?? false,
      ...(b.log_reduce_white_list ? { log_reduce_white_list: b.log_reduce_white_list } : {}),
      ...(b.log_reduce_black_list ? { log_reduce_black_list: b.log_reduce_black_list } : {}),
      max_text_len: b.max_text_len ?? 2048,
      storage: 'pg',
      ttl: s.ttl,
    },
  };
}

function tagResources(req: SlsRequest, world: World) {
  const b = req.json ?? {};
  if (b.resourceType !== 'project')
    throw new ApiError(
      400,
      'ParameterInvalid',
      `resourceType ${b.resourceType} is not supported here: project`,
    );
  const ids: string[] = Array.isArray(b.resourceId) ? b.resourceId.map(String) : [];
  const tags: { key?: string; value?: string }[] = Array.isArray(b.tags) ? b.tags : [];
  if (ids.length === 0 || tags.length === 0 || tags.length > 20)
    throw new ApiError(400, 'ParameterInvalid', 'resourceId and 1 to 20 tags are required');
  const projects = ids.map((id) => {
    const p = findProject(world, req.regionId, id);
    if (!p) throw new ApiError(404, 'ProjectNotExist', `The Project does not exist : ${id}`);
    return p;
  });
  for (const p of projects) for (const t of tags) if (t.key) p.tags[t.key] = String(t.value ?? '');
  return {};
}

function getLogs(req: SlsRequest, world: World) {
  const s = mustLogstore(world, req, logstoreIn(req));
  if (!s.index) throw new ApiError(400, 'IndexConfigNotExist', 'logstore without index config');
  const from = Number(req.query.from);
  const to = Number(req.query.to);
  if (!Number.isInteger(from) || !Number.isInteger(to) || from >= to)
    throw new ApiError(
      400,
      'ParameterInvalid',
      `from ${req.query.from} and to ${req.query.to} must be seconds with from < to`,
    );
  const line = req.query.line === undefined ? MAX_LINES : Number(req.query.line);
  if (!Number.isInteger(line) || line < 0 || line > MAX_LINES)
    throw new ApiError(400, 'ParameterInvalid', `line ${req.query.line} is invalid: 0 to ${MAX_LINES}`);
  const offset = Number(req.query.offset ?? 0);
  if (!Number.isInteger(offset) || offset < 0)
    throw new ApiError(400, 'ParameterInvalid', `offset ${req.query.offset} is invalid`);
  const match = searchOf(req.query.query ?? '', s.index.body.line?.caseSensitive === true);
  const oldest = nowSeconds(world) - s.ttl * 86_400;
  const found = s.logs.filter(
    (l) =>
      l.indexed &&
      l.time >= oldest &&
      l.time >= from &&
      l.time < to &&
      (req.query.topic === undefined || l.topic === req.query.topic) &&
      match(l),
  );
  // Oldest first by default; `reverse=true` is newest first (a stable order within one second).
  if (req.query.reverse === 'true') found.reverse();
  const page = found.slice(offset, offset + line);
  return {
    body: page.map((l) => ({ __time__: l.time, __topic__: l.topic, __source__: l.source, ...l.fields })),
    headers: {
      'x-log-count': String(page.length),
      'x-log-progress': 'Complete',
      'x-log-processed-rows': String(found.length),
      'x-log-elapsed-millisecond': '1',
      'x-log-has-sql': 'False',
    },
  };
}

/** `*`, plain terms and `key: value` pairs, all of which must hold ("and" between them is allowed). */
function searchOf(query: string, caseSensitive: boolean): (l: LogEntry) => boolean {
  const q = query.trim();
  if (q === '' || q === '*') return () => true;
  if (q.includes('|'))
    throw new ApiError(
      400,
      'ParameterInvalid',
      "the emulator's GetLogs searches; it does not run analytic SQL",
    );
  const norm = (s: string) => (caseSensitive ? s : s.toLowerCase());
  const parts = q.match(/(?:[^\s"]+:\s*"[^"]*"|[^\s"]+:\s*[^\s"]+|"[^"]*"|\S+)/g) ?? [];
  const tests = parts
    .filter((p) => !/^(and)$/i.test(p))
    .map((p) => {
      const kv = /^([^\s:"]+):\s*"?([^"]*)"?$/.exec(p);
      if (kv) {
        const [, key, value] = kv as unknown as [string, string, string];
        return (l: LogEntry) => {
          const have = key === '__topic__' ? l.topic : key === '__source__' ? l.source : l.fields[key];
          return have !== undefined && norm(have) === norm(value);
        };
      }
      const term = norm(p.replace(/^"|"$/g, ''));
      return (l: LogEntry) => Object.values(l.fields).some((v) => norm(v).includes(term));
    });
  return (l) => tests.every((t) => t(l));
}

function logstoreIn(req: SlsRequest): string {
  return req.path.split('/')[2] ?? '';
}

/** Which API a request is, from its method and path. */
function actionOf(req: SlsRequest): SlsAction | undefined {
  const parts = req.path.split('/').filter(Boolean);
  const project = (r: SlsRequest) => `project/${r.project ?? ''}`;
  const store = (r: SlsRequest) => `${project(r)}/logstore/${logstoreIn(r)}`;
  const m = req.method;
  if (parts.length === 0 && m === 'POST')
    return {
      name: 'CreateProject',
      ram: 'log:CreateProject',
      write: true,
      resource: (r) => `project/${r.json?.projectName ?? ''}`,
      handle: createProject,
    };
  if (parts.length === 0 && m === 'GET')
    return { name: 'GetProject', ram: 'log:GetProject', write: false, resource: project, handle: getProject };
  if (parts[0] === 'tag' && parts.length === 1 && m === 'POST')
    return {
      name: 'TagResources',
      ram: 'log:TagResources',
      write: true,
      resource: (r) => `project/${[r.json?.resourceId].flat()[0] ?? ''}`,
      handle: tagResources,
    };
  if (parts[0] !== 'logstores') return undefined;
  if (parts.length === 1 && m === 'POST')
    return {
      name: 'CreateLogStore',
      ram: 'log:CreateLogStore',
      write: true,
      resource: (r) => `${project(r)}/logstore/${r.json?.logstoreName ?? ''}`,
      handle: createLogStore,
    };
  if (parts.length === 2 && m === 'GET' && req.query.type === 'log')
    return { name: 'GetLogs', ram: 'log:GetLogStoreLogs', write: false, resource: store, handle: getLogs };
  if (parts.length === 2 && m === 'GET')
    return {
      name: 'GetLogStore',
      ram: 'log:GetLogStore',
      write: false,
      resource: store,
      handle: getLogStore,
    };
  if (parts.length === 3 && parts[2] === 'index' && m === 'POST')
    return { name: 'CreateIndex', ram: 'log:CreateIndex', write: true, resource: store, handle: createIndex };
  if (parts.length === 3 && parts[2] === 'index' && m === 'GET')
    return { name: 'GetIndex', ram: 'log:GetIndex', write: false, resource: store, handle: getIndex };
  return undefined;
}

// ---- the HTTP front ----

/** True for a request in SLS's protocol (every SLS SDK call carries x-log-apiversion). */
export function isSlsRequest(req: IncomingMessage): boolean {
  return req.headers['x-log-apiversion'] !== undefined;
}

/**
 * Serves one SLS request. `host` is the product host (after the emulator address, as for FC), `path`
 * and `rawQuery` the API's own path and query.
 */
export async function handleSls(
  req: IncomingMessage,
  res: ServerResponse,
  body: Buffer,
  path: string,
  query: Record<string, string>,
  world: EmulatorWorld,
): Promise<void> {
  const call: GatewayCall = { requestId: gatewayRequestId(world) };
  const { requestId } = call;
  const headers = req.headers as Record<string, string | undefined>;
  const slsReq: SlsRequest = {
    method: req.method ?? 'GET',
    path,
    query,
    headers,
    body,
    json: undefined,
    regionId: '',
    requestId,
  };
  const answer = (status: number, out: string, more: Record<string, string> = {}): GatewayAnswer => ({
    status,
    headers: { 'x-log-requestid': requestId, 'content-type': 'application/json', ...more },
    body: out,
  });
  await serveGatewayCall(world, res, {
    product: 'sls',
    call,
    unnamed: `${slsReq.method} ${path}`,
    internalError: () => new ApiError(500, 'InternalServerError', 'Internal server error'),
    async handle() {
      const where = hostOf(String(headers.host ?? ''));
      slsReq.regionId = call.regionId = where.regionId;
      if (where.project) slsReq.project = where.project;
      if (!world.catalogue.region(where.regionId))
        throw new ApiError(400, 'InvalidHost', `Host header ${headers.host} is invalid.`);
      const accessKeyId = verifySlsSignature(slsReq, (ak) => world.keys.get(ak));
      call.accessKeyId = accessKeyId;
      if (body.length > 0) {
        try {
          slsReq.json = JSON.parse(body.toString('utf8'));
        } catch {
          throw new ApiError(400, 'PostBodyInvalid', 'The request body is not valid JSON object.');
        }
      }
      const action = actionOf(slsReq);
      if (!action) throw new ApiError(404, 'ParameterInvalid', `no such API: ${slsReq.method} ${path}`);
      call.action = action.name;
      authorize(world, accessKeyId, slsReq, action);
      await applyFaults(world, action);
      const result = action.handle(slsReq, world);
      return answer(200, result.body === undefined ? '' : JSON.stringify(result.body), result.headers);
    },
    errorAnswer: (e) =>
      answer(e.status, JSON.stringify({ errorCode: e.code, errorMessage: e.message, requestId }), e.headers),
  });
}

/** `<project>.<region>.log.aliyuncs.com` or `<region>.log.aliyuncs.com` (port dropped). */
function hostOf(host: string): { project?: string; regionId: string } {
  const name = host.replace(/:\d+$/, '');
  if (!name.endsWith(HOST_SUFFIX)) throw new ApiError(400, 'InvalidHost', `Host header ${host} is invalid.`);
  const labels = name.slice(0, -HOST_SUFFIX.length).split('.');
  if (labels.length === 1) return { regionId: labels[0]!.replace(/-intranet$/, '') };
  if (labels.length === 2) return { project: labels[0]!, regionId: labels[1]!.replace(/-intranet$/, '') };
  throw new ApiError(400, 'InvalidHost', `Host header ${host} is invalid.`);
}

/**
 * SLS signature v1: base64(HMAC-SHA256(secret, METHOD\nContent-MD5\nContent-Type\nDate\n
 * <x-log-*, x-acs-* headers sorted, "name:value\n">path?<sorted query k=v joined by &>)).
 */
function verifySlsSignature(req: SlsRequest, secretOf: (ak: string) => string | undefined): string {
  const auth = req.headers.authorization ?? '';
  const m = /^LOG ([^:\s]+):(\S+)$/.exec(auth);
  if (!m)
    throw new ApiError(
      401,
      'Unauthorized',
      'The Authorization header is missing or not in the form LOG <AccessKeyId>:<signature>.',
    );
  const [, accessKeyId, signature] = m as unknown as [string, string, string];
  const secret = secretOf(accessKeyId);
  if (secret === undefined) throw new ApiError(401, 'Unauthorized', `AccessKeyId not found: ${accessKeyId}`);
  if (!req.headers.date) throw new ApiError(400, 'MissingDate', 'Date does not exist in http header.');
  if (req.body.length > 0) {
    const md5 = createHash('md5').update(req.body).digest('hex').toUpperCase();
    if (req.headers['content-md5'] !== md5)
      throw new ApiError(400, 'InvalidContentMD5', 'Content-MD5 does not match the request body.');
  }
  const logHeaders = Object.keys(req.headers)
    .filter((h) => h.startsWith('x-log-') || h.startsWith('x-acs-'))
    .sort()
    .map((h) => `${h}:${req.headers[h]}\n`)
    .join('');
  const sortedQuery = Object.keys(req.query)
    .sort()
    .map((k) => `${k}=${req.query[k]}`)
    .join('&');
  const toSign = `${req.method}\n${req.headers['content-md5'] ?? ''}\n${req.headers['content-type'] ?? ''}\n${req.headers.date}\n${logHeaders}${req.path}${sortedQuery ? `?${sortedQuery}` : ''}`;
  const algorithm = req.headers['x-log-signaturemethod'] === 'hmac-sha1' ? 'sha1' : 'sha256';
  const expected = createHmac(algorithm, secret).update(toSign).digest('base64');
  const a = Buffer.from(expected);
  const b = Buffer.from(signature);
  if (a.length !== b.length || !timingSafeEqual(a, b))
    throw new ApiError(401, 'SignatureNotMatch', `signature ${signature} not match`);
  return accessKeyId;
}

function authorize(world: EmulatorWorld, accessKeyId: string, req: SlsRequest, action: SlsAction): void {
  const policy = world.faults.policy[accessKeyId] ?? world.startPolicies[accessKeyId];
  if (!policy) return;
  const arn = `acs:log:${req.regionId}:${world.accountId}:${action.resource(req)}`;
  const project = findProject(world, req.regionId, req.project);
  const decision = evaluate(policyDocuments(policy), {
    action: action.ram,
    targets: [{ arn, tags: project?.tags ?? {} }],
    requestTags: {},
  });
  if (decision.allowed) return;
  throw new ApiError(401, 'Unauthorized', `denied by sts or ram, action: ${action.ram}, resource: ${arn}`);
}

/** The fault table in SLS's words: quota errors for throttling, its own 5xx codes. */
async function applyFaults(world: EmulatorWorld, action: SlsAction): Promise<void> {
  const f = world.faults;
  const injected = injectedFault(f, action.name);
  if (injected) throw injected;
  if (!appliesTo(f, action.name)) return;
  if (f.latencyMs > 0) await new Promise((r) => setTimeout(r, f.latencyMs));
  if (f.throttleRate > 0 && world.dice.roll() < f.throttleRate) {
    throw action.write
      ? new ApiError(403, 'WriteQuotaExceed', 'Write quota is exceeded.')
      : new ApiError(403, 'ReadQuotaExceed', 'Read quota is exceeded.');
  }
  if (f.errorRate > 0 && world.dice.roll() < f.errorRate) {
    throw world.dice.roll() < 0.5
      ? new ApiError(500, 'InternalServerError', 'Internal server error')
      : new ApiError(503, 'ServerBusy', 'The server is busy, please try again later.');
  }
}
