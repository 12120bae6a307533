// Bounds how many lines a flood of similar events may write: at most
// `linesMax` per window, then one summary line with how many were dropped.
// A client sending garbage on purpose must not be able to fill the disk
// with our log.

export class LogRateLimiter {
  private windowStartMs = 0;
  private written = 0;
  private suppressed = 0;

  constructor(
    private readonly linesMax: number,
    private readonly windowMs: number,
    private readonly now: () => number = Date.now,
  ) {}

  /**
   * Returns whether to write this line. When a window closes with lines
   * dropped, `onSuppressed` is called with their count first.
   */
  allow(onSuppressed: (count: number) => void): boolean {
    const t = this.now();
    if (t - this.windowStartMs >= this.windowMs) {
      if (this.suppressed > 0) onSuppressed(this.suppressed);
      this.windowStartMs = t;
      this.written = 0;
      this.suppressed = 0;
    }
    if (this.written < this.linesMax) {
      this.written++;
      return true;
    }
    this.suppressed++;
    return false;
  }
}
