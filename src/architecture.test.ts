// The dependency rule of docs/architecture.md, checked on every import in
// src/: each file belongs to a part (its folder under src/, or broker.ts and
// index.ts at the root; root files named broker-*.ts are pieces of the
// composition root and belong to broker), and a part may import only the parts its row of
// ALLOWED names. Imports are read with TypeScript's own pre-processor, so
// static, type-only, re-exported and dynamic `import('…')` imports count, and
// text in comments or strings does not. The table must match the one in
// docs/architecture.md and must stay free of cycles, so "lower parts never
// import upper ones" holds by construction.

import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { join, posix, relative, sep } from 'node:path';
import { describe, test } from 'node:test';
import ts from 'typescript';

const SRC = import.meta.dirname;
const ARCHITECTURE_DOC = join(SRC, '..', 'docs', 'architecture.md');

/**
 * What each part may import besides itself. Keep in step with the table in
 * docs/architecture.md (a test below compares them). A new folder under src/
 * needs a row here and there before any of its files may import or be imported.
 */
const ALLOWED: Readonly<Record<string, readonly string[]>> = {
  cli: ['broker', 'deploy', 'client', 'config', 'util'],
  deploy: ['config', 'util'],
  index: ['broker', 'client', 'config', 'util'],
  broker: [
    'server',
    'metrics',
    'api',
    'replication',
    'cluster',
    'group',
    'txn',
    'security',
    'client',
    'log',
    'metadata',
    'protocol',
    'config',
    'util',
  ],
  server: ['api', 'security', 'protocol', 'config', 'util'],
  metrics: ['replication', 'cluster', 'group', 'txn', 'log', 'config', 'util'],
  api: ['replication', 'cluster', 'group', 'txn', 'security', 'log', 'protocol', 'config', 'util'],
  replication: ['cluster', 'txn', 'client', 'log', 'protocol', 'config', 'util'],
  cluster: ['metadata', 'protocol', 'config', 'util'],
  group: ['log', 'protocol', 'config', 'util'],
  txn: ['log', 'metadata', 'protocol', 'config', 'util'],
  security: ['metadata', 'protocol', 'config', 'util'],
  client: ['protocol', 'util'],
  log: ['protocol', 'config', 'util'],
  metadata: ['config', 'util'],
  protocol: ['util'],
  config: ['util'],
  util: [],
};

/**
 * Tests may also start a whole broker in-process through the composition
 * root, and use the cross-part harness under test/.
 */
const TEST_ALSO_ALLOWED = 'broker';
const TEST_HARNESS_DIR = '../test/';

/** One file of src/ and the module specifiers it imports. */
interface SourceImports {
  /** Path under src/, with forward slashes: `replication/replica-fetcher.ts`. */
  readonly file: string;
  readonly specifiers: readonly string[];
}

/** The module specifiers of a source text: static, type-only, re-exports, dynamic. */
function importSpecifiers(sourceText: string): string[] {
  return ts.preProcessFile(sourceText, true, true).importedFiles.map((f) => f.fileName);
}

/**
 * The part a path under src/ belongs to: its first folder, or the root file's name;
 * `broker-*.ts` at the root are pieces of the composition root split off broker.ts.
 */
function partOf(path: string): string {
  const slash = path.indexOf('/');
  if (slash >= 0) return path.slice(0, slash);
  return path.startsWith('broker-') ? 'broker' : path.replace(/\.ts$/, '');
}

function isTest(file: string): boolean {
  return file.endsWith('.test.ts');
}

function inTestingFolder(path: string): boolean {
  return path.split('/').includes('testing');
}

