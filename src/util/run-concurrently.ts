// Runs an async task for each item with at most `limit` in flight: for work
// that waits mostly on the disk (opening partition logs at start-up), where one
// at a time leaves the event loop idle and all at once (thousands of partitions)
// would queue every file operation and read buffer of them together.

/**
 * Calls `task` for each item, at most `limit` at once, starting them in order.
 * Resolves when every task has settled; rejects with the first failure only
 * after the others have settled (tasks that must not stop the rest catch their
 * own errors).
 */
export async function runConcurrently<T>(
  items: readonly T[],
  limit: number,
  task: (item: T) => Promise<void>,
): Promise<void> {
  if (!Number.isInteger(limit) || limit < 1) throw new RangeError(`limit must be >= 1: ${limit}`);
  let next = 0;
  let failure: { err: unknown } | null = null;
  const worker = async (): Promise<void> => {
    while (next < items.length) {
      const item = items[next++]!;
      try {
        await task(item);
      } catch (err) {
        failure ??= { err };
      }
    }
  };
  const workers = Array.from({ length: Math.min(limit, items.length) }, worker);
  await Promise.all(workers);
  if (failure !== null) throw (failure as { err: unknown }).err;
}
