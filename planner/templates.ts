// Scripts acp writes when the intent names a task instead of giving a script (step 2 in docs/architecture.md).
// The script and the image go together: apt-get templates run on Ubuntu 22.04, yum templates on
// Alibaba Cloud Linux 3. Services start under systemd (or `docker run -d`) and the script exits, so
// Cloud Assistant sees it finish; one-shot scripts run in the foreground and exit with the job's code.
//
// Each template names the Alibaba Cloud package mirror it relies on (a no-op on Alibaba Cloud images,
// which already use mirrors.cloud.aliyuncs.com). That line is also what tells the region scan that the
// system packages come from a mainland mirror, so "deploy nginx" stays in a mainland region.

import { type Intent, IntentError, type PackageManager, type Script, type TemplateName } from './types';

export const IMAGE_FAMILIES = {
  ubuntu: 'acs:ubuntu_22_04_x64',
  alinux: 'acs:alibaba_cloud_linux_3_2104_lts_x64',
} as const;

/** Image family a package manager needs: apt → Ubuntu, yum/dnf/none → Alibaba Cloud Linux 3. */
export function imageFamilyFor(pm: PackageManager): string {
  return pm === 'apt-get' ? IMAGE_FAMILIES.ubuntu : IMAGE_FAMILIES.alinux;
}

const YUM_MIRROR_CHECK =
  "grep -qs 'mirrors.cloud.aliyuncs.com' /etc/yum.repos.d/*.repo || echo 'acp: yum repositories are not the Alibaba Cloud mirror (mirrors.cloud.aliyuncs.com); installs may be slow' >&2";
const APT_MIRROR =
  "sed -i -E 's#https?://([a-z]+\\.)?(archive|security)\\.ubuntu\\.com#http://mirrors.cloud.aliyuncs.com#g' /etc/apt/sources.list 2>/dev/null || true";

/** The HTTP port a web template listens on: the first requested port other than 443, else 80. */
function httpPort(intent: Intent): number {
  return intent.ports.find((p) => p !== 443) ?? 80;
}

function nginxScript(intent: Intent, site: boolean): string {
  const port = httpPort(intent);
  const lines = [
    '#!/bin/bash',
    `# acp template: ${site ? 'static site served by nginx' : 'nginx'} (long-running service, Alibaba Cloud Linux 3)`,
    'set -euo pipefail',
    YUM_MIRROR_CHECK,
    'yum install -y nginx',
  ];
  if (port !== 80) {
    lines.push(
      `cat > /etc/nginx/conf.d/acp.conf <<'EOF'`,
      'server {',
      `    listen ${port} default_server;`,
      '    root /usr/share/nginx/html;',
      '    index index.html;',
      '}',
      'EOF',
    );
  }
  if (site) {
    lines.push(
      "cat > /usr/share/nginx/html/index.html <<'EOF'",
      '<!doctype html>',
      '<html><head><meta charset="utf-8"><title>Deployed by acp</title></head>',
      '<body><h1>It works</h1><p>This static site was deployed by acp. Replace /usr/share/nginx/html with your files.</p></body></html>',
      'EOF',
    );
  }
  if (intent.ports.includes(443)) {
    lines.push(
      '# Port 443 is open in the security group; nginx serves HTTPS once a certificate is configured.',
    );
  }
  lines.push(
    'nginx -t',
    'systemctl enable nginx',
    'systemctl restart nginx',
    `curl -fsS -o /dev/null http://127.0.0.1:${port}/`,
    `echo "nginx is serving on port ${port}"`,
  );
  return lines.join('\n');
}

function dockerScript(intent: Intent): string {
  if (!intent.image) {
    throw new IntentError(
      'image',
      'name the container image to run, e.g. "run a docker container redis:7" (acp does not guess an image)',
    );
  }
  const lines = [
    '#!/bin/bash',
    `# acp template: docker container ${intent.image} (${intent.kind === 'service' ? 'long-running service' : 'one-shot'}, Ubuntu 22.04)`,
    'set -euo pipefail',
    APT_MIRROR,
    'export DEBIAN_FRONTEND=noninteractive',
    'apt-get update -y',
    'apt-get install -y docker.io',
    'systemctl enable --now docker',
    `docker pull ${intent.image}`,
  ];
  const gpus = intent.gpu ? ' --gpus all' : '';
  if (intent.kind === 'service') {
    const publish = intent.ports.map((p) => ` -p ${p}:${p}`).join('');
    lines.push(
      'docker rm -f acp-app 2>/dev/null || true',
      `docker run -d --name acp-app --restart unless-stopped${gpus}${publish} ${intent.image}`,
      'docker ps --filter name=acp-app',
    );
  } else {
    lines.push(`docker run --rm${gpus} ${intent.image}`);
  }
  return lines.join('\n');
}

