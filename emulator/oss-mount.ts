// OSS mounts on emulated machines: the directory an ECS instance mounts with ossfs (declared in its
// cloud-config UserData `mounts`, authenticated with its instance RAM role) or a PAI-DLC job mounts
// from its DataSources (`oss://<bucket>.<endpoint>/<path>` at MountPath). A script run on such a
// machine sees the bucket's objects under the prefix as files at the mount path; what it writes there
// reaches the bucket while it runs (ossfs puts a file on close; the emulator copies the directory back
// every SYNC_MS) and when the run ends — finished, stopped, or killed by a reclaim. A spot run's next
// attempt may start during the reclaim notice, while the first still runs, and must see what the
// first saved. (A file still open when the machine goes is not saved by ossfs; the emulator may save
// it, so a script should not rely on that.)
// The mount path is a directory of the machine itself (docs/simulation.md): the emulator fills it
// from the bucket before the run and reads it back after, from the host side of the machine's root.
import { mkdir, readdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { dirname, join, relative } from 'node:path';
import { parse as parseYaml } from 'yaml';
import { type BucketData, deleteObjectData, findBucket, putObjectData } from './oss';
import type { SandboxRequest } from './script-runner';
import type { ScriptRun, World } from './types';

export interface OssMount {
  bucket: string;
  /** Key prefix, '' or ending in '/'. */
  prefix: string;
  mountPath: string;
  /** The region of the endpoint the mount names. */
  regionId: string;
  /** The instance RAM role ossfs authenticates with (ECS); undefined for DLC (PAI's service role). */
  ramRole?: string;
}

const ENDPOINT = /^(?:https?:\/\/)?oss-([a-z0-9-]+?)(?:-internal)?\.aliyuncs\.com\/?$/;

/**
 * The ossfs mounts of a cloud-config UserData (base64): `mounts` entries of the form
 * [`ossfs#<bucket>:/<prefix>`, <path>, `fuse`, `_netdev,url=<endpoint>,ram_role=<metadata URL>`].
 */
export function ossMountsOfUserData(userDataBase64: string): OssMount[] {
  if (!userDataBase64) return [];
  const text = Buffer.from(userDataBase64, 'base64').toString('utf8');
  if (!text.startsWith('#cloud-config')) return [];
  let doc: any;
  try {
    doc = parseYaml(text);
  } catch {
    return []; // cloud-init skips a cloud-config it cannot read; so does the machine
  }
  const mounts: OssMount[] = [];
  for (const m of Array.isArray(doc?.mounts) ? doc.mounts : []) {
    const [spec, path, type, options] = (Array.isArray(m) ? m : []).map(String);
    const src = /^ossfs#([a-z0-9][a-z0-9-]{1,61}[a-z0-9]):(\/.*)?$/.exec(spec ?? '');
    if (!src || type !== 'fuse' || !path?.startsWith('/')) continue;
    const opts = Object.fromEntries(
      (options ?? '').split(',').map((o) => {
        const eq = o.indexOf('=');
        return eq < 0 ? [o, ''] : [o.slice(0, eq), o.slice(eq + 1)];
      }),
    );
    const region = ENDPOINT.exec(opts.url ?? '')?.[1];
    if (!region) continue;
    const role = /\/ram\/security-credentials\/([^/]+)$/.exec(opts.ram_role ?? '')?.[1];
    mounts.push({
      bucket: src[1]!,
      prefix: keyPrefix(src[2] ?? '/'),
      mountPath: path.replace(/\/+$/, ''),
      regionId: region,
      ...(role ? { ramRole: role } : {}),
    });
  }
  return mounts;
}

/** A DLC DataSources entry with an OSS Uri (`oss://<bucket>.<endpoint>/<path>`). */
export function ossMountOfUri(uri: string, mountPath: string): OssMount | undefined {
  const m = /^oss:\/\/([a-z0-9][a-z0-9-]{1,61}[a-z0-9])\.(oss-[a-z0-9-]+\.aliyuncs\.com)(\/.*)?$/.exec(uri);
  const region = m ? ENDPOINT.exec(m[2]!)?.[1] : undefined;
  if (!m || !region || !mountPath.startsWith('/')) return undefined;
  return {
    bucket: m[1]!,
    prefix: keyPrefix(m[3] ?? '/'),
    mountPath: mountPath.replace(/\/+$/, ''),
    regionId: region,
  };
}

function keyPrefix(path: string): string {
  const p = path.replace(/^\/+/, '');
  return p === '' || p.endsWith('/') ? p : `${p}/`;
}

/**
 * Runs a script with its machine's OSS mounts: each mount path in the machine holds the bucket's
 * objects under the prefix when the run starts, and what it holds when the run ends is written back.
 * A mount whose bucket is missing or in another region fails as ossfs does: the run fails at once.
 */
export async function runWithOssMounts(
  world: World,
  mounts: OssMount[],
  /** The long-lived machine the script runs on (an instance, a DLC pod). */
  machine: SandboxRequest & { machine: string },
  run: () => Promise<ScriptRun>,
  /** The machine's instance RAM role (ECS); ossfs's ram_role must name it. */
  machineRole?: string,
): Promise<ScriptRun> {
  if (mounts.length === 0) return run();
  const failed = (output: string): ScriptRun => ({ exitCode: 1, output, durationMs: 0 });
  for (const mount of mounts) {
    if (mount.ramRole !== undefined && mount.ramRole.toLowerCase() !== (machineRole ?? '').toLowerCase()) {
      return failed(
        `ossfs: no credentials for role ${mount.ramRole} from the instance metadata (the instance's RAM role is ${machineRole || 'none'})\n`,
      );
    }
    const bucket = findBucket(world, mount.bucket);
    if (!bucket || bucket.regionId !== mount.regionId) {
      return failed(
        `ossfs: unable to access bucket ${mount.bucket} through oss-${mount.regionId}: ${bucket ? 'the bucket is in another region' : 'NoSuchBucket'}\n`,
      );
    }
  }
  await world.prepareSandbox(machine);
  const m = world.machine(machine.machine);
  if (!m) return run(); // exec mode 'none': nothing runs, nothing to mount
  return m.hold(
    (async () => {
      const dirs: { mount: OssMount; dir: string }[] = [];
      for (const mount of mounts) {
        const dir = await m.directory(mount.mountPath);
        if (!dir)
          return failed(`ossfs: cannot mount at ${mount.mountPath}: not a directory of this machine\n`);
        dirs.push({ mount, dir });
        const bucket = findBucket(world, mount.bucket)!;
        // The directory shows the bucket as it is now, nothing the machine left there before.
        for (const entry of await readdir(dir)) await rm(join(dir, entry), { recursive: true, force: true });
        for (const [key, obj] of (bucket.data as BucketData).objects) {
          if (!key.startsWith(mount.prefix) || key.endsWith('/')) continue;
          const file = join(dir, key.slice(mount.prefix.length));
          await mkdir(dirname(file), { recursive: true });
          await writeFile(file, obj.body);
        }
      }
      // One copy at a time, in order; the last one runs after the script has ended.
      let copies: Promise<void> = Promise.resolve();
      const copyBack = () => {
        copies = copies
          .catch(() => undefined)
          .then(async () => {
            for (const { mount, dir } of dirs) await writeBack(world, mount, dir);
          });
        return copies;
      };
      let copying = false;
      const timer = setInterval(() => {
        if (copying) return; // a slow copy is not queued behind itself
        copying = true;
        copyBack()
          .catch(() => undefined)
          .finally(() => {
            copying = false;
          });
      }, SYNC_MS);
      let result: ScriptRun;
      try {
        result = await run();
      } finally {
        clearInterval(timer);
      }
      await copyBack();
      return result;
    })(),
  );
}

/** How often (real ms) a running script's mount directories are copied to their buckets. */
const SYNC_MS = 100;

async function writeBack(world: World, mount: OssMount, dir: string): Promise<void> {
  const bucket = findBucket(world, mount.bucket);
  if (!bucket) return; // deleted while the script ran: ossfs's writes fail
  const objects = (bucket.data as BucketData).objects;
  const present = new Set<string>();
  // The machine is gone (released under the copy): what the bucket holds stays as the last copy left it.
  if (!(await stat(dir).catch(() => undefined))?.isDirectory()) return;
  for (const file of await filesUnder(dir)) {
    const key = `${mount.prefix}${relative(dir, file)}`;
    const body = await readFile(file).catch(() => undefined);
    if (!body) continue; // removed since the listing: the deletion pass below takes it
    present.add(key);
    if (!objects.get(key)?.body.equals(body)) putObjectData(world, bucket, key, body);
  }
  for (const key of [...(bucket.data as BucketData).objects.keys()]) {
    if (key.startsWith(mount.prefix) && !present.has(key)) deleteObjectData(bucket, key);
  }
}

async function filesUnder(dir: string): Promise<string[]> {
  const out: string[] = [];
  for (const e of await readdir(dir, { withFileTypes: true }).catch(() => [])) {
    const p = join(dir, e.name);
    if (e.isDirectory()) out.push(...(await filesUnder(p)));
    else if (e.isFile()) out.push(p);
  }
  return out;
}
