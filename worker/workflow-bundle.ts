// The workflow code a worker runs, bundled once. Bundling (webpack) costs seconds of CPU, which every
// `acp run` used to pay before its first step. `npm install` runs scripts/build.mjs, which writes
// dist/workflow-bundle.js with dist/workflow-bundle.json: the repo sources it was built from and their
// SHA-256. A worker uses that bundle while those sources are unchanged; after an edit it bundles them
// itself, quietly, and keeps the result there for the next worker (docs in README, "Development").
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { join, relative, sep } from 'node:path';
import type { WorkflowBundleOption } from '@temporalio/worker';
import { asciiOnly } from './ascii-only';
import { installRoot } from './install-root';

export const BUNDLE_FILE = 'workflow-bundle.js';
export const BUNDLE_MANIFEST = 'workflow-bundle.json';
const SOURCE_MAP_MARKER = '//# sourceMappingURL=data:application/json;charset=utf-8;base64,';

interface BundleManifest {
  /** The @temporalio/worker version it was bundled with (the bundle embeds @temporalio/workflow). */
  sdk: string;
  /** Repo-relative path → SHA-256 of every repo source in the bundle. */
  sources: Record<string, string>;
}

export function workflowSourcesPath(root: string = installRoot()): string {
  return join(root, 'workflows', 'index.ts');
}

function distDir(root: string): string {
  return join(root, 'dist');
}

function sdkVersion(): string {
  return (require('@temporalio/worker/package.json') as { version: string }).version;
}

function sha256(file: string): string | undefined {
  try {
    return createHash('sha256').update(readFileSync(file)).digest('hex');
  } catch {
    return undefined;
  }
}

/** The prebuilt bundle, when it was built from exactly the sources on disk now. */
export function prebuiltWorkflowBundle(root: string = installRoot()): { codePath: string } | undefined {
  const dir = distDir(root);
  const codePath = join(dir, BUNDLE_FILE);
  let manifest: BundleManifest;
  try {
    manifest = JSON.parse(readFileSync(join(dir, BUNDLE_MANIFEST), 'utf8')) as BundleManifest;
  } catch {
    return undefined;
  }
  if (manifest.sdk !== sdkVersion() || !existsSync(codePath)) return undefined;
  const sources = Object.entries(manifest.sources);
  if (sources.length === 0) return undefined;
  for (const [file, hash] of sources) if (sha256(join(root, file)) !== hash) return undefined;
  return { codePath };
}

/** The repo sources a bundle was built from, read off its inline source map. */
export function bundleSources(code: string, root: string): string[] {
  const at = code.lastIndexOf(SOURCE_MAP_MARKER);
  if (at < 0) return [];
  const map = JSON.parse(
    Buffer.from(code.slice(at + SOURCE_MAP_MARKER.length).trim(), 'base64').toString('utf8'),
  ) as {
    sources?: string[];
  };
  const inRepo = (map.sources ?? [])
    .map((s) => s.replace(/^webpack:\/\/\/?/, ''))
    .filter((s) => s.startsWith(root + sep) && !s.includes(`${sep}node_modules${sep}`))
    .map((s) => relative(root, s));
  return [...new Set(inRepo)].sort();
}

/** Bundles the workflow sources (webpack, quiet: its progress is not the user's business). */
export async function bundleWorkflows(root: string = installRoot()): Promise<string> {
  const { bundleWorkflowCode } = require('@temporalio/worker') as typeof import('@temporalio/worker');
  const quiet = { log() {}, trace() {}, debug() {}, info() {}, warn() {}, error() {} };
  const { code } = await bundleWorkflowCode({ workflowsPath: workflowSourcesPath(root), logger: quiet });
  // The code, not its inline source map (base64 already): held once per thread (worker/ascii-only.ts).
  // A stack trace's column on a line with such a character is off by the escapes before it.
  const at = code.lastIndexOf(SOURCE_MAP_MARKER);
  return at < 0 ? asciiOnly(code) : asciiOnly(code.slice(0, at)) + code.slice(at);
}

/** Writes the bundle and its manifest into dist/ (atomically: several processes may race here). */
export function saveWorkflowBundle(code: string, root: string = installRoot()): string {
  const dir = distDir(root);
  mkdirSync(dir, { recursive: true });
  const sources: Record<string, string> = {};
  for (const file of bundleSources(code, root)) {
    const hash = sha256(join(root, file));
    if (hash) sources[file] = hash;
  }
  const manifest: BundleManifest = { sdk: sdkVersion(), sources };
  const tmp = `.${process.pid}-${Date.now()}`;
  const codePath = join(dir, BUNDLE_FILE);
  writeFileSync(codePath + tmp, code);
  renameSync(codePath + tmp, codePath);
  const manifestPath = join(dir, BUNDLE_MANIFEST);
  writeFileSync(manifestPath + tmp, `${JSON.stringify(manifest, null, 2)}\n`);
  renameSync(manifestPath + tmp, manifestPath);
  return codePath;
}

let building: Promise<WorkflowBundleOption> | undefined;

/**
 * The workflow code for Worker.create: the prebuilt bundle while it matches the sources, otherwise a
 * fresh one (kept in dist/ for the next worker when the folder is writable).
 */
export function workflowBundle(root: string = installRoot()): Promise<WorkflowBundleOption> {
  const prebuilt = prebuiltWorkflowBundle(root);
  if (prebuilt) return Promise.resolve(prebuilt);
  building ??= bundleWorkflows(root).then((code) => {
    try {
      saveWorkflowBundle(code, root);
    } catch {
      // A read-only install: this process keeps its bundle in memory.
    }
    return { code };
  });
  return building;
}