/** Hugging Face ids for the model names people type; anything else is passed through as written. */
const QWEN_SIZES = ['0.5', '1.5', '3', '7', '14', '32', '72'];

export function huggingFaceModelId(model: string | undefined): string {
  if (!model) return 'Qwen/Qwen2.5-0.5B-Instruct';
  if (model.includes('/')) return model;
  const qwen = /^qwen[\d.]*-?(\d+(?:\.\d+)?)b/i.exec(model);
  if (qwen && QWEN_SIZES.includes(qwen[1])) return `Qwen/Qwen2.5-${qwen[1]}B-Instruct`;
  return model;
}

function trainingScript(intent: Intent): string {
  const modelId = huggingFaceModelId(intent.model);
  const hours = Math.max(0.25, intent.durationMinutes / 60);
  return [
    '#!/bin/bash',
    `# acp template: LoRA fine-tune of ${modelId} (AI training, Ubuntu 22.04). Override MODEL and DATASET to use your own.`,
    'set -euo pipefail',
    APT_MIRROR,
    'export DEBIAN_FRONTEND=noninteractive',
    'apt-get update -y',
    'apt-get install -y python3-pip',
    'pip3 install --upgrade torch transformers datasets peft accelerate',
    `export MODEL="\${MODEL:-${modelId}}"`,
    `export DATASET="\${DATASET:-tatsu-lab/alpaca}"`,
    `export MAX_HOURS="\${MAX_HOURS:-${Number(hours.toFixed(2))}}"`,
    'mkdir -p /opt/acp && cd /opt/acp',
    "cat > train.py <<'EOF'",
    'import os, time',
    'import torch',
    'from datasets import load_dataset',
    'from peft import LoraConfig, get_peft_model',
    'from transformers import (AutoModelForCausalLM, AutoTokenizer, DataCollatorForLanguageModeling,',
    '                          Trainer, TrainerCallback, TrainingArguments)',
    '',
    'model_id, dataset_id = os.environ["MODEL"], os.environ["DATASET"]',
    'deadline = time.time() + float(os.environ["MAX_HOURS"]) * 3600',
    'tokenizer = AutoTokenizer.from_pretrained(model_id)',
    'tokenizer.pad_token = tokenizer.pad_token or tokenizer.eos_token',
    'dtype = torch.bfloat16 if torch.cuda.is_available() else torch.float32',
    'model = AutoModelForCausalLM.from_pretrained(model_id, torch_dtype=dtype)',
    'model = get_peft_model(model, LoraConfig(r=8, lora_alpha=16, task_type="CAUSAL_LM"))',
    'data = load_dataset(dataset_id, split="train[:2000]")',
    'text_field = "text" if "text" in data.column_names else data.column_names[0]',
    'data = data.map(lambda b: tokenizer(b[text_field], truncation=True, max_length=512),',
    '                batched=True, remove_columns=data.column_names)',
    '',
    'class Deadline(TrainerCallback):',
    '    # Stop cleanly before the budgeted time runs out; the adapter saved so far is kept.',
    '    def on_step_end(self, args, state, control, **kwargs):',
    '        control.should_training_stop = time.time() > deadline',
    '',
    'args = TrainingArguments(output_dir="output", per_device_train_batch_size=4, num_train_epochs=1,',
    '                         logging_steps=10, save_strategy="no", report_to=[],',
    '                         bf16=torch.cuda.is_available())',
    'trainer = Trainer(model=model, args=args, train_dataset=data, callbacks=[Deadline()],',
    '                  data_collator=DataCollatorForLanguageModeling(tokenizer, mlm=False))',
    'trainer.train()',
    'model.save_pretrained("output/adapter")',
    'print("saved LoRA adapter to /opt/acp/output/adapter")',
    'EOF',
    'python3 train.py',
  ].join('\n');
}

const TEMPLATES: Record<
  Exclude<TemplateName, 'custom'>,
  { pm: PackageManager; render: (i: Intent) => string }
> = {
  nginx: { pm: 'yum', render: (i) => nginxScript(i, false) },
  'static-site': { pm: 'yum', render: (i) => nginxScript(i, true) },
  docker: { pm: 'apt-get', render: dockerScript },
  'python-training': { pm: 'apt-get', render: trainingScript },
};

/** The script for an intent that named a task ("deploy nginx") instead of giving one. */
export function generateScript(intent: Intent): Script {
  const name = intent.template;
  if (!name || name === 'custom') {
    throw new IntentError(
      'script',
      'no script was given and the intent names no task acp can write one for (nginx, static site, docker container, training)',
    );
  }
  const t = TEMPLATES[name];
  const content = `${t.render(intent)}\n`;
  return {
    content,
    source: `template:${name}`,
    template: name,
    packageManager: t.pm,
    imageFamily: imageFamilyFor(t.pm),
    lines: content.split('\n').length - 1,
  };
}
