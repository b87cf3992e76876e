// What kind of program a script is, and the one shell text every product runs for it
// (docs/scripts.md). Every product's runtime starts a shell script — Cloud Assistant's
// RunShellScript, FC's bootstrap, the ACK Job's `bash`, PAI-DLC's UserCommand — so a Python file
// given to it as-is dies on its first `import` after the paid instance exists. The kind is decided
// here, once, before anything is created: a binary is refused, a Python file is run by python, a
// `#!` line is honoured, and a shell script runs unchanged.

/** How acp runs a script. */
export type ScriptKind =
  | { kind: 'shell' }
  | { kind: 'python' }
  /** The `#!` line names the interpreter, as the kernel would use it. */
  | { kind: 'shebang'; interpreter: string; argument?: string };

export type ScriptKindDecision = (ScriptKind & { ok: true }) | { ok: false; error: string };

/** Magic numbers of files that are programs or archives, not scripts (as read as UTF-8 text). */
const BINARY_MAGIC: { prefix: string; what: string }[] = [
  { prefix: '\u007fELF', what: 'an ELF executable' },
  { prefix: 'PK\u0003\u0004', what: 'a zip archive (zip, jar, whl)' },
  { prefix: '\u001f\ufffd', what: 'a gzip archive' },
  { prefix: '\u001f\u008b', what: 'a gzip archive' },
  { prefix: 'BZh', what: 'a bzip2 archive' },
  { prefix: '\ufffd7zXZ', what: 'an xz archive' },
  { prefix: "7z\ufffd\ufffd'\u001c", what: 'a 7z archive' },
  { prefix: 'MZ', what: 'a Windows executable' },
  { prefix: '%PDF-', what: 'a PDF document' },
];

/** Script languages a shell cannot run and acp has no runner for: they need a `#!` line. */
const NEEDS_SHEBANG: Record<string, string> = {
  rb: 'Ruby',
  pl: 'Perl',
  js: 'JavaScript',
  mjs: 'JavaScript',
  cjs: 'JavaScript',
  ts: 'TypeScript',
  php: 'PHP',
  lua: 'Lua',
  r: 'R',
  jl: 'Julia',
  go: 'Go',
  java: 'Java',
  scala: 'Scala',
  kt: 'Kotlin',
  c: 'C',
  cc: 'C++',
  cpp: 'C++',
  rs: 'Rust',
  swift: 'Swift',
  ps1: 'PowerShell',
  bat: 'Windows batch',
  cmd: 'Windows batch',
  ipynb: 'a Jupyter notebook (JSON)',
};

const SHELL_EXTENSIONS = new Set(['sh', 'bash']);

/**
 * A first line of code that only Python has. Shell scripts that carry Python (a heredoc) start
 * with shell commands, so the first code line decides.
 */
