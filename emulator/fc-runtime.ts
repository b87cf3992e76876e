// How an emulated FC 3.0 instance runs one invocation, per runtime, inside the script sandbox:
// - python3.x: the handler `module.func` is imported from the unpacked code and called with
//   (event bytes, context); its return value is the response, what it prints is the log.
// - custom, custom.debian*, custom-container: like the real platform, the startup command (for a
//   container its entrypoint + command: no image is pulled, the entry runs in the sandbox) is
//   started as a server, the emulator waits for it to listen on its port (FC_SERVER_PORT, the
//   configured port when free) and POSTs the event to /invoke; the HTTP answer is the response. A
//   process that exits before listening is the platform error CAExited, as on the real service.
// Every shim ends by printing RESULT_MARKER + a trailer the module parses (parseInvocation).
import {
  type PathMapping,
  RESULT_MARKER,
  shellQuote,
  shellWord,
  splitTrailer,
  writeFileLines,
} from './sandbox-shell';
import type { ZipEntry } from './zip-archive';

export interface RuntimeSpec {
  runtime: string;
  handler: string;
  files: ZipEntry[];
  /** Startup command for custom runtimes (already resolved from customRuntimeConfig/customContainerConfig). */
  command: string[];
  port: number;
  /** Wall-clock seconds the shim allows the function (its timeout, scaled to the emulated clock). */
  wallTimeoutSeconds: number;
}

export type InvocationOutcome =
  | { kind: 'response'; payload: Buffer; logs: string }
  | { kind: 'functionError'; payload: Buffer; logs: string }
  | { kind: 'timeout'; logs: string }
  | { kind: 'exited'; exitCode: number; logs: string };

const CODE_DIR: PathMapping = { cloudPath: '/code', variable: 'FC_CODE_DIR' };

/** The bash script for one invocation: unpack code, write the event, run the runtime's shim. */
export function invocationScript(spec: RuntimeSpec, event: Buffer): string {
  const lines = ['export FC_CODE_DIR="$PWD/code"', 'FC_EVENT="$PWD/.fc-event"', 'mkdir -p "$FC_CODE_DIR"'];
  for (const f of spec.files) {
    // Zips made without Unix modes get 0755 so a bootstrap runs; recorded modes are kept as-is.
    lines.push(...writeFileLines(`"$FC_CODE_DIR"/${shellQuote(f.path)}`, f.content, f.mode ?? 0o755));
  }
  lines.push(...writeFileLines('"$FC_EVENT"', event));
  lines.push('cd "$FC_CODE_DIR"');
  if (spec.runtime.startsWith('python')) {
    // coreutils timeout enforces the function timeout; its exit 124 becomes the 'timeout' trailer.
    lines.push(
      `timeout --kill-after=2 ${spec.wallTimeoutSeconds} python3 -c ${shellQuote(PYTHON_SHIM)} "$FC_EVENT" ${shellQuote(RESULT_MARKER)} ${shellQuote(spec.handler)}`,
      `if [ $? -eq 124 ]; then printf '\\n%stimeout\\n' ${shellQuote(RESULT_MARKER)}; fi`,
    );
  } else {
    // A container has no code package, so /code means nothing special in its command.
    const mappings = spec.runtime === 'custom-container' ? [] : [CODE_DIR];
    const command = spec.command.map((a) => shellWord(a, mappings)).join(' ');
    lines.push(
      `${shellQuote(process.execPath)} -e ${shellQuote(CUSTOM_RUNTIME_DRIVER)} "$FC_EVENT" ${shellQuote(RESULT_MARKER)} ${spec.port} ${spec.wallTimeoutSeconds} ${shellQuote(command)}`,
    );
  }
  return `${lines.join('\n')}\n`;
}

/** Reads a finished run: the shim's trailer says what happened; no trailer means the shim died. */
export function parseInvocation(output: string, exitCode: number, timedOut: boolean): InvocationOutcome {
  const { logs, trailer } = splitTrailer(output);
  if (trailer === undefined) {
    return timedOut ? { kind: 'timeout', logs } : { kind: 'exited', exitCode, logs };
  }
  const [kind, rest = ''] = splitOnce(trailer, ':');
  if (kind === 'ok') return { kind: 'response', payload: Buffer.from(rest, 'base64'), logs };
  if (kind === 'error') return { kind: 'functionError', payload: Buffer.from(rest, 'base64'), logs };
  if (kind === 'timeout') return { kind: 'timeout', logs };
  return { kind: 'exited', exitCode: Number(rest) || exitCode || 1, logs };
}

