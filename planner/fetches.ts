// Finds what a script (or the intent text) downloads from outside mainland China. Mainland regions
// reach PyPI, npmjs, Docker Hub, GitHub and Hugging Face slowly or not at all, so any such fetch sends
// the job to an overseas region (step 3 in docs/architecture.md). A fetch pointed at a mainland mirror
// (mirrors.aliyun.com, registry.npmmirror.com, goproxy.cn, hf-mirror.com, an *.aliyuncs.com registry,
// gitee.com …) is not overseas.

export interface OverseasFetch {
  /** Short name of what was found: "pip install", "github.com", "Hugging Face". */
  what: string;
  /** How a reason sentence says it: "runs pip install", "clones from github.com". */
  phrase: string;
  /** 1-based line of the first occurrence. */
  line: number;
}

/** Host suffixes served from mainland China (Alibaba Cloud, its mirrors, and common mainland mirrors). */
const MAINLAND_HOST_SUFFIXES = [
  '.cn',
  'aliyun.com',
  'aliyuncs.com',
  'alicdn.com',
  'aliyun-inc.com',
  'npmmirror.com',
  'taobao.org',
  'gitee.com',
  'tencent.com',
  'tencentyun.com',
  'myqcloud.com',
  'qcloud.com',
  'huaweicloud.com',
  'myhuaweicloud.com',
  '163.com',
  '126.net',
  'baidu.com',
  'bcebos.com',
  'qq.com',
  'hf-mirror.com',
  'volces.com',
  'ksyun.com',
];

export type HostClass = 'mainland' | 'overseas' | 'local' | 'unknown';

/** Where a host lives, as far as the region choice cares. Public IP addresses are 'unknown'. */
export function hostClass(rawHost: string): HostClass {
  const host = rawHost
    .toLowerCase()
    .replace(/^\[|\]$/g, '')
    .replace(/\.$/, '');
  if (host === '' || host.includes('$') || host.includes('{')) return 'unknown';
  if (host === 'localhost' || host.endsWith('.local') || host.endsWith('.internal') || !host.includes('.')) {
    return 'local';
  }
  if (/^\d+\.\d+\.\d+\.\d+$/.test(host)) {
    if (/^(10\.|127\.|192\.168\.|172\.(1[6-9]|2\d|3[01])\.|100\.100\.)/.test(host)) return 'local';
    return 'unknown';
  }
  const mainland = MAINLAND_HOST_SUFFIXES.some((s) =>
    s.startsWith('.') ? host.endsWith(s) : host === s || host.endsWith(`.${s}`),
  );
  if (mainland) return 'mainland';
  return 'overseas';
}

