// Builds the bash scripts that stand in for a cloud runtime inside the emulator's sandbox (a machine
// of the run's own, see script-runner.ts). The cloud gives code fixed absolute paths — FC unpacks to
// /code, a Kubernetes ConfigMap volume appears at its mountPath; the files are written under the
// run's working directory and those paths are rewritten to point there.

/** Single-quotes a string for bash. */
export function shellQuote(s: string): string {
  return `'${s.replace(/'/g, `'\\''`)}'`;
}

/** A cloud path (e.g. '/code') and the shell variable holding its sandbox location. */
export interface PathMapping {
  cloudPath: string;
  variable: string;
}

/**
 * One bash word for `arg` in which every occurrence of a mapped cloud path (as a whole path
 * component: '/code' or '/code/x', not '/codex') becomes "$VARIABLE".
 */
export function shellWord(arg: string, mappings: PathMapping[]): string {
  const sorted = [...mappings].sort((a, b) => b.cloudPath.length - a.cloudPath.length);
  let word = '';
  let plain = '';
  let i = 0;
  while (i < arg.length) {
    const hit = sorted.find((m) => {
      const p = m.cloudPath.replace(/\/+$/, '');
      if (!p || !arg.startsWith(p, i)) return false;
      const before = i === 0 ? '' : arg[i - 1]!;
      const after = arg[i + p.length] ?? '';
      return !/[\w.-]/.test(before) && (after === '' || !/[\w.-]/.test(after));
    });
    if (hit) {
      if (plain) word += shellQuote(plain);
      plain = '';
      word += `"$${hit.variable}"`;
      i += hit.cloudPath.replace(/\/+$/, '').length;
    } else {
      plain += arg[i];
      i += 1;
    }
  }
  if (plain || !word) word += shellQuote(plain);
  return word;
}

/** bash lines that write `content` to `target` (a shell word) through base64, binary-safe. */
export function writeFileLines(target: string, content: Buffer, mode?: number): string[] {
  const delimiter = 'ACP_EMULATOR_EOF';
  const b64 = content.toString('base64').replace(/.{1,76}/g, '$&\n');
  const lines = [
    `mkdir -p "$(dirname ${target})"`,
    `base64 -d > ${target} <<'${delimiter}'`,
    `${b64}${delimiter}`,
  ];
  if (mode !== undefined) lines.push(`chmod ${mode.toString(8)} ${target}`);
  return lines;
}

/** A marker the runtime shims print before their machine-readable trailer line. */
export const RESULT_MARKER = '\u0001ACP-EMULATOR-RESULT\u0001';

/** Splits a run's output into what the user's code printed and the shim's trailer, if any. */
export function splitTrailer(output: string): { logs: string; trailer?: string } {
  const at = output.lastIndexOf(RESULT_MARKER);
  if (at < 0) return { logs: output };
  const end = output.indexOf('\n', at);
  const trailer = output.slice(at + RESULT_MARKER.length, end < 0 ? undefined : end);
  const logs = output.slice(0, at).replace(/\n$/, '') + (end < 0 ? '' : output.slice(end + 1));
  return { logs, trailer };
}
