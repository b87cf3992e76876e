// Runs the precompiled CLI (scripts/build.ts) when it was built from exactly the sources on disk now;
// otherwise bin/acp.js runs the TypeScript sources through tsx. dist/acp.js is the small command line;
// dist/commands.js, everything the commands run, is compiled with a V8 code cache
// (dist/commands.<command>.cache, written once per command by the first run of it that succeeds), so a
// warm start neither parses nor compiles the Alibaba SDKs. The packages the bundle leaves in
// node_modules (the Temporal SDK, gRPC, protobufjs) get one too (dist/node_modules.<command>.cache):
// Node 20 would compile their few hundred files from scratch at every start.
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

/** Writes `data()`, unless undefined, to `file` when this process ends well (atomically). */
function saveOnExit(file, data) {
  process.once('exit', (code) => {
    if (code !== 0) return;
    try {
      const bytes = data();
      if (!bytes) return;
      const tmp = `${file}.${process.pid}`;
      fs.writeFileSync(tmp, bytes);
      fs.renameSync(tmp, file);
    } catch {
      // A read-only install starts without a cache; nothing else changes.
    }
  });
}

/** The file's identity in a cache: V8 checks only the source length, so a same-length edit needs this. */
function stamp(filename) {
  const st = fs.statSync(filename);
  return `${st.size}:${st.mtimeMs}`;
}

/**
 * Compiles the CommonJS files this process requires from node_modules with a code cache: one file per
 * command, `[stamp, filename, bytes]` entries. A file that may `import()` compiles as Node would (a
 * vm.Script has no loader for it), and so does every file when the cache cannot be read.
 */
function cacheNodeModules() {
  const cachePath = path.join(dist, `node_modules.${commandName()}.cache`);
  const cached = new Map();
  try {
    const blob = fs.readFileSync(cachePath);
    let at = 0;
    const next = () => {
      const n = blob.readUInt32LE(at);
      at += 4 + n;
      return blob.subarray(at - n, at);
    };
    while (at < blob.length) {
      const key = next().toString();
      cached.set(key, next());
    }
  } catch {
    cached.clear();
  }
  const scripts = new Map();
  let stale = false;
  const compile = Module.prototype._compile;
  Module.prototype._compile = function (content, filename) {
    if (!filename.includes(`${path.sep}node_modules${path.sep}`) || content.includes('import('))
      return compile.call(this, content, filename);
    const key = `${stamp(filename)}:${filename}`;
    const cachedData = cached.get(key);
    const source = content.startsWith('#!') ? `//${content}` : content;
    const script = new vm.Script(Module.wrap(source), { filename, cachedData });
    if (!cachedData || script.cachedDataRejected) stale = true;
    scripts.set(key, script);
    const localRequire = (id) => this.require(id);
    localRequire.resolve = (request, options) => Module._resolveFilename(request, this, false, options);
    localRequire.resolve.paths = (request) => Module._resolveLookupPaths(request, this);
    localRequire.cache = Module._cache;
    localRequire.main = require.main;
    localRequire.extensions = Module._extensions;
    return script
      .runInThisContext({ displayErrors: true })
      .call(this.exports, this.exports, localRequire, this, filename, path.dirname(filename));
  };
  saveOnExit(cachePath, () => {
    if (!stale) return undefined;
    const parts = [];
    const put = (buf) => {
      const n = Buffer.alloc(4);
      n.writeUInt32LE(buf.length);
      parts.push(n, buf);
    };
    for (const [key, script] of scripts) {
      put(Buffer.from(key));
      put(script.createCachedData());
    }
    return Buffer.concat(parts);
  });
}

/** Loads dist/<name> as a CommonJS module, with the code cache of this command. */
function loadBundle(name) {
  cacheNodeModules();
  const file = path.join(dist, name);
  const cachePath = path.join(dist, `${path.basename(name, '.js')}.${commandName()}.cache`);
  let cachedData;
  try {
    cachedData = fs.readFileSync(cachePath);
  } catch {
    cachedData = undefined;
  }
  const script = new vm.Script(Module.wrap(fs.readFileSync(file, 'utf8')), { filename: file, cachedData });
  // Written at the end, when it holds every function this command compiled.
  if (!cachedData || script.cachedDataRejected) saveOnExit(cachePath, () => script.createCachedData());
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
