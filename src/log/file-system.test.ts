// One contract suite for both LogFileSystem implementations, so the in-memory
// disk the crash tests rely on behaves like the real one; then the in-memory
// disk's own fault features: losing unfsynced bytes and injected failures.

import assert from 'node:assert/strict';
import { after, describe, it } from 'node:test';
import { isNotFoundError, type LogFileSystem, nodeFileSystem, readFully } from './file-system.ts';
import { realTempDir } from './testing/log-fixture.ts';
import { MemoryFileSystem } from './testing/memory-file-system.ts';

async function contract(name: string, make: () => Promise<{ fs: LogFileSystem; root: string }>) {
  describe(`LogFileSystem contract: ${name}`, () => {
    it('writes and reads at positions, truncates, and extends with zeros', async () => {
      const { fs, root } = await make();
      const file = await fs.open(`${root}/a.log`, { create: true });
      await file.write(Buffer.from('hello'), 0);
      await file.write(Buffer.from('world'), 5);
      await file.write(Buffer.from('W'), 5);
      assert.equal((await file.stat()).sizeBytes, 10);
      assert.equal((await readFully(file, 0, 20)).toString(), 'helloWorld');
      const target = Buffer.alloc(4, '.');
      assert.equal(await file.read(target, 1, 3, 8), 2);
      assert.equal(target.toString(), '.ld.');
      await file.truncate(4);
      assert.equal((await readFully(file, 0, 20)).toString(), 'hell');
      await file.write(Buffer.from('!'), 6);
      assert.deepEqual(await readFully(file, 0, 20), Buffer.from('hell\0\0!'));
      await file.fsync();
      await file.close();
    });

    it('lists, renames and unlinks files and reports missing ones as ENOENT', async () => {
      const { fs, root } = await make();
      await fs.mkdir(`${root}/p-0`);
      await fs.mkdir(`${root}/p-0`);
      const file = await fs.open(`${root}/p-0/x.tmp`, { create: true });
      await file.write(Buffer.from('1'), 0);
      await file.close();
      await fs.rename(`${root}/p-0/x.tmp`, `${root}/p-0/x`);
      await fs.fsyncDirectory(`${root}/p-0`);
      assert.deepEqual(await fs.readdir(`${root}/p-0`), ['x']);
      await assert.rejects(fs.open(`${root}/p-0/x.tmp`, { create: false }), isNotFoundError);
      await fs.unlink(`${root}/p-0/x`);
      await assert.rejects(fs.unlink(`${root}/p-0/x`), isNotFoundError);
      await fs.removeDirectory(`${root}/p-0`);
      await fs.removeDirectory(`${root}/p-0`);
      assert.deepEqual(await fs.readdir(root), []);
    });

    it('renames a directory with everything in it, freeing its name', async () => {
      const { fs, root } = await make();
      await fs.mkdir(`${root}/p-0/sub`);
      const file = await fs.open(`${root}/p-0/sub/x`, { create: true });
      await file.write(Buffer.from('1'), 0);
      await file.close();
      await fs.rename(`${root}/p-0`, `${root}/p-0.aside`);
      assert.deepEqual(await fs.readdir(root), ['p-0.aside']);
      assert.deepEqual(await fs.readdir(`${root}/p-0.aside/sub`), ['x']);
      const moved = await fs.open(`${root}/p-0.aside/sub/x`, { create: false });
      assert.equal((await readFully(moved, 0, 4)).toString(), '1');
      await moved.close();
      await assert.rejects(fs.rename(`${root}/p-0`, `${root}/p-0.again`), isNotFoundError);
      await fs.mkdir(`${root}/p-0`);
      assert.deepEqual(await fs.readdir(`${root}/p-0`), []);
    });

    it('keeps an unlinked file readable through a handle opened before', async () => {
      const { fs, root } = await make();
      const file = await fs.open(`${root}/gone.log`, { create: true });
      await file.write(Buffer.from('still here'), 0);
      await fs.unlink(`${root}/gone.log`);
      assert.equal((await readFully(file, 0, 10)).toString(), 'still here');
      await file.close();
    });
  });
}

const cleanups: Array<() => Promise<void>> = [];
after(async () => {
  for (const cleanup of cleanups) await cleanup();
});

await contract('node:fs', async () => {
  const temp = await realTempDir();
  cleanups.push(temp.remove);
  return { fs: nodeFileSystem, root: temp.dir };
});
await contract('memory', async () => {
  const fs = new MemoryFileSystem();
  await fs.mkdir('/root');
  return { fs, root: '/root' };
});

describe('MemoryFileSystem faults', () => {
  it('loses unfsynced bytes on a crash and keeps a torn prefix when asked', async () => {
    const fs = new MemoryFileSystem();
    await fs.mkdir('/d');
    const file = await fs.open('/d/f', { create: true });
    await file.write(Buffer.from('durable'), 0);
    await file.fsync();
    await file.write(Buffer.from('+lost'), 7);
    await file.write(Buffer.from('D'), 0);
    fs.crash();
    assert.equal(fs.fileBytes('/d/f').toString(), 'durable');
    await assert.rejects(file.read(Buffer.alloc(1), 0, 1, 0), /EBADF/);
    const again = await fs.open('/d/f', { create: false });
    await again.write(Buffer.from('+torn'), 7);
    fs.crash({ keepUnsyncedBytes: 3 });
    assert.equal(fs.fileBytes('/d/f').toString(), 'durable+to');
  });

  it('fails the next matching operation once', async () => {
    const fs = new MemoryFileSystem();
    await fs.mkdir('/d');
    const file = await fs.open('/d/x.log', { create: true });
    fs.failNext('fsync', { pathSuffix: '.log' });
    await assert.rejects(file.fsync(), /EIO/);
    await file.fsync();
  });
});
