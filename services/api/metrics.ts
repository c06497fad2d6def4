// /metrics in the Prometheus text exposition format 0.0.4, written by prom-client
// (the maintained Prometheus client for Node.js): Qala's own series, worked out at
// each scrape from the same figures as /health, then prom-client's process_* and
// nodejs_* runtime metrics and qala_build_info. Each API server owns its Registry
// (never prom-client's global one), so two platforms in one process (the tests,
// `qala simulate` beside a platform) never mix their figures.
import { readFileSync } from 'node:fs';
import perfHooks, { type IntervalHistogram, type PerformanceObserver } from 'node:perf_hooks';
import { Counter, Gauge, Registry, collectDefaultMetrics } from 'prom-client';

type Health = Record<string, any>;
type Samples = [labels: Record<string, string>, value: unknown][];

export interface Series {
  name: string;
  type: 'counter' | 'gauge';
  help: string;
  labelNames?: readonly string[];
  /** the samples this series has in a /health snapshot; a figure the setup lacks gives none */
  samples: (h: Health) => Samples;
}

const one = (v: unknown): Samples => [[{}, v]];
const by = (label: string, figures: unknown): Samples => Object.entries((figures ?? {}) as Record<string, unknown>).map(([k, n]) => [{ [label]: k }, n]);

/** Qala's own series; the README's /metrics table is generated from this list (test/unit/readme.test.ts). */
export const SERIES: readonly Series[] = [
  { name: 'qala_ingest_messages_total', type: 'counter', help: 'device messages handled by ingest, by outcome (readings, status, ignored, rejected)', labelNames: ['outcome'], samples: (h) => by('outcome', h.ingest?.messages) },
  { name: 'qala_ingest_accepted_total', type: 'counter', help: 'readings accepted by ingest', samples: (h) => one(h.ingest?.accepted) },
  { name: 'qala_ingest_rejected_total', type: 'counter', help: 'readings rejected and dead-lettered, by reason (a message is rejected whole; one whose readings cannot be counted counts as one)', labelNames: ['reason'], samples: (h) => by('reason', h.ingest?.rejectedReadings) },
  { name: 'qala_store_written_total', type: 'counter', help: 'readings written to the store', samples: (h) => one(h.store?.written) },
  { name: 'qala_store_pending', type: 'gauge', help: 'readings buffered for the store', samples: (h) => one(h.store?.pending) },
  { name: 'qala_store_failures_total', type: 'counter', help: 'failed store writes (retried)', samples: (h) => one(h.store?.failures) },
  { name: 'qala_spool_segments', type: 'gauge', help: 'ingest spool segments on disk', samples: (h) => one(h.intake?.spool?.segments) },
  { name: 'qala_spool_commit_errors_total', type: 'counter', help: 'failed spool group commits (a full disk, no file descriptors): retried, nothing acknowledged meanwhile', samples: (h) => one(h.intake?.spool?.commitErrors) },
  { name: 'qala_spool_failing', type: 'gauge', help: '1 while spool commits fail and acknowledgements are held, else 0', samples: (h) => one(h.intake?.spool ? (h.intake.spool.failingSince === null ? 0 : 1) : undefined) },
  { name: 'qala_broker_clients', type: 'gauge', help: 'connected MQTT clients of the embedded broker', samples: (h) => one(h.broker?.clients) },
  { name: 'qala_broker_refused_reserved_total', type: 'counter', help: 'client publishes to platform topics refused', samples: (h) => one(h.broker?.refusedReserved) },
  { name: 'qala_rules', type: 'gauge', help: 'rules loaded', samples: (h) => one(h.rules?.rules) },
  { name: 'qala_rules_evaluations_total', type: 'counter', help: 'rule evaluations', samples: (h) => one(h.rules?.evaluations) },
  { name: 'qala_incidents', type: 'gauge', help: 'incidents by state', labelNames: ['state'], samples: (h) => by('state', h.incidents) },
  { name: 'qala_webhook_pending', type: 'gauge', help: 'webhook deliveries waiting in the outbox', samples: (h) => one(h.outbox?.pending) },
  { name: 'qala_webhook_delivered_total', type: 'counter', help: 'webhook deliveries acknowledged', samples: (h) => one(h.outbox?.delivered) },
  { name: 'qala_notifications_suppressed_total', type: 'counter', help: 'incident deliveries (MQTT or webhook, per route) held back by an active silence', samples: (h) => one(h.notifier?.suppressed) },
  { name: 'qala_silences_active', type: 'gauge', help: 'silences and maintenance windows in force now', samples: (h) => one(h.silences?.active) },
  { name: 'qala_escalations_total', type: 'counter', help: 'escalation steps taken and reminders sent for unacknowledged incidents', labelNames: ['kind'], samples: (h) => (h.escalation ? [[{ kind: 'step' }, h.escalation.escalated], [{ kind: 'reminder' }, h.escalation.reminded], [{ kind: 'deadline-missed' }, h.escalation.deadlinesMissed ?? 0]] : []) },
  { name: 'qala_live_clients', type: 'gauge', help: '/live websocket clients', samples: (h) => one(h.live?.clients) },
  { name: 'qala_live_skipped_slow_total', type: 'counter', help: 'live updates skipped for slow clients', samples: (h) => one(h.live?.skippedSlow) },
  { name: 'qala_devices', type: 'gauge', help: 'devices known', samples: (h) => one(h.devices) },
  { name: 'qala_password_checks_refused_total', type: 'counter', help: 'logins (HTTP and MQTT) refused with ERR_AUTH_BUSY because QALA_PASSWORD_HASH_CONCURRENCY checks ran and QALA_PASSWORD_HASH_QUEUE waited', samples: (h) => one(h.access?.passwordChecksRefused) },
];

