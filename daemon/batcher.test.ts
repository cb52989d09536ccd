import { describe, expect, it } from 'vitest';
import { InputError } from '../core/errors.js';
import { GroupCommitter } from './batcher.js';

const tick = () => new Promise((r) => setTimeout(r, 1));

describe('GroupCommitter', () => {
  it('commits concurrent submissions in batches of at most batchMax, answering each caller with its own result', async () => {
    const batches: number[][] = [];
    const gc = new GroupCommitter<number, string>(
      async (items) => {
        batches.push(items);
        await tick();
        return items.map((i) => `r${i}`);
      },
      { batchMax: 4, queueMax: 100 },
    );
    const results = await Promise.all(Array.from({ length: 10 }, (_, i) => gc.submit(i)));
    expect(results).toEqual(Array.from({ length: 10 }, (_, i) => `r${i}`));
    expect(batches.flat()).toEqual(Array.from({ length: 10 }, (_, i) => i));
    expect(Math.max(...batches.map((b) => b.length))).toBeLessThanOrEqual(4);
    // the first caller is served alone, the rest queue behind the running commit
    expect(batches[0]).toEqual([0]);
    expect(batches.length).toBeLessThan(10);
  });

  it('answers BUSY when the queue is full, without losing queued items', async () => {
    let release!: () => void;
    const gate = new Promise<void>((r) => (release = r));
    const gc = new GroupCommitter<number, number>(
      async (items) => {
        await gate;
        return items;
      },
      { batchMax: 10, queueMax: 2 },
    );
    const first = gc.submit(0); // running
    const a = gc.submit(1);
    const b = gc.submit(2);
    await expect(gc.submit(3)).rejects.toSatisfy((e) => e instanceof InputError && e.code === 'BUSY');
    expect(gc.depth).toBe(2);
    release();
    expect(await Promise.all([first, a, b])).toEqual([0, 1, 2]);
  });

  it('rejects every caller of a failed batch and keeps serving later ones', async () => {
    let fail = true;
    const gc = new GroupCommitter<number, number>(
      async (items) => {
        await tick();
        if (fail) {
          fail = false;
          throw new Error('disk full');
        }
        return items;
      },
      { batchMax: 10, queueMax: 10 },
    );
    await expect(gc.submit(1)).rejects.toThrow('disk full');
    expect(await gc.submit(2)).toBe(2);
  });

  it('drain waits for queued work and refuses new work', async () => {
    const done: number[] = [];
    const gc = new GroupCommitter<number, number>(
      async (items) => {
        await tick();
        done.push(...items);
        return items;
      },
      { batchMax: 2, queueMax: 10 },
    );
    const ps = [1, 2, 3, 4, 5].map((i) => gc.submit(i));
    await gc.drain();
    expect(done).toEqual([1, 2, 3, 4, 5]);
    await Promise.all(ps);
    await expect(gc.submit(6)).rejects.toSatisfy((e) => e instanceof InputError && e.code === 'BUSY');
  });
});
