// Built JavaScript as ASCII. V8 keeps a script's source for as long as its functions live, one byte
// per character when every character is ASCII and two bytes otherwise: one Chinese word in one
// regular expression (the planner's) doubled the 23 MB the CLI's commands take in every process, a
// worker's included, and the workflow bundle is held twice (main and workflow thread). A \u escape
// means the same character wherever built code can hold one: strings, cooked templates, regular
// expressions, identifiers; in a comment it is only text. Neither esbuild nor the SDK's webpack
// escapes regular expressions, hence this pass.

/** `code` with every non-ASCII UTF-16 unit written as a \u escape (the same program). */
export function asciiOnly(code: string): string {
  return NON_ASCII.test(code)
    ? code.replace(
        new RegExp(NON_ASCII.source, 'g'),
        (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`,
      )
    : code;
}

/** Any UTF-16 unit above U+007F, surrogate halves included. */
const NON_ASCII = /[\u0080-\uffff]/;
