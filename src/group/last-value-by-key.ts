// The last value of each key while a __consumer_offsets partition is read for
// a load, keyed on the key's raw bytes: what log compaction would leave, built
// without a string, a Buffer or an object per record read. Keys and values are
// copied into two growing byte arenas and located through an open-addressing
// hash table over typed arrays; a key's new value overwrites its old one in
// place when it fits (an offset commit's value keeps its size), so the value
// arena stays near the size of the live values however many records are read.

/** Entries the table starts with room for (it doubles as needed). */
const INITIAL_ENTRIES = 1024;
const INITIAL_ARENA_BYTES = 64 * 1024;
/** The value arena is compacted once it is this many times the live values (and past the floor). */
const VALUE_GARBAGE_FACTOR = 2;
const VALUE_COMPACT_FLOOR_BYTES = 1024 * 1024;

/** One surviving record: its key, its last value (null for a tombstone) and that value's offset. */
export interface LastValue {
  readonly key: Buffer;
  readonly value: Buffer | null;
  readonly offset: number;
}

export class LastValueByKey {
  /** Slot -> entry index + 1; 0 is an empty slot. Its length is a power of two. */
  private slots: Int32Array = new Int32Array(INITIAL_ENTRIES * 2);
  private hashes: Int32Array = new Int32Array(INITIAL_ENTRIES);
  private keyAt: Int32Array = new Int32Array(INITIAL_ENTRIES);
  private keyLength: Int32Array = new Int32Array(INITIAL_ENTRIES);
  private valueAt: Int32Array = new Int32Array(INITIAL_ENTRIES);
  /** -1 for a tombstone. */
  private valueLength: Int32Array = new Int32Array(INITIAL_ENTRIES);
  /** Bytes reserved for the entry's value at valueAt (at least its length). */
  private valueRoom: Int32Array = new Int32Array(INITIAL_ENTRIES);
  private offsets: Float64Array = new Float64Array(INITIAL_ENTRIES);
  /** When each entry was last set: the order of the last records. */
  private setAt: Float64Array = new Float64Array(INITIAL_ENTRIES);
  private keyBytes: Buffer = Buffer.allocUnsafe(INITIAL_ARENA_BYTES);
  private keyUsed = 0;
  private valueBytes: Buffer = Buffer.allocUnsafe(INITIAL_ARENA_BYTES);
  private valueUsed = 0;
  /** Bytes of valueBytes reserved by entries; the rest are overwritten values. */
  private valueReserved = 0;
  private count = 0;
  private sets = 0;

  /** Bytes the two arenas hold (live keys and values, plus overwritten values not yet compacted). */
  get arenaBytes(): number {
    return this.keyBytes.length + this.valueBytes.length;
  }

  /** Keys held. */
  get size(): number {
    return this.count;
  }

  /**
   * Records `key` = `value` (valueLength -1: a tombstone) as of `offset`,
   * replacing what the key held. The bytes are copied: the sources may be reused.
   */
  set(
    keySource: Buffer,
    keyStart: number,
    keyLength: number,
    valueSource: Buffer,
    valueStart: number,
    valueLength: number,
    offset: number,
  ): void {
    const hash = hashBytes(keySource, keyStart, keyLength);
    const mask = this.slots.length - 1;
    let slot = hash & mask;
    let entry = -1;
    for (;;) {
      const held = this.slots[slot]!;
      if (held === 0) break;
      const e = held - 1;
      if (this.hashes[e] === hash && this.sameKey(e, keySource, keyStart, keyLength)) {
        entry = e;
        break;
      }
      slot = (slot + 1) & mask;
    }
    if (entry < 0) {
      entry = this.addEntry(hash, keySource, keyStart, keyLength);
      this.slots[slot] = entry + 1;
      if (this.count * 2 > this.slots.length) this.rehash(this.slots.length * 2);
    }
    this.storeValue(entry, valueSource, valueStart, valueLength);
    this.offsets[entry] = offset;
    this.setAt[entry] = this.sets++;
  }

  /** Every key with its last value, in the order their last values were set. */
  entries(): LastValue[] {
    const order = new Uint32Array(this.count);
    for (let e = 0; e < this.count; e++) order[e] = e;
    const setAt = this.setAt;
    order.sort((a, b) => setAt[a]! - setAt[b]!);
    const out: LastValue[] = new Array(this.count);
    for (let i = 0; i < order.length; i++) {
      const e = order[i]!;
      const keyAt = this.keyAt[e]!;
      const valueAt = this.valueAt[e]!;
      const valueLength = this.valueLength[e]!;
      out[i] = {
        key: this.keyBytes.subarray(keyAt, keyAt + this.keyLength[e]!),
        value: valueLength < 0 ? null : this.valueBytes.subarray(valueAt, valueAt + valueLength),
        offset: this.offsets[e]!,
      };
    }
    return out;
  }

