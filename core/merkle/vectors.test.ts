// Runs every proof vector under fixtures/vectors/ (ours from scripts/gen-vectors.ts, and
// transparency-dev/merkle's testdata copied verbatim) and reports all failures at once.
import { readFileSync, readdirSync } from 'node:fs';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { VerificationError } from '../errors.js';
import { generateVectors } from '../../scripts/gen-vectors.js';
import { verifyConsistency, verifyInclusion } from './verify.js';

const ROOT = fileURLToPath(new URL('../../fixtures/vectors/', import.meta.url));

// Where we knowingly differ from transparency-dev (see fixtures/vectors/transparency-dev/README.md):
// the file's wantErr is false, we throw this code instead.
const DEVIATIONS: Record<string, string> = {
  'transparency-dev/consistency/additional/sizes-are-equal-one-and-proof-is-empty.json': 'CONSISTENCY_PROOF',
};

function walk(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) =>
    e.isDirectory() ? walk(join(dir, e.name)) : e.name.endsWith('.json') ? [join(dir, e.name)] : [],
  );
}

const b64 = (s: string): Uint8Array => new Uint8Array(Buffer.from(s, 'base64'));
const hashes = (v: unknown): Uint8Array[] => ((v as string[] | null) ?? []).map(b64);

function run(rel: string, v: Record<string, unknown>): void {
  if (rel.includes('inclusion/')) {
    verifyInclusion({
      index: v.leafIdx as number,
      treeSize: v.treeSize as number,
      root: b64(v.root as string),
      leafHash: b64(v.leafHash as string),
      proof: hashes(v.proof),
    });
  } else {
    verifyConsistency({
      size1: v.size1 as number,
      size2: v.size2 as number,
      root1: b64(v.root1 as string),
      root2: b64(v.root2 as string),
      proof: hashes(v.proof),
    });
  }
}

describe('proof vectors', () => {
  const files = walk(ROOT).map((f) => relative(ROOT, f).split('\\').join('/'));

  it('finds our vectors and transparency-dev vectors', () => {
    expect(files.filter((f) => f.startsWith('transparency-dev/')).length).toBeGreaterThan(150);
    expect(files.filter((f) => !f.startsWith('transparency-dev/')).length).toBeGreaterThan(300);
  });

  it('gives every vector its expected outcome and code', () => {
    const wrong: string[] = [];
    for (const rel of files) {
      const v = JSON.parse(readFileSync(join(ROOT, rel), 'utf8')) as Record<string, unknown>;
      const wantCode = DEVIATIONS[rel] ?? (v.wantCode as string | null | undefined);
      const wantErr = rel in DEVIATIONS ? true : (v.wantErr as boolean);
      let err: unknown;
      try {
        run(rel, v);
      } catch (e) {
        err = e;
      }
      if (err !== undefined && !(err instanceof VerificationError)) wrong.push(`${rel}: threw a non-VerificationError: ${String(err)}`);
      else if (wantErr && err === undefined) wrong.push(`${rel}: expected an error, got none`);
      else if (!wantErr && err !== undefined) wrong.push(`${rel}: unexpected error ${String(err)}`);
      else if (err instanceof VerificationError && wantCode != null && err.code !== wantCode) {
        wrong.push(`${rel}: code ${err.code}, want ${wantCode} (${err.message})`);
      }
    }
    expect(wrong).toEqual([]);
  });

  it('matches the committed vectors to scripts/gen-vectors.ts output', () => {
    const generated = generateVectors();
    const committed = files.filter((f) => f.startsWith('inclusion/') || f.startsWith('consistency/'));
    expect([...committed].sort()).toEqual([...generated.keys()].sort());
    const differing = committed.filter((f) => readFileSync(join(ROOT, f), 'utf8') !== generated.get(f));
    expect(differing).toEqual([]);
  });
});