export const BUILD_INFO = { name: 'qala_build_info', help: 'always 1; its labels name the Qala version and the Node.js version it runs on', labelNames: ['version', 'node'] } as const;

/** The version in package.json (there is no build step, so no other place records it). */
export function qalaVersion(): string {
  const pkg = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version?: unknown };
  return typeof pkg.version === 'string' ? pkg.version : 'unknown';
}

const finite = (v: unknown): v is number => typeof v === 'number' && Number.isFinite(v);

export interface MetricsDeps {
  /** the figures of /health, gathered by the composition root */
  health: () => Health;
  /** qala_build_info's version label */
  version: string;
}

/**
 * prom-client's runtime collectors into `registry`, and a function that stops the two
 * that hold something of the process: a PerformanceObserver on 'gc' entries and a
 * monitorEventLoopDelay histogram sampling every 10 ms. prom-client 15 never
 * disconnects or disables them and returns no handle (prometheus/client_js issues
 * #494 and #500), so every platform started in one process (the test suites start
 * hundreds) would leave one of each behind, each called on every GC or timer tick for
 * the life of the process. collectDefaultMetrics makes both synchronously through the
 * perf_hooks module object, so for the length of that one call both constructors are
 * wrapped to keep what they made.
 */
function collectRuntimeMetrics(registry: Registry): () => void {
  const observers: PerformanceObserver[] = [];
  const histograms: IntervalHistogram[] = [];
  const hooks = perfHooks as { PerformanceObserver: typeof perfHooks.PerformanceObserver; monitorEventLoopDelay: typeof perfHooks.monitorEventLoopDelay };
  const { PerformanceObserver: Observer, monitorEventLoopDelay } = hooks;
  hooks.PerformanceObserver = class extends Observer {
    constructor(...args: ConstructorParameters<typeof Observer>) {
      super(...args);
      observers.push(this);
    }
  };
  hooks.monitorEventLoopDelay = (options) => {
    const h = monitorEventLoopDelay(options);
    histograms.push(h);
    return h;
  };
  try {
    collectDefaultMetrics({ register: registry });
  } finally {
    hooks.PerformanceObserver = Observer;
    hooks.monitorEventLoopDelay = monitorEventLoopDelay;
  }
  return () => {
    for (const o of observers.splice(0)) o.disconnect();
    for (const h of histograms.splice(0)) h.disable();
  };
}

/**
 * The registry behind /metrics. start() adds prom-client's runtime collectors;
 * stop() stops the GC observer and the event-loop delay histogram they started and
 * empties the registry.
 */
export class PlatformMetrics {
  readonly #deps: MetricsDeps;
  readonly registry = new Registry();
  #snapshot: Health | undefined;
  #stopRuntime: (() => void) | undefined;

  constructor(deps: MetricsDeps) {
    this.#deps = deps;
  }

  get contentType(): string {
    return this.registry.contentType;
  }

  start(): void {
    const registers = [this.registry];
    for (const s of SERIES) {
      const labelNames = [...(s.labelNames ?? [])];
      const fill = (m: Counter | Gauge) => {
        const samples = s.samples(this.#snapshot ?? this.#deps.health()).filter((x): x is [Record<string, string>, number] => finite(x[1]));
        m.reset();
        // an unlabelled series' reset leaves a 0; a figure this setup lacks gives no sample at all
        if (!labelNames.length && !samples.length) m.remove({});
        for (const [labels, v] of samples) {
          if (m instanceof Counter) m.inc(labels, Math.max(0, v));
          else m.set(labels, v);
        }
      };
      if (s.type === 'counter') new Counter({ name: s.name, help: s.help, labelNames, registers, collect() { fill(this); } });
      else new Gauge({ name: s.name, help: s.help, labelNames, registers, collect() { fill(this); } });
    }
    new Gauge({ ...BUILD_INFO, labelNames: [...BUILD_INFO.labelNames], registers }).set({ version: this.#deps.version, node: process.versions.node }, 1);
    this.#stopRuntime = collectRuntimeMetrics(this.registry);
  }

  stop(): void {
    this.#stopRuntime?.();
    this.#stopRuntime = undefined;
    this.registry.clear();
  }

  /**
   * The exposition text for one scrape. prom-client starts every series' collect()
   * within this call, so they all read one /health snapshot; a collect that ran later
   * would take its own, never a stale one.
   */
  scrape(): Promise<string> {
    this.#snapshot = this.#deps.health();
    try {
      return this.registry.metrics();
    } finally {
      this.#snapshot = undefined;
    }
  }
}