function splitOnce(s: string, sep: string): [string, string?] {
  const i = s.indexOf(sep);
  return i < 0 ? [s] : [s.slice(0, i), s.slice(i + 1)];
}

const PYTHON_SHIM = `
import base64, importlib, json, os, sys, traceback
sys.path.insert(0, os.getcwd())
event_path, marker, handler = sys.argv[1], sys.argv[2], sys.argv[3]
module_name, _, func_name = handler.rpartition('.')
class Function:
    name = os.environ.get('FC_FUNCTION_NAME', '')
    handler = handler
    memory = int(os.environ.get('FC_FUNCTION_MEMORY_SIZE', '0') or 0)
class Context:
    request_id = os.environ.get('FC_REQUEST_ID', '')
    region = os.environ.get('FC_REGION', '')
    account_id = os.environ.get('FC_ACCOUNT_ID', '')
    function = Function()
try:
    fn = getattr(importlib.import_module(module_name), func_name)
    with open(event_path, 'rb') as f:
        event = f.read()
    result = fn(event, Context())
    if result is None:
        out = b''
    elif isinstance(result, bytes):
        out = result
    elif isinstance(result, str):
        out = result.encode()
    else:
        out = json.dumps(result).encode()
    kind = 'ok'
except Exception as e:
    traceback.print_exc()
    out = json.dumps({'errorMessage': str(e), 'errorType': type(e).__name__,
                      'stackTrace': traceback.format_exc().splitlines()}).encode()
    kind = 'error'
sys.stdout.flush()
sys.stderr.flush()
sys.stdout.write('\\n' + marker + kind + ':' + base64.b64encode(out).decode() + '\\n')
sys.stdout.flush()
`;

// Runs inside the sandbox with the emulator's own node binary. argv: event file, marker, configured
// port, timeout seconds, the startup command as one bash string.
const CUSTOM_RUNTIME_DRIVER = `
const { spawn } = require('node:child_process');
const fs = require('node:fs');
const http = require('node:http');
const net = require('node:net');
const [eventPath, marker, configuredPort, timeoutSeconds, command] = process.argv.slice(1);
const finish = (line) => {
  process.stdout.write('\\n' + marker + line + '\\n', () => {
    try { process.kill(-child.pid, 'SIGKILL'); } catch {}
    process.exit(0);
  });
};
const freePort = () => new Promise((resolve) => {
  const s = net.createServer().listen(0, '127.0.0.1', () => { const p = s.address().port; s.close(() => resolve(p)); });
});
let child;
(async () => {
  // On FC every instance has its own network; here concurrent instances share one host, and two
  // that both found the configured port free would race for it (the loser's driver would then talk
  // to the winner's server and return another function's answer). Each instance gets a port of its
  // own through FC_SERVER_PORT, the variable the platform sets; the configured port is only asked for.
  void configuredPort;
  const port = await freePort();
  child = spawn('bash', ['-c', command], {
    stdio: ['ignore', 'inherit', 'inherit'], detached: true,
    env: { ...process.env, FC_SERVER_PORT: String(port), FC_CUSTOM_LISTEN_PORT: String(port) },
  });
  let exited = false;
  child.on('exit', (code, signal) => { exited = true; finish('exited:' + (code ?? 128 + 9)); });
  const listening = () => new Promise((resolve) => {
    const s = net.connect(port, '127.0.0.1').once('connect', () => { s.destroy(); resolve(true); }).once('error', () => resolve(false));
  });
  while (!exited && !(await listening())) await new Promise((r) => setTimeout(r, 50));
  if (exited) return;
  const event = fs.readFileSync(eventPath);
  const timer = setTimeout(() => finish('timeout'), Number(timeoutSeconds) * 1000);
  const req = http.request({ host: '127.0.0.1', port, method: 'POST', path: '/invoke',
    headers: { 'content-type': 'application/octet-stream', 'content-length': event.length,
      'x-fc-request-id': process.env.FC_REQUEST_ID || '' } }, (res) => {
    const chunks = [];
    res.on('data', (c) => chunks.push(c));
    res.on('end', () => {
      clearTimeout(timer);
      const failed = res.statusCode >= 300 || res.headers['x-fc-status'] === '404';
      child.removeAllListeners('exit');
      finish((failed ? 'error:' : 'ok:') + Buffer.concat(chunks).toString('base64'));
    });
  });
  req.on('error', (e) => { if (!exited) { child.removeAllListeners('exit'); finish('exited:1'); } });
  req.end(event);
})();
`;
