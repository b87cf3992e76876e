// Runs a user's script inside an emulated machine (exec mode 'local'; docs/simulation.md) or pretends
// (mode 'none', World.runScript). A run names a long-lived machine (an ECS instance: files,
// installed packages and started services stay between Cloud Assistant commands, until the
// instance is released) or gets a machine of its own that is gone when the run ends (an FC
// invocation, a Kubernetes pod, a DLC pod). Scripts never run on the host: when this host cannot
// make a sandbox, the run fails with a message saying what is missing.
// The timeout here is in wall-clock seconds (World.runScript converts from the emulated clock).
import { Machine, type MachineSpec, SandboxUnavailable } from './sandbox-machine';
import type { ScriptRun } from './types';

/** Output kept per run; Cloud Assistant itself keeps 24 KB, products trim further. */
export const OUTPUT_CAP_BYTES = 256 * 1024;

/** Which machine a script runs on and what it looks like. */
export interface SandboxRequest {
  /** Key of a long-lived machine ('instance/i-…'); absent: a machine for this run only. */
  machine?: string;
  os?: MachineSpec['os'];
  /** Default 'container' (no systemd); ECS instances are 'vm'. */
  kind?: MachineSpec['kind'];
  hostname?: string;
  /** Default true: FC functions, ACK pods (SNAT) and DLC jobs reach the internet. */
  egress?: boolean;
  privateIps?: string[];
  publicIp?: string;
  /** Host directories shown read-only at the same path inside (sandbox-machine.ts). */
  sharedDirs?: string[];
  /** Working directory of the script inside the machine (default /root). */
  cwd?: string;
}

export interface ScriptOptions {
  timeoutSeconds: number;
  env?: Record<string, string>;
  /** Aborting kills the run's process group (a stopped command, a released instance). */
  signal?: AbortSignal;
  /** Sees every piece of output as it arrives (kept or not); FC ships lines to its logstore. */
  onOutput?: (chunk: Buffer) => void;
  sandbox?: SandboxRequest;
}

export class ScriptRunner {
  private readonly speed: number;
  private readonly pending = new Map<string, Promise<Machine>>();
  private readonly machines = new Map<string, Machine>();

  constructor(speed: number) {
    this.speed = speed;
  }

  /**
   * Boots a long-lived machine ahead of its first script (an instance while it starts, a DLC pod
   * while its job prepares its environment), so the boot is not counted in the run. A host that
   * cannot make one is reported by the run, not here.
   */
  async prepare(request: SandboxRequest & { machine: string }): Promise<void> {
    await this.machineFor(request.machine, this.specOf(request)).catch((err) => {
      if (!(err instanceof SandboxUnavailable)) throw err;
    });
  }

  async run(script: string, opts: ScriptOptions): Promise<Omit<ScriptRun, 'durationMs'>> {
    const request = opts.sandbox ?? {};
    const spec = this.specOf(request);
    let machine: Machine;
    try {
      machine = request.machine ? await this.machineFor(request.machine, spec) : await Machine.create(spec);
    } catch (err) {
      if (!(err instanceof SandboxUnavailable)) throw err;
      return { exitCode: 126, output: `acp emulator: ${err.message}\n`, timedOut: false, droppedBytes: 0 };
    }
    try {
      return await machine.exec(script, {
        timeoutSeconds: opts.timeoutSeconds,
        outputCap: OUTPUT_CAP_BYTES,
        ...(opts.env ? { env: opts.env } : {}),
        ...(opts.signal ? { signal: opts.signal } : {}),
        ...(opts.onOutput ? { onOutput: opts.onOutput } : {}),
        ...(request.cwd ? { cwd: request.cwd } : {}),
      });
    } finally {
      if (!request.machine) await machine.destroy();
    }
  }

  /** The running machine of a key, if a script has run there. */
  machine(key: string): Machine | undefined {
    const m = this.machines.get(key);
    return m?.alive ? m : undefined;
  }

  /** Ends a long-lived machine (its instance was released). */
  async release(key: string): Promise<void> {
    const pending = this.pending.get(key);
    this.pending.delete(key);
    this.machines.delete(key);
    const m = await pending?.catch(() => undefined);
    await m?.destroy();
  }

  async releaseAll(): Promise<void> {
    await Promise.all([...this.pending.keys()].map((k) => this.release(k)));
  }

  private specOf(request: SandboxRequest): MachineSpec {
    return {
      os: request.os ?? 'debian',
      kind: request.kind ?? 'container',
      hostname: request.hostname ?? 'localhost',
      egress: request.egress ?? true,
      speed: this.speed,
      ...(request.privateIps ? { privateIps: request.privateIps } : {}),
      ...(request.publicIp ? { publicIp: request.publicIp } : {}),
      ...(request.sharedDirs ? { sharedDirs: request.sharedDirs } : {}),
    };
  }

  private machineFor(key: string, spec: MachineSpec): Promise<Machine> {
    const existing = this.pending.get(key);
    if (existing) return existing;
    const created = Machine.create(spec).then((m) => {
      if (this.pending.get(key) === created) this.machines.set(key, m);
      else void m.destroy(); // released while it was booting
      return m;
    });
    this.pending.set(key, created);
    created.catch(() => {
      if (this.pending.get(key) === created) this.pending.delete(key);
    });
    return created;
  }
}
