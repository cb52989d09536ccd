// Every benchmark module exports `bench(opts)` returning a markdown section for BENCHMARKS.md.
export interface BenchOptions {
  /** Smaller sizes for a quick smoke run (`npm run bench -- --quick`). */
  quick: boolean;
  /** Scratch directory, removed after the run. */
  tmpDir: string;
}

export interface BenchSection {
  /** Section heading, e.g. "Merkle log: append and proofs". */
  title: string;
  /** Markdown body: a table with our figure, the baseline's figure from the same run, and the ratio. */
  markdown: string;
}

export type Bench = (opts: BenchOptions) => Promise<BenchSection>;