  private sameKey(entry: number, source: Buffer, start: number, length: number): boolean {
    if (this.keyLength[entry] !== length) return false;
    const bytes = this.keyBytes;
    const at = this.keyAt[entry]!;
    for (let i = 0; i < length; i++) if (bytes[at + i] !== source[start + i]) return false;
    return true;
  }

  private addEntry(hash: number, source: Buffer, start: number, length: number): number {
    if (this.count === this.hashes.length) this.growEntries(this.count * 2);
    const entry = this.count++;
    this.keyBytes = ensureRoom(this.keyBytes, this.keyUsed, length);
    copyBytes(source, start, length, this.keyBytes, this.keyUsed);
    this.hashes[entry] = hash;
    this.keyAt[entry] = this.keyUsed;
    this.keyLength[entry] = length;
    this.keyUsed += length;
    this.valueAt[entry] = 0;
    this.valueLength[entry] = -1;
    this.valueRoom[entry] = 0;
    return entry;
  }

  private storeValue(entry: number, source: Buffer, start: number, length: number): void {
    this.valueLength[entry] = length;
    if (length <= 0) return;
    if (length > this.valueRoom[entry]!) {
      // The old room becomes garbage (before a compaction, which keeps only reserved room).
      this.valueReserved -= this.valueRoom[entry]!;
      this.valueRoom[entry] = 0;
      if (this.valueUsed + length > this.valueBytes.length) this.makeValueRoom(length);
      this.valueAt[entry] = this.valueUsed;
      this.valueRoom[entry] = length;
      this.valueUsed += length;
      this.valueReserved += length;
    }
    copyBytes(source, start, length, this.valueBytes, this.valueAt[entry]!);
  }

  /** Compacts the value arena when it is mostly overwritten values, else grows it. */
  private makeValueRoom(length: number): void {
    if (
      this.valueUsed > VALUE_COMPACT_FLOOR_BYTES &&
      this.valueUsed > VALUE_GARBAGE_FACTOR * this.valueReserved
    ) {
      const size = Math.max(INITIAL_ARENA_BYTES, 2 * (this.valueReserved + length));
      const compacted = Buffer.allocUnsafe(size);
      let used = 0;
      for (let e = 0; e < this.count; e++) {
        const room = this.valueRoom[e]!;
        if (room === 0) continue;
        const at = this.valueAt[e]!;
        this.valueBytes.copy(compacted, used, at, at + room);
        this.valueAt[e] = used;
        used += room;
      }
      this.valueBytes = compacted;
      this.valueUsed = used;
      return;
    }
    this.valueBytes = ensureRoom(this.valueBytes, this.valueUsed, length);
  }

  private growEntries(capacity: number): void {
    this.hashes = grownInt32(this.hashes, capacity);
    this.keyAt = grownInt32(this.keyAt, capacity);
    this.keyLength = grownInt32(this.keyLength, capacity);
    this.valueAt = grownInt32(this.valueAt, capacity);
    this.valueLength = grownInt32(this.valueLength, capacity);
    this.valueRoom = grownInt32(this.valueRoom, capacity);
    this.offsets = grownFloat64(this.offsets, capacity);
    this.setAt = grownFloat64(this.setAt, capacity);
  }

  private rehash(slotCount: number): void {
    const slots = new Int32Array(slotCount);
    const mask = slotCount - 1;
    for (let e = 0; e < this.count; e++) {
      let slot = this.hashes[e]! & mask;
      while (slots[slot] !== 0) slot = (slot + 1) & mask;
      slots[slot] = e + 1;
    }
    this.slots = slots;
  }
}

/** FNV-1a over the bytes, then a final mix so the low bits (the slot) depend on all of them. */
export function hashBytes(bytes: Buffer, start: number, length: number): number {
  let h = 0x811c9dc5;
  for (let i = start; i < start + length; i++) h = Math.imul(h ^ bytes[i]!, 0x01000193);
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  return h | 0;
}

/** Small copies byte by byte: Buffer.copy costs more than the copy for a few dozen bytes. */
function copyBytes(source: Buffer, start: number, length: number, target: Buffer, at: number) {
  if (length > 64) {
    source.copy(target, at, start, start + length);
    return;
  }
  for (let i = 0; i < length; i++) target[at + i] = source[start + i]!;
}

function ensureRoom(arena: Buffer, used: number, more: number): Buffer {
  if (used + more <= arena.length) return arena;
  const grown = Buffer.allocUnsafe(Math.max(arena.length * 2, used + more));
  arena.copy(grown, 0, 0, used);
  return grown;
}

function grownInt32(array: Int32Array, capacity: number): Int32Array {
  const grown = new Int32Array(capacity);
  grown.set(array);
  return grown;
}

function grownFloat64(array: Float64Array, capacity: number): Float64Array {
  const grown = new Float64Array(capacity);
  grown.set(array);
  return grown;
}
