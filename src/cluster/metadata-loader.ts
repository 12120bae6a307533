// Keeps a MetadataImage in step with the metadata store: reads everything
// under the cluster root once, then follows a watch from that revision and
// applies each change in revision order. Writers (topic admin, controller)
// wait for `waitForRevision(rev)` so that no broker acts on a change before it
// has come back through the watch (ARCHITECTURE decision 5).

import type { KeyLayout } from '../metadata/key-layout.ts';
import type { KeyValue, MetaStore, Watch, WatchEvent } from '../metadata/meta-store.ts';
import type { Logger } from '../util/logger.ts';
import type {
  BrokerEndpoint,
  MetadataChange,
  MetadataImage,
  PartitionRecord,
  TopicRecord,
} from './metadata-image.ts';

const WATCH_RETRY_MS = 1000;

type ChangeListener = (changes: readonly MetadataChange[]) => void;

export class MetadataLoader {
  private watch: Watch | null = null;
  private stopped = false;
  /** Keys the image was built from, to notice deletions missed while the watch was down. */
  private knownKeys = new Set<string>();
  private readonly waiters: Array<{ revision: number; resolve: () => void }> = [];
  private readonly listeners: ChangeListener[] = [];

  constructor(
    private readonly store: MetaStore,
    private readonly keys: KeyLayout,
    readonly image: MetadataImage,
    private readonly logger: Logger,
  ) {}

  onChanges(listener: ChangeListener): void {
    this.listeners.push(listener);
  }

  async start(): Promise<void> {
    const snapshot = await this.store.range(this.keys.root);
    const changes: MetadataChange[] = [];
    const present = new Set<string>();
    for (const kv of snapshot.kvs) {
      present.add(kv.key);
      const c = this.decode(kv.key, kv);
      if (c !== null) changes.push(c);
    }
    // After a lost watch, keys deleted in the meantime are absent from the
    // fresh read: delete them from the image too.
    for (const key of this.knownKeys) {
      if (present.has(key)) continue;
      const c = this.decode(key, null);
      if (c !== null) changes.unshift(c);
    }
    this.knownKeys = present;
    this.applyAll(changes, snapshot.revision);
    this.watch = await this.store.watch(this.keys.root, snapshot.revision, {
      onEvents: (events, revision) => this.onEvents(events, revision),
      onError: (error) => {
        this.logger.error({ err: error }, 'metadata watch failed; restarting it');
        void this.restart();
      },
    });
  }

  // The image keeps serving while the store is away (produce and fetch go
  // on); the watch is re-established from a fresh read once it answers.
  private async restart(): Promise<void> {
    await this.watch?.close().catch(() => undefined);
    this.watch = null;
    while (!this.stopped) {
      try {
        await this.start();
        this.logger.info({ revision: this.image.revision }, 'metadata watch re-established');
        return;
      } catch (err) {
        this.logger.warn(
          { err },
          'metadata store unreachable; metadata changes wait until it returns',
        );
        await new Promise((r) => setTimeout(r, WATCH_RETRY_MS));
      }
    }
  }

  async stop(): Promise<void> {
    this.stopped = true;
    await this.watch?.close();
    this.watch = null;
    for (const w of this.waiters.splice(0)) w.resolve();
  }

  /** Resolves once the image reflects every change up to `revision`. */
  waitForRevision(revision: number): Promise<void> {
    if (this.image.revision >= revision) return Promise.resolve();
    return new Promise((resolve) => this.waiters.push({ revision, resolve }));
  }

  private onEvents(events: readonly WatchEvent[], revision: number): void {
    const changes: MetadataChange[] = [];
    for (const e of events) {
      if (e.type === 'put') this.knownKeys.add(e.key);
      else this.knownKeys.delete(e.key);
      const c = this.decode(e.key, e.type === 'put' ? e.kv : null);
      if (c !== null) changes.push(c);
    }
    this.applyAll(changes, revision);
  }

  private applyAll(changes: readonly MetadataChange[], revision: number): void {
    for (const c of changes) this.image.apply(c);
    this.image.revision = Math.max(this.image.revision, revision);
    if (changes.length > 0) {
      for (const l of this.listeners) {
        try {
          l(changes);
        } catch (err) {
          this.logger.error({ err }, 'metadata change listener failed');
        }
      }
    }
    for (let i = this.waiters.length - 1; i >= 0; i--) {
      const w = this.waiters[i]!;
      if (w.revision <= this.image.revision) {
        this.waiters.splice(i, 1);
        w.resolve();
      }
    }
  }

  private decode(key: string, kv: KeyValue | null): MetadataChange | null {
    const parsed = this.keys.parse(key);
    if (parsed === null) return null;
    const value = kv === null ? null : parseJson(kv.value, key, this.logger);
    switch (parsed.type) {
      case 'broker':
        return {
          kind: 'broker',
          nodeId: parsed.brokerId,
          endpoint: value as BrokerEndpoint | null,
        };
      case 'topic':
        return { kind: 'topic', name: parsed.topic, record: value as TopicRecord | null };
      case 'partition':
        return {
          kind: 'partition',
          topic: parsed.topic,
          partition: parsed.partition,
          record: value as PartitionRecord | null,
          modRevision: kv?.modRevision ?? 0,
        };
      case 'config':
        if (parsed.resourceType === 'broker') {
          return {
            kind: 'broker-config',
            name: parsed.name,
            configs: value as Record<string, string> | null,
          };
        }
        if (parsed.resourceType !== 'topic') return null;
        return {
          kind: 'topic-config',
          name: parsed.name,
          configs: value as Record<string, string> | null,
        };
      case 'controller': {
        const c = value as { brokerId: number; controllerEpoch: number } | null;
        return {
          kind: 'controller',
          nodeId: c === null ? null : c.brokerId,
          controllerEpoch: c?.controllerEpoch ?? 0,
        };
      }
      default:
        return null;
    }
  }
}

function parseJson(text: string, key: string, logger: Logger): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch (err) {
    logger.error({ err, key }, 'ignoring metadata value that is not JSON');
    return null;
  }
}