const URL_HOST = /(?:https?|ftp):\/\/(?:[^\s/@'"]+@)?([^\s/:'"?#)]+)/gi;

function hostsIn(line: string): string[] {
  const out: string[] = [];
  for (const m of line.matchAll(URL_HOST)) out.push(m[1].toLowerCase());
  return out;
}

/** Mainland hosts a line names, as URLs or bare domains ("grep mirrors.cloud.aliyuncs.com …"). */
function mentionsMainlandHost(line: string): boolean {
  const bare = [...line.matchAll(/(?<![\w.-])((?:[a-z0-9-]+\.)+(?:com|cn|org|net|io))(?![\w-])/gi)].map(
    (m) => m[1],
  );
  return [...hostsIn(line), ...bare].some((h) => hostClass(h) === 'mainland');
}

function firstHost(text: string | undefined): string | undefined {
  return text === undefined ? undefined : hostsIn(text)[0];
}

/**
 * A command Python runs from an argument list, as the shell would read it:
 * `subprocess.run([sys.executable, "-m", "pip", "install", "torch"])` → `python -m pip install torch`.
 */
function pythonArgv(line: string): string | undefined {
  const list =
    /\[\s*((?:sys\.executable|[rbuf]?(?:'[^']*'|"[^"]*"))(?:\s*,\s*(?:sys\.executable|[rbuf]?(?:'[^']*'|"[^"]*")))+)\s*,?\s*\]/.exec(
      line,
    );
  if (!list) return undefined;
  return [...list[1].matchAll(/sys\.executable|'([^']*)'|"([^"]*)"/g)]
    .map((m) => (m[0] === 'sys.executable' ? 'python' : (m[1] ?? m[2])))
    .join(' ');
}

/**
 * Lines a shell/python interpreter would run: comment lines removed (a shebang is not a fetch either);
 * a Python argument list is followed by the command it spells, so `pip install` run through
 * `subprocess` is found like one typed in a shell.
 */
function codeLines(content: string): { text: string; line: number }[] {
  const out: { text: string; line: number }[] = [];
  content.split(/\r?\n/).forEach((raw, i) => {
    const t = raw.trim();
    if (t === '' || t.startsWith('#') || t.startsWith('//')) return;
    const argv = pythonArgv(raw);
    out.push({ text: argv ? `${raw} ; ${argv}` : raw, line: i + 1 });
  });
  return out;
}

/** A package manager whose default registry is overseas, and how a script points it at a mirror. */
interface ManagerRule {
  what: string;
  command: RegExp;
  /** Index/registry given on the same line ("-i https://mirrors.aliyun.com/pypi/simple"). */
  lineIndex?: RegExp;
  /** Script-wide mirror configuration; the captured URL/host decides. */
  globalIndex?: RegExp;
  /** Script-wide mirror configuration recognised by a mainland host on a matching line. */
  globalMirrorLine?: RegExp;
  /** Lines that fetch nothing ("pip install --no-index"). */
  offline?: RegExp;
}

const MANAGERS: ManagerRule[] = [
  {
    what: 'pip install',
    command:
      /\b(?:pip[23]?(?:\.\d+)?|python[23]?(?:\.\d+)?\s+-m\s+pip|uv\s+pip|pipenv|poetry)\s+(?:install|add|download|sync)\b|\buv\s+(?:sync|add)\b/,
    lineIndex: /(?:\s-i\s*|--index-url[=\s]+|--extra-index-url[=\s]+|--default-index[=\s]+)['"]?(\S+)/,
    globalIndex:
      /(?:PIP_INDEX_URL|UV_INDEX_URL|UV_DEFAULT_INDEX|POETRY_REPOSITORIES_\w+_URL)\s*=\s*['"]?(\S+)|index-url\s*[= ]\s*['"]?(https?:\/\/\S+)/,
    offline: /--no-index\b/,
  },
  {
    what: 'conda install',
    command: /\b(?:conda|mamba|micromamba)\s+(?:install|create|env\s+create)\b/,
    lineIndex: /\s(?:-c|--channel)[=\s]+['"]?(https?:\/\/\S+)/,
    globalMirrorLine: /conda\s+config|channel_alias|\.condarc/,
  },
  {
    what: 'npm install',
    command: /\b(?:npm|yarn|pnpm)\s+(?:install|i|ci|add)\b|\bnpx\s+\S/,
    lineIndex: /--registry[=\s]+['"]?(\S+)/,
    globalIndex:
      /(?:(?:npm|yarn|pnpm)\s+config\s+set\s+(?:npm)?registry(?:Server)?[=\s]+|NPM_CONFIG_REGISTRY\s*=\s*|(?:^|\s|['"])registry\s*=\s*)['"]?(\S+)/i,
  },
  {
    what: 'apt-get install',
    command: /\bapt(?:-get)?\s+(?:-\S+\s+)*install\b/,
    globalMirrorLine: /sources\.list|\/etc\/apt\//,
  },
  {
    what: 'yum install',
    command: /\b(?:yum|dnf)\s+(?:-\S+\s+)*(?:install|groupinstall)\b/,
    globalMirrorLine: /yum\.repos\.d|\.repo\b|baseurl/,
  },
  {
    what: 'go get',
    command: /\bgo\s+(?:get|install|mod\s+download)\b/,
    globalIndex: /GOPROXY\s*[= ]\s*['"]?(\S+)/,
  },
  {
    what: 'cargo',
    command: /\bcargo\s+(?:install|build|fetch|run|update|add)\b/,
    globalMirrorLine: /crates|\[source|replace-with|cargo\/config/,
  },
  {
    what: 'gem install',
    command: /\b(?:gem\s+install|bundle\s+(?:install|update))\b/,
    lineIndex: /--source[=\s]+['"]?(\S+)/,
    globalMirrorLine: /gem\s+sources|bundle\s+config\s+mirror|rubygems/,
  },
  {
    what: 'composer',
    command: /\bcomposer\s+(?:install|require|update|create-project|global\s+require)\b/,
    globalMirrorLine: /packagist|composer\s+config/,
  },
];

/** Registries and hosts that are overseas wherever they appear in code (URLs, config). */
const OVERSEAS_HOSTS: { pattern: RegExp; what: string; phrase: string }[] = [
  { pattern: /\b(?:pypi\.org|files\.pythonhosted\.org)\b/i, what: 'PyPI', phrase: 'downloads from PyPI' },
  { pattern: /\b(?:registry\.npmjs\.org|npmjs\.com)\b/i, what: 'npmjs', phrase: 'downloads from npmjs' },
  {
    pattern:
      /\b(?:raw\.githubusercontent\.com|objects\.githubusercontent\.com|github\.com|[\w-]+\.github\.io)\b/i,
    what: 'github.com',
    phrase: 'downloads from github.com',
  },
  { pattern: /\bgitlab\.com\b/i, what: 'gitlab.com', phrase: 'downloads from gitlab.com' },
  { pattern: /\bbitbucket\.org\b/i, what: 'bitbucket.org', phrase: 'downloads from bitbucket.org' },
  {
    pattern: /\b(?:hub\.docker\.com|registry-1\.docker\.io|docker\.io)\b/i,
    what: 'Docker Hub',
    phrase: 'pulls from Docker Hub',
  },
  { pattern: /\bproxy\.golang\.org\b/i, what: 'proxy.golang.org', phrase: 'downloads Go modules' },
  { pattern: /\bcrates\.io\b/i, what: 'crates.io', phrase: 'downloads from crates.io' },
  { pattern: /\brubygems\.org\b/i, what: 'rubygems.org', phrase: 'downloads from rubygems.org' },
  { pattern: /\bpackagist\.org\b/i, what: 'packagist.org', phrase: 'downloads from packagist.org' },
];

/** Words a person uses in free text ("pulls the model from Hugging Face", "clone it from GitHub"). */
const OVERSEAS_WORDS: { pattern: RegExp; what: string; phrase: string }[] = [
  { pattern: /hugging\s*face|\bhf\s+hub\b/i, what: 'Hugging Face', phrase: 'downloads from Hugging Face' },
  { pattern: /\bgithub\b/i, what: 'github.com', phrase: 'downloads from github.com' },
  { pattern: /\bgitlab\b/i, what: 'gitlab.com', phrase: 'downloads from gitlab.com' },
  { pattern: /docker\s*hub/i, what: 'Docker Hub', phrase: 'pulls from Docker Hub' },
  { pattern: /\bpypi\b/i, what: 'PyPI', phrase: 'downloads from PyPI' },
  { pattern: /\bnpmjs\b/i, what: 'npmjs', phrase: 'downloads from npmjs' },
];

const HF_FETCH =
  /\bhuggingface\.co\b|\bhf\.co\/|\bfrom_pretrained\s*\(|\bhf_hub_download\s*\(|\bsnapshot_download\s*\(|huggingface-cli\s+download|\bhf\s+download\b|\bload_dataset\s*\(/;
/** from_pretrained('./ckpt') or load_dataset('csv', …) read local files, not the Hub. */
const HF_LOCAL_ARG =
  /(?:from_pretrained|load_dataset)\s*\(\s*(?:[rf]?['"](?:\.{0,2}\/|~\/|[a-z]:\\|csv['"]|json['"]|parquet['"]|text['"]|arrow['"]|pandas['"]|imagefolder['"]|audiofolder['"]))/i;

const FETCH_COMMAND =
  /\b(?:curl|wget|aria2c|urlretrieve|urlopen|requests\.get|httpx\.get|download_url|fetch)\b/;
const GIT_CLONE = /\bgit\s+(?:clone|submodule\s+add|pull|fetch)\b/;
const GIT_HOST = /(?:https?:\/\/|ssh:\/\/|git:\/\/)(?:[^\s/@'"]+@)?([^\s/:'"]+)|\bgit@([^\s:'"]+):/;

const DOCKER_VALUE_FLAGS = new Set([
  '-p',
  '--publish',
  '-v',
  '--volume',
  '-e',
  '--env',
  '--env-file',
  '--name',
  '-w',
  '--workdir',
  '--network',
  '--net',
  '--entrypoint',
  '-u',
  '--user',
  '--gpus',
  '--shm-size',
  '--restart',
  '-m',
  '--memory',
  '--cpus',
  '--mount',
  '-l',
  '--label',
  '--device',
  '--platform',
  '-h',
  '--hostname',
  '--add-host',
  '--ulimit',
  '--log-driver',
  '--log-opt',
  '--runtime',
  '--ipc',
  '--pid',
  '--cap-add',
  '--security-opt',
]);

/** The image a `docker pull|run|create` line uses, or undefined when it is a variable or absent. */
export function dockerImageOf(line: string): string | undefined {
  const m = /\b(?:docker|podman|nerdctl)\s+(?:image\s+)?(pull|run|create)\b(.*)$/.exec(line);
  if (!m) return undefined;
  const tokens = m[2].trim().split(/\s+/);
  for (let i = 0; i < tokens.length; i++) {
    const t = tokens[i];
    if (t === '') continue;
    if (t.startsWith('-')) {
      if (!t.includes('=') && DOCKER_VALUE_FLAGS.has(t)) i++;
      continue;
    }
    if (t.includes('$')) return undefined;
    return t.replace(/^['"]|['"]$/g, '');
  }
  return undefined;
}

/** The registry host of an image reference: docker.io when none is named ("nginx:1.25"). */
export function imageRegistry(image: string): string {
  const first = image.split('/')[0];
  if (image.includes('/') && (first.includes('.') || first.includes(':') || first === 'localhost')) {
    return first.toLowerCase();
  }
  return 'docker.io';
}

/**
 * Everything overseas a script or text fetches, in order of first appearance, one entry per kind.
 * `source` 'text' also reads plain words ("from Hugging Face"); 'script' reads code only.
 */
export function findOverseasFetches(content: string, source: 'script' | 'text' = 'script'): OverseasFetch[] {
  const found: OverseasFetch[] = [];
  const add = (what: string, phrase: string, line: number) => {
    if (!found.some((f) => f.what === what)) found.push({ what, phrase, line });
  };
  const lines = codeLines(content);
  const mainlandMirror = (rule: ManagerRule): boolean => {
    for (const { text } of lines) {
      if (rule.globalIndex) {
        const g = rule.globalIndex.exec(text);
        const host = g ? (firstHost(g[1] ?? g[2]) ?? (g[1] ?? g[2] ?? '').replace(/['"]/g, '')) : undefined;
        if (host && hostClass(host) === 'mainland') return true;
        // GOPROXY=https://goproxy.cn,direct: the first entry decides.
        if (g && rule.what === 'go get' && /goproxy\.(cn|io)|mirrors\.aliyun\.com/.test(g[1] ?? ''))
          return true;
      }
      if (rule.globalMirrorLine?.test(text) && mentionsMainlandHost(text)) return true;
    }
    return false;
  };
  const hfMirror = lines.some(
    ({ text }) =>
      /HF_ENDPOINT\s*=\s*['"]?https?:\/\/([^\s/'"]+)/.test(text) &&
      hostsIn(text).some((h) => hostClass(h) === 'mainland'),
  );
  const hfOffline = lines.some(({ text }) =>
    /(?:HF_HUB_OFFLINE|TRANSFORMERS_OFFLINE)\s*=\s*['"]?1/.test(text),
  );
  const usesModelScope = lines.some(({ text }) => /\bmodelscope\b/.test(text));
  const dockerMirror = lines.some(
    ({ text }) => /registry-mirrors/.test(text) && hostsIn(text).some((h) => hostClass(h) === 'mainland'),
  );

  for (const rule of MANAGERS) {
    const mirrored = mainlandMirror(rule);
    for (const { text, line } of lines) {
      const cmd = rule.command.exec(text);
      if (!cmd) continue;
      if (rule.offline?.test(text)) continue;
      const own = rule.lineIndex?.exec(text);
      const ownHost = own ? (firstHost(own[1]) ?? own[1]) : undefined;
      const overseas = ownHost ? hostClass(ownHost) === 'overseas' : !mirrored;
      if (overseas) {
        const word =
          rule.what === 'npm install' ? cmd[0].replace(/\s+/g, ' ').replace(/ i$/, ' install') : rule.what;
        add(rule.what, `runs ${word.startsWith('npx') ? 'npx' : word}`, line);
        break;
      }
    }
  }

  for (const { text, line } of lines) {
    if (GIT_CLONE.test(text)) {
      const g = GIT_HOST.exec(text);
      const host = g ? (g[1] ?? g[2]).toLowerCase() : undefined;
      if (host && hostClass(host) === 'overseas') add(host, `clones from ${host}`, line);
      continue;
    }
    const image = dockerImageOf(text) ?? /^\s*FROM\s+(?:--\S+\s+)*(\S+)(?:\s+AS\s+\S+)?\s*$/.exec(text)?.[1];
    if (image && !image.includes('$') && image.toLowerCase() !== 'scratch') {
      const registry = imageRegistry(image);
      if (registry === 'docker.io' && !dockerMirror) add('Docker Hub', 'pulls images from Docker Hub', line);
      else if (hostClass(registry) === 'overseas' && registry !== 'docker.io') {
        add(registry, `pulls images from ${registry}`, line);
      }
    } else if (/\bdocker\s+build\b/.test(text) && !dockerMirror) {
      add('Docker Hub', 'builds on base images from Docker Hub', line);
    }
    if (FETCH_COMMAND.test(text)) {
      for (const host of hostsIn(text)) {
        if (hostClass(host) === 'overseas' && !/huggingface\.co$|^hf\.co$/.test(host)) {
          add(host, `downloads from ${host}`, line);
        }
      }
    }
    if (HF_FETCH.test(text) && !HF_LOCAL_ARG.test(text) && !hfMirror && !hfOffline) {
      const modelScopeCall = usesModelScope && !/huggingface/.test(text);
      if (!modelScopeCall) add('Hugging Face', 'downloads from Hugging Face', line);
    }
    for (const h of OVERSEAS_HOSTS) {
      if (h.pattern.test(text) && !(h.what === 'Docker Hub' && dockerMirror)) add(h.what, h.phrase, line);
    }
  }
  if (source === 'text') {
    for (const { text, line } of lines) {
      for (const w of OVERSEAS_WORDS) {
        if (w.pattern.test(text) && !(w.what === 'Hugging Face' && (hfMirror || usesModelScope))) {
          add(w.what, w.phrase, line);
        }
      }
    }
  }
  return found.sort((a, b) => a.line - b.line);
}

/** "runs pip install and clones from github.com" (phrases joined the way a person writes them). */
export function joinPhrases(phrases: string[]): string {
  if (phrases.length <= 1) return phrases.join('');
  return `${phrases.slice(0, -1).join(', ')} and ${phrases[phrases.length - 1]}`;
}

/**
 * Hosts an Alibaba Cloud instance reaches without a public address: its own VPC, Alibaba's
 * VPC-internal mirrors and endpoints (mirrors.cloud.aliyuncs.com, oss-*-internal, registry-vpc.*)
 * and the metadata/DNS servers on 100.100.x.x. Everything else needs a public IP or NAT
 * (mirrors.aliyun.com is the public address of the same mirror).
 */
export function vpcInternalHost(rawHost: string): boolean {
  const host = rawHost.toLowerCase().replace(/\.$/, '');
  return (
    hostClass(host) === 'local' ||
    /^100\.100\./.test(host) ||
    /(^|\.)cloud\.aliyuncs\.com$/.test(host) ||
    /-internal\.aliyuncs\.com$/.test(host) ||
    /-vpc\.[a-z0-9-]+\.aliyuncs\.com$/.test(host) ||
    /\.vpc\.aliyuncs\.com$/.test(host)
  );
}

/**
 * What a script fetches that needs the internet when it runs inside a VPC: every overseas fetch, and
 * any URL or image registry on a mainland host that is not VPC-internal (a public mirror, a
 * mainland registry's public endpoint). Package installs from the image's own repositories
 * (Alibaba's VPC mirror) need nothing.
 */
export function findInternetFetches(content: string): OverseasFetch[] {
  // yum/dnf and apt-get install from the repositories Alibaba's images configure: the VPC mirror
  // (a repository the script adds by URL is caught by the URL scan below).
  const found = findOverseasFetches(content, 'script').filter(
    (f) => f.what !== 'yum install' && f.what !== 'apt-get install',
  );
  const add = (host: string, line: number) => {
    if (!found.some((f) => f.what === host))
      found.push({ what: host, phrase: `downloads from ${host}`, line });
  };
  for (const { text, line } of codeLines(content)) {
    for (const host of hostsIn(text)) {
      if (hostClass(host) === 'mainland' && !vpcInternalHost(host)) add(host, line);
    }
    const image = dockerImageOf(text);
    if (image && !image.includes('$')) {
      const registry = imageRegistry(image);
      if (registry !== 'docker.io' && hostClass(registry) === 'mainland' && !vpcInternalHost(registry))
        add(registry, line);
    }
  }
  return found.sort((a, b) => a.line - b.line);
}
