import assert from 'node:assert/strict';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { nodeFileSystem } from './file-system.ts';
import {
  decodePartitionMetadata,
  encodePartitionMetadata,
  PartitionMetadataFormatError,
  readPartitionMetadata,
  writePartitionMetadata,
} from './partition-metadata-file.ts';

describe('partition.metadata', () => {
  it('is written in Kafka’s format and read back', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'gregor-pm-'));
    try {
      assert.equal(await readPartitionMetadata(nodeFileSystem, dir), null);
      await writePartitionMetadata(nodeFileSystem, dir, 'vhWgXR-k_mmMOS2A4M_kCg');
      assert.equal(
        await readFile(join(dir, 'partition.metadata'), 'utf8'),
        'version: 0\ntopic_id: vhWgXR-k_mmMOS2A4M_kCg\n',
      );
      assert.equal(await readPartitionMetadata(nodeFileSystem, dir), 'vhWgXR-k_mmMOS2A4M_kCg');
      await writeFile(join(dir, 'partition.metadata'), 'version: 1\ntopic_id: x\n');
      await assert.rejects(
        readPartitionMetadata(nodeFileSystem, dir),
        PartitionMetadataFormatError,
      );
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('accepts what Kafka writes and rejects what it would not', () => {
    assert.equal(
      decodePartitionMetadata(encodePartitionMetadata('AAAAAAAAAAAAAAAAAAAAAA')),
      'AAAAAAAAAAAAAAAAAAAAAA',
    );
    assert.equal(decodePartitionMetadata('version: 0\r\ntopic_id: abc\r\n'), 'abc');
    assert.throws(() => decodePartitionMetadata('version: 0\n'), /no topic_id/);
    assert.throws(() => decodePartitionMetadata('topic_id: abc\n'), /unknown version/);
    assert.throws(() => decodePartitionMetadata('version 0\n'), /malformed line/);
  });
});
