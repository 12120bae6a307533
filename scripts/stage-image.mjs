// Stages a build context for deploy/Dockerfile from this checkout as it is: the built bundle
// (dist/), bin/, package.json, the image's default properties and the production packages of
// node_modules (what `npm ls --omit=dev` lists), marked .gregor-staged so the Dockerfile copies
// them instead of running npm. For machines that build the image without a registry (Gregor's
// tests); the packages' native parts are this machine's, so build for the same platform.
//
//   node scripts/build.mjs && node scripts/stage-image.mjs <empty dir>

import { execFileSync } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, readdirSync, writeFileSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const target = process.argv[2];
if (target === undefined) {
  console.error('usage: node scripts/stage-image.mjs <empty directory>');
  process.exit(2);
}
if (existsSync(target) && readdirSync(target).length > 0) {
  console.error(`${target} is not empty`);
  process.exit(2);
}
if (!existsSync(join(root, 'dist', 'BUILD_STARTED'))) {
  console.error('dist/ is not built: run node scripts/build.mjs first');
  process.exit(2);
}
mkdirSync(target, { recursive: true });
for (const entry of ['package.json', 'bin', 'dist', 'deploy/image', 'deploy/Dockerfile']) {
  cpSync(join(root, entry), join(target, entry), { recursive: true });
}
const listed = execFileSync('npm', ['ls', '--omit=dev', '--all', '--parseable'], {
  cwd: root,
  encoding: 'utf8',
  maxBuffer: 16 * 1024 * 1024,
});
const nodeModules = join(root, 'node_modules');
let packages = 0;
for (const line of listed.split('\n')) {
  const path = line.trim();
  if (path === '' || path === root) continue;
  // node_modules may be a symlink (a git worktree sharing one): copy by the path npm reports.
  const inside = path.startsWith(nodeModules) ? relative(nodeModules, path) : null;
  const rel = inside ?? path.slice(path.lastIndexOf('node_modules/') + 'node_modules/'.length);
  cpSync(path, join(target, 'node_modules', rel), { recursive: true, dereference: true });
  packages++;
}
writeFileSync(join(target, '.gregor-staged'), `staged from ${root}\n`);
console.log(`staged ${packages} production packages and the bundle in ${target}`);