const PYTHON_FIRST_LINE =
  /^(?:import\s+[\w.]+(?:\s+as\s+\w+)?(?:\s*,\s*[\w.]+(?:\s+as\s+\w+)?)*\s*$|from\s+[\w.]+\s+import\s+\S|(?:async\s+)?def\s+\w+\s*\(.*\)\s*(?:->\s*[^:]+)?:\s*$|class\s+\w+\s*(?:\(.*\))?\s*:\s*$|if\s+__name__\s*==\s*['"]__main__['"]\s*:\s*$|[rRuUbBfF]?(?:"""|'''))/;

function extensionOf(name: string | undefined): string | undefined {
  if (!name) return undefined;
  const base = name.split(/[\\/]/).pop() ?? '';
  const dot = base.lastIndexOf('.');
  return dot > 0 ? base.slice(dot + 1).toLowerCase() : undefined;
}

/** A file name that is safe in a shell word and a path: the script's own, or `fallback`. */
function fileNameFor(name: string | undefined, fallback: string): string {
  const base = (name ?? '').split(/[\\/]/).pop() ?? '';
  const clean = base.replace(/[^A-Za-z0-9._-]/g, '_').replace(/^[.-]+/, '');
  return clean && !/^(?:inline|template:)/.test(name ?? '') ? clean.slice(0, 100) : fallback;
}

/** The binary kind of `content`, when it is not text at all. */
export function binaryKind(content: string): string | undefined {
  for (const m of BINARY_MAGIC) {
    if (content.startsWith(m.prefix)) {
      // "MZ" and "BZh" also begin ordinary words; only a file with NUL bytes is that binary.
      if ((m.prefix === 'MZ' || m.prefix === 'BZh') && !content.includes('\u0000')) continue;
      return m.what;
    }
  }
  // Text never holds NUL bytes; a non-UTF-8 text file (GBK comments) does not either.
  return content.includes('\u0000') ? 'a binary file' : undefined;
}

function firstCodeLine(content: string): string | undefined {
  for (const raw of content.split(/\r?\n/)) {
    const line = raw.trim();
    if (line === '' || line.startsWith('#')) continue;
    return line;
  }
  return undefined;
}

/**
 * How acp runs a script, from its content and (when known) its file name. `name` is a path or
 * file name, 'inline', or 'template:<name>' (acp's own templates are shell scripts).
 */
export function scriptKind(content: string, name?: string): ScriptKindDecision {
  const binary = binaryKind(content);
  const label = name && !/^(?:inline|template:)/.test(name) ? name : 'the script';
  if (binary) {
    return {
      ok: false,
      error: `${label} is ${binary}, not a script: acp runs shell scripts, Python files (.py) and files that start with a #! line`,
    };
  }
  const shebang = /^#!\s*(\S+)[ \t]*([^\r\n]*)/.exec(content);
  if (shebang) {
    const argument = shebang[2]!.trim();
    return { ok: true, kind: 'shebang', interpreter: shebang[1]!, ...(argument ? { argument } : {}) };
  }
  if (name?.startsWith('template:')) return { ok: true, kind: 'shell' };
  const ext = extensionOf(name);
  if (ext === 'py' || ext === 'pyw') return { ok: true, kind: 'python' };
  if (ext && SHELL_EXTENSIONS.has(ext)) return { ok: true, kind: 'shell' };
  if (ext && NEEDS_SHEBANG[ext]) {
    return {
      ok: false,
      error: `${label} is ${NEEDS_SHEBANG[ext]}, which acp can only run with a #! line naming its interpreter (e.g. #!/usr/bin/env ${ext === 'rb' ? 'ruby' : ext === 'pl' ? 'perl' : ext === 'js' || ext === 'mjs' || ext === 'cjs' ? 'node' : '<interpreter>'})`,
    };
  }
  const first = firstCodeLine(content);
  if (first !== undefined && PYTHON_FIRST_LINE.test(first)) return { ok: true, kind: 'python' };
  return { ok: true, kind: 'shell' };
}

/** Single-quotes a word for a POSIX shell. */
function quote(s: string): string {
  return `'${s.replace(/'/g, `'\\''`)}'`;
}

/** A heredoc delimiter that no line of `content` equals. */
function delimiterFor(content: string): string {
  const lines = new Set(content.split(/\r?\n/));
  let d = 'ACP_SCRIPT_EOF';
  for (let i = 1; lines.has(d); i++) d = `ACP_SCRIPT_EOF_${i}`;
  return d;
}

/** POSIX sh lines that write `content` to "$acp_dir/<file>" unchanged (no expansion in a quoted heredoc). */
function writeLines(content: string, file: string): string[] {
  const delimiter = delimiterFor(content);
  return [
    'acp_dir=$(mktemp -d 2>/dev/null) || { acp_dir=/tmp/acp-script-$$; mkdir -p "$acp_dir"; }',
    `cat > "$acp_dir"/${quote(file)} <<'${delimiter}'`,
    `${content}${content.endsWith('\n') ? '' : '\n'}${delimiter}`,
  ];
}

// Images differ: Alibaba Cloud Linux and the PAI/FC images have python3, a bare ubuntu:22.04
// container has none. A venv or conda on PATH wins because `command -v` reads PATH.
const FIND_PYTHON = [
  'if command -v python3 >/dev/null 2>&1; then acp_python=python3',
  'elif command -v python >/dev/null 2>&1 && python -c "import sys; sys.exit(sys.version_info[0] < 3)" 2>/dev/null; then acp_python=python',
  'else',
  '  echo "acp: this image has no python3; installing it" >&2',
  '  if command -v dnf >/dev/null 2>&1; then dnf -y -q install python3 >&2',
  '  elif command -v yum >/dev/null 2>&1; then yum -y -q install python3 >&2',
  '  elif command -v apt-get >/dev/null 2>&1; then { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq python3; } >&2',
  '  fi',
  '  acp_python=python3',
  'fi',
];

/**
 * The shell text a product runs for this script. A shell script is itself. A Python file is
 * written next to nothing else and run with python3 (installed first on an image without it); a
 * script with a `#!` line is run by the interpreter that line names, as the kernel would run it
 * (no exec bit or exec-mounted /tmp needed). The text is POSIX sh, so it also runs where the
 * product's shell is not bash. Throws when the script cannot be run (checkScript refuses it first).
 */
export function runnableScript(script: { content: string; source?: string }): string {
  const decision = scriptKind(script.content, script.source);
  if (!decision.ok) throw new Error(decision.error);
  if (decision.kind === 'shell') return script.content;
  if (decision.kind === 'python') {
    const file = fileNameFor(script.source, 'script.py');
    return [
      '#!/bin/sh',
      `# acp: ${file} is a Python script (docs/scripts.md); it runs with python3.`,
      ...writeLines(script.content, file),
      ...FIND_PYTHON,
      `exec "$acp_python" "$acp_dir"/${quote(file)}`,
      '',
    ].join('\n');
  }
  const file = fileNameFor(script.source, 'script');
  const interpreter = [decision.interpreter, ...(decision.argument ? [decision.argument] : [])]
    .map(quote)
    .join(' ');
  return [
    '#!/bin/sh',
    `# acp: ${file} starts with #!${decision.interpreter}${decision.argument ? ` ${decision.argument}` : ''}; it runs with that interpreter (docs/scripts.md).`,
    ...writeLines(script.content, file),
    `chmod 700 "$acp_dir"/${quote(file)}`,
    `exec ${interpreter} "$acp_dir"/${quote(file)}`,
    '',
  ].join('\n');
}
