// The allocator of the wasm backend, in JS over the module's linear memory.
//
// - Blocks are 16-byte aligned (so the kernels' v128 accesses on whole buffers are aligned) and
//   at least 16 bytes; a buffer is zeroed when handed out.
// - Freed blocks go to an address-ordered free list, are merged with free neighbours and reused
//   best-fit; a free block that ends at the top of the heap lowers the top instead.
// - The memory grows on demand (at least doubling, up to its maximum). It is shared, so growing
//   never detaches the Float32Array views handed out before: every buffer stays valid until it
//   is freed. Each growth makes a new (longer) SharedArrayBuffer object for memory.buffer; the
//   heap remembers all of them, which is how it tells its views from foreign ones.
import { RegpathError } from '../../errors.js';
import type { WasmMemory } from './webassembly.js';

const PAGE = 65536;
const ALIGN = 16;

function alignUp(x: number): number {
  return Math.ceil(x / ALIGN) * ALIGN;
}

export class WasmHeap {
  readonly memory: WasmMemory;
  /** memory.buffer as of the last growth (the usual `.buffer` of fresh views). */
  private current: ArrayBuffer | SharedArrayBuffer;
  /** Every memory.buffer object views may have been made on. */
  private readonly buffers = new Set<ArrayBufferLike>();
  private readonly base: number;
  /** End of the highest block ever handed out and not given back. */
  private top: number;
  /** Free blocks below top, by address: parallel arrays of offsets and sizes (bytes). */
  private freeOff: number[] = [];
  private freeSize: number[] = [];
  /** Live blocks: offset → [size in bytes, length in floats]. */
  private readonly live = new Map<number, [number, number]>();

  constructor(memory: WasmMemory, heapBase: number) {
    this.memory = memory;
    this.current = memory.buffer;
    this.buffers.add(this.current);
    this.base = alignUp(heapBase);
    this.top = this.base;
  }

  /** A zeroed, 16-byte aligned Float32Array of n floats in the linear memory. */
  alloc(n: number): Float32Array {
    if (!Number.isInteger(n) || n < 0) {
      throw new RegpathError('INTERNAL', `wasm alloc: the length must be a non-negative integer, not ${n}`);
    }
    const size = Math.max(ALIGN, alignUp(n * 4));
    let off = this.takeFree(size);
    if (off < 0) {
      off = this.top;
      this.ensure(off + size);
      this.top = off + size;
    }
    this.live.set(off, [size, n]);
    const view = this.view(off, n);
    view.fill(0);
    return view;
  }

  /** Give back a buffer from alloc (the whole buffer, not a subarray of it). */
  free(a: Float32Array): void {
    if (!this.owns(a)) {
      throw new RegpathError('INTERNAL', 'wasm free: the buffer was not allocated by this wasm backend');
    }
    const off = a.byteOffset;
    const entry = this.live.get(off);
    if (!entry || entry[1] !== a.length) {
      throw new RegpathError(
        'INTERNAL',
        entry
          ? `wasm free: expected the whole buffer of ${entry[1]} floats at byte ${off}, got a view of ${a.length}`
          : `wasm free: no live buffer starts at byte ${off} (already freed, or a subarray)`,
      );
    }
    this.live.delete(off);
    this.release(off, entry[0]);
  }

  /** Whether a is a view on this memory. */
  owns(a: Float32Array): boolean {
    const buf = a.buffer;
    return buf === this.current || this.buffers.has(buf);
  }

  /**
   * The byte offset of a, after checking (cheaply) that it is a view on this memory with at
   * least `need` floats. Used on every kernel argument.
   */
  ptr(a: Float32Array | Int32Array, need: number, kernel: string, arg: string): number {
    const buf = a.buffer;
    if (buf !== this.current && !this.buffers.has(buf)) {
      throw new RegpathError(
        'INTERNAL',
        `wasm kernel ${kernel}: argument '${arg}' is not a buffer of this wasm backend (allocate it with kernels().alloc)`,
      );
    }
    if (a.length < need) {
      throw new RegpathError(
        'INTERNAL',
        `wasm kernel ${kernel}: argument '${arg}' has ${a.length} floats, the shapes need ${need}`,
      );
    }
    return a.byteOffset;
  }

