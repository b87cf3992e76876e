import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { chooseRegion, MAINLAND_REGIONS, OVERSEAS_REGIONS, parseIntent, regionClass } from '../../planner';

// Given this intent and this script, the job runs here, for this reason.
const CASES: {
  name: string;
  intent: string;
  region?: string;
  script?: string;
  expect: string;
  reason?: RegExp;
}[] = [
  {
    name: 'pure compute stays mainland',
    intent: '8核16G 跑 a.sh',
    script: 'for i in $(seq 1 100); do echo $i; done\n',
    expect: 'cn-hangzhou',
    reason: /^the script and the intent fetch nothing from overseas, so mainland regions/,
  },
  {
    name: 'a website whose setup runs npm install goes overseas',
    intent: 'deploy my website',
    script: 'cd /app\nnpm install\nnpm run build\nsystemctl start app\n',
    expect: 'ap-southeast-1',
    reason: /runs npm install/,
  },
  {
    name: 'pip install + github clone are both named',
    intent: 'run it',
    script: 'pip install -r requirements.txt\ngit clone https://github.com/org/repo.git\n',
    expect: 'ap-southeast-1',
    reason: /the script runs pip install and clones from github\.com/,
  },
  {
    name: 'Aliyun PyPI mirror stays mainland',
    intent: 'run it',
    script: 'pip install -i https://mirrors.aliyun.com/pypi/simple numpy pandas\npython3 job.py\n',
    expect: 'cn-hangzhou',
  },
  {
    name: 'pip config set to the Aliyun mirror stays mainland',
    intent: 'run it',
    script: 'pip config set global.index-url https://mirrors.aliyun.com/pypi/simple/\npip install numpy\n',
    expect: 'cn-hangzhou',
  },
  {
    name: 'PIP_INDEX_URL to Tsinghua stays mainland',
    intent: 'run it',
    script: 'export PIP_INDEX_URL=https://pypi.tuna.tsinghua.edu.cn/simple\npip3 install torch\n',
    expect: 'cn-hangzhou',
  },
  {
    name: 'npm with npmmirror registry stays mainland',
    intent: 'build',
    script: 'npm config set registry https://registry.npmmirror.com\nnpm ci\n',
    expect: 'cn-hangzhou',
  },
  {
    name: 'yarn add goes overseas',
    intent: 'build',
    script: 'yarn add left-pad\n',
    expect: 'ap-southeast-1',
    reason: /yarn add/,
  },
  {
    name: 'pnpm install --registry npmmirror stays mainland',
    intent: 'build',
    script: 'pnpm install --registry=https://registry.npmmirror.com\n',
    expect: 'cn-hangzhou',
  },
  {
    name: 'apt-get install from default sources goes overseas',
    intent: 'x',
    script: 'apt-get update && apt-get install -y ffmpeg\n',
    expect: 'ap-southeast-1',
    reason: /apt-get install/,
  },
  {
    name: 'apt-get with sources pointed at mirrors.aliyun.com stays mainland',
    intent: 'x',
    script:
      "sed -i 's#http://archive.ubuntu.com#https://mirrors.aliyun.com#' /etc/apt/sources.list\napt-get install -y ffmpeg\n",
    expect: 'cn-hangzhou',
  },
  {
    name: 'dnf install goes overseas',
    intent: 'x',
    script: 'dnf install -y gcc\n',
    expect: 'ap-southeast-1',
  },
  {
    name: 'go get goes overseas',
    intent: 'x',
    script: 'go get github.com/spf13/cobra\n',
    expect: 'ap-southeast-1',
  },
  {
    name: 'go with GOPROXY=goproxy.cn stays mainland',
    intent: 'x',
    script: 'export GOPROXY=https://goproxy.cn,direct\ngo mod download\n',
    expect: 'cn-hangzhou',
  },
  {
    name: 'cargo build goes overseas',
    intent: 'x',
    script: 'cargo build --release\n',
    expect: 'ap-southeast-1',
  },
  { name: 'gem install goes overseas', intent: 'x', script: 'gem install rails\n', expect: 'ap-southeast-1' },
  {
    name: 'composer install goes overseas',
    intent: 'x',
    script: 'composer install --no-dev\n',
    expect: 'ap-southeast-1',
  },
  {
    name: 'docker pull from Docker Hub goes overseas',
    intent: 'x',
    script: 'docker pull nginx:1.25\n',
    expect: 'ap-southeast-1',
    reason: /Docker Hub/,
  },
  {
    name: 'docker run from an ACR registry stays mainland',
    intent: 'x',
    script: 'docker run --rm -e A=1 registry.cn-hangzhou.aliyuncs.com/acs/busybox:v1.29.2 echo hi\n',
    expect: 'cn-hangzhou',
  },
  {
    name: 'from_pretrained pulls from Hugging Face',
    intent: 'x',
    script: 'from transformers import AutoModel\nm = AutoModel.from_pretrained("bert-base-uncased")\n',
    expect: 'ap-southeast-1',
    reason: /Hugging Face/,
  },
  {
    name: 'pip install run from Python through subprocess goes overseas',
    intent: 'x',
    script:
      'import subprocess, sys\nsubprocess.run([sys.executable, "-m", "pip", "install", "torch"], check=True)\n',
    expect: 'ap-southeast-1',
    reason: /runs pip install/,
  },
  {
    name: 'pip install through subprocess with a mainland index stays mainland',
    intent: 'x',
    script:
      'import subprocess\nsubprocess.check_call(["pip", "install", "-i", "https://mirrors.aliyun.com/pypi/simple", "torch"])\n',
    expect: 'cn-hangzhou',
  },
  {
    name: 'snapshot_download pulls from Hugging Face',
    intent: 'x',
    script: 'from huggingface_hub import snapshot_download\nsnapshot_download("Qwen/Qwen2.5-7B")\n',
    expect: 'ap-southeast-1',
    reason:
      /downloads from Hugging Face, which is slow or unreachable from mainland China, so overseas regions/,
  },
  {
    name: 'from_pretrained of a local folder stays mainland',
    intent: 'x',
    script: 'from transformers import AutoModel\nm = AutoModel.from_pretrained("./ckpt")\n',
    expect: 'cn-hangzhou',
  },
  {
    name: 'HF_ENDPOINT=hf-mirror.com stays mainland',
    intent: 'x',
    script: 'export HF_ENDPOINT=https://hf-mirror.com\nhuggingface-cli download Qwen/Qwen2.5-7B\n',
    expect: 'cn-hangzhou',
  },
  {
    name: 'ModelScope downloads stay mainland',
    intent: 'x',
    script: 'from modelscope import snapshot_download\nsnapshot_download("qwen/Qwen2.5-7B")\n',
    expect: 'cn-hangzhou',
  },
  {
    name: 'curl to an overseas host goes overseas',
    intent: 'x',
    script: 'curl -fsSL https://example.com/data.tgz | tar xz\n',
    expect: 'ap-southeast-1',
    reason: /example\.com/,
  },
  {
    name: 'wget from an OSS bucket stays mainland',
    intent: 'x',
    script: 'wget https://my-bucket.oss-cn-hangzhou.aliyuncs.com/data.tgz\n',
    expect: 'cn-hangzhou',
  },
  {
    name: 'git clone from gitee stays mainland',
    intent: 'x',
    script: 'git clone https://gitee.com/org/repo.git\n',
    expect: 'cn-hangzhou',
  },
  {
    name: 'git clone from gitlab over ssh goes overseas',
    intent: 'x',
    script: 'git clone git@gitlab.com:org/repo.git\n',
    expect: 'ap-southeast-1',
    reason: /gitlab\.com/,
  },
  {
    name: 'raw.githubusercontent in a curl goes overseas',
    intent: 'x',
    script: 'curl -O https://raw.githubusercontent.com/org/repo/main/setup.sh\n',
    expect: 'ap-southeast-1',
  },
  {
    name: 'commented-out pip install does not count',
    intent: 'x',
    script: '# pip install numpy\necho hello\n',
    expect: 'cn-hangzhou',
  },
  {
    name: 'the intent text alone can name Hugging Face',
    intent: 'download llama weights from Hugging Face and convert them',
    expect: 'ap-southeast-1',
    reason: /intent mentions Hugging Face/,
  },
  {
    name: 'deploy nginx (generated script, Alibaba mirror) stays mainland',
    intent: 'deploy nginx',
    expect: 'cn-hangzhou',
    reason: /generated nginx script/,
  },
  {
    name: 'fine-tune qwen-7b (generated script: PyPI + HF) goes overseas',
    intent: 'fine-tune qwen-7b',
    expect: 'ap-southeast-1',
    reason: /pip install and downloads from Hugging Face/,
  },
  {
    name: 'user region wins even with overseas fetches',
    intent: 'run it',
    region: 'cn-shanghai',
    script: 'pip install numpy\n',
    expect: 'cn-shanghai',
    reason: /you asked for cn-shanghai; note: the script runs pip install/,
  },
  {
    name: 'user region from text wins',
    intent: '在北京 跑 a.sh',
    script: 'npm install\n',
    expect: 'cn-beijing',
  },
];

