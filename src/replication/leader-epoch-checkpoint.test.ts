// The leader-epoch-checkpoint file: Kafka's text format both ways, strict
// parsing, and atomic replacement on the in-memory disk (a crash between the
// .tmp write and the rename leaves the old file whole).

import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { MemoryFileSystem } from '../log/testing/memory-file-system.ts';
import {
  decodeLeaderEpochCheckpoint,
  encodeLeaderEpochCheckpoint,
  LEADER_EPOCH_CHECKPOINT,
  LEADER_EPOCH_CHECKPOINT_TMP,
  LeaderEpochCheckpointFormatError,
  readLeaderEpochCheckpoint,
  writeLeaderEpochCheckpoint,
} from './leader-epoch-checkpoint.ts';

const DIR = '/data/orders-0';

describe('format', () => {
  test('version line, count, then one "<epoch> <startOffset>" line per entry', () => {
    const entries = [
      { epoch: 0, startOffset: 0 },
      { epoch: 3, startOffset: 1200 },
      { epoch: 12, startOffset: 9_007_199_254_740_000 },
    ];
    const text = encodeLeaderEpochCheckpoint(entries);
    assert.equal(text, '0\n3\n0 0\n3 1200\n12 9007199254740000\n');
    assert.deepEqual(decodeLeaderEpochCheckpoint(text), entries);
    assert.equal(encodeLeaderEpochCheckpoint([]), '0\n0\n');
    assert.deepEqual(decodeLeaderEpochCheckpoint('0\n0\n'), []);
  });

  for (const [what, text] of [
    ['an unknown version', '1\n1\n0 0\n'],
    ['an empty file', ''],
    ['a count that does not match the lines', '0\n2\n0 0\n'],
    ['a non-numeric count', '0\nx\n'],
    ['a line with three fields', '0\n1\n0 0 0\n'],
    ['a negative offset', '0\n1\n1 -5\n'],
    ['a torn line', '0\n2\n1 0\n4 \n'],
    ['epochs out of order', '0\n2\n4 10\n3 20\n'],
    ['start offsets out of order', '0\n2\n3 20\n4 10\n'],
  ] as const) {
    test(`rejects ${what}`, () => {
      assert.throws(() => decodeLeaderEpochCheckpoint(text), LeaderEpochCheckpointFormatError);
    });
  }
});

describe('file', () => {
  test('missing reads as null; written then read back gives the same entries', async () => {
    const fs = new MemoryFileSystem();
    await fs.mkdir(DIR);
    assert.equal(await readLeaderEpochCheckpoint(fs, DIR), null);
    const entries = [
      { epoch: 1, startOffset: 0 },
      { epoch: 2, startOffset: 40 },
    ];
    await writeLeaderEpochCheckpoint(fs, DIR, entries);
    assert.deepEqual(await readLeaderEpochCheckpoint(fs, DIR), entries);
    assert.equal(fs.exists(`${DIR}/${LEADER_EPOCH_CHECKPOINT_TMP}`), false);
  });

  test('a crash between writing the .tmp file and the rename leaves the old file valid', async () => {
    const fs = new MemoryFileSystem();
    await fs.mkdir(DIR);
    const old = [{ epoch: 1, startOffset: 0 }];
    await writeLeaderEpochCheckpoint(fs, DIR, old);
    fs.failNext('rename', { pathSuffix: LEADER_EPOCH_CHECKPOINT_TMP });
    await assert.rejects(
      writeLeaderEpochCheckpoint(fs, DIR, [...old, { epoch: 2, startOffset: 50 }]),
      /injected rename failure/,
    );
    fs.crash();
    assert.deepEqual(await readLeaderEpochCheckpoint(fs, DIR), old);
    assert.equal(
      fs.fileBytes(`${DIR}/${LEADER_EPOCH_CHECKPOINT}`).toString(),
      '0\n1\n1 0\n',
      'the old bytes, untouched',
    );
  });

  test('a malformed file is a format error, not a crash', async () => {
    const fs = new MemoryFileSystem();
    await fs.mkdir(DIR);
    fs.writeFileBytes(`${DIR}/${LEADER_EPOCH_CHECKPOINT}`, Buffer.from('0\n3\n1 0\n'));
    await assert.rejects(readLeaderEpochCheckpoint(fs, DIR), LeaderEpochCheckpointFormatError);
  });
});
