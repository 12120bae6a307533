import assert from 'node:assert/strict';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { nodeFileSystem } from './file-system.ts';
import {
  decodeMetaProperties,
  encodeMetaProperties,
  MetaPropertiesFormatError,
  readMetaProperties,
  writeMetaProperties,
} from './meta-properties.ts';

describe('meta.properties', () => {
  it('is written in Kafka’s format and read back', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'gregor-meta-'));
    try {
      assert.equal(await readMetaProperties(nodeFileSystem, dir), null);
      await writeMetaProperties(nodeFileSystem, dir, {
        clusterId: 'MkU3OEVBNTcwNTJENDM2Qg',
        nodeId: 3,
      });
      const text = await readFile(join(dir, 'meta.properties'), 'utf8');
      assert.match(text, /^version=1$/m);
      assert.match(text, /^cluster\.id=MkU3OEVBNTcwNTJENDM2Qg$/m);
      assert.match(text, /^node\.id=3$/m);
      assert.deepEqual(await readMetaProperties(nodeFileSystem, dir), {
        clusterId: 'MkU3OEVBNTcwNTJENDM2Qg',
        nodeId: 3,
      });
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('reads what Kafka writes: comments, broker.id of version 0, no node at all', () => {
    const kraft = '#\n#Tue Mar 05 10:00:00 UTC 2024\nnode.id=1\nversion=1\ncluster.id=abc\n';
    assert.deepEqual(decodeMetaProperties(kraft), { clusterId: 'abc', nodeId: 1 });
    assert.deepEqual(decodeMetaProperties('version=0\nbroker.id=7\ncluster.id=abc\n'), {
      clusterId: 'abc',
      nodeId: 7,
    });
    assert.deepEqual(decodeMetaProperties('cluster.id=abc'), { clusterId: 'abc', nodeId: null });
    assert.deepEqual(decodeMetaProperties(encodeMetaProperties({ clusterId: 'x', nodeId: null })), {
      clusterId: 'x',
      nodeId: null,
    });
  });

  it('treats a file that names no cluster as no claim', () => {
    assert.equal(decodeMetaProperties(''), null);
    assert.equal(decodeMetaProperties('version=1\nnode.id=2\ncluster.id=\n'), null);
  });

  it('refuses a malformed file with a Gregor code naming the path', async () => {
    assert.throws(
      () => decodeMetaProperties('cluster.id=a\nnode.id=x\n'),
      MetaPropertiesFormatError,
    );
    assert.throws(() => decodeMetaProperties('cluster.id=a\ngarbage\n'), MetaPropertiesFormatError);
    const dir = await mkdtemp(join(tmpdir(), 'gregor-meta-'));
    try {
      await writeFile(join(dir, 'meta.properties'), 'cluster.id=a\nnode.id=-1\n');
      await assert.rejects(readMetaProperties(nodeFileSystem, dir), (err: Error) => {
        assert.ok(err instanceof MetaPropertiesFormatError);
        assert.equal(err.code, 'GREGOR_ERR_META_PROPERTIES_INVALID');
        assert.match(err.message, /^GREGOR_ERR_META_PROPERTIES_INVALID: .*meta\.properties: /);
        return true;
      });
      await writeFile(join(dir, 'meta.properties'), 'x'.repeat(5000));
      await assert.rejects(readMetaProperties(nodeFileSystem, dir), /too large/);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
