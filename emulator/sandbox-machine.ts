// An emulated machine: the sandbox every simulated script runs in (docs/simulation.md). One per ECS
// instance (it lives as long as the instance, so a service started by one command keeps serving),
// one per FC invocation, Kubernetes pod or DLC pod (gone when the run ends).
//
// Isolation comes from the kernel, through util-linux's `unshare` and `nsenter`: its own user
// namespace (root inside, the emulator's own user outside), mount namespace (a root made of a
// per-machine directory plus a copy-on-write overlay of the host's /usr, so an install or a write to
// /etc never reaches the host), PID namespace (killing its first process ends everything it ran),
// UTS namespace (its own hostname) and network namespace (loopback only: no route to the host's
// services, the emulator or the internet). The one way in is relay.py's Unix socket, which the
// emulator uses to bring a visitor of the instance's public address to a port inside.
// Nothing here ever falls back to running a script on the host: no namespaces, no run.
import { type ChildProcess, execFile, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, realpathSync, rmSync } from 'node:fs';
import {
  chmod,
  cp,
  lstat,
  mkdir,
  readdir,
  readFile,
  readlink,
  realpath,
  rm,
  stat,
  symlink,
  writeFile,
} from 'node:fs/promises';
import { connect, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join, posix } from 'node:path';
import { IMAGES, type SandboxOs } from './sandbox-image';

export interface MachineSpec {
  os: SandboxOs;
  /** 'vm' (ECS: systemd, services outlive commands) or 'container' (FC, pods, DLC: no systemd). */
  kind: 'vm' | 'container';
  hostname: string;
  /** The machine reaches the internet (a public address or NAT); VPC-internal hosts always answer. */
  egress: boolean;
  /** Emulated seconds per wall second: simulated network waits run on the emulated clock. */
  speed: number;
  /** Addresses besides loopback the machine answers on (an ECS instance's private IP). */
  privateIps?: string[];
  publicIp?: string;
  /**
   * Host directories the emulator keeps for the machine, shown read-only at the same path inside
   * (an instance's metadata items). Created when missing.
   */
  sharedDirs?: string[];
}

export interface MachineRun {
  exitCode: number;
  output: string;
  timedOut: boolean;
  droppedBytes: number;
}

export interface ExecOptions {
  /** Wall-clock seconds before the command's process group is killed (exit 124). */
  timeoutSeconds: number;
  env?: Record<string, string>;
  /** Working directory inside the machine (default /root). */
  cwd?: string;
  /** Aborting kills the command's process group (a stopped command, a released instance). */
  signal?: AbortSignal;
  /** Output kept; the rest is counted in droppedBytes. */
  outputCap: number;
  /** Sees every piece of output as it arrives (kept or not). */
  onOutput?: (chunk: Buffer) => void;
}

/** Thrown when this host cannot make a sandbox; the message says what is missing. */
export class SandboxUnavailable extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'SandboxUnavailable';
  }
}

/**
 * The folder of the sandbox's files: this module's own, or — bundled into the precompiled CLI, where
 * __dirname is dist/ — the emulator folder beside it.
 */
const SANDBOX_FILES =
  [__dirname, join(__dirname, '..', 'emulator')].find((d) => existsSync(join(d, 'sandbox-init.sh'))) ??
  __dirname;
const SANDBOX_ROOT = join(SANDBOX_FILES, 'sandbox-root');
const INIT_SCRIPT = join(SANDBOX_FILES, 'sandbox-init.sh');
const PATH = '/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin';
const TOOLS = ['unshare', 'nsenter', 'ip', 'bash', 'python3'];
/**
 * Host /etc entries a machine needs (libraries, certificates, time zone); nothing else is shown.
 * Copied once per emulator process into the lower layer of every machine's /etc.
 */
const HOST_ETC = [
  'ld.so.cache',
  'ld.so.conf',
  'ld.so.conf.d',
  'alternatives',
  'ssl/certs',
  'ssl/openssl.cnf',
  'ca-certificates',
  'localtime',
  'protocols',
  'services',
  'bash.bashrc',
  'profile',
  'inputrc',
  'mime.types',
  'gai.conf',
  'host.conf',
  'networks',
  'shells',
];

