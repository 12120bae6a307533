import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  CheckpointFormatError,
  decodeCheckpoint,
  encodeCheckpoint,
  readCheckpointFile,
  writeCheckpointFile,
} from './checkpoint-file.ts';
import { MemoryFileSystem } from './testing/memory-file-system.ts';

describe('checkpoint files', () => {
  it("uses Kafka's text layout: version, count, one `topic partition offset` per line", () => {
    const text = encodeCheckpoint([
      { topic: 'orders', partition: 3, offset: 42 },
      { topic: 'a.b_c-d', partition: 0, offset: 9_007_199_254_740_991 },
    ]);
    assert.equal(text, '0\n2\norders 3 42\na.b_c-d 0 9007199254740991\n');
    assert.deepEqual(decodeCheckpoint(text)[1], {
      topic: 'a.b_c-d',
      partition: 0,
      offset: 9_007_199_254_740_991,
    });
  });

  it('refuses malformed text', () => {
    for (const text of [
      '1\n0\n',
      '0\n2\norders 3 42\n',
      '0\n1\norders 3\n',
      '0\n1\norders x 1\n',
      '0\n1\no 1 -4\n',
    ]) {
      assert.throws(() => decodeCheckpoint(text), CheckpointFormatError, JSON.stringify(text));
    }
  });

  it('replaces the file atomically: a crash keeps the last complete version', async () => {
    const fs = new MemoryFileSystem();
    await fs.mkdir('/p');
    assert.equal(await readCheckpointFile(fs, '/p/cp'), null);
    await writeCheckpointFile(fs, '/p/cp', [{ topic: 't', partition: 1, offset: 5 }]);
    fs.crash();
    assert.deepEqual(await readCheckpointFile(fs, '/p/cp'), [
      { topic: 't', partition: 1, offset: 5 },
    ]);
    fs.failNext('rename');
    await assert.rejects(
      writeCheckpointFile(fs, '/p/cp', [{ topic: 't', partition: 1, offset: 6 }]),
    );
    fs.crash();
    assert.deepEqual(await readCheckpointFile(fs, '/p/cp'), [
      { topic: 't', partition: 1, offset: 5 },
    ]);
    assert.deepEqual(await fs.readdir('/p'), ['cp', 'cp.tmp']);
  });
});