/** Every import that breaks the rule, one line each, naming file, target and rule. */
function violations(files: readonly SourceImports[]): string[] {
  const out: string[] = [];
  for (const { file, specifiers } of files) {
    const from = partOf(file);
    const allowed = ALLOWED[from];
    for (const specifier of specifiers) {
      // Packages and node: builtins are outside the rule.
      if (!specifier.startsWith('./') && !specifier.startsWith('../')) continue;
      const target = posix.normalize(posix.join(posix.dirname(file), specifier));
      const where = `src/${file} imports ${specifier}`;
      if (target.startsWith('../')) {
        if (!(isTest(file) && target.startsWith(TEST_HARNESS_DIR))) {
          out.push(`${where}: only tests may import from outside src/, and only test/`);
        }
        continue;
      }
      if (allowed === undefined) {
        out.push(`${where}: ${from} is not a part of the table; add its row`);
        continue;
      }
      const to = partOf(target);
      if (to !== from) {
        const permitted = allowed.includes(to) || (isTest(file) && to === TEST_ALSO_ALLOWED);
        if (ALLOWED[to] === undefined) {
          out.push(`${where}: ${to} is not a part of the table; add its row`);
        } else if (!permitted) {
          const may = allowed.length === 0 ? 'nothing' : allowed.join(', ');
          out.push(`${where}: ${from} may not import ${to} (${from} may import ${may})`);
        }
      }
      if (inTestingFolder(target) && !isTest(file) && !inTestingFolder(file)) {
        out.push(`${where}: testing/ helpers are for tests only`);
      }
    }
  }
  return out;
}

function sourceFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) return sourceFiles(path);
    return entry.name.endsWith('.ts') ? [path] : [];
  });
}

function scanSrc(): SourceImports[] {
  return sourceFiles(SRC).map((path) => ({
    file: relative(SRC, path).split(sep).join('/'),
    specifiers: importSpecifiers(readFileSync(path, 'utf8')),
  }));
}

/** A cycle among the allowed edges, as a path of parts, or null. */
function cycleIn(table: Readonly<Record<string, readonly string[]>>): string[] | null {
  const state = new Map<string, 'visiting' | 'done'>();
  const path: string[] = [];
  const visit = (part: string): string[] | null => {
    if (state.get(part) === 'done') return null;
    if (state.get(part) === 'visiting') return [...path.slice(path.indexOf(part)), part];
    state.set(part, 'visiting');
    path.push(part);
    for (const next of table[part] ?? []) {
      const cycle = visit(next);
      if (cycle !== null) return cycle;
    }
    path.pop();
    state.set(part, 'done');
    return null;
  };
  for (const part of Object.keys(table)) {
    const cycle = visit(part);
    if (cycle !== null) return cycle;
  }
  return null;
}

const DOC_SECTION = '## Parts and the direction of dependencies';

/**
 * The rows of the table in docs/architecture.md's section on parts: a part
 * (`name/` or `name.ts`), then the parts it may import, comma-separated, or "nothing".
 */
