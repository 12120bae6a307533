// AlterClientQuotas' writes: each entity's quotas live at `quotas/<entity>`
// (key layout in metadata/key-layout.ts) as `{ "producer_byte_rate": 1048576,
// ... }`; an alteration sets and removes keys with a compare-and-set on the
// entity's key (deleting it when nothing is left) and answers once this
// broker's metadata watch has the change; every other broker learns of it
// through its own watch, in order.

import type { KeyLayout, QuotaEntityPart } from '../metadata/key-layout.ts';
import { deleteOp, ifModRevision, type MetaStore, putOp } from '../metadata/meta-store.ts';
import { ErrorCode } from '../protocol/error-codes.ts';
import {
  decodeValues,
  entityKey,
  entityProblem,
  quotaValueProblem,
} from './client-quota-config.ts';

const CAS_ATTEMPTS_MAX = 20;

export interface QuotaOp {
  readonly key: string;
  readonly value: number;
  readonly remove: boolean;
}

export interface QuotaAlteration {
  readonly entity: readonly { readonly type: string; readonly name: string | null }[];
  readonly ops: readonly QuotaOp[];
}

export interface QuotaAlterResult {
  readonly errorCode: number;
  readonly errorMessage: string | null;
}

export interface ClientQuotaStoreOptions {
  readonly store: MetaStore;
  readonly keys: KeyLayout;
  readonly waitForRevision: (revision: number) => Promise<void>;
}

function invalid(errorMessage: string): QuotaAlterResult {
  return { errorCode: ErrorCode.INVALID_REQUEST, errorMessage };
}

/** Kafka's checks of one alteration, before anything is written. */
function alterationProblem(a: QuotaAlteration): string | null {
  const problem = entityProblem(a.entity);
  if (problem !== null) return problem;
  const seen = new Set<string>();
  for (const op of a.ops) {
    if (seen.has(op.key)) return `Duplicate quota key ${op.key} not updating quota for this entity`;
    seen.add(op.key);
    if (op.remove) {
      const known = quotaValueProblem(op.key, 1);
      if (known !== null) return known;
    } else {
      const bad = quotaValueProblem(op.key, op.value);
      if (bad !== null) return bad;
    }
  }
  return null;
}

export class ClientQuotaStore {
  constructor(private readonly o: ClientQuotaStoreOptions) {}

  async alter(
    alterations: readonly QuotaAlteration[],
    validateOnly: boolean,
  ): Promise<QuotaAlterResult[]> {
    const results: QuotaAlterResult[] = [];
    const seen = new Set<string>();
    let revision = 0;
    for (const a of alterations) {
      const problem = alterationProblem(a);
      if (problem !== null) {
        results.push(invalid(problem));
        continue;
      }
      const parts = a.entity.map((p) => ({ type: p.type, name: p.name })) as QuotaEntityPart[];
      const k = entityKey(parts);
      if (seen.has(k)) {
        results.push(invalid(`Ignoring duplicate entity ${k}`));
        continue;
      }
      seen.add(k);
      if (validateOnly) {
        results.push({ errorCode: ErrorCode.NONE, errorMessage: null });
        continue;
      }
      try {
        revision = Math.max(revision, await this.write(this.o.keys.quota(parts), a.ops));
        results.push({ errorCode: ErrorCode.NONE, errorMessage: null });
      } catch (err) {
        results.push({ errorCode: ErrorCode.UNKNOWN_SERVER_ERROR, errorMessage: String(err) });
      }
    }
    if (revision > 0) await this.o.waitForRevision(revision);
    return results;
  }

  private async write(key: string, ops: readonly QuotaOp[]): Promise<number> {
    for (let attempt = 0; attempt < CAS_ATTEMPTS_MAX; attempt++) {
      const kv = await this.o.store.get(key);
      const current: Record<string, number> = {
        ...(kv === null ? {} : (decodeValues(parseJson(kv.value)) ?? {})),
      };
      for (const op of ops) {
        if (op.remove) delete current[op.key];
        else current[op.key] = op.value;
      }
      const empty = Object.keys(current).length === 0;
      if (kv === null && empty) return 0;
      const op = empty ? deleteOp(key) : putOp(key, JSON.stringify(current));
      const r = await this.o.store.txn([ifModRevision(key, '=', kv?.modRevision ?? 0)], [op], []);
      if (r.succeeded) return r.revision;
    }
    throw new Error(`quotas at ${key} kept changing under ${CAS_ATTEMPTS_MAX} attempts`);
  }
}

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return null;
  }
}
