// A single self-overwriting status line on a terminal (carriage return, clear
// to end of line), redrawn at most a few times a second; on anything that is
// not a TTY it writes nothing, so piped and captured output stays clean.

const REDRAW_INTERVAL_MS = 200;

export interface ProgressStream {
  readonly isTTY?: boolean;
  write(text: string): boolean;
}

export class ProgressLine {
  private lastDrawMs = 0;
  private drawn = false;

  constructor(
    private readonly stream: ProgressStream,
    private readonly now: () => number = Date.now,
  ) {}

  get enabled(): boolean {
    return this.stream.isTTY === true;
  }

  /** Redraws the line with `text` unless it was drawn very recently. */
  update(text: string): void {
    if (!this.enabled) return;
    const t = this.now();
    if (this.drawn && t - this.lastDrawMs < REDRAW_INTERVAL_MS) return;
    this.lastDrawMs = t;
    this.drawn = true;
    this.stream.write(`\r\x1b[2K${text}`);
  }

  /** Erases the line so that following output starts clean. */
  clear(): void {
    if (!this.enabled || !this.drawn) return;
    this.stream.write('\r\x1b[2K');
    this.drawn = false;
  }
}
