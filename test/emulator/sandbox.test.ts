// The emulator's script sandbox and ECS network model, through the official SDK (RunCommand,
// DescribeInstances, DescribeInstanceMonitorData) and the World API the product modules use.
// A script runs in its instance's own machine: the image's OS and package manager, installs and
// services simulated and recorded, files in a per-instance root, the internet only with a public
// IP, and nothing it does reaches the host it runs on.
import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import * as $Ecs from '@alicloud/ecs20140526';
import { INSTANCE_RUNNING_AFTER_MS } from '../../emulator/lifecycle';
import {
  createNetwork,
  type Network,
  REGION,
  runRequest,
  type TestEmulator,
  testEmulator,
  untilRunning,
} from './fixtures';

let t: TestEmulator;
let net: Network;
const hostDir = mkdtempSync(join(tmpdir(), 'acp-host-marker-'));

before(async () => {
  // Fast clock: simulated connect timeouts (127 s) last a fraction of a second.
  t = await testEmulator({ speed: 600, exec: 'local' });
  net = await createNetwork(t.emu);
});
after(async () => {
  await t?.emu.stop();
  rmSync(hostDir, { recursive: true, force: true });
});

async function instance(extra: Record<string, unknown> = {}): Promise<string> {
  const { body } = await t.ecs.runInstances(runRequest(net, extra));
  t.emu.world.advance(INSTANCE_RUNNING_AFTER_MS);
  const id = body!.instanceIdSets!.instanceIdSet![0]!;
  await untilRunning(t.ecs, id);
  return id;
}

/**
 * Runs a script through Cloud Assistant and waits for its result. The timeout is emulated time (at
 * speed 600 a day is 144 s of wall time): the host's real pip is slow on a loaded machine.
 */
async function run(instanceId: string, script: string, timeout = 86_400) {
  const { body } = await t.ecs.runCommand(
    new $Ecs.RunCommandRequest({
      regionId: REGION,
      type: 'RunShellScript',
      commandContent: Buffer.from(script).toString('base64'),
      contentEncoding: 'Base64',
      instanceId: [instanceId],
      timeout,
    }),
  );
  for (;;) {
    const r = await t.ecs.describeInvocationResults(
      new $Ecs.DescribeInvocationResultsRequest({ regionId: REGION, invokeId: body!.invokeId! }),
    );
    const x = r.body!.invocation!.invocationResults!.invocationResult![0]!;
    if (!['Running', 'Pending'].includes(x.invocationStatus!)) {
      return { exitCode: x.exitCode!, output: Buffer.from(x.output ?? '', 'base64').toString() };
    }
    await new Promise((r) => setTimeout(r, 100));
  }
}

async function publicIp(instanceId: string): Promise<string | undefined> {
  const { body } = await t.ecs.describeInstances(
    new $Ecs.DescribeInstancesRequest({ regionId: REGION, instanceIds: JSON.stringify([instanceId]) }),
  );
  return body!.instances!.instance![0]!.publicIpAddress?.ipAddress?.[0];
}

const hostPipList = () => execFileSync('/usr/bin/python3', ['-m', 'pip', 'list'], { encoding: 'utf8' });

