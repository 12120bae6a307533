// Tells the world's failures from our bugs, for logging: an error the world
// caused (a failed system call such as ENOSPC or ECONNRESET, or one of our
// errors that carries a Kafka error code or a stable GREGOR_ERR_* code) is
// logged as one line with its message; anything else is a bug in Gregor and is
// logged with its stack. Structural, so util/ imports none of the parts whose
// errors it recognises.

const ERRNO_CODE = /^E[A-Z0-9]+$/;
const GREGOR_CODE = /^GREGOR_ERR_[A-Z0-9_]+$/;

export function isOperatingError(err: unknown): boolean {
  if (!(err instanceof Error)) return false;
  const { code, errorCode } = err as Error & { code?: unknown; errorCode?: unknown };
  if (typeof errorCode === 'number') return true; // a log error with its Kafka code
  if (typeof code === 'number') return true; // KafkaError
  return typeof code === 'string' && (ERRNO_CODE.test(code) || GREGOR_CODE.test(code));
}

/** One line's worth of an operating error: its message and code, no stack. */
export function describeOperatingError(err: unknown): { reason: string; code?: string | number } {
  if (!(err instanceof Error)) return { reason: String(err) };
  const { code, errorCode } = err as Error & { code?: unknown; errorCode?: unknown };
  const c = typeof errorCode === 'number' ? errorCode : code;
  return typeof c === 'string' || typeof c === 'number'
    ? { reason: err.message, code: c }
    : { reason: err.message };
}