  /** Bytes in live blocks, in free blocks, and the heap's top (for tests and diagnostics). */
  stats(): { live: number; liveBytes: number; freeBlocks: number; freeBytes: number; top: number; memoryBytes: number } {
    let liveBytes = 0;
    for (const [size] of this.live.values()) liveBytes += size;
    let freeBytes = 0;
    for (const s of this.freeSize) freeBytes += s;
    return {
      live: this.live.size,
      liveBytes,
      freeBlocks: this.freeOff.length,
      freeBytes,
      top: this.top,
      memoryBytes: this.memory.buffer.byteLength,
    };
  }

  private view(off: number, n: number): Float32Array {
    if (off + n * 4 > this.current.byteLength) this.refresh();
    return new Float32Array(this.current, off, n);
  }

  /** Pick up a memory.buffer that grew (here or, later, in another thread). */
  private refresh(): void {
    const buf = this.memory.buffer;
    if (buf !== this.current) {
      this.current = buf;
      this.buffers.add(buf);
    }
  }

  /** Grow the memory so that byte `end` is inside it. */
  private ensure(end: number): void {
    this.refresh();
    const have = this.current.byteLength;
    if (end <= have) return;
    const havePages = have / PAGE;
    const needPages = Math.ceil(end / PAGE) - havePages;
    // At least double (amortised growth), but never ask for more than is needed when near the maximum.
    const want = Math.max(needPages, havePages);
    try {
      this.memory.grow(want);
    } catch {
      try {
        this.memory.grow(needPages);
      } catch (e) {
        throw new RegpathError(
          'INTERNAL',
          `wasm alloc: out of WebAssembly memory (have ${have} bytes, need ${end}): ${e instanceof Error ? e.message : String(e)}`,
        );
      }
    }
    this.refresh();
  }

  /** Best-fit block of at least size bytes from the free list (split if larger), or -1. */
  private takeFree(size: number): number {
    let best = -1;
    for (let i = 0; i < this.freeSize.length; i++) {
      const s = this.freeSize[i]!;
      if (s >= size && (best < 0 || s < this.freeSize[best]!)) {
        best = i;
        if (s === size) break;
      }
    }
    if (best < 0) return -1;
    const off = this.freeOff[best]!;
    const rest = this.freeSize[best]! - size;
    if (rest > 0) {
      this.freeOff[best] = off + size;
      this.freeSize[best] = rest;
    } else {
      this.freeOff.splice(best, 1);
      this.freeSize.splice(best, 1);
    }
    return off;
  }

  /** Put [off, off+size) back: merge with free neighbours, or lower the top. */
  private release(off: number, size: number): void {
    // Index of the first free block after off.
    let lo = 0;
    let hi = this.freeOff.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (this.freeOff[mid]! < off) lo = mid + 1;
      else hi = mid;
    }
    let i = lo;
    // Merge with the previous block if adjacent.
    if (i > 0 && this.freeOff[i - 1]! + this.freeSize[i - 1]! === off) {
      i--;
      off = this.freeOff[i]!;
      size += this.freeSize[i]!;
      this.freeOff.splice(i, 1);
      this.freeSize.splice(i, 1);
    }
    // Merge with the next block if adjacent.
    if (i < this.freeOff.length && off + size === this.freeOff[i]!) {
      size += this.freeSize[i]!;
      this.freeOff.splice(i, 1);
      this.freeSize.splice(i, 1);
    }
    if (off + size === this.top) {
      this.top = off;
      return;
    }
    this.freeOff.splice(i, 0, off);
    this.freeSize.splice(i, 0, size);
  }
}
