// Re-reading a file when it changes, checked when the content is needed (a new connection, an
// authentication) rather than by a watcher: cert-manager and Kubernetes Secret volumes swap
// files through symlinks, which watchers miss and `stat` follows. Concurrent checks share one
// `stat`; a file that fails to parse keeps the last good content, so a half-written rotation
// never takes the listener down.

import { stat } from 'node:fs/promises';

export type FileSignature = string;

/** Modification time, size and inode of each path: changes when any file is replaced. */
export async function signatureOf(paths: readonly string[]): Promise<FileSignature> {
  const parts = await Promise.all(
    paths.map(async (p) => {
      const s = await stat(p);
      return `${p}:${s.mtimeMs}:${s.size}:${s.ino}`;
    }),
  );
  return parts.join('|');
}

export interface ReloadingOptions<T> {
  readonly paths: readonly string[];
  /** Reads and parses the files; throws when they are not usable. */
  readonly load: () => Promise<T>;
  /** Called when a changed file could not be loaded (the previous content stays). */
  readonly onReloadError: (err: unknown) => void;
  readonly onReloaded?: (value: T) => void;
}

export class Reloading<T> {
  private current: { signature: FileSignature; value: T } | null = null;
  private checking: Promise<T> | null = null;

  constructor(private readonly o: ReloadingOptions<T>) {}

  /** Loads the files once; throws when they are not usable (a start-up error). */
  async start(): Promise<T> {
    const signature = await signatureOf(this.o.paths);
    const value = await this.o.load();
    this.current = { signature, value };
    return value;
  }

  /** The content as of now: re-loaded when a file changed since the last look. */
  get(): Promise<T> {
    this.checking ??= this.check().finally(() => {
      this.checking = null;
    });
    return this.checking;
  }

  private async check(): Promise<T> {
    const held = this.current;
    if (held === null) return this.start();
    let signature: FileSignature;
    try {
      signature = await signatureOf(this.o.paths);
    } catch (err) {
      this.o.onReloadError(err);
      return held.value;
    }
    if (signature === held.signature) return held.value;
    try {
      const value = await this.o.load();
      this.current = { signature, value };
      this.o.onReloaded?.(value);
      return value;
    } catch (err) {
      this.o.onReloadError(err);
      return held.value;
    }
  }
}
