import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { canonicalBytes } from './canonical.js';
import { entryBytes, entryBytesFromParts, type Receipt } from './receipt.js';

describe('entryBytesFromParts', () => {
  it('equals JCS of the entry for any receipt-like value and signature text', () => {
    fc.assert(
      fc.property(
        fc.record({ text: fc.string({ unit: 'grapheme', maxLength: 200 }), tags: fc.array(fc.string({ maxLength: 10 }), { maxLength: 3 }), n: fc.integer() }),
        fc.string({ unit: 'binary-ascii', maxLength: 300 }),
        (subject, signature) => {
          const receipt = { v: 1, kind: 'memory', origin: 'o/p', time: '2026-11-25T00:00:00Z', subject, evidence: [] } as unknown as Receipt;
          const fast = entryBytesFromParts(canonicalBytes(receipt), signature);
          expect(Buffer.from(fast).equals(Buffer.from(entryBytes({ receipt, signature })))).toBe(true);
        },
      ),
      { numRuns: 300 },
    );
  });
});
