// Builds dist/: the broker and the CLI bundled by esbuild into a few ES modules,
// so `bin/gregor` starts without transpiling TypeScript and without resolving
// two hundred small modules (about a third of a second saved at start-up).
// Native addons and etcd3 stay outside the bundle: they load from node_modules,
// etcd3 only when a broker is configured for etcd. The stamp records when the
// build began; bin/gregor runs dist/ only if no source file is newer.
//
// The library (`import { startBroker } from 'gregor'`) is dist/index.js, with
// dist/index.cjs beside it for `require`, and its type declarations in
// dist/types/. `--js-only` leaves out the declarations (a few seconds of tsc),
// for builds that only bin/gregor and the tests use.

import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const outdir = join(root, 'dist');
const startedMs = Date.now();
const jsOnly = process.argv.includes('--js-only');

// Loaded from node_modules at run time: native addons, and etcd3 (gRPC) only for etcd.
// They, and pino for the Logger type of the declarations, are the package's dependencies.
const external = ['etcd3', 'snappy', 'lz4-napi', '@mongodb-js/zstd', '@node-rs/crc32'];
const common = {
  absWorkingDir: root,
  bundle: true,
  platform: 'node',
  target: 'node20',
  sourcemap: true,
  // Less source for V8 to parse at start-up (about 20 ms of 240 here); identifiers
  // keep their names so stack traces and CPU profiles stay readable.
  minifyWhitespace: true,
  minifySyntax: true,
  logLevel: 'warning',
  external,
};

rmSync(outdir, { recursive: true, force: true });
mkdirSync(outdir, { recursive: true });
await Promise.all([
  build({
    ...common,
    entryPoints: { main: 'src/cli/main.ts', 'tools-main': 'src/cli/tools-main.ts', index: 'src/index.ts' },
    outdir,
    splitting: true,
    format: 'esm',
    // Bundled CommonJS packages (pino, commander, prom-client) call require().
    banner: { js: "import { createRequire as __gregorRequire } from 'node:module'; const require = __gregorRequire(import.meta.url);" },
  }),
  // For require('gregor'): the same library as one CommonJS file. Modules the ES build
  // loads on demand (the etcd store) stay lazy: esbuild wraps them in init functions.
  build({
    ...common,
    entryPoints: { index: 'src/index.ts' },
    outfile: join(outdir, 'index.cjs'),
    format: 'cjs',
    define: { 'import.meta.url': '__gregorModuleUrl', 'import.meta.dirname': '__dirname' },
    banner: { js: "const __gregorModuleUrl = require('node:url').pathToFileURL(__filename).href;" },
  }),
]);
if (!jsOnly) buildDeclarations();
writeFileSync(join(outdir, 'BUILD_STARTED'), `${startedMs}\n`);
console.log(`built dist/${jsOnly ? ' (no declarations)' : ''} in ${Date.now() - startedMs} ms`);

/**
 * dist/types/: tsc's declarations of src/index.ts and of what its types refer to (a
 * dozen files, not the whole broker), with `.ts` import paths rewritten to `.js` so
 * that any TypeScript resolves them; index.d.cts gives require() users the same names.
 */
function buildDeclarations() {
  const tmp = mkdtempSync(join(tmpdir(), 'gregor-types-'));
  try {
    const tsc = createRequire(import.meta.url).resolve('typescript/bin/tsc');
    const config = join(tmp, 'tsconfig.json');
    writeFileSync(
      config,
      JSON.stringify({
        extends: join(root, 'tsconfig.json'),
        compilerOptions: {
          noEmit: false,
          declaration: true,
          emitDeclarationOnly: true,
          // Declarations only: `npm run typecheck` checks the types, and this saves most of tsc's time.
          noCheck: true,
          rootDir: join(root, 'src'),
          outDir: join(tmp, 'out'),
          typeRoots: [join(root, 'node_modules', '@types')],
        },
        include: [],
        files: [join(root, 'src', 'index.ts')],
      }),
    );
    execFileSync(process.execPath, [tsc, '-p', config], { stdio: 'inherit' });
    const types = join(outdir, 'types');
    const pending = [join(tmp, 'out', 'index.d.ts')];
    const done = new Set();
    while (pending.length > 0) {
      const file = pending.pop();
      if (done.has(file)) continue;
      done.add(file);
      if (!existsSync(file)) throw new Error(`declaration ${file} was not emitted`);
      const text = readFileSync(file, 'utf8').replace(
        /(from\s+|import\(\s*)(['"])(\.{1,2}\/[^'"]+)\.ts\2/g,
        (_all, lead, quote, path) => {
          pending.push(resolve(dirname(file), `${path}.d.ts`));
          return `${lead}${quote}${path}.js${quote}`;
        },
      );
      const target = join(types, relative(join(tmp, 'out'), file));
      mkdirSync(dirname(target), { recursive: true });
      writeFileSync(target, text);
    }
    writeFileSync(join(types, 'index.d.cts'), commonJsDeclarations(readFileSync(join(types, 'index.d.ts'), 'utf8')));
  } finally {
    rmSync(tmp, { recursive: true, force: true });
  }
}

/**
 * index.d.cts, the types of require('gregor'): each name of index.d.ts, taken from the ES
 * declarations (a CommonJS declaration file may not re-export an ES one with `export *`).
 * src/index.ts therefore holds only `export { ... } from '...'` lines.
 */
function commonJsDeclarations(esm) {
  const from = "import('./index.js', { with: { 'resolution-mode': 'import' } })";
  const lines = ["// Types of require('gregor') (dist/index.cjs): those of the ES module."];
  const body = esm.replace(/^\s*\/\/.*$/gm, '').trim();
  for (const statement of body.split(';').map((s) => s.trim()).filter((s) => s !== '')) {
    const m = /^export\s*\{([^}]*)\}\s*from\s*['"][^'"]+['"]$/.exec(statement);
    if (m === null) throw new Error(`src/index.ts: only "export { ... } from" lines, not: ${statement}`);
    for (const item of m[1].split(',').map((s) => s.trim()).filter((s) => s !== '')) {
      const isType = item.startsWith('type ');
      const name = isType ? item.slice(5).trim() : item;
      if (!/^[A-Za-z_$][\w$]*$/.test(name)) throw new Error(`src/index.ts: cannot re-export '${item}'`);
      lines.push(
        isType
          ? `export type ${name} = ${from}.${name};`
          : `export declare const ${name}: typeof ${from}.${name};`,
      );
    }
  }
  return `${lines.join('\n')}\n`;
}
