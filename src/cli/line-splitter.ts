// Cuts a child process's output stream into whole lines, so the dev cluster can prefix
// each line with its source and look for a readiness line even when a chunk ends mid-line.
// A line longer than lineLengthMax characters is passed on in pieces, not buffered unbounded.

import { StringDecoder } from 'node:string_decoder';

export const lineLengthMaxDefault = 64 * 1024;

export class LineSplitter {
  private readonly decoder = new StringDecoder('utf8');
  private partial = '';

  constructor(
    private readonly onLine: (line: string) => void,
    private readonly lineLengthMax = lineLengthMaxDefault,
  ) {}

  push(chunk: Buffer | string): void {
    const text = typeof chunk === 'string' ? chunk : this.decoder.write(chunk);
    const parts = (this.partial + text).split('\n');
    this.partial = parts.pop() ?? '';
    for (const part of parts) this.onLine(stripCarriageReturn(part));
    while (this.partial.length > this.lineLengthMax) {
      this.onLine(this.partial.slice(0, this.lineLengthMax));
      this.partial = this.partial.slice(this.lineLengthMax);
    }
  }

  /** The stream ended: pass on a last line that had no newline. */
  end(): void {
    const rest = this.partial + this.decoder.end();
    this.partial = '';
    if (rest !== '') this.onLine(stripCarriageReturn(rest));
  }
}

function stripCarriageReturn(line: string): string {
  return line.endsWith('\r') ? line.slice(0, -1) : line;
}
