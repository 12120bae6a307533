// A broker's disk in a simulated run: the in-memory file system of log/testing
// (it knows what was fsynced, tears writes on a crash, has a space limit and
// injects EIO), plus latency on simulated time so a slow disk lets other
// events run while an append or fsync is under way. The disk outlives the
// broker's process: a restart opens what the crash left.

import type {
  LogFile,
  LogFileOpenOptions,
  LogFileStat,
  LogFileSystem,
} from '../log/file-system.ts';
import { MemoryFileSystem } from '../log/testing/memory-file-system.ts';
import type { SimRandom } from './sim-random.ts';
import type { SimScheduler } from './sim-scheduler.ts';

export class SimDisk implements LogFileSystem {
  readonly memory: MemoryFileSystem;
  /** Upper bound of each operation's latency; 0 is an instant disk. */
  latencyMsMax = 0;

  constructor(
    private readonly scheduler: SimScheduler,
    private readonly random: SimRandom,
    private readonly owner: number,
    now: () => number,
  ) {
    this.memory = new MemoryFileSystem({ now });
  }

  /** Waits out one operation's latency (never returns if the process dies meanwhile). */
  async latency(): Promise<void> {
    if (this.latencyMsMax <= 0) return;
    await this.scheduler.sleep(this.random.int(0, this.latencyMsMax), this.owner);
  }

  async open(path: string, options: LogFileOpenOptions): Promise<LogFile> {
    await this.latency();
    return new SimFile(this, await this.memory.open(path, options));
  }

  async readdir(dir: string): Promise<string[]> {
    await this.latency();
    return this.memory.readdir(dir);
  }

  async mkdir(dir: string): Promise<void> {
    await this.latency();
    return this.memory.mkdir(dir);
  }

  async unlink(path: string): Promise<void> {
    await this.latency();
    return this.memory.unlink(path);
  }

  async rename(source: string, target: string): Promise<void> {
    await this.latency();
    return this.memory.rename(source, target);
  }

  async removeDirectory(dir: string): Promise<void> {
    await this.latency();
    return this.memory.removeDirectory(dir);
  }

  async fsyncDirectory(dir: string): Promise<void> {
    await this.latency();
    return this.memory.fsyncDirectory(dir);
  }
}

class SimFile implements LogFile {
  constructor(
    private readonly disk: SimDisk,
    private readonly file: LogFile,
  ) {}

  async read(target: Buffer, targetOffset: number, length: number, position: number) {
    await this.disk.latency();
    return this.file.read(target, targetOffset, length, position);
  }

  async write(source: Buffer, position: number): Promise<void> {
    await this.disk.latency();
    return this.file.write(source, position);
  }

  async fsync(): Promise<void> {
    await this.disk.latency();
    return this.file.fsync();
  }

  async truncate(sizeBytes: number): Promise<void> {
    await this.disk.latency();
    return this.file.truncate(sizeBytes);
  }

  async stat(): Promise<LogFileStat> {
    await this.disk.latency();
    return this.file.stat();
  }

  async close(): Promise<void> {
    return this.file.close();
  }
}
