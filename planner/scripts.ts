// What a script is and whether it is worth paying for (step 2 in docs/architecture.md). Creating compute costs
// money, so a placeholder (only comments, `pass`, TODO, empty functions) is refused before anything is
// created; a training script that never calls a framework's entry point is run, but with a warning.

import { findOverseasFetches } from './fetches';
import { scriptKind } from './script-kind';
import { imageFamilyFor } from './templates';
import type { PackageManager, Script, ScriptCheck, TaskKind } from './types';

export { generateScript, huggingFaceModelId, IMAGE_FAMILIES, imageFamilyFor } from './templates';

/** Frameworks by what they look like in code or on a command line. */
const FRAMEWORKS: { name: string; pattern: RegExp }[] = [
  { name: 'torch', pattern: /\bimport\s+torch\b|\bfrom\s+torch\b|\btorchrun\b|\btorch\.distributed\b/ },
  { name: 'tensorflow', pattern: /\bimport\s+tensorflow\b|\bfrom\s+tensorflow\b|\btf\.keras\b/ },
  { name: 'keras', pattern: /\bimport\s+keras\b|\bfrom\s+keras\b/ },
  { name: 'jax', pattern: /\bimport\s+jax\b|\bfrom\s+jax\b|\bimport\s+flax\b|\bfrom\s+flax\b/ },
  { name: 'transformers', pattern: /\bimport\s+transformers\b|\bfrom\s+transformers\b/ },
  { name: 'peft', pattern: /\bfrom\s+peft\b|\bimport\s+peft\b/ },
  { name: 'trl', pattern: /\bfrom\s+trl\b|\bimport\s+trl\b/ },
  { name: 'deepspeed', pattern: /\bimport\s+deepspeed\b|^\s*deepspeed\s+\S/m },
  { name: 'accelerate', pattern: /\baccelerate\s+launch\b|\bfrom\s+accelerate\b/ },
  { name: 'lightning', pattern: /\bimport\s+(?:pytorch_)?lightning\b|\bfrom\s+(?:pytorch_)?lightning\b/ },
  { name: 'xgboost', pattern: /\bimport\s+xgboost\b/ },
  { name: 'lightgbm', pattern: /\bimport\s+lightgbm\b/ },
  { name: 'sklearn', pattern: /\bfrom\s+sklearn\b|\bimport\s+sklearn\b/ },
  { name: 'paddle', pattern: /\bimport\s+paddle\b/ },
  { name: 'mindspore', pattern: /\bimport\s+mindspore\b/ },
  { name: 'llamafactory', pattern: /\bllamafactory-cli\s+train\b/ },
  { name: 'ms-swift', pattern: /\bswift\s+(?:sft|pt|rlhf)\b/ },
];

/**
 * Calls that actually train: the skill's examples (`model.fit()`, `trainer.train()`,
 * `torch.distributed.launch`) and their relatives — launchers, optimizer steps, boosters.
 */