// ---- the host side, set up once per emulator process ----

interface SandboxHost {
  base: string;
  /** Overlay lower layer above the host's /usr: acp's simulated commands (+ a writable skeleton). */
  layer: string;
  /** Overlay lower layer of every machine's /etc: the HOST_ETC entries. */
  etc: string;
  nodeDir?: string;
}

let host: Promise<SandboxHost> | undefined;

/** A program on the emulator's PATH (the one `spawn` searches). */
function findTool(name: string): string | undefined {
  for (const dir of (process.env.PATH ?? PATH).split(':')) {
    const p = join(dir, name);
    if (existsSync(p)) return p;
  }
  return undefined;
}

/**
 * Checks once per process that this host can make sandboxes (tools, user namespaces, overlayfs) by
 * booting a throw-away machine; rejects with SandboxUnavailable naming what is missing.
 */
export function sandboxSupport(): Promise<SandboxHost> {
  host ??= prepareHost().catch((err) => {
    host = undefined;
    throw err;
  });
  return host;
}

async function prepareHost(): Promise<SandboxHost> {
  if (process.platform !== 'linux')
    throw new SandboxUnavailable(
      `the emulator runs scripts only on Linux (user, mount, PID and network namespaces); this is ${process.platform}. Use --exec none.`,
    );
  const missing = TOOLS.filter((t) => !findTool(t));
  if (missing.length > 0) {
    throw new SandboxUnavailable(
      `the emulator's script sandbox needs ${missing.join(', ')} (util-linux, iproute2, bash, python3); install them or use --exec none`,
    );
  }
  // The directories of an emulator that crashed are swept by the next one.
  await sweepStaleSandboxes();
  const base = join(tmpdir(), `acp-sandbox-${process.pid}-${randomBytes(3).toString('hex')}`);
  await mkdir(base, { recursive: true, mode: 0o700 });
  process.once('exit', () => rmSync(base, { recursive: true, force: true }));
  const layer = join(base, 'layer');
  await cp(join(SANDBOX_ROOT, 'usr'), layer, { recursive: true });
  await ensureExecutable(layer);
  if (process.getuid?.() !== 0) await mirrorTopDirs(layer);
  const etc = join(base, 'etc');
  await mkdir(etc);
  const present = HOST_ETC.filter((e) => existsSync(join('/etc', e)));
  // cp -a keeps the symlinks (alternatives, certificates) and is far faster than fs.cp here.
  await new Promise<void>((resolve, reject) =>
    execFile('cp', ['-a', '--parents', ...present, etc], { cwd: '/etc' }, (err) =>
      err
        ? reject(new SandboxUnavailable(`cannot copy /etc entries for the sandbox: ${err.message}`))
        : resolve(),
    ),
  );
  const nodeReal = realpathSync(process.execPath);
  const nodeDir = nodeReal.startsWith('/usr/') ? undefined : dirname(dirname(nodeReal));
  const ready: SandboxHost = { base, layer, etc, ...(nodeDir ? { nodeDir } : {}) };
  // Boot one machine: proves user namespaces, overlayfs and pivot_root work here.
  const probe = await Machine.boot(ready, {
    os: 'debian',
    kind: 'container',
    hostname: 'probe',
    egress: false,
    speed: 1,
  });
  await probe.destroy();
  return ready;
}

/** Shims in the layer must stay executable whatever the checkout did to their modes. */
async function ensureExecutable(dir: string): Promise<void> {
  for (const entry of await readdir(dir, { withFileTypes: true })) {
    const p = join(dir, entry.name);
    if (entry.isDirectory()) await ensureExecutable(p);
    else if (!/\.(sh|py)$/.test(entry.name)) await chmod(p, 0o755);
  }
}

/**
 * Without real root, the host's /usr directories are owned by a user the sandbox cannot map, so the
 * sandbox's root could not create files in them. Directories of the top layer win in an overlay, so
 * the first three levels of /usr are recreated (owned by us) in the layer: installs can write
 * /usr/local/bin, /usr/share/nginx, /usr/lib/systemd/system … as on a real machine.
 */
