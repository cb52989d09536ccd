// Regenerates schemas/*.schema.json from the zod schemas in core/receipt.ts (the single source
// of truth). Run after changing a schema:  npm run build && node scripts/gen-schemas.mjs
// schemas/schemas.test.ts fails while the checked-in files differ from what this writes.
/* global console, URL */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { renderJsonSchemas } from '../dist/core/receipt.js';

const dir = fileURLToPath(new URL('../schemas/', import.meta.url));
mkdirSync(dir, { recursive: true });
const files = renderJsonSchemas();
for (const [name, text] of Object.entries(files)) {
  writeFileSync(join(dir, name), text);
  console.log(`wrote schemas/${name}`);
}
