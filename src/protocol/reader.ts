// Bounds-checked reader for Kafka wire primitives over one Buffer.
// Every length read from the wire is checked against the bytes that remain
// before anything of that size is created, so a hostile frame can never make
// us allocate more than the frame itself. Errors are DecodeError, never a crash.

export class DecodeError extends Error {
  override readonly name = 'DecodeError';
}

const UUID_BYTES = 16;

export class Reader {
  offset: number;
  readonly end: number;
  /** Array elements announced so far, counted against elementsMax. */
  private elements = 0;

  /**
   * `elementsMax` bounds the array elements of everything this reader decodes, all
   * arrays together: a frame of one-byte elements (a million empty strings per
   * megabyte) would otherwise cost tens of bytes of heap and about a microsecond of
   * the event loop per byte received.
   */
  constructor(
    readonly buffer: Buffer,
    offset = 0,
    end = buffer.length,
    private readonly elementsMax = Number.POSITIVE_INFINITY,
  ) {
    this.offset = offset;
    this.end = end;
  }

  remaining(): number {
    return this.end - this.offset;
  }

  private need(n: number): void {
    if (n < 0 || this.offset + n > this.end) {
      throw new DecodeError(`need ${n} bytes at offset ${this.offset}, have ${this.remaining()}`);
    }
  }

  int8(): number {
    this.need(1);
    const v = this.buffer.readInt8(this.offset);
    this.offset += 1;
    return v;
  }

  bool(): boolean {
    return this.int8() !== 0;
  }

  int16(): number {
    this.need(2);
    const v = this.buffer.readInt16BE(this.offset);
    this.offset += 2;
    return v;
  }

  uint16(): number {
    this.need(2);
    const v = this.buffer.readUInt16BE(this.offset);
    this.offset += 2;
    return v;
  }

  int32(): number {
    this.need(4);
    const v = this.buffer.readInt32BE(this.offset);
    this.offset += 4;
    return v;
  }

  uint32(): number {
    this.need(4);
    const v = this.buffer.readUInt32BE(this.offset);
    this.offset += 4;
    return v;
  }

  /** int64 as a JS number; values outside the safe range are a decode error. */
  int64(): number {
    this.need(8);
    const hi = this.buffer.readInt32BE(this.offset);
    const lo = this.buffer.readUInt32BE(this.offset + 4);
    this.offset += 8;
    const v = hi * 0x1_0000_0000 + lo;
    if (!Number.isSafeInteger(v))
      throw new DecodeError(`int64 out of safe range at ${this.offset - 8}`);
    return v;
  }

  float64(): number {
    this.need(8);
    const v = this.buffer.readDoubleBE(this.offset);
    this.offset += 8;
    return v;
  }

  unsignedVarint(): number {
    let value = 0;
    let shift = 0;
    for (;;) {
      this.need(1);
      const b = this.buffer[this.offset++]!;
      if (shift === 28) {
        if (b > 0x0f) throw new DecodeError('unsigned varint too long');
        value += b * 0x1000_0000;
        return value;
      }
      value |= (b & 0x7f) << shift;
      if ((b & 0x80) === 0) return value >>> 0;
      shift += 7;
    }
  }

  varint(): number {
    const u = this.unsignedVarint();
    return (u >>> 1) ^ -(u & 1);
  }

  varlong(): number {
    let value = 0n;
    let shift = 0n;
    for (let i = 0; i < 10; i++) {
      this.need(1);
      const b = this.buffer[this.offset++]!;
      value |= BigInt(b & 0x7f) << shift;
      if ((b & 0x80) === 0) {
        const signed = (value >> 1n) ^ -(value & 1n);
        const n = Number(signed);
        if (!Number.isSafeInteger(n)) throw new DecodeError('varlong out of safe range');
        return n;
      }
      shift += 7n;
    }
    throw new DecodeError('varlong too long');
  }

  uuid(): string {
    this.need(UUID_BYTES);
    const s = this.buffer.toString('base64url', this.offset, this.offset + UUID_BYTES);
    this.offset += UUID_BYTES;
    return s;
  }

  private rawString(len: number): string {
    this.need(len);
    const s = this.buffer.toString('utf8', this.offset, this.offset + len);
    this.offset += len;
    return s;
  }

  private rawBytes(len: number): Buffer {
    this.need(len);
    const b = this.buffer.subarray(this.offset, this.offset + len);
    this.offset += len;
    return b;
  }

  string(): string {
    const len = this.int16();
    if (len < 0) throw new DecodeError('null string where a string is required');
    return this.rawString(len);
  }

  nullableString(): string | null {
    const len = this.int16();
    if (len === -1) return null;
    if (len < 0) throw new DecodeError(`negative string length ${len}`);
    return this.rawString(len);
  }

  compactString(): string {
    const len = this.unsignedVarint() - 1;
    if (len < 0) throw new DecodeError('null compact string where a string is required');
    return this.rawString(len);
  }

  compactNullableString(): string | null {
    const len = this.unsignedVarint() - 1;
    if (len === -1) return null;
    return this.rawString(len);
  }

  /** Bytes are returned as a view into the frame: no copy. */
  bytes(): Buffer {
    const len = this.int32();
    if (len < 0) throw new DecodeError('null bytes where bytes are required');
    return this.rawBytes(len);
  }

  nullableBytes(): Buffer | null {
    const len = this.int32();
    if (len === -1) return null;
    if (len < 0) throw new DecodeError(`negative bytes length ${len}`);
    return this.rawBytes(len);
  }

  compactBytes(): Buffer {
    const len = this.unsignedVarint() - 1;
    if (len < 0) throw new DecodeError('null compact bytes where bytes are required');
    return this.rawBytes(len);
  }

  compactNullableBytes(): Buffer | null {
    const len = this.unsignedVarint() - 1;
    if (len === -1) return null;
    return this.rawBytes(len);
  }

  /** Array length (int32, -1 = null), checked so that each element has at least one byte left. */
  arrayLength(): number {
    const n = this.int32();
    return this.checkCount(n);
  }

  compactArrayLength(): number {
    const n = this.unsignedVarint() - 1;
    return this.checkCount(n);
  }

  private checkCount(n: number): number {
    if (n < -1) throw new DecodeError(`negative array length ${n}`);
    if (n > this.remaining()) {
      throw new DecodeError(`array length ${n} exceeds the ${this.remaining()} bytes left`);
    }
    if (n > 0) {
      this.elements += n;
      if (this.elements > this.elementsMax) {
        throw new DecodeError(`more than ${this.elementsMax} array elements in one message`);
      }
    }
    return n;
  }

  skip(n: number): void {
    this.need(n);
    this.offset += n;
  }

  /** Reads a tagged-field section, returning raw values of the tags in `known` and skipping others. */
  taggedFields(onTag: (tag: number, size: number) => boolean): void {
    const count = this.unsignedVarint();
    if (count > this.remaining()) throw new DecodeError(`tagged field count ${count} too large`);
    let lastTag = -1;
    for (let i = 0; i < count; i++) {
      const tag = this.unsignedVarint();
      if (tag <= lastTag) throw new DecodeError('tagged fields out of order');
      lastTag = tag;
      const size = this.unsignedVarint();
      this.need(size);
      const end = this.offset + size;
      if (!onTag(tag, size)) this.offset = end;
      else if (this.offset !== end) throw new DecodeError(`tagged field ${tag} size mismatch`);
    }
  }
}
