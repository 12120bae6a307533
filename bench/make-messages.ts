// Writes the benchmark's input file: COUNT lines of SIZE printable bytes each,
// which `kcat -P -l FILE` sends as COUNT messages of SIZE bytes.
// Usage: node --import tsx bench/make-messages.ts COUNT SIZE FILE

import { closeSync, openSync, writeSync } from 'node:fs';

const LINES_PER_WRITE = 1000;

function main(argv: readonly string[]): void {
  const [countArg, sizeArg, file] = argv;
  const count = Number(countArg);
  const sizeBytes = Number(sizeArg);
  if (!Number.isInteger(count) || !Number.isInteger(sizeBytes) || file === undefined) {
    throw new Error('usage: make-messages.ts COUNT SIZE FILE');
  }
  const line = Buffer.alloc(sizeBytes + 1, 'x');
  line[sizeBytes] = 0x0a;
  const chunk = Buffer.concat(Array.from({ length: LINES_PER_WRITE }, () => line));
  const fd = openSync(file, 'w');
  try {
    for (let written = 0; written < count; written += LINES_PER_WRITE) {
      const lines = Math.min(LINES_PER_WRITE, count - written);
      writeSync(fd, chunk, 0, lines * line.length);
    }
  } finally {
    closeSync(fd);
  }
}

main(process.argv.slice(2));