async function mirrorTopDirs(layer: string, from = '/usr', depth = 3): Promise<void> {
  if (depth === 0) return;
  const entries = await readdir(from, { withFileTypes: true }).catch(() => []);
  for (const entry of entries) {
    if (!entry.isDirectory()) continue;
    await mkdir(join(layer, entry.name), { recursive: true });
    await mirrorTopDirs(join(layer, entry.name), join(from, entry.name), depth - 1);
  }
}

// ---- one machine ----

let machineSeq = 0;

export class Machine {
  readonly spec: MachineSpec;
  readonly dir: string;
  private readonly init: ChildProcess;
  private readonly pid: number;
  private relay?: Promise<void>;
  private runSeq = 0;
  private gone = false;
  private readonly holds = new Set<Promise<unknown>>();

  private constructor(spec: MachineSpec, dir: string, init: ChildProcess, pid: number) {
    this.spec = spec;
    this.dir = dir;
    this.init = init;
    this.pid = pid;
  }

  /** Makes a machine (rejects with SandboxUnavailable when the host cannot). */
  static async create(spec: MachineSpec): Promise<Machine> {
    return Machine.boot(await sandboxSupport(), spec);
  }

  static async boot(h: SandboxHost, spec: MachineSpec): Promise<Machine> {
    machineSeq += 1;
    const dir = join(h.base, `m${machineSeq}-${randomBytes(2).toString('hex')}`);
    const roDirs = [...(h.nodeDir ? [h.nodeDir] : []), ...(spec.sharedDirs ?? [])];
    await layDown(dir, spec, roDirs);
    const image = IMAGES[spec.os];
    const init = spawn(
      'unshare',
      [
        '--user',
        '--map-root-user',
        '--mount',
        '--net',
        '--pid',
        '--uts',
        '--ipc',
        '--fork',
        '--',
        'bash',
        INIT_SCRIPT,
        dir,
        `${h.layer}:/usr`,
        h.etc,
        spec.hostname,
        roDirs.length > 0 ? roDirs.join(',') : '-',
        spec.privateIps?.length ? spec.privateIps.join(',') : '-',
        ...image.absent,
      ],
      { stdio: ['pipe', 'pipe', 'pipe'] },
    );
    try {
      await waitReady(init);
      const pid = await childOf(init.pid!);
      return new Machine(spec, dir, init, pid);
    } catch (err) {
      init.kill('SIGKILL');
      await rm(dir, { recursive: true, force: true }).catch(() => {});
      throw err;
    }
  }

  /** Rewrites what the simulated network tools read (egress, public address). */
  async setNetwork(change: Partial<Pick<MachineSpec, 'egress' | 'publicIp'>>): Promise<void> {
    Object.assign(this.spec, change);
    await writeNetwork(this.dir, this.spec);
  }

  /** Runs a bash script as root inside the machine. */
  exec(script: string, opts: ExecOptions): Promise<MachineRun> {
    if (this.gone) return Promise.resolve(failedRun('the machine was released\n'));
    this.runSeq += 1;
    const job = `/run/acp-sim/jobs/${this.runSeq}.sh`;
    const hostJob = join(this.dir, 'rootfs', job);
    const env = {
      PATH,
      HOME: '/root',
      USER: 'root',
      LOGNAME: 'root',
      SHELL: '/bin/bash',
      LANG: 'C.UTF-8',
      ...opts.env,
    };
    return (async () => {
      await mkdir(dirname(hostJob), { recursive: true });
      await writeFile(hostJob, script, { mode: 0o700 });
      try {
        return await collect(
          spawn(
            'nsenter',
            [
              ...this.enter(),
              '/usr/bin/env',
              '-i',
              ...Object.entries(env).map(([k, v]) => `${k}=${v}`),
              '/bin/bash',
              '-c',
              'cd "$1" 2>/dev/null || cd /; exec /bin/bash "$2"',
              'acp-run',
              opts.cwd ?? '/root',
              job,
            ],
            { detached: true, stdio: ['ignore', 'pipe', 'pipe'] },
          ),
          opts,
        );
      } finally {
        // Not awaited: the command's end is reported at once (a stopped command turns Terminated).
        void rm(hostJob, { force: true }).catch(() => {});
      }
    })();
  }

