// Raw answers carry the fields of Alibaba's documented example responses. For every API acp calls,
// the emulator is asked through the official SDK (the typed methods build the request; the raw JSON
// body is read before the SDK maps it), and its field paths are compared with the API's documented
// example (test/fixtures/alibaba-examples/, copied from Alibaba's OpenAPI metadata with its source).
// A path counts when the emulator's answer has it with the example's JSON type. Paths under a list
// the emulator answered empty cannot be compared and are left out (the list itself must be there);
// the scenario below fills the lists it can. Each API must reach 90 %; the table is printed
// (ACP_COVERAGE_MISSING=1 also prints every missing path).
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { after, before, describe, test } from 'node:test';
import * as $Cs from '@alicloud/cs20151215';
import * as $Ecs from '@alicloud/ecs20140526';
import * as $Fc from '@alicloud/fc20230330';
import type OpenApi from '@alicloud/openapi-core';
import * as $Ram from '@alicloud/ram20150501';
import * as $Sls from '@alicloud/sls20201230';
import * as $Vpc from '@alicloud/vpc20160428';
import * as $dara from '@darabonba/typescript';
import { cloudConfigFromEnv, createClients, staticCredential } from '../../activities/clients';
import { csClient, dlcClient, ecsClient, fcClient, stsClient, vpcClient } from '../support/emulator-clients';
import { type TestEmulator, testEmulator } from './fixtures';
import { makeZip } from './zip-fixture';

const FIXTURES = join(__dirname, '../fixtures/alibaba-examples');
const MINIMUM = 0.9;
const REGION = 'cn-hangzhou';
const ZONE = 'cn-hangzhou-k';

interface Example {
  page: string;
  example: unknown;
  /** Paths whose value is a free-form map (environment variables, tags): compared as one field. */
  maps?: string[];
}

