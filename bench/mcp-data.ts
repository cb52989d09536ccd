// Deterministic memory texts for bench/mcp.ts and its server child: ~300-byte sentences drawn from a
// 2,000-word vocabulary (so one word matches ~2% of memories, two words a handful), plus a unique tag.
import type { Service } from '../daemon/service.js';
import { mulberry32 } from './util.js';


const LETTERS = 'abcdefghijklmnopqrstuvwxyz';

export const VOCABULARY: readonly string[] = (() => {
  const r = mulberry32(7);
  const words = new Set<string>();
  while (words.size < 2000) {
    const len = 4 + Math.floor(r() * 6);
    let w = '';
    for (let i = 0; i < len; i++) w += LETTERS[Math.floor(r() * 26)];
    words.add(w);
  }
  return [...words];
})();

/** Memory number `i`: about 300 bytes of vocabulary words and a unique tag word. */
export function memoryText(i: number): string {
  const r = mulberry32(1000 + i);
  const words: string[] = [];
  let n = 0;
  while (n < 290) {
    const w = VOCABULARY[Math.floor(r() * VOCABULARY.length)]!;
    words.push(w);
    n += w.length + 1;
  }
  return `${words.join(' ')} m${i}`;
}

/** A search query: one vocabulary word (~2% of memories match) or two (a handful match), alternately. */
export function query(i: number): string {
  const r = mulberry32(900_000 + i);
  const pick = () => VOCABULARY[Math.floor(r() * VOCABULARY.length)]!;
  return i % 2 === 0 ? pick() : `${pick()} ${pick()}`;
}

/** Record memories 0..n-1 through the service, 2,000 in flight at a time (group commit batches them). */
export async function fillMemories(service: Service, n: number, from = 0): Promise<void> {
  const chunk = 2000;
  for (let i = from; i < from + n; i += chunk) {
    const end = Math.min(from + n, i + chunk);
    await Promise.all(Array.from({ length: end - i }, (_, k) => service.record({ kind: 'memory', subject: { text: memoryText(i + k) } })));
  }
}
