import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { InputError } from '../errors.js';
import { fromHex, sha256, toHex } from '../bytes.js';
import { EMPTY_ROOT, hashChildren, leafHash, rootFromLeafHashes } from './hash.js';

// The RFC 6962 test tree used by Certificate Transparency and transparency-dev/merkle
// (cmd/proofgen `roots`): eight leaves and the root of every prefix.
const CT_LEAVES = ['', '00', '10', '2021', '3031', '40414243', '5051525354555657', '606162636465666768696a6b6c6d6e6f'];
const CT_ROOTS = [
  '6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d',
  'fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125',
  'aeb6bcfe274b70a14fb067a5e5578264db0fa9b51af5e0ba159158f329e06e77',
  'd37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7',
  '4e3bbb1f7b478dcfe71fb631631519a3bca12c9aefca1612bfce4c13a86264d4',
  '76e67dadbcdf1e10e1b74ddc608abd2f98dfb16fbce75277b5232a127f2087ef',
  'ddb89be403809e325750d3d263cd78929c2942b7942a34b77e122c9594a74c8c',
  '5dc9da79a70659a9ad559cb701ded9a2ab9d823aad2f4960cfe370eff4604328',
];

// MTH straight from RFC 9162 §2.1.1: split at the largest power of two below n.
function mth(leaves: Uint8Array[]): Uint8Array {
  if (leaves.length === 0) return sha256();
  if (leaves.length === 1) return leaves[0]!;
  let k = 1;
  while (k * 2 < leaves.length) k *= 2;
  return sha256(Uint8Array.of(1), mth(leaves.slice(0, k)), mth(leaves.slice(k)));
}

const hashArb = fc.uint8Array({ minLength: 32, maxLength: 32 });

describe('RFC 9162 hashing', () => {
  it('uses the domain prefixes 0x00 for leaves and 0x01 for nodes', () => {
    const d = Uint8Array.of(1, 2, 3);
    expect(leafHash(d)).toEqual(sha256(Uint8Array.of(0), d));
    const l = sha256(Uint8Array.of(7));
    const r = sha256(Uint8Array.of(8));
    expect(hashChildren(l, r)).toEqual(sha256(Uint8Array.of(1), l, r));
  });

  it('has the SHA-256 of the empty string as the empty root', () => {
    expect(toHex(EMPTY_ROOT)).toBe('e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855');
    expect(rootFromLeafHashes([])).toEqual(EMPTY_ROOT);
  });

  it('reproduces the RFC 6962 test tree roots', () => {
    const leaves = CT_LEAVES.map((h) => leafHash(fromHex(h)!));
    CT_ROOTS.forEach((want, i) => expect(toHex(rootFromLeafHashes(leaves.slice(0, i + 1)))).toBe(want));
  });

  it('equals the recursive MTH definition for any number of leaves', () => {
    fc.assert(
      fc.property(fc.array(hashArb, { maxLength: 70 }), (leaves) => {
        expect(rootFromLeafHashes(leaves)).toEqual(mth(leaves));
      }),
    );
  });

  it('never returns an alias of its input', () => {
    const one = sha256(Uint8Array.of(9));
    const root = rootFromLeafHashes([one]);
    expect(root).toEqual(one);
    expect(root).not.toBe(one);
  });

  it('rejects leaf hashes that are not 32 bytes with BAD_INPUT', () => {
    for (const bad of [new Uint8Array(31), new Uint8Array(33), 'x' as unknown as Uint8Array]) {
      expect(() => rootFromLeafHashes([sha256(), bad])).toThrow(InputError);
    }
  });
});
