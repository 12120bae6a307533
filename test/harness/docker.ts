// Docker for the image test, on machines that cannot pull from a registry: a Debian bookworm
// base made with debootstrap (imported once per machine and Node version) with this
// machine's Node binary copied in, and the Gregor image built on it from a context
// staged by scripts/stage-image.mjs. Containers run with host networking only.

import { execFile } from 'node:child_process';
import { chmod, copyFile, mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';

const execFileAsync = promisify(execFile);
const ROOT = join(import.meta.dirname, '..', '..');

/** The legacy builder: BuildKit needs buildx, which Debian's docker.io does not ship. */
const DOCKER_ENV = { ...process.env, DOCKER_BUILDKIT: '0' };

export async function docker(args: readonly string[], timeoutMs = 120_000): Promise<string> {
  try {
    const { stdout } = await execFileAsync('docker', [...args], {
      env: DOCKER_ENV,
      timeout: timeoutMs,
      maxBuffer: 64 * 1024 * 1024,
    });
    return stdout;
  } catch (err) {
    const e = err as { stderr?: string; message: string };
    throw new Error(`docker ${args.join(' ')} failed: ${e.stderr ?? e.message}`);
  }
}

/** Throws a message saying what to install or start when docker is not usable. */
export async function requireDocker(): Promise<void> {
  try {
    await docker(['info', '--format', '{{.ServerVersion}}'], 20_000);
  } catch (err) {
    throw new Error(
      'docker is not usable (scripts/test.sh installs docker.io and starts dockerd as root): ' +
        (err as Error).message,
    );
  }
}

async function imageExists(ref: string): Promise<boolean> {
  try {
    await docker(['image', 'inspect', ref], 20_000);
    return true;
  } catch {
    return false;
  }
}

/**
 * `gregor-test-base:node-<version>`: Debian bookworm (debootstrap's minbase) with this
 * machine's node on the PATH, imported once; later runs on the machine reuse the image.
 */
export async function localNodeBase(): Promise<string> {
  const ref = `gregor-test-base:node-${process.version.slice(1)}`;
  if (await imageExists(ref)) return ref;
  const rootfs = await mkdtemp(join(tmpdir(), 'gregor-rootfs-'));
  try {
    await execFileAsync('debootstrap', ['--variant=minbase', 'bookworm', rootfs], {
      timeout: 600_000,
      maxBuffer: 64 * 1024 * 1024,
    });
    // Package lists, caches and documentation: half the size, none of it needed to run node.
    for (const sub of ['var/cache/apt', 'var/lib/apt/lists', 'usr/share/doc', 'usr/share/man']) {
      const path = join(rootfs, sub);
      for (const entry of await readdir(path).catch(() => [] as string[]))
        await rm(join(path, entry), { recursive: true, force: true });
    }
    await copyFile(process.execPath, join(rootfs, 'usr', 'local', 'bin', 'node'));
    await chmod(join(rootfs, 'usr', 'local', 'bin', 'node'), 0o755);
    await execFileAsync('sh', ['-c', `tar -C '${rootfs}' -c . | docker import - '${ref}'`], {
      env: DOCKER_ENV,
      timeout: 300_000,
    });
  } finally {
    await rm(rootfs, { recursive: true, force: true });
  }
  return ref;
}

/** Builds deploy/Dockerfile on `base` from a staged copy of this checkout; returns the tag. */
export async function buildGregorImage(base: string, tag: string): Promise<void> {
  const context = join(await mkdtemp(join(tmpdir(), 'gregor-image-')), 'context');
  try {
    await execFileAsync(process.execPath, [join(ROOT, 'scripts', 'stage-image.mjs'), context], {
      timeout: 120_000,
    });
    await docker(
      [
        'build',
        '-q',
        '-f',
        join(context, 'deploy', 'Dockerfile'),
        '--build-arg',
        `BASE_IMAGE=${base}`,
        '-t',
        tag,
        context,
      ],
      300_000,
    );
  } finally {
    await rm(join(context, '..'), { recursive: true, force: true });
  }
}
