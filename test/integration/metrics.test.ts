// /metrics of a running platform, scraped over HTTP with a Prometheus bearer token
// after a real device published over MQTT: promtool reads it, readings are counted
// as readings (accepted and rejected), messages apart.
import { describe, expect, it } from 'vitest';
import { client, tokenFor } from '../helpers/auth.ts';
import { connectDevice } from '../helpers/mqtt.ts';
import { startPlatform, tempDir, testConfig } from '../helpers/platform.ts';
import { PROMTOOL_MISSING, checkMetrics, promtool } from '../helpers/promtool.ts';
import { waitFor } from '../helpers/wait.ts';

const TOPIC = 'city/temirtau/utilities/old-town/water-pressure/wp-m-1/telemetry';

describe('/metrics on a running platform', () => {
  it(`counts readings and messages, and passes promtool${promtool() ? '' : ` (promtool part skipped: ${PROMTOOL_MISSING})`}`, async () => {
    const platform = await startPlatform(testConfig(await tempDir()));
    const scraper = await tokenFor(platform, 'admin', 'prometheus');
    const device = await connectDevice(platform, { clientId: 'metrics-device' });
    const t = Math.floor(Date.now() / 1000);
    // SenML (RFC 8428): two readings at two times; then three, the last of which is out of bounds, so the pack is rejected whole
    await device.publishAsync(TOPIC, JSON.stringify([{ bn: 'wp-m-1:', bt: t, n: 'pressure', v: 3.1 }, { n: 'pressure', t: 60, v: 3.2 }]), { qos: 1 });
    await device.publishAsync(TOPIC, JSON.stringify([{ bn: 'wp-m-1:', bt: t, n: 'pressure', v: 3.1 }, { n: 'pressure', t: 60, v: 3.2 }, { n: 'pressure', t: 120, v: -1e9 }]), { qos: 1 });
    await device.endAsync();
    await waitFor(() => platform.ingest.stats().messages.rejected === 1 && platform.ingest.stats().accepted === 2, 'both packs handled by ingest');

    const res = await client(platform, scraper)('/metrics');
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('text/plain; version=0.0.4; charset=utf-8');
    const text = await res.text();
    const lines = text.split('\n');
    expect(lines).toContain('qala_ingest_accepted_total 2');
    expect(lines).toContain('qala_ingest_rejected_total{reason="schema-mismatch"} 3');
    expect(lines).toContain('qala_ingest_messages_total{outcome="readings"} 1');
    expect(lines).toContain('qala_ingest_messages_total{outcome="rejected"} 1');
    expect(text).toMatch(/^qala_build_info\{version="\d+\.\d+\.\d+[^"]*",node="\d+\.\d+\.\d+"\} 1$/m);
    expect(text).toMatch(/^process_resident_memory_bytes \d+/m);
    expect(text).toMatch(/^nodejs_heap_size_used_bytes \d+/m);
    if (promtool()) {
      const r = checkMetrics(text);
      expect(r.parsed, r.output).toBe(true);
      expect(r.problems).toEqual([]);
    }
  });
});
