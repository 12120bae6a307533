// Writer for Kafka wire primitives. It fills one growing scratch buffer and,
// for large payloads such as record batches read from disk, keeps a reference
// to the caller's Buffer instead of copying it, so a fetch response is written
// to the socket as a list of chunks (writev) with the stored bytes untouched.

const EXTERNAL_MIN_BYTES = 8 * 1024;
const INITIAL_BYTES = 1024;
const SCRATCH_MAX_BYTES = 1024 * 1024;

export class Writer {
  private buf: Buffer;
  private pos = 0;
  private start = 0;
  private readonly chunks: Buffer[] = [];
  private chunkedBytes = 0;

  constructor(initialBytes = INITIAL_BYTES) {
    this.buf = Buffer.allocUnsafe(initialBytes);
  }

  /** Bytes written so far. */
  get length(): number {
    return this.chunkedBytes + (this.pos - this.start);
  }

  // When the scratch buffer is full it is handed to the chunk list as it is
  // and a new one is started: nothing written is ever moved, so positions
  // reserved with reserveInt32 stay valid.
  private ensure(n: number): void {
    if (this.pos + n <= this.buf.length) return;
    this.flushScratch();
    let size = Math.min(this.buf.length * 2, SCRATCH_MAX_BYTES);
    while (size < n) size *= 2;
    this.buf = Buffer.allocUnsafe(size);
    this.start = 0;
    this.pos = 0;
  }

  int8(v: number): this {
    this.ensure(1);
    this.buf.writeInt8(v, this.pos);
    this.pos += 1;
    return this;
  }

  bool(v: boolean): this {
    return this.int8(v ? 1 : 0);
  }

  int16(v: number): this {
    this.ensure(2);
    this.buf.writeInt16BE(v, this.pos);
    this.pos += 2;
    return this;
  }

  uint16(v: number): this {
    this.ensure(2);
    this.buf.writeUInt16BE(v, this.pos);
    this.pos += 2;
    return this;
  }

  int32(v: number): this {
    this.ensure(4);
    this.buf.writeInt32BE(v, this.pos);
    this.pos += 4;
    return this;
  }

  uint32(v: number): this {
    this.ensure(4);
    this.buf.writeUInt32BE(v, this.pos);
    this.pos += 4;
    return this;
  }

  int64(v: number): this {
    this.ensure(8);
    this.buf.writeBigInt64BE(BigInt(v), this.pos);
    this.pos += 8;
    return this;
  }

  float64(v: number): this {
    this.ensure(8);
    this.buf.writeDoubleBE(v, this.pos);
    this.pos += 8;
    return this;
  }

  unsignedVarint(v: number): this {
    this.ensure(5);
    let value = v >>> 0;
    while (value >= 0x80) {
      this.buf[this.pos++] = (value & 0x7f) | 0x80;
      value >>>= 7;
    }
    this.buf[this.pos++] = value;
    return this;
  }

  varint(v: number): this {
    return this.unsignedVarint(((v << 1) ^ (v >> 31)) >>> 0);
  }

  varlong(v: number): this {
    this.ensure(10);
    let value = BigInt(v);
    value = (value << 1n) ^ (value >> 63n);
    value = BigInt.asUintN(64, value);
    while (value >= 0x80n) {
      this.buf[this.pos++] = Number(value & 0x7fn) | 0x80;
      value >>= 7n;
    }
    this.buf[this.pos++] = Number(value);
    return this;
  }

  uuid(v: string): this {
    this.ensure(16);
    const written = this.buf.write(v, this.pos, 16, 'base64url');
    if (written !== 16) throw new RangeError(`invalid uuid ${v}`);
    this.pos += 16;
    return this;
  }

  raw(b: Uint8Array): this {
    if (b.length >= EXTERNAL_MIN_BYTES) {
      this.flushScratch();
      const view = Buffer.isBuffer(b) ? b : Buffer.from(b.buffer, b.byteOffset, b.length);
      this.chunks.push(view);
      this.chunkedBytes += b.length;
      return this;
    }
    this.ensure(b.length);
    this.buf.set(b, this.pos);
    this.pos += b.length;
    return this;
  }

  private rawString(s: string, len: number): void {
    this.ensure(len);
    this.buf.write(s, this.pos, len, 'utf8');
    this.pos += len;
  }

  string(s: string): this {
    const len = Buffer.byteLength(s, 'utf8');
    this.int16(len);
    this.rawString(s, len);
    return this;
  }

  nullableString(s: string | null): this {
    if (s === null) return this.int16(-1);
    return this.string(s);
  }

  compactString(s: string): this {
    const len = Buffer.byteLength(s, 'utf8');
    this.unsignedVarint(len + 1);
    this.rawString(s, len);
    return this;
  }

  compactNullableString(s: string | null): this {
    if (s === null) return this.unsignedVarint(0);
    return this.compactString(s);
  }

  bytes(b: Uint8Array): this {
    this.int32(b.length);
    return this.raw(b);
  }

  nullableBytes(b: Uint8Array | null): this {
    if (b === null) return this.int32(-1);
    return this.bytes(b);
  }

  compactBytes(b: Uint8Array): this {
    this.unsignedVarint(b.length + 1);
    return this.raw(b);
  }

  compactNullableBytes(b: Uint8Array | null): this {
    if (b === null) return this.unsignedVarint(0);
    return this.compactBytes(b);
  }

  /** Reserves an int32 to be filled later (sizes, CRCs); returns a setter. */
  reserveInt32(): (v: number) => void {
    this.ensure(4);
    const buf = this.buf;
    const at = this.pos;
    this.pos += 4;
    return (v: number) => {
      buf.writeInt32BE(v, at);
    };
  }

  private flushScratch(): void {
    if (this.pos > this.start) {
      const slice = this.buf.subarray(this.start, this.pos);
      this.chunks.push(slice);
      this.chunkedBytes += slice.length;
      this.start = this.pos;
    }
  }

  /** The written bytes as chunks, for socket writev. */
  toChunks(): Buffer[] {
    this.flushScratch();
    return this.chunks.slice();
  }

  /** The written bytes as one Buffer (copies when there is more than one chunk). */
  toBuffer(): Buffer {
    const chunks = this.toChunks();
    if (chunks.length === 1) return chunks[0]!;
    return Buffer.concat(chunks);
  }
}
