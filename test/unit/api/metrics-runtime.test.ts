// prom-client's runtime collectors hold a GC PerformanceObserver and an event-loop
// delay histogram that prom-client never stops (prometheus/client_js #494, #500):
// a platform's /metrics stops both when the platform stops, so platforms started one
// after another in one process (as the test suites do) leave none running.
import perfHooks, { PerformanceObserver, type IntervalHistogram } from 'node:perf_hooks';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { PlatformMetrics, qalaVersion } from '../../../services/api/metrics.ts';

afterEach(() => vi.restoreAllMocks());

describe('runtime metrics', () => {
  it('stops the GC observer and the event-loop delay histogram each start made, on stop', () => {
    const observe = vi.spyOn(PerformanceObserver.prototype, 'observe');
    const disconnect = vi.spyOn(PerformanceObserver.prototype, 'disconnect');
    const monitor = vi.spyOn(perfHooks, 'monitorEventLoopDelay');
    for (let i = 0; i < 5; i++) {
      const m = new PlatformMetrics({ health: () => ({}), version: qalaVersion() });
      m.start();
      m.stop();
    }
    const observers = new Set(observe.mock.contexts);
    expect(observers.size).toBe(5);
    expect(new Set(disconnect.mock.contexts)).toEqual(observers);
    const histograms = monitor.mock.results.map((r) => r.value as IntervalHistogram);
    expect(histograms).toHaveLength(5);
    // disable() answers false for a histogram that was not enabled: stop() disabled each
    for (const h of histograms) expect(h.disable()).toBe(false);
  });

  it('still serves the runtime series while started, and leaves the perf_hooks module as it was', async () => {
    const { PerformanceObserver: observerBefore, monitorEventLoopDelay: monitorBefore } = perfHooks;
    const m = new PlatformMetrics({ health: () => ({}), version: qalaVersion() });
    m.start();
    try {
      expect(perfHooks.PerformanceObserver).toBe(observerBefore);
      expect(perfHooks.monitorEventLoopDelay).toBe(monitorBefore);
      const text = await m.scrape();
      for (const name of ['nodejs_gc_duration_seconds', 'nodejs_eventloop_lag_p99_seconds', 'process_cpu_seconds_total']) expect(text).toContain(`# TYPE ${name} `);
    } finally {
      m.stop();
    }
  });
});
