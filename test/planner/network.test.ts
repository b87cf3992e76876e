// The /24 a run's vSwitch takes in a shared VPC: inside the VPC, clear of every other vSwitch, found
// from a per-run starting point so concurrent runs rarely race, and none when the VPC is full.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { parseIntent } from '../../planner';
import { vpcInternalHost } from '../../planner/fetches';
import { clusterCidrs, freeSubnet, publicNetworkNeed, serviceUrls } from '../../planner/network';
import { generateScript } from '../../planner/templates';

describe('freeSubnet', () => {
  const cases: [string, string, string[], number, string | undefined][] = [
    ['empty VPC, start 0', '172.16.0.0/12', [], 0, '172.16.0.0/24'],
    ['start moves the search', '172.16.0.0/12', [], 5, '172.16.5.0/24'],
    ['start wraps around the VPC', '192.168.0.0/16', [], 256 + 3, '192.168.3.0/24'],
    ['skips a taken /24', '192.168.0.0/16', ['192.168.3.0/24'], 3, '192.168.4.0/24'],
    ['skips a wider block that covers it', '192.168.0.0/16', ['192.168.0.0/22'], 1, '192.168.4.0/24'],
    ['skips a narrower block inside it', '192.168.0.0/16', ['192.168.7.128/25'], 7, '192.168.8.0/24'],
    ['a /24 VPC has one block', '10.0.5.0/24', [], 9, '10.0.5.0/24'],
    ['a full /24 VPC has none', '10.0.5.0/24', ['10.0.5.0/24'], 0, undefined],
    ['full /23', '10.0.4.0/23', ['10.0.4.0/24', '10.0.5.0/24'], 0, undefined],
    ['a VPC narrower than /24 holds no /24', '10.0.0.0/25', [], 0, undefined],
    ['unparsable VPC CIDR', 'not-a-cidr', [], 0, undefined],
    ['unparsable taken entries are ignored', '10.0.0.0/16', ['junk'], 0, '10.0.0.0/24'],
  ];
  for (const [name, vpc, taken, start, want] of cases) {
    test(name, () => assert.equal(freeSubnet(vpc, taken, start), want));
  }

  test('every block of a /20 is handed out once, then none', () => {
    const taken: string[] = [];
    for (let i = 0; i < 16; i++) {
      const next = freeSubnet('10.1.0.0/20', taken, i * 7);
      assert.ok(next, `block ${i}`);
      assert.ok(!taken.includes(next));
      taken.push(next);
    }
    assert.equal(freeSubnet('10.1.0.0/20', taken, 3), undefined);
  });
});

// Who gets a public IP (docs/network.md): a service that visitors reach, or a job whose script
// downloads from the internet. A VPC alone reaches Alibaba's internal mirrors, so a yum/apt install
// from the image's repositories needs nothing.
describe('publicNetworkNeed', () => {
  const oneshot = { kind: 'oneshot' as const, ports: [] };
  const cases: [string, Parameters<typeof publicNetworkNeed>[0], string, string | undefined, string[]][] = [
    ['a script that fetches nothing', oneshot, 'echo hello', undefined, []],
    ['yum from the image’s VPC mirror', oneshot, 'yum install -y gcc\nmake', undefined, []],
    ['pip from PyPI', oneshot, 'pip install torch', 'egress', ['pip install']],
    ['curl to an overseas host', oneshot, 'curl -O https://example.com/data.csv', 'egress', ['example.com']],
    [
      'the public Alibaba mirror is the internet too',
      oneshot,
      'pip install -i https://mirrors.aliyun.com/pypi/simple torch',
      'egress',
      ['mirrors.aliyun.com'],
    ],
    [
      'the VPC mirror is not',
      oneshot,
      'pip install -i http://mirrors.cloud.aliyuncs.com/pypi/simple torch',
      undefined,
      [],
    ],
    [
      'an image from a registry’s public endpoint',
      oneshot,
      'docker pull registry.cn-hangzhou.aliyuncs.com/acs/nginx:1',
      'egress',
      ['registry.cn-hangzhou.aliyuncs.com'],
    ],
    [
      'the same registry over the VPC',
      oneshot,
      'docker pull registry-vpc.cn-hangzhou.aliyuncs.com/acs/nginx:1',
      undefined,
      [],
    ],
    ['a service with a port', { kind: 'service', ports: [80] }, 'systemctl start nginx', 'service', []],
    [
      'a service with only SSH has no visitors',
      { kind: 'service', ports: [22] },
      'sleep infinity',
      undefined,
      [],
    ],
  ];
  for (const [name, intent, script, reason, fetches] of cases) {
    test(name, () => {
      const need = publicNetworkNeed(intent, script);
      assert.equal(need?.reason, reason);
      if (need) assert.deepEqual(need.fetches, fetches);
    });
  }

  test('the templates: nginx serves visitors, training downloads, neither opens more', () => {
    const nginx = parseIntent({ intent: 'deploy nginx and keep it online' });
    assert.equal(publicNetworkNeed(nginx, generateScript(nginx).content)?.reason, 'service');
    const training = parseIntent({ intent: 'fine-tune qwen-0.5b for 1 hour on cpu' });
    const need = publicNetworkNeed(training, generateScript(training).content);
    assert.equal(need?.reason, 'egress');
    assert.ok(need?.fetches.includes('pip install'));
  });

  test('VPC-internal hosts', () => {
    for (const h of [
      'mirrors.cloud.aliyuncs.com',
      'oss-cn-hangzhou-internal.aliyuncs.com',
      'registry-vpc.cn-beijing.aliyuncs.com',
      '100.100.100.200',
      '192.168.1.5',
    ])
      assert.ok(vpcInternalHost(h), h);
    for (const h of [
      'mirrors.aliyun.com',
      'oss-cn-hangzhou.aliyuncs.com',
      'registry.cn-beijing.aliyuncs.com',
      'pypi.org',
    ])
      assert.ok(!vpcInternalHost(h), h);
  });
});

describe('serviceUrls', () => {
  test('http://IP:PORT per served port, https for 443, never the remote-login ports', () => {
    assert.deepEqual(serviceUrls('47.1.2.3', [80, 8080, 443, 22, 3389]), [
      'http://47.1.2.3:80',
      'http://47.1.2.3:8080',
      'https://47.1.2.3',
    ]);
  });
});

describe('clusterCidrs', () => {
  test('a run of its own VPC gets ACK console defaults', () => {
    assert.deepEqual(clusterCidrs('192.168.0.0/16'), {
      containerCidr: '172.20.0.0/16',
      serviceCidr: '172.21.0.0/20',
    });
  });
  test('in the shared VPC (172.16.0.0/12) the pods and Services go outside it', () => {
    assert.deepEqual(clusterCidrs('172.16.0.0/12'), {
      containerCidr: '10.96.0.0/16',
      serviceCidr: '10.97.0.0/20',
    });
  });
  test('a VPC covering every candidate leaves none', () => {
    assert.equal(clusterCidrs('0.0.0.0/0'), undefined);
  });
});
