import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { InputError } from '../errors.js';
import { sha256 } from '../bytes.js';
import type { LogReader } from '../store.js';
import { rootFromLeafHashes } from './hash.js';
import { MerkleLog } from './log.js';
import { appendNodes, type NodeId } from './plan.js';
import { referenceConsistencyProof, referenceInclusionProof } from './reference.js';

// A plain in-memory reader: a map of complete nodes, counting what is read.
class MemoryReader implements LogReader {
  readonly nodes = new Map<string, Uint8Array>();
  leaves: Uint8Array[] = [];
  reads = 0;
  append(hashes: Uint8Array[]): void {
    for (const n of appendNodes(this.leaves.length, hashes, (id) => this.nodes.get(`${id.level}/${id.index}`)!)) {
      this.nodes.set(`${n.level}/${n.index}`, n.hash);
    }
    this.leaves.push(...hashes);
  }
  size(): number {
    return this.leaves.length;
  }
  getNodes(ids: readonly NodeId[]): Uint8Array[] {
    this.reads += ids.length;
    return ids.map((id) => {
      const h = this.nodes.get(`${id.level}/${id.index}`);
      if (!h) throw new InputError('NOT_FOUND', `node ${id.level}/${id.index}`);
      return h;
    });
  }
  getLeafHashes(start: number, end: number): Uint8Array[] {
    return this.leaves.slice(start, end);
  }
  getTile(): Uint8Array | undefined {
    return undefined;
  }
}

const leavesOf = (n: number): Uint8Array[] => Array.from({ length: n }, (_, i) => sha256(Uint8Array.of(5, i & 255, i >> 8)));

describe('MerkleLog', () => {
  it('serves roots and proofs for every historical size of a growing log', () => {
    fc.assert(
      fc.property(fc.array(fc.integer({ min: 1, max: 60 }), { minLength: 1, maxLength: 6 }), fc.nat(), fc.nat(), (batches, a, b) => {
        const r = new MerkleLog(new MemoryReader());
        const reader = r.reader as MemoryReader;
        const all = leavesOf(batches.reduce((x, y) => x + y, 0));
        for (const n of batches) reader.append(all.slice(reader.size(), reader.size() + n));
        const size = reader.size();
        const m = 1 + (a % size);
        const n = m + (b % (size - m + 1));
        const i = a % n;
        expect(r.root(m)).toEqual(rootFromLeafHashes(all.slice(0, m)));
        expect(r.root()).toEqual(rootFromLeafHashes(all));
        expect(r.inclusionProof(i, n)).toEqual(referenceInclusionProof(i, all.slice(0, n)));
        expect(r.consistencyProof(m, n)).toEqual(referenceConsistencyProof(m, all.slice(0, n)));
      }),
      { numRuns: 60 },
    );
  });

  it('reads O(log n) nodes per proof', () => {
    const reader = new MemoryReader();
    reader.append(leavesOf(5000));
    const log = new MerkleLog(reader);
    reader.reads = 0;
    log.inclusionProof(1234, 4999);
    expect(reader.reads).toBeLessThanOrEqual(2 * 13 + 1);
    reader.reads = 0;
    log.consistencyProof(1234, 4999);
    expect(reader.reads).toBeLessThanOrEqual(2 * 13 + 1);
  });

  describe('when a size is beyond the log', () => {
    it('throws NOT_FOUND', () => {
      const reader = new MemoryReader();
      reader.append(leavesOf(3));
      const log = new MerkleLog(reader);
      for (const f of [() => log.root(4), () => log.inclusionProof(0, 4), () => log.consistencyProof(1, 4)]) {
        expect(f).toThrow(expect.objectContaining({ code: 'NOT_FOUND' }));
      }
      expect(() => log.inclusionProof(3, 3)).toThrow(expect.objectContaining({ code: 'BAD_INPUT' }));
      expect(() => log.root(-1)).toThrow(expect.objectContaining({ code: 'BAD_INPUT' }));
    });
  });
});