describe('the sandbox keeps the host untouched', () => {
  test('writes, deletes and installs land in the instance, never on the host', async () => {
    const marker = join(hostDir, 'marker');
    const doomed = join(hostDir, 'doomed');
    writeFileSync(marker, 'host\n');
    writeFileSync(doomed, 'still here\n');
    const pipBefore = hostPipList();
    const id = await instance({ imageFamily: 'acs:alibaba_cloud_linux_3_2104_lts_x64' });
    const first = await run(
      id,
      [
        `mkdir -p ${hostDir}`,
        `echo sandbox > ${marker}`,
        `rm -f ${doomed}`,
        'echo evil > /usr/local/bin/acp-evil && chmod +x /usr/local/bin/acp-evil',
        'echo "0.0.0.0 pypi.org" >> /etc/hosts',
        'pip install requests==2.0.0 -i http://mirrors.cloud.aliyuncs.com/pypi/simple',
        'python3 -m pip install six -i http://mirrors.cloud.aliyuncs.com/pypi/simple',
      ].join('\n'),
    );
    assert.equal(first.exitCode, 0, first.output);
    assert.match(first.output, /Successfully installed requests-2\.0\.0/);
    // The host: same marker, nothing deleted, nothing installed, the same Python packages.
    assert.equal(readFileSync(marker, 'utf8'), 'host\n');
    assert.equal(readFileSync(doomed, 'utf8'), 'still here\n');
    assert.ok(!existsSync('/usr/local/bin/acp-evil'));
    assert.doesNotMatch(readFileSync('/etc/hosts', 'utf8'), /pypi\.org/);
    assert.equal(hostPipList(), pipBefore);
    // The instance keeps its own files and its simulated installs between commands.
    const second = await run(id, `cat ${marker}; test -e ${doomed} || echo doomed-gone; pip list`);
    assert.equal(second.exitCode, 0, second.output);
    assert.match(second.output, /^sandbox\ndoomed-gone\n/);
    assert.match(second.output, /requests 2\.0\.0/);
    assert.match(second.output, /six simulated/);
    // Another instance is another machine.
    const other = await instance({ imageFamily: 'acs:alibaba_cloud_linux_3_2104_lts_x64' });
    const third = await run(other, `cat ${marker} 2>&1; command -v acp-evil || echo no-evil`);
    assert.match(third.output, /No such file or directory\nno-evil/);
  });

  test('the sandbox has no route to the host’s services (the emulator’s own port)', async () => {
    const id = await instance();
    const r = await run(
      id,
      `curl -sS -m 5 http://127.0.0.1:${t.emu.port}/__emulator/health; echo "curl=$?"; ip -o link | cut -d: -f2`,
    );
    assert.match(r.output, /curl=7/);
    assert.match(r.output, /Couldn't connect to server|Connection refused/);
    assert.deepEqual(
      r.output
        .split('\n')
        .filter((l) => /^ \w/.test(l))
        .map((l) => l.trim()),
      ['lo'],
    );
  });
});

describe('stopping a command', () => {
  test('StopInvocation kills the command in the machine; the machine keeps running', async () => {
    const id = await instance();
    const { body } = await t.ecs.runCommand(
      new $Ecs.RunCommandRequest({
        regionId: REGION,
        type: 'RunShellScript',
        commandContent: Buffer.from('echo started; sleep 1000').toString('base64'),
        contentEncoding: 'Base64',
        instanceId: [id],
        timeout: 86_400,
      }),
    );
    const invokeId = body!.invokeId!;
    const status = async () =>
      (
        await t.ecs.describeInvocationResults(
          new $Ecs.DescribeInvocationResultsRequest({ regionId: REGION, invokeId }),
        )
      ).body!.invocation!.invocationResults!.invocationResult![0]!;
    for (
      let i = 0;
      i < 100 && !/started/.test(Buffer.from((await status()).output ?? '', 'base64').toString());
      i++
    )
      await new Promise((r) => setTimeout(r, 50));
    await t.ecs.stopInvocation(
      new $Ecs.StopInvocationRequest({ regionId: REGION, invokeId, instanceId: [id] }),
    );
    // Stopping, then Terminated once the process is killed.
    for (let i = 0; i < 100 && (await status()).invocationStatus === 'Stopping'; i++)
      await new Promise((r) => setTimeout(r, 20));
    assert.equal((await status()).invocationStatus, 'Terminated');
    const after = await run(id, 'pgrep -f "sleep 1000" || echo no-sleep-left');
    assert.match(after.output, /no-sleep-left/);
  });
});

describe('the image', () => {
  test('Alibaba Cloud Linux 3: yum/dnf, systemctl, python3, no apt-get', async () => {
    const id = await instance({ imageFamily: 'acs:alibaba_cloud_linux_3_2104_lts_x64' });
    const r = await run(
      id,
      '. /etc/os-release; echo "$PRETTY_NAME"; command -v yum dnf systemctl python3; command -v apt-get || echo no-apt-get; hostname; yum install nginx; echo "no -y: $?"',
    );
    assert.match(r.output, /^Alibaba Cloud Linux 3 \(Soaring Falcon\)\n/);
    assert.match(r.output, /\/yum\n.*\/dnf\n.*\/systemctl\n.*\/python3\nno-apt-get\n/);
    assert.match(r.output, /^iZ.+Z$/m);
    // Under Cloud Assistant there is no terminal: dnf without -y gives up, as on the real image.
    assert.match(r.output, /Operation aborted\.\nno -y: 1/);
  });

  test('Ubuntu 22.04: apt-get installs nginx and starts it (Debian packages do), no yum', async () => {
    const id = await instance({ imageFamily: 'acs:ubuntu_22_04_x64' });
    const r = await run(
      id,
      [
        '. /etc/os-release; echo "$PRETTY_NAME"',
        'command -v yum || echo no-yum',
        'apt-get update -qq && apt-get install -y nginx >/dev/null',
        'systemctl is-active nginx',
        'curl -fsS http://127.0.0.1/ | grep -o "Welcome to nginx!"',
        'systemctl start no-such-unit; echo "unknown unit: $?"',
      ].join('\n'),
    );
    assert.equal(r.exitCode, 0, r.output);
    assert.match(r.output, /^Ubuntu 22\.04\.4 LTS\nno-yum\nactive\nWelcome to nginx!\n/);
    assert.match(r.output, /Unit no-such-unit\.service not found\.\nunknown unit: 5/);
  });

  test('a container (FC, a pod, a DLC job) has no systemd; its machine is gone after the run', async () => {
    const r = await t.emu.world.runScript(
      'systemctl start nginx; echo "systemctl=$?"; echo kept > /root/file; cat /etc/os-release | head -1',
      { timeoutSeconds: 60, sandbox: { os: 'debian', kind: 'container' } },
    );
    assert.match(r.output, /System has not been booted with systemd/);
    assert.match(r.output, /systemctl=1\nPRETTY_NAME="Debian GNU\/Linux 12 \(bookworm\)"/);
    const again = await t.emu.world.runScript('cat /root/file 2>&1 || true', {
      timeoutSeconds: 60,
      sandbox: { kind: 'container' },
    });
    assert.match(again.output, /No such file or directory/);
  });
});

describe('the network model', () => {
  test('without a public IP internet fetches time out; the VPC mirror still answers', async () => {
    const id = await instance({ imageFamily: 'acs:alibaba_cloud_linux_3_2104_lts_x64' });
    assert.equal(await publicIp(id), undefined);
    const r = await run(
      id,
      [
        'curl -fsS https://pypi.org/simple/ >/dev/null; echo "curl=$?"',
        'wget -q https://github.com/x/y.tar.gz; echo "wget=$?"',
        'git clone https://github.com/x/y.git 2>/dev/null; echo "git=$?"',
        'pip install torch >/dev/null 2>&1; echo "pip=$?"',
        'yum install -y git >/dev/null; echo "yum (VPC mirror)=$?"',
        'pip install -i http://mirrors.cloud.aliyuncs.com/pypi/simple torch >/dev/null; echo "pip (VPC mirror)=$?"',
      ].join('\n'),
    );
    assert.match(r.output, /curl: \(28\) Failed to connect to pypi\.org port 443/);
    assert.match(r.output, /curl=28\nwget=4\ngit=128\npip=1\nyum \(VPC mirror\)=0\npip \(VPC mirror\)=0\n/);
  });

  test('with a public IP the fetches are simulated and succeed', async () => {
    const id = await instance({ internetMaxBandwidthOut: 100, internetChargeType: 'PayByTraffic' });
    assert.match((await publicIp(id)) ?? '', /^127\.47\.\d+\.\d+$/);
    const r = await run(
      id,
      [
        'curl -fsS -o /tmp/get.sh https://get.example.com/install.sh && bash /tmp/get.sh; echo "curl=$?"',
        'curl -fsSL https://github.com/x/y/archive/v1.tar.gz | tar xz; echo "tar=$?"',
        'git clone -q https://github.com/x/y.git && ls y; echo "git=$?"',
        'pip install torch | tail -1; echo "pip=$?"',
      ].join('\n'),
    );
    assert.match(
      r.output,
      /curl=0\ntar=0\nACP-SIMULATED-CLONE\ngit=0\nSuccessfully installed torch-simulated\npip=0\n/,
    );
  });

  test('a service answers at the public IP only on a port an ingress rule opens; metered; gone on release', async () => {
    const id = await instance({
      imageFamily: 'acs:alibaba_cloud_linux_3_2104_lts_x64',
      internetMaxBandwidthOut: 10,
    });
    const ip = (await publicIp(id))!;
    const r = await run(
      id,
      'yum install -y nginx >/dev/null && echo "<h1>acp test page</h1>" > /usr/share/nginx/html/index.html && systemctl start nginx && python3 -m http.server 8080 >/dev/null 2>&1 &\nsleep 1; systemctl is-active nginx',
    );
    assert.match(r.output, /active/);
    // No rule yet: the security group denies inbound, nothing listens for visitors.
    await assert.rejects(fetch(`http://${ip}:80/`, { signal: AbortSignal.timeout(2_000) }));
    await t.ecs.authorizeSecurityGroup(
      new $Ecs.AuthorizeSecurityGroupRequest({
        regionId: REGION,
        securityGroupId: net.securityGroupId,
        permissions: [
          new $Ecs.AuthorizeSecurityGroupRequestPermissions({
            ipProtocol: 'tcp',
            portRange: '80/80',
            sourceCidrIp: '0.0.0.0/0',
          }),
          new $Ecs.AuthorizeSecurityGroupRequestPermissions({
            ipProtocol: 'tcp',
            portRange: '8080/8080',
            sourceCidrIp: '203.0.113.0/24',
          }),
        ],
      }),
    );
    const page = await fetch(`http://${ip}:80/`, { signal: AbortSignal.timeout(5_000) });
    assert.equal(page.status, 200);
    assert.equal(page.headers.get('server'), 'nginx/1.20.1');
    assert.equal(await page.text(), '<h1>acp test page</h1>\n');
    // 8080 is open only to 203.0.113.0/24: a visitor from this machine is dropped (no answer).
    await assert.rejects(fetch(`http://${ip}:8080/`, { signal: AbortSignal.timeout(1_500) }));
    // The page went out over the public address: InternetTX counts it, in kbits per period. (The
    // test moved the emulated clock ahead; the window covers it.)
    const iso = (ms: number) => new Date(ms).toISOString().replace(/\.\d{3}Z$/, 'Z');
    const { body } = await t.ecs.describeInstanceMonitorData(
      new $Ecs.DescribeInstanceMonitorDataRequest({
        instanceId: id,
        startTime: iso(Date.now() - 3_600_000),
        endTime: iso(Date.now() + 3_600_000),
        period: 600,
      }),
    );
    const sent = body!.monitorData!.instanceMonitorData!.reduce((s, p) => s + (p.internetTX ?? 0), 0);
    assert.ok(sent >= 1, `InternetTX ${sent} kbits`);
    // …and the cost meter bills it per GB on top of the hourly price.
    const before = (await t.admin.cost()).resources.find((x) => x.id === id)!.cost;
    await (await fetch(`http://${ip}:80/`)).text();
    assert.ok((await t.admin.cost()).resources.find((x) => x.id === id)!.cost > before);
    await t.ecs.deleteInstance(new $Ecs.DeleteInstanceRequest({ instanceId: id, force: true }));
    await assert.rejects(fetch(`http://${ip}:80/`, { signal: AbortSignal.timeout(2_000) }));
  });

  test('RunInstances and DescribeInstanceMonitorData refuse what Alibaba refuses', async () => {
    const bad = async (call: () => Promise<unknown>) => {
      try {
        await call();
      } catch (e: any) {
        return e.data?.Code ?? e.code;
      }
      return 'OK';
    };
    assert.equal(
      await bad(() => t.ecs.runInstances(runRequest(net, { internetMaxBandwidthOut: 101 }))),
      'InvalidInternetMaxBandwidthOut.Malformed',
    );
    assert.equal(
      await bad(() => t.ecs.runInstances(runRequest(net, { internetChargeType: 'PayByHour' }))),
      'InvalidInternetChargeType.ValueNotSupported',
    );
    const id = await instance();
    const req = (extra: Record<string, unknown>) =>
      new $Ecs.DescribeInstanceMonitorDataRequest({
        instanceId: id,
        startTime: '2024-01-01T00:00:00Z',
        endTime: '2024-01-01T10:00:00Z',
        ...extra,
      });
    assert.equal(
      await bad(() => t.ecs.describeInstanceMonitorData(req({ period: 60 }))),
      'InvalidParameter.TooManyDataQueried',
    );
    assert.equal(
      await bad(() => t.ecs.describeInstanceMonitorData(req({ period: 30 }))),
      'InvalidPeriod.ValueNotSupported',
    );
    assert.equal(await bad(() => t.ecs.describeInstanceMonitorData(req({ period: 600 }))), 'OK');
  });
});

describe('a host that cannot make a sandbox', () => {
  test('the emulator refuses to run scripts and says what is missing; it never runs them on the host', () => {
    const r = spawnSync(
      process.execPath,
      [
        '--import',
        'tsx',
        '-e',
        "require('./emulator/index').startEmulator({ exec: 'local' }).then(() => process.exit(0), (e) => { console.error(e.message); process.exit(3); })",
      ],
      { cwd: join(__dirname, '..', '..'), env: { ...process.env, PATH: '/nonexistent' }, encoding: 'utf8' },
    );
    assert.equal(r.status, 3, r.stderr);
    assert.match(r.stderr, /needs unshare, nsenter, ip, bash, python3 .*or use --exec none/);
  });
});
