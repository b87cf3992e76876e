// Where acp is installed: the folder with its package.json. Code that names a file of the repo (a
// script, the workflow sources, the prebuilt bundle) starts here, because the same code also runs
// bundled into dist/acp.js, where __dirname is dist/ and not the module's own folder.
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';

let root: string | undefined;

export function installRoot(): string {
  if (root) return root;
  for (let dir = __dirname; ; dir = dirname(dir)) {
    const manifest = join(dir, 'package.json');
    if (
      existsSync(manifest) &&
      (JSON.parse(readFileSync(manifest, 'utf8')) as { name?: string }).name === 'acp'
    ) {
      root = dir;
      return dir;
    }
    if (dirname(dir) === dir) throw new Error(`acp's package.json is not above ${__dirname}`);
  }
}
