// How acp's Node programs are compiled to one JavaScript file each (esbuild): `acp` itself
// (scripts/build.ts) and the bench's worker process (bench/stack.ts), so the bench measures the
// worker as `acp worker` runs, without TypeScript compiled on the fly.
import { readFileSync, writeFileSync } from 'node:fs';
import { type BuildOptions, build, type Metafile } from 'esbuild';
import { asciiOnly } from '../worker/ascii-only';

/**
 * Packages that stay in node_modules: Temporal's native core and bundler, esbuild itself, and native
 * addons (lz4-napi: the SLS gateway's log compression), which load from there.
 */
export const EXTERNAL = ['@temporalio/*', '@swc/*', 'webpack', 'esbuild', 'tsx', 'lz4-napi'];

/** Compiles `entry` and what it imports into `outfile` (CommonJS, ASCII only); the inputs esbuild read. */
export async function bundleNodeProgram(
  entry: string,
  outfile: string,
  plugins: BuildOptions['plugins'] = [],
): Promise<Metafile> {
  const result = await build({
    entryPoints: [entry],
    outfile,
    bundle: true,
    platform: 'node',
    format: 'cjs',
    target: 'node20',
    external: EXTERNAL,
    plugins,
    metafile: true,
    logLevel: 'error',
    legalComments: 'none',
    // A third less to read at every start; names stay (no identifier minification), so stacks read.
    minifyWhitespace: true,
    minifySyntax: true,
  });
  // esbuild leaves regular expressions as written (worker/ascii-only.ts).
  writeFileSync(outfile, asciiOnly(readFileSync(outfile, 'utf8')));
  return result.metafile;
}
