// Prometheus metrics of the daemon (prom-client, one private registry per daemon so tests can run
// several in one process). Gauges read their value at scrape time from the live daemon.
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';

/** Live values the gauges read when /metrics is scraped. */
export interface MetricSources {
  treeSize(): number;
  /** Size of the newest checkpoint (0 when none). */
  checkpointSize(): number;
  /** Seconds since the newest checkpoint was published (0 when none). */
  checkpointAgeSeconds(): number;
  queueDepth(): number;
  peers(): number;
}

export interface DaemonMetrics {
  registry: Registry;
  receiptsAppended: Counter;
  batchSize: Histogram;
  appendLatency: Histogram;
  recordErrors: Counter<'code'>;
  checkpointsPublished: Counter;
  checkpointFailures: Counter;
  tsaFailures: Counter;
  /** Prometheus text exposition format. */
  text(): Promise<string>;
  contentType: string;
}

export function createMetrics(src: MetricSources, opts: { processMetrics?: boolean } = {}): DaemonMetrics {
  const registry = new Registry();
  if (opts.processMetrics ?? true) collectDefaultMetrics({ register: registry });
  const reg = [registry];
  const receiptsAppended = new Counter({ name: 'remembrancer_receipts_appended_total', help: 'Receipts appended to the log (new leaves, durable).', registers: reg });
  const batchSize = new Histogram({
    name: 'remembrancer_batch_size',
    help: 'Receipts per group commit (one transaction, one fsync).',
    buckets: [1, 2, 4, 8, 16, 32, 64, 128, 256, 512, 1000, 2000, 5000, 10000],
    registers: reg,
  });
  const appendLatency = new Histogram({
    name: 'remembrancer_append_latency_seconds',
    help: 'Time from a record call arriving to its receipt being durable.',
    buckets: [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
    registers: reg,
  });
  const recordErrors = new Counter({ name: 'remembrancer_record_errors_total', help: 'Record calls that failed, by error code (BUSY = back-pressure).', labelNames: ['code'], registers: reg });
  const checkpointsPublished = new Counter({ name: 'remembrancer_checkpoints_published_total', help: 'Checkpoints published by the scheduler.', registers: reg });
  const checkpointFailures = new Counter({ name: 'remembrancer_checkpoint_failures_total', help: 'Scheduled checkpoint publications that failed (retried next interval).', registers: reg });
  const tsaFailures = new Counter({ name: 'remembrancer_tsa_failures_total', help: 'RFC 3161 timestamp requests that failed (retried with backoff).', registers: reg });
  const gauge = (name: string, help: string, read: () => number) =>
    new Gauge({
      name,
      help,
      registers: reg,
      collect() {
        this.set(read());
      },
    });
  gauge('remembrancer_tree_size', 'Leaves in the Merkle log.', () => src.treeSize());
  gauge('remembrancer_checkpoint_size', 'Tree size of the newest checkpoint.', () => src.checkpointSize());
  gauge('remembrancer_checkpoint_age_seconds', 'Seconds since the newest checkpoint was published.', () => src.checkpointAgeSeconds());
  gauge('remembrancer_queue_depth', 'Record calls waiting for a group commit.', () => src.queueDepth());
  gauge('remembrancer_peers', 'Connected federation peers.', () => src.peers());
  return {
    registry,
    receiptsAppended,
    batchSize,
    appendLatency,
    recordErrors,
    checkpointsPublished,
    checkpointFailures,
    tsaFailures,
    text: () => registry.metrics(),
    contentType: registry.contentType,
  };
}
