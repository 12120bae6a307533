// ACL writes: CreateAcls and DeleteAcls change the `acls/...` keys of the
// metadata store, each pattern's key with a compare-and-set on its revision
// (retried when another writer got there first), and answer once the change
// has come back through this broker's metadata watch (ARCHITECTURE decision
// 5) — every other broker learns of it through its own watch, in order.

import type { KeyLayout } from '../metadata/key-layout.ts';
import { deleteOp, ifModRevision, type MetaStore, type Op, putOp } from '../metadata/meta-store.ts';
import { ErrorCode } from '../protocol/error-codes.ts';
import {
  type AccessControlEntry,
  type AclBinding,
  type AclBindingFilter,
  entryMatches,
  filterProblem,
  newBindingProblem,
  patternMatches,
  type ResourcePattern,
  sameEntry,
} from './acl-binding.ts';
import { decodeEntries, encodeEntries, patternFromKey, patternKeySegments } from './acl-records.ts';

/** Attempts at one key's compare-and-set before giving up with an error. */
const CAS_ATTEMPTS_MAX = 20;

export interface AclWriteError {
  readonly errorCode: number;
  readonly errorMessage: string | null;
}

export interface DeleteFilterResult extends AclWriteError {
  /** The bindings the filter matched and that were deleted. */
  readonly deleted: readonly AclBinding[];
}

export interface AclStoreOptions {
  readonly store: MetaStore;
  readonly keys: KeyLayout;
  /** Resolves once the metadata image (and so the authorizer) has seen `revision`. */
  readonly waitForRevision: (revision: number) => Promise<void>;
}

interface StoredPattern {
  readonly key: string;
  readonly pattern: ResourcePattern;
  readonly entries: AccessControlEntry[];
  readonly modRevision: number;
}

const OK: AclWriteError = { errorCode: ErrorCode.NONE, errorMessage: null };

export class AclStore {
  constructor(private readonly o: AclStoreOptions) {}

  private keyOf(p: ResourcePattern): string {
    const s = patternKeySegments(p);
    return this.o.keys.acl(s.resourceType, s.patternType, p.name);
  }

  /** Adds each binding (an existing one is left as it is); one result per binding. */
  async createAcls(bindings: readonly AclBinding[]): Promise<AclWriteError[]> {
    const results: AclWriteError[] = bindings.map((b) => {
      const problem = newBindingProblem(b);
      return problem === null
        ? OK
        : { errorCode: ErrorCode.INVALID_REQUEST, errorMessage: problem };
    });
    const byKey = new Map<string, { pattern: ResourcePattern; indexes: number[] }>();
    bindings.forEach((b, i) => {
      if (results[i] !== OK) return;
      const key = this.keyOf(b.pattern);
      const group = byKey.get(key) ?? { pattern: b.pattern, indexes: [] };
      group.indexes.push(i);
      byKey.set(key, group);
    });
    let revision = 0;
    for (const [key, group] of byKey) {
      const wanted = group.indexes.map((i) => bindings[i]!.entry);
      try {
        revision = Math.max(
          revision,
          await this.update(key, (current) => {
            const next = [...current];
            for (const e of wanted) if (!next.some((c) => sameEntry(c, e))) next.push(e);
            return next.length === current.length ? null : next;
          }),
        );
      } catch (err) {
        const failed = { errorCode: ErrorCode.UNKNOWN_SERVER_ERROR, errorMessage: String(err) };
        for (const i of group.indexes) results[i] = failed;
      }
    }
    if (revision > 0) await this.o.waitForRevision(revision);
    return results;
  }

  /** Deletes every binding each filter matches; one result per filter. */
  async deleteAcls(filters: readonly AclBindingFilter[]): Promise<DeleteFilterResult[]> {
    const results: DeleteFilterResult[] = filters.map((f) => {
      const problem = filterProblem(f);
      return problem === null
        ? { ...OK, deleted: [] }
        : { errorCode: ErrorCode.INVALID_REQUEST, errorMessage: problem, deleted: [] };
    });
    const usable = filters.map((f, i) => (results[i]!.errorCode === ErrorCode.NONE ? f : null));
    const stored = await this.readAll();
    const deleted: AclBinding[][] = filters.map(() => []);
    let revision = 0;
    for (const sp of stored) {
      const hit = usable.map((f) => f !== null && patternMatches(f.pattern, sp.pattern));
      if (!hit.some(Boolean)) continue;
      // Recomputed on each attempt of the compare-and-set; kept from the one that wrote.
      let removed: Array<{ index: number; entry: AccessControlEntry }> = [];
      try {
        const written = await this.update(sp.key, (current) => {
          removed = [];
          const keep = current.filter((entry) => {
            let matched = false;
            usable.forEach((f, index) => {
              if (f === null || !hit[index] || !entryMatches(f.entry, entry)) return;
              matched = true;
              removed.push({ index, entry });
            });
            return !matched;
          });
          return keep.length === current.length ? null : keep;
        });
        revision = Math.max(revision, written);
        for (const r of removed) deleted[r.index]!.push({ pattern: sp.pattern, entry: r.entry });
      } catch (err) {
        usable.forEach((f, i) => {
          if (f === null || !hit[i]) return;
          const errorMessage = String(err);
          results[i] = { errorCode: ErrorCode.UNKNOWN_SERVER_ERROR, errorMessage, deleted: [] };
        });
      }
    }
    if (revision > 0) await this.o.waitForRevision(revision);
    return results.map((r, i) =>
      r.errorCode === ErrorCode.NONE ? { ...r, deleted: dedupe(deleted[i]!) } : r,
    );
  }

  private async readAll(): Promise<StoredPattern[]> {
    const range = await this.o.store.range(this.o.keys.aclsPrefix());
    const out: StoredPattern[] = [];
    for (const kv of range.kvs) {
      const parsed = this.o.keys.parse(kv.key);
      if (parsed?.type !== 'acl') continue;
      const pattern = patternFromKey(parsed.resourceType, parsed.patternType, parsed.name);
      if (pattern === null) continue;
      out.push({
        key: kv.key,
        pattern,
        entries: decodeEntries(parseJson(kv.value)).entries,
        modRevision: kv.modRevision,
      });
    }
    return out;
  }

  /**
   * Rewrites one pattern's entries with `change` (null: nothing to write), compared on
   * the key's revision; returns the revision written, or 0 when nothing changed. A
   * change that `change` decides more than once (after a lost race) is recomputed from
   * the fresh value, so `change` must be safe to call again.
   */
  private async update(
    key: string,
    change: (current: readonly AccessControlEntry[]) => AccessControlEntry[] | null,
  ): Promise<number> {
    for (let attempt = 0; attempt < CAS_ATTEMPTS_MAX; attempt++) {
      const kv = await this.o.store.get(key);
      const current = kv === null ? [] : decodeEntries(parseJson(kv.value)).entries;
      const next = change(current);
      if (next === null) return 0;
      const op: Op = next.length === 0 ? deleteOp(key) : putOp(key, encodeEntries(next));
      const r = await this.o.store.txn([ifModRevision(key, '=', kv?.modRevision ?? 0)], [op], []);
      if (r.succeeded) return r.revision;
    }
    throw new Error(`ACLs at ${key} kept changing under ${CAS_ATTEMPTS_MAX} attempts`);
  }
}

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return null;
  }
}

function dedupe(bindings: readonly AclBinding[]): AclBinding[] {
  const seen = new Set<string>();
  return bindings.filter((b) => {
    const k = JSON.stringify([b.pattern, b.entry]);
    if (seen.has(k)) return false;
    seen.add(k);
    return true;
  });
}
