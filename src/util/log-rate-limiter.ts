// Bounds how many lines a flood of similar events may write. A client sending
// garbage on purpose, or a full disk failing every produce, must not be able
// to fill the disk with our log: each kind of line gets at most `linesMax` per
// window, and the lines dropped are counted and reported in one summary line
// when the window ends. Kinds are names chosen in code (never text a client
// sent), so the set of them stays small.

/** A window-per-kind line budget; pure apart from the injected clock. */
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
      const dropped = this.takeSuppressed();
      if (dropped > 0) onSuppressed(dropped);
      this.windowStartMs = t;
      this.written = 0;
    }
    if (this.written < this.linesMax) {
      this.written++;
      return true;
    }
    this.suppressed++;
    return false;
  }

  /** The count of lines dropped and not yet reported; reporting it resets it. */
  takeSuppressed(): number {
    const n = this.suppressed;
    this.suppressed = 0;
    return n;
  }
}

export type LogLevel = 'debug' | 'info' | 'warn' | 'error';

/** The part of a pino logger the limiter writes through. */
export type LevelLogger = Record<LogLevel, (fields: object, message: string) => void>;

export interface RateLimitedLogOptions {
  /** Lines of one kind written per window; default 10. */
  readonly linesMax?: number;
  /** Default 10 s. */
  readonly windowMs?: number;
  readonly now?: () => number;
  /** Arms the summary of a window; unref'd timers by default, so it never keeps a process alive. */
  readonly setTimer?: (delayMs: number, run: () => void) => void;
}

const LINES_MAX_DEFAULT = 10;
const WINDOW_MS_DEFAULT = 10_000;
/** Kinds tracked at once; past this a kind without pending drops is forgotten. */
const KINDS_MAX = 256;

function unrefTimer(delayMs: number, run: () => void): void {
  setTimeout(run, delayMs).unref();
}

interface KindState {
  readonly limiter: LogRateLimiter;
  level: LogLevel;
  message: string;
  summaryArmed: boolean;
}

/**
 * Writes lines through `logger`, at most `linesMax` per kind per window. The
 * first line dropped in a window arms a summary, written when the window ends:
 * `{kind, suppressed, windowMs}` at the level of the lines it stands for.
 */
export class RateLimitedLog {
  private readonly kinds = new Map<string, KindState>();
  private readonly linesMax: number;
  private readonly windowMs: number;
  private readonly now: () => number;
  private readonly setTimer: (delayMs: number, run: () => void) => void;

  constructor(
    private readonly logger: LevelLogger,
    options: RateLimitedLogOptions = {},
  ) {
    this.linesMax = options.linesMax ?? LINES_MAX_DEFAULT;
    this.windowMs = options.windowMs ?? WINDOW_MS_DEFAULT;
    this.now = options.now ?? Date.now;
    this.setTimer = options.setTimer ?? unrefTimer;
  }

  log(level: LogLevel, kind: string, fields: object, message: string): void {
    const state = this.stateOf(kind);
    state.level = level;
    state.message = message;
    const allowed = state.limiter.allow((count) => this.summarise(kind, state, count));
    if (allowed) {
      this.logger[level]({ kind, ...fields }, message);
      return;
    }
    if (state.summaryArmed) return;
    state.summaryArmed = true;
    this.setTimer(this.windowMs, () => {
      state.summaryArmed = false;
      const count = state.limiter.takeSuppressed();
      if (count > 0) this.summarise(kind, state, count);
    });
  }

  private summarise(kind: string, state: KindState, count: number): void {
    this.logger[state.level](
      { kind, suppressed: count, windowMs: this.windowMs },
      `suppressed ${count} more log lines like: ${state.message}`,
    );
  }

  private stateOf(kind: string): KindState {
    const known = this.kinds.get(kind);
    if (known !== undefined) return known;
    if (this.kinds.size >= KINDS_MAX) {
      for (const [k, s] of this.kinds) if (!s.summaryArmed) this.kinds.delete(k);
    }
    const state: KindState = {
      limiter: new LogRateLimiter(this.linesMax, this.windowMs, this.now),
      level: 'warn',
      message: '',
      summaryArmed: false,
    };
    this.kinds.set(kind, state);
    return state;
  }
}

const shared = new WeakMap<object, RateLimitedLog>();

/**
 * The rate-limited log of `logger`, one per logger object, so every part that
 * logs through one broker's logger shares the budgets of each kind.
 */
export function rateLimited(logger: LevelLogger): RateLimitedLog {
  let log = shared.get(logger);
  if (log === undefined) {
    log = new RateLimitedLog(logger);
    shared.set(logger, log);
  }
  return log;
}