/** product file prefix → action → example */
function loadExamples(): Map<string, Map<string, Example>> {
  const out = new Map<string, Map<string, Example>>();
  for (const file of readdirSync(FIXTURES).filter((f) => f.endsWith('.json'))) {
    const doc = JSON.parse(readFileSync(join(FIXTURES, file), 'utf8')) as {
      source: string;
      apis: Record<string, Example>;
    };
    assert.match(doc.source, /^https:\/\/api\.alibabacloud\.com\/meta\//, `${file} names its source`);
    out.set(file.split('-')[0]!, new Map(Object.entries(doc.apis)));
  }
  return out;
}

type Kind = 'string' | 'number' | 'boolean' | 'object' | 'array' | 'null';
const kindOf = (v: unknown): Kind => (v === null ? 'null' : Array.isArray(v) ? 'array' : (typeof v as Kind));

/** The example's field paths (`Instances.Instance[].Cpu`) with their JSON kinds. */
export function fieldPaths(value: unknown, maps: string[] = [], path = ''): Map<string, Kind> {
  const out = new Map<string, Kind>();
  const kind = kindOf(value);
  if (kind === 'object' && path === '' && Object.keys(value as object).length === 0) return out; // `{}`
  if (kind === 'object' && !maps.includes(path) && Object.keys(value as object).length > 0) {
    for (const [k, v] of Object.entries(value as object)) {
      for (const [p, t] of fieldPaths(v, maps, path ? `${path}.${k}` : k)) out.set(p, t);
    }
    return out;
  }
  if (kind === 'array') {
    const objects = (value as unknown[]).filter((e) => kindOf(e) === 'object');
    if (objects.length === 0) {
      out.set(`${path}[]`, 'array');
      return out;
    }
    for (const e of objects) for (const [p, t] of fieldPaths(e, maps, `${path}[]`)) out.set(p, t);
    return out;
  }
  out.set(path, kind);
  return out;
}

type Presence = 'same' | 'missing' | 'wrong-type' | 'not-comparable';

/** Whether `answer` has `path` with the `kind` the example has. */
export function presence(answer: unknown, path: string, kind: Kind): Presence {
  const segments = path.split('.');
  let values: unknown[] = [answer];
  for (const [i, raw] of segments.entries()) {
    const list = raw.endsWith('[]');
    const key = list ? raw.slice(0, -2) : raw;
    const next: unknown[] = [];
    for (const v of values) {
      if (kindOf(v) !== 'object' || !(key in (v as object))) continue;
      next.push((v as Record<string, unknown>)[key]);
    }
    if (next.length === 0) return 'missing';
    if (!list) {
      values = next;
      continue;
    }
    if (!next.every(Array.isArray)) return 'wrong-type';
    const last = i === segments.length - 1;
    if (last) return 'same';
    values = (next as unknown[][]).flat();
    if (values.length === 0) return 'not-comparable';
  }
  // A null in the example, or an empty example map, says nothing about the type.
  if (kind === 'null') return 'same';
  return values.some((v) => kindOf(v) === kind || (kind === 'object' && kindOf(v) === 'object'))
    ? 'same'
    : 'wrong-type';
}

interface Coverage {
  api: string;
  compared: number;
  covered: number;
  notComparable: number;
  missing: string[];
}

function coverage(api: string, example: Example, answer: unknown): Coverage {
  const paths = fieldPaths(example.example, example.maps);
  const c: Coverage = { api, compared: 0, covered: 0, notComparable: 0, missing: [] };
  for (const [p, kind] of paths) {
    const r = presence(answer, p, kind);
    if (r === 'not-comparable') {
      c.notComparable += 1;
      continue;
    }
    c.compared += 1;
    if (r === 'same') c.covered += 1;
    else c.missing.push(r === 'missing' ? p : `${p} (type)`);
  }
  return c;
}

/** Captures the raw JSON body of every call an SDK client makes (before the SDK maps it to models). */
function rawBodies<T extends OpenApi>(client: T): { client: T; last(): unknown } {
  let body: unknown;
  const callApi = client.callApi.bind(client);
  client.callApi = async (...args: Parameters<OpenApi['callApi']>) => {
    const r = (await callApi(...args)) as { body?: unknown };
    body = r.body;
    return r;
  };
  return { client, last: () => body };
}

let t: TestEmulator;
const examples = loadExamples();
const results: Coverage[] = [];
const answers = new Map<string, unknown>();

function record(product: string, action: string, answer: unknown) {
  const example = examples.get(product)?.get(action);
  assert.ok(example, `a documented example for ${product} ${action}`);
  answers.set(`${product}:${action}`, answer);
  results.push(coverage(`${product} ${action}`, example, answer));
}

before(async () => {
  t = await testEmulator({ speed: 600 });
});
after(async () => {
  const rows = results
    .map((r) => {
      const pct = r.compared === 0 ? 100 : (100 * r.covered) / r.compared;
      return `${r.api.padEnd(38)} ${`${r.covered}/${r.compared}`.padStart(8)} ${pct.toFixed(1).padStart(6)} %${r.notComparable ? `  (${r.notComparable} under empty lists)` : ''}`;
    })
    .join('\n');
  console.log(`\nField coverage of Alibaba's documented example responses:\n${rows}\n`);
  if (process.env.ACP_COVERAGE_MISSING)
    for (const r of results)
      if (r.missing.length) console.log(`${r.api} missing:\n  ${r.missing.join('\n  ')}`);
  await t?.emu.stop();
});

describe('every API acp calls answers the fields of its documented example', () => {
  test('ECS and VPC (RPC)', async () => {
    const { client: ecs, last: ecsBody } = rawBodies(ecsClient(t.emu));
    const { client: vpc, last: vpcBody } = rawBodies(vpcClient(t.emu));
    const ecsCall = async (action: string, call: () => Promise<unknown>) => {
      await call();
      record('ecs', action, ecsBody());
    };
    const vpcCall = async (action: string, call: () => Promise<unknown>) => {
      await call();
      record('vpc', action, vpcBody());
    };
    const tag = [{ key: 'acp:managed', value: 'true' }];

    await ecsCall('DescribeRegions', () => ecs.describeRegions(new $Ecs.DescribeRegionsRequest({})));
    await ecsCall('DescribeInstanceTypes', () =>
      ecs.describeInstanceTypes(new $Ecs.DescribeInstanceTypesRequest({ maxResults: 1600 })),
    );
    await ecsCall('DescribeAvailableResource', () =>
      ecs.describeAvailableResource(
        new $Ecs.DescribeAvailableResourceRequest({
          regionId: REGION,
          destinationResource: 'InstanceType',
          instanceChargeType: 'PostPaid',
          ioOptimized: 'optimized',
        }),
      ),
    );
    await ecsCall('DescribePrice', () =>
      ecs.describePrice(
        new $Ecs.DescribePriceRequest({
          regionId: REGION,
          resourceType: 'instance',
          instanceType: 'ecs.g7.large',
          priceUnit: 'Hour',
          period: 1,
          amount: 1,
          internetChargeType: 'PayByTraffic',
          internetMaxBandwidthOut: 0,
          systemDisk: new $Ecs.DescribePriceRequestSystemDisk({ category: 'cloud_essd', size: 40 }),
          spotStrategy: 'NoSpot',
        }),
      ),
    );
    await ecsCall('DescribeImages', () =>
      ecs.describeImages(
        new $Ecs.DescribeImagesRequest({
          regionId: REGION,
          imageFamily: 'acs:alibaba_cloud_linux_3_2104_lts_x64',
          imageOwnerAlias: 'system',
          status: 'Available',
          pageSize: 10,
        }),
      ),
    );

    let vpcId = '';
    await vpcCall('CreateVpc', async () => {
      vpcId =
        (
          await vpc.createVpc(
            new $Vpc.CreateVpcRequest({
              regionId: REGION,
              cidrBlock: '192.168.0.0/16',
              vpcName: 'acp-coverage',
              tag: tag.map((x) => new $Vpc.CreateVpcRequestTag(x)),
            }),
          )
        ).body?.vpcId ?? '';
    });
    t.emu.world.advance(60_000);
    await vpcCall('DescribeVpcs', () =>
      vpc.describeVpcs(new $Vpc.DescribeVpcsRequest({ regionId: REGION, vpcId, pageSize: 50 })),
    );
    let vSwitchId = '';
    await vpcCall('CreateVSwitch', async () => {
      vSwitchId =
        (
          await vpc.createVSwitch(
            new $Vpc.CreateVSwitchRequest({
              regionId: REGION,
              zoneId: ZONE,
              vpcId,
              cidrBlock: '192.168.1.0/24',
              vSwitchName: 'acp-coverage',
              tag: tag.map((x) => new $Vpc.CreateVSwitchRequestTag(x)),
            }),
          )
        ).body?.vSwitchId ?? '';
    });
    t.emu.world.advance(60_000);
    await vpcCall('DescribeVSwitches', () =>
      vpc.describeVSwitches(new $Vpc.DescribeVSwitchesRequest({ regionId: REGION, vpcId, pageSize: 50 })),
    );

    let securityGroupId = '';
    await ecsCall('CreateSecurityGroup', async () => {
      securityGroupId =
        (
          await ecs.createSecurityGroup(
            new $Ecs.CreateSecurityGroupRequest({
              regionId: REGION,
              vpcId,
              securityGroupName: 'acp-coverage',
              securityGroupType: 'normal',
              tag: tag.map((x) => new $Ecs.CreateSecurityGroupRequestTag(x)),
            }),
          )
        ).body?.securityGroupId ?? '';
    });
    await ecsCall('AuthorizeSecurityGroup', () =>
      ecs.authorizeSecurityGroup(
        new $Ecs.AuthorizeSecurityGroupRequest({
          regionId: REGION,
          securityGroupId,
          permissions: [
            new $Ecs.AuthorizeSecurityGroupRequestPermissions({
              ipProtocol: 'tcp',
              portRange: '80/80',
              sourceCidrIp: '0.0.0.0/0',
              policy: 'accept',
            }),
          ],
        }),
      ),
    );
    await ecsCall('DescribeSecurityGroups', () =>
      ecs.describeSecurityGroups(
        new $Ecs.DescribeSecurityGroupsRequest({
          regionId: REGION,
          pageSize: 50,
          tag: tag.map((x) => new $Ecs.DescribeSecurityGroupsRequestTag(x)),
        }),
      ),
    );
    let instanceId = '';
    await ecsCall('RunInstances', async () => {
      instanceId =
        (
          await ecs.runInstances(
            new $Ecs.RunInstancesRequest({
              regionId: REGION,
              zoneId: ZONE,
              instanceType: 'ecs.g7.large',
              imageFamily: 'acs:alibaba_cloud_linux_3_2104_lts_x64',
              securityGroupId,
              vSwitchId,
              instanceName: 'acp-coverage',
              instanceChargeType: 'PostPaid',
              systemDisk: new $Ecs.RunInstancesRequestSystemDisk({ category: 'cloud_essd', size: '40' }),
              amount: 1,
              tag: tag.map((x) => new $Ecs.RunInstancesRequestTag(x)),
            }),
          )
        ).body?.instanceIdSets?.instanceIdSet?.[0] ?? '';
    });
    t.emu.world.advance(120_000);
    await ecsCall('DescribeInstances', () =>
      ecs.describeInstances(
        new $Ecs.DescribeInstancesRequest({ regionId: REGION, instanceIds: JSON.stringify([instanceId]) }),
      ),
    );
    await ecsCall('DescribeInstanceStatus', () =>
      ecs.describeInstanceStatus(
        new $Ecs.DescribeInstanceStatusRequest({ regionId: REGION, instanceId: [instanceId] }),
      ),
    );
    await ecsCall('ModifyInstanceAutoReleaseTime', () =>
      ecs.modifyInstanceAutoReleaseTime(
        new $Ecs.ModifyInstanceAutoReleaseTimeRequest({
          regionId: REGION,
          instanceId,
          autoReleaseTime: new Date(t.emu.world.wallNow() + 3_600_000).toISOString().replace(/\.\d+Z$/, 'Z'),
        }),
      ),
    );
    let invokeId = '';
    await ecsCall('RunCommand', async () => {
      invokeId =
        (
          await ecs.runCommand(
            new $Ecs.RunCommandRequest({
              regionId: REGION,
              instanceId: [instanceId],
              type: 'RunShellScript',
              commandContent: Buffer.from('echo covered').toString('base64'),
              contentEncoding: 'Base64',
              timeout: 60,
              name: 'acp-coverage',
            }),
          )
        ).body?.invokeId ?? '';
    });
    await ecsCall('DescribeInvocationResults', () =>
      ecs.describeInvocationResults(
        new $Ecs.DescribeInvocationResultsRequest({ regionId: REGION, invokeId, instanceId }),
      ),
    );
    await ecsCall('StopInvocation', () =>
      ecs.stopInvocation(
        new $Ecs.StopInvocationRequest({ regionId: REGION, invokeId, instanceId: [instanceId] }),
      ),
    );
    await ecsCall('DeleteInstance', () =>
      ecs.deleteInstance(new $Ecs.DeleteInstanceRequest({ instanceId, force: true })),
    );
    t.emu.world.advance(60_000);
    await ecsCall('DeleteSecurityGroup', () =>
      ecs.deleteSecurityGroup(new $Ecs.DeleteSecurityGroupRequest({ regionId: REGION, securityGroupId })),
    );
    await vpcCall('DeleteVSwitch', () =>
      vpc.deleteVSwitch(new $Vpc.DeleteVSwitchRequest({ regionId: REGION, vSwitchId })),
    );
    t.emu.world.advance(60_000);
    await vpcCall('DeleteVpc', () => vpc.deleteVpc(new $Vpc.DeleteVpcRequest({ regionId: REGION, vpcId })));
  });

  test('Function Compute 3.0 and STS', async () => {
    const { client: sts, last: stsBody } = rawBodies(stsClient(t.emu));
    await sts.getCallerIdentity();
    record('sts', 'GetCallerIdentity', stsBody());

    const { client: fc, last: fcBody } = rawBodies(fcClient(t.emu, { timeoutMs: 30_000 }));
    // A GPU function in a custom container, as acp makes them (CPU ones are custom runtimes).
    const name = 'acp-coverage';
    await fc.createFunction(
      new $Fc.CreateFunctionRequest({
        body: new $Fc.CreateFunctionInput({
          functionName: name,
          runtime: 'custom-container',
          handler: 'index.handler',
          memorySize: 16384,
          cpu: 4,
          timeout: 60,
          diskSize: 512,
          environmentVariables: { ACP: '1' },
          gpuConfig: new $Fc.GPUConfig({ gpuType: 'fc.gpu.ampere.1', gpuMemorySize: 24576 }),
          customContainerConfig: new $Fc.CustomContainerConfig({
            image:
              'registry.cn-hangzhou.aliyuncs.com/serverless_devs/custom-container-http-examples:springboot',
            port: 9000,
            command: ['bash', '-c', 'echo covered'],
          }),
          tags: [new $Fc.Tag({ key: 'acp:managed', value: 'true' })],
        }),
      }),
    );
    record('fc', 'CreateFunction', fcBody());
    t.emu.world.advance(60_000);
    await fc.getFunction(name, new $Fc.GetFunctionRequest({}));
    record('fc', 'GetFunction', fcBody());
    // A second function (a CPU one, in a custom runtime) so the listing has a next page.
    await fc.createFunction(
      new $Fc.CreateFunctionRequest({
        body: new $Fc.CreateFunctionInput({
          functionName: `${name}-cpu`,
          runtime: 'custom.debian10',
          handler: 'index.handler',
          memorySize: 512,
          cpu: 0.5,
          timeout: 60,
          customRuntimeConfig: new $Fc.CustomRuntimeConfig({ command: ['bash', 'bootstrap'], port: 9000 }),
          code: new $Fc.InputCodeLocation({
            zipFile: makeZip({ bootstrap: 'echo covered' }).toString('base64'),
          }),
        }),
      }),
    );
    await fc.listFunctions(new $Fc.ListFunctionsRequest({ prefix: 'acp-', limit: 1 }));
    record('fc', 'ListFunctions', fcBody());
    // Task mode (and no retries), as acp sets it before an async run: only then is there a task.
    await fc.putAsyncInvokeConfig(
      name,
      new $Fc.PutAsyncInvokeConfigRequest({
        body: new $Fc.PutAsyncInvokeConfigInput({
          asyncTask: true,
          maxAsyncRetryAttempts: 0,
          maxAsyncEventAgeInSeconds: 3600,
        }),
      }),
    );
    record('fc', 'PutAsyncInvokeConfig', fcBody());
    await fc.invokeFunctionWithOptions(
      name,
      new $Fc.InvokeFunctionRequest({ body: Readable.from([Buffer.from('{}')]) }),
      new $Fc.InvokeFunctionHeaders({ xFcInvocationType: 'Async', xFcAsyncTaskId: 'acp_coverage_task' }),
      new $dara.RuntimeOptions({}),
    );
    // Asked once it ended, when the documented end-of-task fields exist.
    for (;;) {
      const task = await fc.getAsyncTask(name, 'acp_coverage_task', new $Fc.GetAsyncTaskRequest({}));
      if (['Succeeded', 'Failed'].includes(task.body?.status ?? '')) break;
      await new Promise((r) => setTimeout(r, 50));
    }
    record('fc', 'GetAsyncTask', fcBody());
    await fc.deleteAsyncInvokeConfig(name, new $Fc.DeleteAsyncInvokeConfigRequest({}));
    record('fc', 'DeleteAsyncInvokeConfig', fcBody());
    await fc.deleteFunction(name);
    await fc.deleteFunction(`${name}-cpu`);
  });

  test('ACK (CS)', async () => {
    const { client: cs, last: csBody } = rawBodies(csClient(t.emu));
    const vpc = vpcClient(t.emu);
    const vpcId = (
      await vpc.createVpc(new $Vpc.CreateVpcRequest({ regionId: REGION, cidrBlock: '192.168.0.0/16' }))
    ).body!.vpcId!;
    t.emu.world.advance(60_000);
    const vSwitchId = (
      await vpc.createVSwitch(
        new $Vpc.CreateVSwitchRequest({ regionId: REGION, zoneId: ZONE, vpcId, cidrBlock: '192.168.0.0/20' }),
      )
    ).body!.vSwitchId!;
    t.emu.world.advance(60_000);
    const created = await cs.createCluster(
      new $Cs.CreateClusterRequest({
        name: 'acp-coverage',
        regionId: REGION,
        clusterType: 'ManagedKubernetes',
        clusterSpec: 'ack.pro.small',
        profile: 'Default',
        vpcid: vpcId,
        vswitchIds: [vSwitchId],
        containerCidr: '172.20.0.0/16',
        serviceCidr: '172.21.0.0/20',
        endpointPublicAccess: true,
        snatEntry: true,
        tags: [new $Cs.Tag({ key: 'acp:managed', value: 'true' })],
        nodepools: [
          new $Cs.Nodepool({
            nodepoolInfo: new $Cs.NodepoolNodepoolInfo({ name: 'acp-pool' }),
            scalingGroup: new $Cs.NodepoolScalingGroup({
              instanceTypes: ['ecs.g7.xlarge'],
              desiredSize: 1,
              vswitchIds: [vSwitchId],
            }),
          }),
        ],
      }),
    );
    record('cs', 'CreateCluster', csBody());
    const clusterId = created.body!.clusterId!;
    t.emu.world.advance(20 * 60_000);
    await cs.describeTaskInfo(created.body!.taskId!);
    record('cs', 'DescribeTaskInfo', csBody());
    await cs.describeClusterDetail(clusterId);
    record('cs', 'DescribeClusterDetail', csBody());
    await cs.describeClustersV1(new $Cs.DescribeClustersV1Request({ regionId: REGION, pageSize: 100 }));
    record('cs', 'DescribeClustersV1', csBody());
    await cs.describeClusterUserKubeconfig(
      clusterId,
      new $Cs.DescribeClusterUserKubeconfigRequest({ privateIpAddress: false, temporaryDurationMinutes: 60 }),
    );
    record('cs', 'DescribeClusterUserKubeconfig', csBody());
    await cs.deleteCluster(clusterId, new $Cs.DeleteClusterRequest({ retainAllResources: false }));
    record('cs', 'DeleteCluster', csBody());
  });

  test('Simple Log Service (its own protocol) and RAM', async () => {
    // Built as acp builds them: SLS through its own gateway, the project host after the address.
    const clients = createClients({
      ...cloudConfigFromEnv(
        { ACP_ALIBABA_ENDPOINT: t.emu.endpoint },
        staticCredential(t.emu.accessKeyId, t.emu.accessKeySecret),
      ),
      timeoutMs: 10_000,
    });
    const sls = clients.sls(REGION);
    // SLS's SDK goes through execute(), not callApi(): capture its body there.
    let body: unknown;
    const execute = sls.execute.bind(sls);
    sls.execute = async (...args: Parameters<typeof sls.execute>) => {
      const r = await execute(...args);
      body = r.body;
      return r;
    };
    const slsCall = async (action: string, call: () => Promise<unknown>) => {
      body = undefined;
      await call();
      record('sls', action, body ?? {});
    };
    const project = 'acp-logs-coverage-cn-hangzhou';
    const store = 'function-output';
    await slsCall('CreateProject', () =>
      sls.createProject(new $Sls.CreateProjectRequest({ projectName: project, description: 'coverage' })),
    );
    await slsCall('GetProject', () => sls.getProject(project));
    await slsCall('TagResources', () =>
      sls.tagResources(
        new $Sls.TagResourcesRequest({
          resourceType: 'project',
          resourceId: [project],
          tags: [new $Sls.TagResourcesRequestTags({ key: 'acp:managed', value: 'true' })],
        }),
      ),
    );
    // What the example shows configured is configured here, so every field it has can be compared.
    await slsCall('CreateLogStore', () =>
      sls.createLogStore(
        project,
        new $Sls.CreateLogStoreRequest({
          logstoreName: store,
          ttl: 7,
          shardCount: 1,
          encryptConf: new $Sls.EncryptConf({
            enable: true,
            encryptType: 'default',
            userCmkInfo: new $Sls.EncryptUserCmkConf({
              cmkKeyId: 'key-1',
              arn: 'acs:ram::1:role/x',
              regionId: REGION,
            }),
          }),
        }),
      ),
    );
    await slsCall('GetLogStore', () => sls.getLogStore(project, store));
    await slsCall('CreateIndex', () =>
      sls.createIndex(
        project,
        store,
        new $Sls.CreateIndexRequest({
          body: new $Sls.Index({
            line: new $Sls.IndexLine({
              caseSensitive: false,
              chn: false,
              token: [',', ' '],
              includeKeys: ['message'],
              excludeKeys: ['instanceID'],
            }),
            keys: { functionName: new $Sls.IndexKey({ type: 'text', token: [','], caseSensitive: false }) },
            logReduce: false,
            logReduceWhiteList: ['message'],
            logReduceBlackList: ['instanceID'],
          }),
        }),
      ),
    );
    await slsCall('GetIndex', () => sls.getIndex(project, store));

    const { client: ram, last } = rawBodies(clients.ram());
    await ram.getRole(new $Ram.GetRoleRequest({ roleName: 'AliyunServiceRoleForFC' }));
    record('ram', 'GetRole', last());
  });

  test('PAI-DLC', async () => {
    const dlc = dlcClient(t.emu);
    const call = async (action: string, method: 'GET' | 'POST' | 'DELETE', path: string, req = {}) => {
      const r = await dlc.call(action, method, path, req);
      record('paidlc', action, r.body);
      return r.body;
    };
    await call('ListEcsSpecs', 'GET', '/api/v1/ecsspecs', {
      query: { AcceleratorType: 'GPU', PageSize: 100 },
    });
    const { JobId } = await call('CreateJob', 'POST', '/api/v1/jobs', {
      body: {
        DisplayName: 'acp-coverage',
        JobType: 'PyTorchJob',
        UserCommand: 'echo epoch-1',
        JobMaxRunningTimeMinutes: 60,
        Envs: { ACP: '1' },
        Settings: { Tags: { 'acp:managed': 'true' } },
        JobSpecs: [
          { Type: 'Worker', Image: 'pytorch:latest', PodCount: 1, EcsSpec: 'ecs.gn7i-c8g1.2xlarge' },
        ],
      },
    });
    t.emu.world.advance(10 * 60_000);
    const job = await (async () => {
      for (;;) {
        const j = (await dlc.call('GetJob', 'GET', `/api/v1/jobs/${JobId}`)).body;
        if (['Succeeded', 'Failed'].includes(j.Status)) return j;
        await new Promise((r) => setTimeout(r, 50));
      }
    })();
    await call('GetJob', 'GET', `/api/v1/jobs/${JobId}`);
    await call('GetPodLogs', 'GET', `/api/v1/jobs/${JobId}/pods/${job.Pods[0].PodId}/logs`);
    await call('ListJobs', 'GET', '/api/v1/jobs', { query: { DisplayName: 'acp-coverage', PageSize: 100 } });
    await call('StopJob', 'POST', `/api/v1/jobs/${JobId}/stop`);
    await call('DeleteJob', 'DELETE', `/api/v1/jobs/${JobId}`);
  });

  test(`each API carries at least ${MINIMUM * 100} % of its documented example's fields`, () => {
    const expected = [...examples.entries()].flatMap(([p, m]) => [...m.keys()].map((a) => `${p} ${a}`));
    assert.deepEqual(results.map((r) => r.api).sort(), expected.sort(), 'every documented API was asked');
    const below = results.filter((r) => r.compared > 0 && r.covered / r.compared < MINIMUM);
    assert.deepEqual(
      below.map(
        (r) =>
          `${r.api}: ${r.covered}/${r.compared}, missing ${r.missing.slice(0, 12).join(', ')}${r.missing.length > 12 ? ` and ${r.missing.length - 12} more` : ''}`,
      ),
      [],
    );
  });
});
