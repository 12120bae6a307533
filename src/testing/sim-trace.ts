// What a simulated run did, for replay checks and failure reports: every
// executed event and every notable outcome is folded into a 64-bit FNV-1a hash
// (two runs of one seed must end with the same hash), and the last lines are
// kept to print with a failing seed.

const FNV_OFFSET = 0xcbf29ce484222325n;
const FNV_PRIME = 0x100000001b3n;
const MASK_64 = 0xffffffffffffffffn;

export class SimTrace {
  private hashValue = FNV_OFFSET;
  private readonly tail: string[] = [];
  private lines = 0;

  constructor(private readonly tailLinesMax = 60) {}

  /** Adds one line at simulated time `atMs`. */
  add(atMs: number, line: string): void {
    const text = `${atMs} ${line}`;
    let h = this.hashValue;
    for (let i = 0; i < text.length; i++) {
      h ^= BigInt(text.charCodeAt(i));
      h = (h * FNV_PRIME) & MASK_64;
    }
    h ^= 10n;
    this.hashValue = (h * FNV_PRIME) & MASK_64;
    this.lines += 1;
    this.tail.push(text);
    if (this.tail.length > this.tailLinesMax) this.tail.shift();
  }

  get hash(): string {
    return this.hashValue.toString(16).padStart(16, '0');
  }

  get lineCount(): number {
    return this.lines;
  }

  lastLines(): readonly string[] {
    return this.tail;
  }
}
