// One prefix watch on etcd, on its own gRPC stream. It remembers the revision it has
// delivered up to, so when the stream breaks it re-subscribes from the next revision:
// no event is skipped or repeated across reconnects. A start revision that etcd has
// compacted away ends the watch with GREGOR_ERR_METADATA_COMPACTED.

import type { IDuplexStream, IWatchRequest, IWatchResponse, WatchClient } from 'etcd3';
import { prefixRange, toKeyValue, toMetaStoreError, toSafeInteger } from './etcd-errors.ts';
import { MetaStoreError, type Watch, type WatchEvent, type WatchListener } from './meta-store.ts';

const reconnectDelayMsMin = 100;
const reconnectDelayMsMax = 2000;

type WatchStream = IDuplexStream<IWatchRequest, IWatchResponse>;

export interface EtcdWatchOptions {
  readonly client: WatchClient;
  readonly prefix: string;
  readonly fromRevision: number;
  readonly listener: WatchListener;
  readonly requestTimeoutMs: number;
  /** Called once when the watch ends, so the store can forget it. */
  readonly onEnd: (watch: EtcdWatch) => void;
}

function toWatchEvents(response: IWatchResponse): WatchEvent[] {
  return response.events.map((event): WatchEvent => {
    const kv = toKeyValue(event.kv);
    // etcd gives a delete event the key and the deleting revision as mod_revision.
    return String(event.type).toLowerCase() === 'delete'
      ? { type: 'delete', key: kv.key, revision: kv.modRevision }
      : { type: 'put', key: kv.key, revision: kv.modRevision, kv };
  });
}

export class EtcdWatch implements Watch {
  readonly prefix: string;
  /** Every event up to this revision has been delivered. */
  private delivered: number;
  private open = true;
  private stream: WatchStream | null = null;
  private reconnectDelayMs = reconnectDelayMsMin;
  private reconnectTimer: NodeJS.Timeout | null = null;
  private onFirstCreated: ((error: MetaStoreError | null) => void) | null = null;

  constructor(private readonly options: EtcdWatchOptions) {
    this.prefix = options.prefix;
    this.delivered = options.fromRevision;
  }

  /** Resolves once etcd has accepted the watch; rejects after the request timeout. */
  start(): Promise<void> {
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        const timeoutMs = this.options.requestTimeoutMs;
        const message = `watch ${this.prefix} not created within ${timeoutMs} ms`;
        this.onFirstCreated?.(new MetaStoreError('GREGOR_ERR_METADATA_TIMEOUT', message));
      }, this.options.requestTimeoutMs);
      this.onFirstCreated = (error) => {
        this.onFirstCreated = null;
        clearTimeout(timer);
        if (error === null) {
          resolve();
          return;
        }
        this.shutDown();
        reject(error);
      };
      this.connect();
    });
  }

  async close(): Promise<void> {
    this.shutDown();
  }

  private shutDown(): void {
    if (!this.open) return;
    this.open = false;
    if (this.reconnectTimer !== null) clearTimeout(this.reconnectTimer);
    this.stream?.cancel();
    this.stream = null;
    this.options.onEnd(this);
  }

  private connect(): void {
    this.reconnectTimer = null;
    if (!this.open) return;
    this.options.client.watch().then(
      (stream) => this.attach(stream),
      (error: unknown) => this.streamDown(null, error),
    );
  }

  private attach(stream: WatchStream): void {
    if (!this.open) {
      stream.cancel();
      return;
    }
    this.stream = stream;
    stream.on('data', (response) => this.handleResponse(stream, response));
    stream.on('error', (error) => this.streamDown(stream, error));
    stream.on('end', () => this.streamDown(stream, new Error('watch stream ended')));
    stream.write({
      create_request: {
        ...prefixRange(this.prefix),
        start_revision: this.delivered + 1,
        progress_notify: true,
      },
    });
  }

  private handleResponse(stream: WatchStream, response: IWatchResponse): void {
    if (stream !== this.stream || !this.open) return;
    if (response.canceled) {
      this.fail(this.cancelError(response));
      return;
    }
    if (response.created) {
      this.reconnectDelayMs = reconnectDelayMsMin;
      this.onFirstCreated?.(null);
      return;
    }
    if (response.events.length === 0) {
      // A progress notification: etcd sends it only when the watch has caught up.
      const revision = toSafeInteger(response.header.revision, 'header revision');
      this.delivered = Math.max(this.delivered, revision);
      return;
    }
    let events: WatchEvent[];
    try {
      events = toWatchEvents(response).filter((event) => event.revision > this.delivered);
    } catch (error) {
      this.fail(toMetaStoreError(error, 'watch event'));
      return;
    }
    const last = events[events.length - 1];
    if (last === undefined) return;
    this.delivered = last.revision;
    try {
      this.options.listener.onEvents(events, this.delivered);
    } catch (error) {
      // A throwing listener is a bug in the caller: stop its watch and make the bug loud.
      this.shutDown();
      queueMicrotask(() => {
        throw error;
      });
    }
  }

  private cancelError(response: IWatchResponse): MetaStoreError {
    const compactRevision = Number(response.compact_revision);
    if (compactRevision > 0) {
      const start = this.delivered + 1;
      const message = `watch ${this.prefix} from ${start}: compacted at ${compactRevision}`;
      return new MetaStoreError('GREGOR_ERR_METADATA_COMPACTED', message);
    }
    const reason = response.cancel_reason === '' ? 'no reason given' : response.cancel_reason;
    return new MetaStoreError('GREGOR_ERR_METADATA_UNAVAILABLE', `watch canceled: ${reason}`);
  }

  private fail(error: MetaStoreError): void {
    if (this.onFirstCreated !== null) {
      this.onFirstCreated(error);
      return;
    }
    this.shutDown();
    this.options.listener.onError(error);
  }

  /** The stream broke (etcd restarted, connection lost): re-subscribe after a backoff. */
  private streamDown(stream: WatchStream | null, error: unknown): void {
    if (!this.open || (stream !== null && stream !== this.stream)) return;
    this.stream?.cancel();
    this.stream = null;
    if (toMetaStoreError(error, 'watch').code === 'GREGOR_ERR_METADATA_CLOSED') {
      this.fail(toMetaStoreError(error, 'watch'));
      return;
    }
    this.reconnectTimer = setTimeout(() => this.connect(), this.reconnectDelayMs);
    this.reconnectDelayMs = Math.min(this.reconnectDelayMs * 2, reconnectDelayMsMax);
  }
}