const TRAINING_ENTRY_POINTS =
  /\.fit\s*\(|\btrainer\.train\s*\(|\.train\s*\(|\btorchrun\b|torch\.distributed\.(?:launch|run)\b|\baccelerate\s+launch\b|^\s*deepspeed\s+\S|\bdeepspeed\.initialize\s*\(|\bloss\.backward\s*\(|\boptimizer\.step\s*\(|\bxgb\.train\s*\(|\blgb\.train\s*\(|\bjax\.grad\s*\(|\bvalue_and_grad\s*\(|\bllamafactory-cli\s+train\b|\bswift\s+sft\b|\bpython3?\s+(?:-m\s+)?\S*(?:train|finetune|fine_tune|sft)\S*/m;

const LOOKS_LIKE_TRAINING = /\btrain(?:ing|er)?\b|\bepochs?\b|fine-?tun|\bsft\b|\blora\b/i;

/** Lines that carry no logic on their own: scaffolding, imports, placeholders, block ends. */
const SCAFFOLD: RegExp[] = [
  /^(?:pass|\.\.\.|:|true|exit(?:\s+0)?|return|continue|break)\s*;?$/,
  /^(?:TODO|FIXME|XXX|TBD)\b.*$/i,
  /^raise\s+NotImplementedError\b.*$/,
  /^throw\s+new\s+Error\s*\(\s*['"`](?:not implemented|todo)[^)]*\)\s*;?$/i,
  /^echo\s+['"]?(?:TODO|FIXME|not implemented)\b.*$/i,
  /^set\s+-[euxo]+(?:\s+pipefail)?$/,
  /^(?:import\s+[\w., ]+|from\s+[\w.]+\s+import\s+.+)$/,
  /^(?:async\s+)?def\s+\w+\s*\(.*\)\s*(?:->\s*[^:]+)?:\s*(?:pass|\.\.\.)?$/,
  /^class\s+\w+.*:\s*(?:pass|\.\.\.)?$/,
  /^(?:function\s+)?[\w-]+\s*\(\s*\)\s*\{?\s*:?\s*;?\s*\}?$/,
  /^function\s+[\w-]+\s*\{?\s*\}?$/,
  /^if\s+__name__\s*==\s*['"]__main__['"]\s*:$/,
  /^\w+\s*\(\s*\)\s*;?$/, // main() — a call to a function; logic, if any, is in its body
  /^(?:\{|\}|\);?|fi|done|esac|end|else:?|then|do)$/,
  /^(?:"""|''')[\s\S]*(?:"""|''')$/,
  /^(?:"""|''')$/,
];

function withoutComments(content: string): string[] {
  const out: string[] = [];
  let inDocstring = false;
  for (const raw of content.split(/\r?\n/)) {
    const line = raw.trim();
    const quotes = (line.match(/"""|'''/g) ?? []).length;
    if (inDocstring) {
      if (quotes % 2 === 1) inDocstring = false;
      continue;
    }
    // A docstring or bare string literal is documentation, not logic.
    if (/^[rbuf]?(?:"""|''')/i.test(line)) {
      if (quotes % 2 === 1) inDocstring = true;
      continue;
    }
    if (line === '' || line.startsWith('#') || line.startsWith('//')) continue;
    out.push(line.replace(/\s+#\s.*$/, '').trim());
  }
  return out.filter((l) => l !== '');
}

/** Python functions whose body is only pass / ... / a docstring / NotImplementedError. */
function emptyPythonFunctions(content: string): string[] {
  const lines = content.split(/\r?\n/);
  const empty: string[] = [];
  for (let i = 0; i < lines.length; i++) {
    const def = /^(\s*)(?:async\s+)?def\s+(\w+)\s*\(.*\)\s*(?:->\s*[^:]+)?:\s*(.*)$/.exec(lines[i]);
    if (!def) continue;
    const indent = def[1].length;
    const inline = def[3].trim();
    if (inline !== '') {
      if (/^(?:pass|\.\.\.)$/.test(inline)) empty.push(def[2]);
      continue;
    }
    let meaningful = false;
    for (let j = i + 1; j < lines.length; j++) {
      const l = lines[j];
      if (l.trim() === '' || l.trim().startsWith('#')) continue;
      if (l.length - l.trimStart().length <= indent) break;
      const t = l.trim();
      if (/^(?:pass|\.\.\.|raise\s+NotImplementedError\b.*|(?:"""|''').*)$/.test(t)) continue;
      meaningful = true;
      break;
    }
    if (!meaningful) empty.push(def[2]);
  }
  return empty;
}

/** Shell functions with an empty body: `f() { }`, `f() { :; }`. */
function emptyShellFunctions(content: string): string[] {
  const out: string[] = [];
  for (const m of content.matchAll(
    /(?:^|\n)\s*(?:function\s+)?([\w-]+)\s*\(\s*\)\s*\{\s*(?::\s*;?|true\s*;?|return\s*0?\s*;?)?\s*\}/g,
  )) {
    out.push(m[1]);
  }
  return out;
}

export interface CheckOptions {
  /** The task kind; a training script is checked for a framework entry point. */
  kind?: TaskKind;
  /** The script's path or file name ('inline', 'template:<name>'): `.py` runs with python. */
  name?: string;
}

/** Is this script worth creating compute for? Errors refuse it; warnings are shown and it runs. */
export function checkScript(content: string, options: CheckOptions = {}): ScriptCheck {
  const errors: string[] = [];
  const warnings: string[] = [];
  const frameworks = FRAMEWORKS.filter((f) => f.pattern.test(content)).map((f) => f.name);
  const overseasFetches = findOverseasFetches(content).map((f) => f.what);

  if (content.trim() === '') {
    errors.push('the script is empty');
    return { ok: false, errors, warnings, frameworks, overseasFetches };
  }
  // A binary or a language acp has no runner for is refused before anything is paid for.
  const runnable = scriptKind(content, options.name);
  if (!runnable.ok) {
    errors.push(runnable.error);
    return { ok: false, errors, warnings, frameworks: [], overseasFetches: [] };
  }
  const code = withoutComments(content.replace(/^#!.*\n?/, ''));
  if (code.length === 0) {
    errors.push('the script has only comments: there is nothing to run');
    return { ok: false, errors, warnings, frameworks, overseasFetches };
  }
  const emptyFns = [...emptyPythonFunctions(content), ...emptyShellFunctions(content)];
  // Calling an empty function ("main", `main "$@"`) runs nothing either.
  const callsEmpty = (l: string) =>
    emptyFns.some((f) => new RegExp(`^${f}(?:\\s*\\(\\s*\\)|\\s+"\\$@")?\\s*;?$`).test(l));
  const logic = code.filter((l) => !SCAFFOLD.some((p) => p.test(l)) && !callsEmpty(l));
  if (logic.length === 0) {
    const what =
      emptyFns.length > 0 ? `empty functions (${emptyFns.map((f) => `${f}()`).join(', ')})` : 'placeholders';
    errors.push(`the script is a placeholder: only ${what}, pass, TODO or imports, no executable logic`);
  } else if (emptyFns.length > 0) {
    warnings.push(
      `empty function${emptyFns.length > 1 ? 's' : ''} ${emptyFns.map((f) => `${f}()`).join(', ')} (pass/TODO only)`,
    );
  }
  if (/^\s*(?:#|\/\/)\s*(?:TODO|FIXME)\b/im.test(content) && errors.length === 0) {
    warnings.push('the script still has TODO/FIXME notes');
  }
  const training =
    options.kind === 'training' || (options.kind === undefined && LOOKS_LIKE_TRAINING.test(content));
  if (training && errors.length === 0 && !TRAINING_ENTRY_POINTS.test(content)) {
    warnings.push(
      'this looks like a training job but calls no framework entry point (model.fit(), trainer.train(), torchrun, accelerate launch, deepspeed …)',
    );
  }
  return { ok: errors.length === 0, errors, warnings, frameworks, overseasFetches };
}

/** The package manager a script uses, which decides the image family. A script using both is portable. */
export function packageManagerOf(content: string): PackageManager {
  const apt = /\bapt(?:-get)?\s+(?:-\S+\s+)*(?:install|update|upgrade)\b/.test(content);
  const dnf = /\bdnf\s+(?:-\S+\s+)*(?:install|update|upgrade|groupinstall)\b/.test(content);
  const yum = /\byum\s+(?:-\S+\s+)*(?:install|update|upgrade|groupinstall)\b/.test(content);
  // A script that handles both (`command -v apt-get || yum …`) runs on the default image.
  if (apt && !yum && !dnf) return 'apt-get';
  if (dnf && !yum) return 'dnf';
  if (yum) return 'yum';
  return 'none';
}

/** Describe a user's script (a path or inline content) the same way a generated one is described. */
export function describeScript(content: string, source: string): Script {
  const packageManager = packageManagerOf(content);
  const lines = content === '' ? 0 : content.replace(/\n$/, '').split(/\r?\n/).length;
  return {
    content,
    source,
    template: 'custom',
    packageManager,
    imageFamily: imageFamilyFor(packageManager),
    lines,
  };
}