describe('chooseRegion', () => {
  for (const c of CASES) {
    it(c.name, () => {
      const intent = parseIntent({ intent: c.intent, ...(c.region ? { region: c.region } : {}) });
      const choice = chooseRegion(intent, c.script);
      assert.equal(choice.region, c.expect, choice.reason);
      if (c.reason) assert.match(choice.reason, c.reason);
      assert.equal(choice.overseas, regionClass(c.expect) === 'overseas');
    });
  }
  it('has at least 20 cases', () => assert.ok(CASES.length >= 20));

  it('overseas: ap-southeast-1 first, the other overseas regions as fallbacks', () => {
    const c = chooseRegion(parseIntent({ intent: 'x' }), 'pip install numpy');
    assert.deepEqual([c.region, ...c.fallbacks], [...OVERSEAS_REGIONS]);
    assert.deepEqual(c.fetches, ['pip install']);
  });
  it('mainland: cn-hangzhou first, the other mainland regions as fallbacks', () => {
    const c = chooseRegion(parseIntent({ intent: 'x' }), 'echo hi');
    assert.deepEqual([c.region, ...c.fallbacks], [...MAINLAND_REGIONS]);
  });
  it('a region the user names is a lock: no fallbacks', () => {
    assert.deepEqual(chooseRegion(parseIntent({ region: 'eu-central-1' }), 'echo hi').fallbacks, []);
  });
});

describe('regionClass', () => {
  const table: [string, 'mainland' | 'overseas'][] = [
    ['cn-hangzhou', 'mainland'],
    ['cn-zhangjiakou', 'mainland'],
    ['cn-hongkong', 'overseas'],
    ['ap-southeast-1', 'overseas'],
    ['us-west-1', 'overseas'],
    ['cn-chengdu', 'mainland'],
  ];
  for (const [r, cls] of table) it(`${r} is ${cls}`, () => assert.equal(regionClass(r), cls));
});
