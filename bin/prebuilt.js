// Runs the precompiled CLI (scripts/build.ts) when it was built from exactly the sources on disk now;
// otherwise bin/acp.js runs the TypeScript sources through tsx. dist/acp.js is the small command line;
// dist/commands.js, everything the commands run, is compiled with a V8 code cache
// (dist/commands.<command>.cache, written once per command by the first run of it that succeeds), so a
// warm start neither parses nor compiles the Alibaba SDKs.
const { createHash } = require('node:crypto');
const fs = require('node:fs');
const Module = require('node:module');
const path = require('node:path');
const vm = require('node:vm');

const root = path.join(__dirname, '..');
const dist = path.join(root, 'dist');

/** Every source of the build unchanged (size, then mtime, then — only when touched — content). */
function fresh() {
  let manifest;
  try {
    manifest = JSON.parse(fs.readFileSync(path.join(dist, 'acp.json'), 'utf8'));
  } catch {
    return false;
  }
  if (manifest.node !== process.version) return false;
  const inputs = Object.entries(manifest.inputs ?? {});
  for (const [file, was] of inputs) {
    let st;
    try {
      st = fs.statSync(path.join(root, file));
    } catch {
      return false;
    }
    if (st.size !== was.size) return false;
    // A checkout or a rebase touches files without changing them: only then is the content hashed.
    if (st.mtimeMs !== was.mtimeMs) {
      const sha = createHash('sha256')
        .update(fs.readFileSync(path.join(root, file)))
        .digest('hex');
      if (sha !== was.sha256) return false;
    }
  }
  return inputs.length > 0;
}

/** The command this process runs: each compiles a different part of dist/commands.js. */
function commandName() {
  const first = process.argv[2] ?? '';
  return /^[a-z][a-z-]*$/.test(first) ? first : 'other';
}

/** Loads dist/<name> as a CommonJS module, with the code cache of this command. */
function loadBundle(name) {
  const file = path.join(dist, name);
  const cachePath = path.join(dist, `${path.basename(name, '.js')}.${commandName()}.cache`);
  let cachedData;
  try {
    cachedData = fs.readFileSync(cachePath);
  } catch {
    cachedData = undefined;
  }
  const script = new vm.Script(Module.wrap(fs.readFileSync(file, 'utf8')), { filename: file, cachedData });
  if (!cachedData || script.cachedDataRejected) {
    // Written at the end, when it holds every function this command compiled.
    process.once('exit', (code) => {
      if (code !== 0) return;
      try {
        const tmp = `${cachePath}.${process.pid}`;
        fs.writeFileSync(tmp, script.createCachedData());
        fs.renameSync(tmp, cachePath);
      } catch {
        // A read-only install starts without a cache; nothing else changes.
      }
    });
  }
  const mod = new Module(file, module);
  mod.filename = file;
  mod.paths = Module._nodeModulePaths(dist);
  const localRequire = (id) => mod.require(id);
  localRequire.resolve = (request, options) => Module._resolveFilename(request, mod, false, options);
  localRequire.cache = Module._cache;
  localRequire.main = require.main;
  script.runInThisContext()(mod.exports, localRequire, mod, file, dist);
  mod.loaded = true;
  return mod.exports;
}

/** dist/acp.js, or undefined when the sources changed since it was built (or ACP_FROM_SOURCES=1). */
function loadPrebuilt() {
  if (process.env.ACP_FROM_SOURCES === '1' || !fresh()) return undefined;
  return require(path.join(dist, 'acp.js'));
}

module.exports = { loadPrebuilt, loadBundle, fresh };
