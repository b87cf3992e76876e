import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  checkScript,
  describeScript,
  generateScript,
  IntentError,
  parseDuration,
  parseIntent,
} from '../../planner';

describe('checkScript: placeholders are refused', () => {
  const refused: [string, string][] = [
    ['empty', ''],
    ['whitespace', '   \n\n'],
    ['only comments', '#!/bin/bash\n# TODO: write the job\n# later\n'],
    ['only pass', 'pass\n'],
    ['TODO body', 'TODO\n'],
    ['empty python function', 'def main():\n    pass\n\nif __name__ == "__main__":\n    main()\n'],
    [
      'function with only a docstring and NotImplementedError',
      'import torch\n\ndef train():\n    """Train."""\n    raise NotImplementedError\n\ntrain()\n',
    ],
    ['empty shell function', '#!/bin/bash\nset -euo pipefail\nmain() { :; }\nmain\n'],
    ['ellipsis', 'def f(): ...\n'],
  ];
  for (const [name, content] of refused) {
    it(`refuses: ${name}`, () => {
      const c = checkScript(content);
      assert.equal(c.ok, false);
      assert.ok(c.errors.length > 0);
    });
  }
});

describe('checkScript: real scripts pass', () => {
  it('a shell one-liner', () => assert.equal(checkScript('echo hello\n').ok, true));
  it('a python script with logic and an empty helper warns about the helper', () => {
    const c = checkScript('def unused():\n    pass\n\nprint(sum(range(10)))\n');
    assert.equal(c.ok, true);
    assert.match(c.warnings.join(), /unused\(\)/);
  });
  it('a training script with trainer.train() has no warning and names its frameworks', () => {
    const c = checkScript(
      'import torch\nfrom transformers import Trainer\ntrainer = Trainer(model=m)\ntrainer.train()\n',
      { kind: 'training' },
    );
    assert.deepEqual(c.warnings, []);
    assert.deepEqual(c.frameworks, ['torch', 'transformers']);
  });
  it('torchrun counts as an entry point', () => {
    assert.deepEqual(
      checkScript('pip install -r req.txt\ntorchrun --nproc_per_node 8 train.py\n', { kind: 'training' })
        .warnings,
      [],
    );
  });
  it('a training job with no framework entry point is warned about', () => {
    const c = checkScript('import numpy as np\nx = np.ones(3)\nprint(x)\n', { kind: 'training' });
    assert.equal(c.ok, true);
    assert.match(c.warnings.join(), /no framework entry point/);
  });
  it('looks like training by its words when no kind is given', () => {
    assert.match(checkScript('epochs = 3\nprint("training", epochs)\n').warnings.join(), /entry point/);
  });
  it('reports overseas fetches', () => {
    assert.deepEqual(checkScript('pip install torch\ngit clone https://github.com/a/b\n').overseasFetches, [
      'pip install',
      'github.com',
    ]);
  });
});

describe('describeScript: package manager decides the image', () => {
  const table: [string, string, string][] = [
    ['apt-get install -y nginx', 'apt-get', 'acs:ubuntu_22_04_x64'],
    ['apt install -y curl', 'apt-get', 'acs:ubuntu_22_04_x64'],
    ['yum install -y nginx', 'yum', 'acs:alibaba_cloud_linux_3_2104_lts_x64'],
    ['dnf install -y gcc', 'dnf', 'acs:alibaba_cloud_linux_3_2104_lts_x64'],
    ['echo hi', 'none', 'acs:alibaba_cloud_linux_3_2104_lts_x64'],
    [
      'command -v apt-get && apt-get install -y jq || yum install -y jq',
      'yum',
      'acs:alibaba_cloud_linux_3_2104_lts_x64',
    ],
  ];
  for (const [content, pm, image] of table) {
    it(`"${content}" → ${pm}`, () => {
      const s = describeScript(`${content}\n`, 'inline');
      assert.equal(s.packageManager, pm);
      assert.equal(s.imageFamily, image);
      assert.equal(s.lines, 1);
    });
  }
});

describe('generateScript: templates', () => {
  it('nginx: yum on Alibaba Cloud Linux, systemd, exits', () => {
    const s = generateScript(parseIntent({ intent: 'deploy nginx' }));
    assert.equal(s.source, 'template:nginx');
    assert.equal(s.packageManager, 'yum');
    assert.equal(s.imageFamily, 'acs:alibaba_cloud_linux_3_2104_lts_x64');
    assert.match(s.content, /yum install -y nginx/);
    assert.match(s.content, /systemctl enable nginx/);
    assert.equal(checkScript(s.content).ok, true);
  });
  it('nginx on port 8080 gets a server block', () => {
    assert.match(generateScript(parseIntent({ intent: 'deploy nginx on port 8080' })).content, /listen 8080/);
  });
  it('static site writes an index page', () => {
    assert.match(generateScript(parseIntent({ intent: 'static site' })).content, /index\.html/);
  });
  it('docker service: apt-get on Ubuntu, runs detached and exits', () => {
    const s = generateScript(
      parseIntent({ intent: 'run a docker container redis:7 and keep it running, port 6379' }),
    );
    assert.equal(s.imageFamily, 'acs:ubuntu_22_04_x64');
    assert.match(s.content, /docker run -d --name acp-app --restart unless-stopped -p 6379:6379 redis:7/);
  });
  it('docker one-shot runs in the foreground and is removed', () => {
    assert.match(
      generateScript(parseIntent({ intent: 'run a docker container alpine:3.20' })).content,
      /docker run --rm alpine:3\.20/,
    );
  });
  it('docker without an image asks for one', () => {
    assert.throws(
      () => generateScript(parseIntent({ intent: 'run a docker container' })),
      (e: unknown) => e instanceof IntentError && e.field === 'image',
    );
  });
  it('training: a real LoRA fine-tune with an entry point, passes its own check', () => {
    const s = generateScript(parseIntent({ intent: 'fine-tune qwen-7b on one A10' }));
    assert.match(s.content, /Qwen\/Qwen2\.5-7B-Instruct/);
    const c = checkScript(s.content, { kind: 'training' });
    assert.equal(c.ok, true);
    assert.deepEqual(c.warnings, []);
  });
  it('no template and no script: the field to fix is script', () => {
    assert.throws(
      () => generateScript(parseIntent({ intent: '8核16G' })),
      (e: unknown) => e instanceof IntentError && e.field === 'script',
    );
  });
});

describe('parseDuration (confirmTimeout, ttl)', () => {
  const ok: [string, number][] = [
    ['30m', 1_800_000],
    ['2h', 7_200_000],
    ['90s', 90_000],
    ['1d', 86_400_000],
    ['1h30m', 5_400_000],
    ['500ms', 500],
    ['2 hours', 7_200_000],
  ];
  for (const [s, ms] of ok) it(`'${s}' = ${ms} ms`, () => assert.equal(parseDuration(s, 'ttl'), ms));
  for (const bad of ['', '30', 'soon', '-5m', '0s', '3 fortnights']) {
    it(`'${bad}' is refused naming the field`, () => {
      assert.throws(
        () => parseDuration(bad, 'confirmTimeout'),
        (e: unknown) => e instanceof IntentError && e.field === 'confirmTimeout',
      );
    });
  }
});
