// The checked-in schemas/*.schema.json must be exactly what the zod schemas in receipt.ts generate.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { renderJsonSchemas } from './receipt.js';

const dir = fileURLToPath(new URL('../schemas/', import.meta.url));
const REGENERATE = 'regenerate with: npm run build && node scripts/gen-schemas.mjs';

describe('schemas/*.schema.json', () => {
  const want = renderJsonSchemas();

  for (const [name, text] of Object.entries(want)) {
    it(`${name} matches the zod schema`, () => {
      let onDisk = '';
      try {
        onDisk = readFileSync(join(dir, name), 'utf8');
      } catch {
        // Reported by the comparison below.
      }
      expect(onDisk === text, `schemas/${name} differs from the zod schema in core/receipt.ts; ${REGENERATE}`).toBe(true);
    });
  }
});
