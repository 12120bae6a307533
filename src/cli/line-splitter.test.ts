// LineSplitter: whole lines out of arbitrary chunks, multi-byte characters cut across
// chunks, CRLF, a last line without newline, and the bound on an endless line.

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { LineSplitter } from './line-splitter.ts';

function collect(lineLengthMax?: number): { lines: string[]; splitter: LineSplitter } {
  const lines: string[] = [];
  return { lines, splitter: new LineSplitter((line) => lines.push(line), lineLengthMax) };
}

describe('LineSplitter', () => {
  it('joins a line split over chunks and splits several lines in one chunk', () => {
    const { lines, splitter } = collect();
    splitter.push(Buffer.from('{"msg":"Gregor bro'));
    assert.deepEqual(lines, []);
    splitter.push(Buffer.from('ker started"}\nsecond\nthi'));
    splitter.push('rd\r\n');
    assert.deepEqual(lines, ['{"msg":"Gregor broker started"}', 'second', 'third']);
  });

  it('keeps a multi-byte character cut between two chunks', () => {
    const { lines, splitter } = collect();
    const bytes = Buffer.from('grüße\n');
    splitter.push(bytes.subarray(0, 3));
    splitter.push(bytes.subarray(3));
    assert.deepEqual(lines, ['grüße']);
  });

  it('passes on a last line without newline at end()', () => {
    const { lines, splitter } = collect();
    splitter.push('done\npartial');
    splitter.end();
    splitter.end();
    assert.deepEqual(lines, ['done', 'partial']);
  });

  it('cuts a line longer than the limit instead of buffering it all', () => {
    const { lines, splitter } = collect(4);
    splitter.push('abcdefghij');
    assert.deepEqual(lines, ['abcd', 'efgh']);
    splitter.push('\n');
    assert.deepEqual(lines, ['abcd', 'efgh', 'ij']);
  });
});