  /**
   * A connection to 127.0.0.1:port inside the machine (through relay.py), or undefined when nothing
   * listens there. The relay starts on first use.
   */
  async connect(port: number): Promise<Socket | undefined> {
    if (this.gone) return undefined;
    this.relay ??= this.startRelay();
    await this.relay;
    const socket = connect(join(this.dir, 'rootfs', 'run', 'acp-sim', 'relay.sock'));
    return new Promise((resolve) => {
      socket.once('error', () => resolve(undefined));
      socket.once('connect', () => socket.write(`${port}\n`));
      socket.once('data', (first) => {
        socket.removeAllListeners('error');
        // relay.py answers '+' once it reached the port; everything after it is the service's.
        if (first[0] !== 0x2b) {
          socket.destroy();
          resolve(undefined);
          return;
        }
        if (first.length > 1) socket.unshift(first.subarray(1));
        resolve(socket);
      });
      socket.once('close', () => resolve(undefined));
    });
  }

  /**
   * A directory inside the machine, made there (so the machine's own symlinks resolve inside it),
   * as the host sees it: where the emulator lays out and reads back what the machine sees at
   * `path` (an OSS mount, oss-mount.ts). Only the machine's own directories (/mnt, /opt, /srv,
   * /home, /root, /tmp, /var) qualify; a path that leads out of the machine's root (a symlink the
   * script made to an absolute path) is refused.
   */
  async directory(path: string): Promise<string | undefined> {
    const inside = posix.normalize(path);
    if (!/^\/(mnt|opt|srv|home|root|tmp|var)(\/|$)/.test(inside)) return undefined;
    const made = await this.exec(`mkdir -p -- '${inside.replace(/'/g, `'\\''`)}'`, {
      timeoutSeconds: 30,
      outputCap: 4096,
    });
    if (made.exitCode !== 0) return undefined;
    const root = await realpath(join(this.dir, 'rootfs'));
    const host = await realpath(join(root, inside)).catch(() => undefined);
    return host?.startsWith(`${root}/`) ? host : undefined;
  }

  /**
   * Keeps the machine's files until `work` ends, even when the machine is destroyed meanwhile (its
   * processes still end at once): what a run wrote is read back after a reclaim killed it.
   */
  hold<T>(work: Promise<T>): Promise<T> {
    this.holds.add(work);
    const done = () => this.holds.delete(work);
    work.then(done, done);
    return work;
  }

  /** Ends every process of the machine and deletes its files (after what holds them has ended). */
  async destroy(): Promise<void> {
    if (this.gone) return;
    this.gone = true;
    const exited = new Promise<void>((resolve) => {
      if (this.init.exitCode !== null || this.init.signalCode !== null) resolve();
      else this.init.once('exit', () => resolve());
    });
    try {
      process.kill(this.pid, 'SIGKILL');
    } catch {
      // already gone
    }
    this.init.kill('SIGKILL');
    await exited;
    await Promise.allSettled([...this.holds]);
    for (const w of ['usr-work', 'etc-work']) await chmod(join(this.dir, w, 'work'), 0o700).catch(() => {});
    await rm(this.dir, { recursive: true, force: true }).catch(() => {});
  }

  get alive(): boolean {
    return !this.gone;
  }

  private enter(): string[] {
    // --preserve-credentials: the emulator's own uid is root inside (no setgroups, which an
    // unprivileged user namespace forbids).
    return [
      '-t',
      String(this.pid),
      '-U',
      '--preserve-credentials',
      '-m',
      '-n',
      '-p',
      '-u',
      '-i',
      '--root',
      '--wd',
      '--',
    ];
  }

  private async startRelay(): Promise<void> {
    const child = spawn(
      'nsenter',
      [...this.enter(), '/usr/bin/python3', '/usr/libexec/acp-sim/relay.py', '/run/acp-sim/relay.sock'],
      { detached: true, stdio: 'ignore' },
    );
    child.unref();
    const sock = join(this.dir, 'rootfs', 'run', 'acp-sim', 'relay.sock');
    for (let i = 0; i < 200; i++) {
      if (existsSync(sock)) return;
      if (child.exitCode !== null) break;
      await new Promise((r) => setTimeout(r, 20));
    }
    throw new Error('the machine’s port relay did not start');
  }
}

function failedRun(output: string): MachineRun {
  return { exitCode: 126, output, timedOut: false, droppedBytes: 0 };
}

/**
 * Writes the machine directory: the root's plain directories, the upper layers of /usr and /etc
 * (the image's own /etc files go in the latter), state files.
 */
async function layDown(dir: string, spec: MachineSpec, roDirs: string[]): Promise<void> {
  const root = join(dir, 'rootfs');
  const etc = join(dir, 'etc-upper');
  for (const d of ['usr-upper', 'usr-work', 'etc-work', 'etc-upper/acp-sim'])
    await mkdir(join(dir, d), { recursive: true });
  for (const d of [
    'usr',
    'proc',
    'dev/shm',
    'etc',
    'root',
    'home',
    'opt',
    'srv',
    'mnt',
    'run/acp-sim',
    '.old-root',
  ]) {
    await mkdir(join(root, d), { recursive: true });
  }
  // Mount points of what sandbox-init.sh binds (devices, a non-merged /bin, Node.js), and the links
  // a booted system has, made here rather than by processes in the init.
  for (const n of ['null', 'zero', 'full', 'random', 'urandom', 'tty'])
    await writeFile(join(root, 'dev', n), '');
  for (const [name, target] of [
    ['fd', '/proc/self/fd'],
    ['stdin', '/proc/self/fd/0'],
    ['stdout', '/proc/self/fd/1'],
    ['stderr', '/proc/self/fd/2'],
  ] as const)
    await symlink(target, join(root, 'dev', name));
  for (const d of ['bin', 'sbin', 'lib', 'lib32', 'lib64', 'libx32']) {
    const host = await lstat(join('/', d)).catch(() => undefined);
    if (host?.isSymbolicLink()) await symlink(await readlink(join('/', d)), join(root, d));
    else if (host?.isDirectory()) await mkdir(join(root, d));
  }
  for (const d of roDirs) {
    await mkdir(d, { recursive: true });
    await mkdir(join(root, d), { recursive: true });
  }
  for (const d of ['var/log', 'var/lib', 'var/cache', 'var/tmp', 'tmp']) {
    await mkdir(join(root, d), { recursive: true });
    if (d.endsWith('tmp')) await chmod(join(root, d), 0o1777);
  }
  await chmod(join(root, 'root'), 0o700);
  const image = IMAGES[spec.os];
  for (const [path, content] of Object.entries(image.etc)) {
    await mkdir(dirname(join(etc, path)), { recursive: true });
    await writeFile(join(etc, path), content);
  }
  await writeFile(join(etc, 'hostname'), `${spec.hostname}\n`);
  await writeFile(
    join(etc, 'acp-sim', 'image.env'),
    [
      `ACP_IMAGE_OS=${image.os}`,
      `ACP_IMAGE_PM=${image.packageManager}`,
      `ACP_IMAGE_NGINX_VERSION='${image.nginx.version}'`,
      `ACP_IMAGE_NGINX_DOCROOT=${image.nginx.docroot}`,
      `ACP_IMAGE_NGINX_INDEX=${image.nginx.indexFile}`,
      `ACP_IMAGE_NGINX_SITES=${image.nginx.sitesEnabled ? 1 : 0}`,
      '',
    ].join('\n'),
  );
  await writeNetwork(dir, spec);
}

async function writeNetwork(dir: string, spec: MachineSpec): Promise<void> {
  await writeFile(
    join(dir, 'rootfs', 'run', 'acp-sim', 'network'),
    [
      `egress=${spec.egress ? 1 : 0}`,
      `speed=${spec.speed}`,
      `kind=${spec.kind}`,
      `public_ip=${spec.publicIp ?? ''}`,
      '',
    ].join('\n'),
  );
}

function waitReady(init: ChildProcess): Promise<void> {
  return new Promise((resolve, reject) => {
    let stderr = '';
    let stdout = '';
    const timer = setTimeout(() => fail('the machine did not start within 15 s'), 15_000);
    const fail = (why: string) => {
      clearTimeout(timer);
      reject(
        new SandboxUnavailable(
          `cannot make a sandbox for the script (${why}). It needs unprivileged user, mount, PID and network namespaces and overlayfs (Linux ≥ 5.11; kernel.unprivileged_userns_clone=1, user.max_user_namespaces > 0, no AppArmor restriction on unprivileged user namespaces). Use --exec none to pretend instead.`,
        ),
      );
    };
    init.stderr!.on('data', (b: Buffer) => {
      stderr += b.toString();
    });
    init.stdout!.on('data', (b: Buffer) => {
      stdout += b.toString();
      if (stdout.includes('ready\n')) {
        clearTimeout(timer);
        init.stdout!.removeAllListeners('data');
        init.stdout!.resume();
        resolve();
      }
    });
    init.once('exit', (code) => fail(stderr.trim().split('\n').slice(-2).join('; ') || `exit ${code}`));
    init.once('error', (err) => fail(err.message));
  });
}

/** The host pid of the machine's first process (the child `unshare --fork` made). */
async function childOf(unsharePid: number): Promise<number> {
  for (let i = 0; i < 100; i++) {
    const text = await readFile(`/proc/${unsharePid}/task/${unsharePid}/children`, 'utf8').catch(() => '');
    const pid = Number(text.trim().split(/\s+/)[0]);
    if (pid > 0) return pid;
    await new Promise((r) => setTimeout(r, 10));
  }
  throw new SandboxUnavailable('cannot find the machine’s first process (/proc/<pid>/task/<pid>/children)');
}

/** Collects a command's output (capped) and enforces its timeout on its whole process group. */
function collect(child: ChildProcess, opts: ExecOptions): Promise<MachineRun> {
  return new Promise((resolve) => {
    const chunks: Buffer[] = [];
    let kept = 0;
    let dropped = 0;
    const take = (b: Buffer) => {
      opts.onOutput?.(b);
      const room = opts.outputCap - kept;
      if (room > 0) {
        const part = b.subarray(0, room);
        chunks.push(part);
        kept += part.length;
      }
      dropped += Math.max(0, b.length - Math.max(room, 0));
    };
    child.stdout!.on('data', take);
    child.stderr!.on('data', take);
    let timedOut = false;
    const timer = setTimeout(() => {
      timedOut = true;
      killGroup(child.pid);
    }, Math.max(0.05, opts.timeoutSeconds) * 1000);
    let done = false;
    const finish = (exitCode: number) => {
      if (done) return;
      done = true;
      clearTimeout(timer);
      opts.signal?.removeEventListener('abort', stop);
      resolve({
        exitCode: timedOut ? 124 : exitCode,
        output: Buffer.concat(chunks).toString('utf8'),
        timedOut,
        droppedBytes: dropped,
      });
    };
    // A stopped command (StopInvocation, a released instance, a deleted pod) is over once it is
    // killed: its caller sees it end now, not when the exit is reported back.
    const stop = () => {
      killGroup(child.pid);
      finish(128 + 9);
    };
    opts.signal?.addEventListener('abort', stop, { once: true });
    if (opts.signal?.aborted) stop();
    child.on('error', (err) => {
      chunks.push(Buffer.from(`nsenter: ${err.message}\n`));
      finish(127);
    });
    // 'exit', not 'close': a daemon the script started in its process group would hold the pipes.
    // Let them drain briefly, then end what is left of the command's group (services started with
    // systemctl have their own session and stay).
    child.on('exit', (code, signal) => {
      setTimeout(() => {
        killGroup(child.pid);
        finish(code ?? (signal ? 128 + 9 : 1));
      }, 50);
    });
  });
}

function killGroup(pid: number | undefined) {
  if (!pid) return;
  try {
    process.kill(-pid, 'SIGKILL');
  } catch {
    // already gone
  }
}

/** Removes sandbox directories left by emulator processes that no longer exist. */
export async function sweepStaleSandboxes(): Promise<void> {
  const dir = tmpdir();
  for (const name of await readdir(dir).catch(() => [] as string[])) {
    const m = /^acp-sandbox-(\d+)-/.exec(name);
    if (!m || Number(m[1]) === process.pid) continue;
    try {
      process.kill(Number(m[1]), 0);
    } catch {
      const p = join(dir, name);
      if ((await stat(p).catch(() => undefined))?.isDirectory()) {
        await rm(p, { recursive: true, force: true }).catch(() => {});
      }
    }
  }
}