function documentedTable(markdown: string): Record<string, string[]> {
  const start = markdown.indexOf(DOC_SECTION);
  assert.ok(start >= 0, `docs/architecture.md has a section "${DOC_SECTION}"`);
  const end = markdown.indexOf('\n## ', start + DOC_SECTION.length);
  const section = markdown.slice(start, end < 0 ? undefined : end);
  const rows: Record<string, string[]> = {};
  for (const line of section.split('\n')) {
    const cells = line.split('|').map((c) => c.trim());
    if (cells.length < 4 || !/^`[a-z-]+(\/|\.ts)`$/.test(cells[1]!)) continue;
    const name = (part: string) => part.replace(/[`/]/g, '').replace(/\.ts$/, '');
    const targets = cells[2] === 'nothing' ? [] : cells[2]!.split(',').map((c) => c.trim());
    rows[name(cells[1]!)] = targets.map(name);
  }
  return rows;
}

function sorted(table: Readonly<Record<string, readonly string[]>>): Record<string, string[]> {
  return Object.fromEntries(
    Object.keys(table)
      .sort()
      .map((k) => [k, [...table[k]!].sort()]),
  );
}

describe('the dependency rule', () => {
  test('every import in src/ points the way docs/architecture.md allows', () => {
    const found = violations(scanSrc());
    assert.deepEqual(found, [], `imports against the rule:\n  ${found.join('\n  ')}`);
  });

  test('the table allows no cycle, so every arrow points down', () => {
    assert.equal(cycleIn(ALLOWED), null);
  });

  test("the table is docs/architecture.md's", () => {
    const documented = documentedTable(readFileSync(ARCHITECTURE_DOC, 'utf8'));
    assert.deepEqual(sorted(documented), sorted(ALLOWED));
  });
});

describe('the checker itself', () => {
  test('reports an import that points up, naming file, target and rule', () => {
    const found = violations([
      {
        file: 'replication/replica-fetcher.ts',
        specifiers: ['../server/frame-reader.ts', '../cluster/metadata-image.ts', 'node:net'],
      },
      { file: 'server/broker-metrics.ts', specifiers: ['../replication/replica-manager.ts'] },
      { file: 'util/logger.ts', specifiers: ['../config/config-def.ts'] },
    ]);
    assert.deepEqual(found, [
      'src/replication/replica-fetcher.ts imports ../server/frame-reader.ts: replication may not import server (replication may import cluster, txn, client, log, protocol, config, util)',
      'src/server/broker-metrics.ts imports ../replication/replica-manager.ts: server may not import replication (server may import api, security, protocol, config, util)',
      'src/util/logger.ts imports ../config/config-def.ts: util may not import config (util may import nothing)',
    ]);
  });

  test('reports imports of unknown parts, of test/ from product code, and of testing/ helpers', () => {
    const found = violations([
      { file: 'newpart/thing.ts', specifiers: ['../util/logger.ts'] },
      { file: 'api/produce.ts', specifiers: ['../shiny/thing.ts', '../log/testing/test-batch.ts'] },
      { file: 'cluster/controller.ts', specifiers: ['../../test/harness/etcd.ts'] },
      { file: 'cluster/controller.test.ts', specifiers: ['../../bench/lib/options.ts'] },
    ]);
    assert.deepEqual(found, [
      'src/newpart/thing.ts imports ../util/logger.ts: newpart is not a part of the table; add its row',
      'src/api/produce.ts imports ../shiny/thing.ts: shiny is not a part of the table; add its row',
      'src/api/produce.ts imports ../log/testing/test-batch.ts: testing/ helpers are for tests only',
      'src/cluster/controller.ts imports ../../test/harness/etcd.ts: only tests may import from outside src/, and only test/',
      'src/cluster/controller.test.ts imports ../../bench/lib/options.ts: only tests may import from outside src/, and only test/',
    ]);
  });

  test('lets a part import itself and what its row names, and tests start a broker', () => {
    const found = violations([
      {
        file: 'broker.ts',
        specifiers: ['./server/socket-server.ts', './metrics/broker-metrics.ts'],
      },
      { file: 'cli/server-command.ts', specifiers: ['../broker.ts', './tool-support.ts'] },
      { file: 'client/client.test.ts', specifiers: ['../broker.ts', '../log/testing/x.ts'] },
      { file: 'metadata/etcd-store.test.ts', specifiers: ['../../test/harness/etcd.ts'] },
      { file: 'log/testing/log-fixture.ts', specifiers: ['./memory-file-system.ts'] },
    ]);
    assert.deepEqual(found, [
      'src/client/client.test.ts imports ../log/testing/x.ts: client may not import log (client may import protocol, util)',
    ]);
  });

  test('reads static, type-only, re-exported and dynamic imports, not comments or strings', () => {
    const text = [
      "import { a } from './a.ts';",
      "import type { B } from '../b/b.ts';",
      "export { c } from './c.ts';",
      "const d = await import('../d/d.ts');",
      "// import { e } from '../e/e.ts';",
      'const f = "import { f } from \'../f/f.ts\'";',
    ].join('\n');
    assert.deepEqual(importSpecifiers(text), ['./a.ts', '../b/b.ts', './c.ts', '../d/d.ts']);
  });

  test('finds a cycle in a table', () => {
    assert.deepEqual(cycleIn({ a: ['b'], b: ['c'], c: ['a'], d: [] }), ['a', 'b', 'c', 'a']);
    assert.equal(cycleIn({ a: ['b'], b: [], c: ['a', 'b'] }), null);
  });
});
