#!/usr/bin/env node
// Bundles the console (console/src, Preact) into console/dist, which the service serves at /console:
// one script and one stylesheet, with nothing fetched from another origin at run time.
'use strict';
const { build } = require('esbuild');
const { copyFileSync, mkdirSync, rmSync } = require('node:fs');
const { join } = require('node:path');

const source = join(__dirname, '..', 'console');
const out = join(source, 'dist');

async function main() {
  rmSync(out, { recursive: true, force: true });
  mkdirSync(out, { recursive: true });
  await build({
    entryPoints: { main: join(source, 'src', 'main.tsx') },
    bundle: true,
    minify: true,
    sourcemap: true,
    format: 'esm',
    target: 'es2022',
    outdir: out,
    tsconfig: join(source, 'tsconfig.json'),
    logLevel: 'warning',
  });
  copyFileSync(join(source, 'index.html'), join(out, 'index.html'));
}

main().catch((error) => {
  console.error(`the console was not built: ${error.message}`);
  process.exit(1);
});
