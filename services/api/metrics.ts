// /metrics in the Prometheus text format (version 0.0.4), from the same figures as
// /health, for the utilities' existing monitoring.
type Health = Record<string, any>;

export function prometheus(h: Health): string {
  const lines: string[] = [];
  const metric = (name: string, type: 'counter' | 'gauge', help: string, samples: [Record<string, string>, number | undefined][]) => {
    lines.push(`# HELP ${name} ${help}`, `# TYPE ${name} ${type}`);
    for (const [labels, v] of samples) {
      if (v === undefined || v === null || Number.isNaN(Number(v))) continue;
      const l = Object.entries(labels).map(([k, x]) => `${k}="${x.replace(/["\\\n]/g, '_')}"`).join(',');
      lines.push(`${name}${l ? `{${l}}` : ''} ${Number(v)}`);
    }
  };
  metric('qala_ingest_accepted_total', 'counter', 'readings accepted by ingest', [[{}, h.ingest?.accepted]]);
  metric('qala_ingest_rejected_total', 'counter', 'messages rejected and dead-lettered, by reason', Object.entries(h.ingest?.rejected ?? {}).map(([reason, n]) => [{ reason }, n as number]));
  metric('qala_store_written_total', 'counter', 'readings written to the store', [[{}, h.store?.written]]);
  metric('qala_store_pending', 'gauge', 'readings buffered for the store', [[{}, h.store?.pending]]);
  metric('qala_store_failures_total', 'counter', 'failed store writes (retried)', [[{}, h.store?.failures]]);
  metric('qala_spool_segments', 'gauge', 'ingest spool segments on disk', [[{}, h.spool?.segments]]);
  metric('qala_broker_clients', 'gauge', 'connected MQTT clients of the embedded broker', [[{}, h.broker?.clients]]);
  metric('qala_broker_refused_reserved_total', 'counter', 'client publishes to platform topics refused', [[{}, h.broker?.refusedReserved]]);
  metric('qala_rules', 'gauge', 'rules loaded', [[{}, h.rules?.rules]]);
  metric('qala_rules_evaluations_total', 'counter', 'rule evaluations', [[{}, h.rules?.evaluations]]);
  metric('qala_incidents', 'gauge', 'incidents by state', Object.entries(h.incidents ?? {}).map(([state, n]) => [{ state }, n as number]));
  metric('qala_webhook_pending', 'gauge', 'webhook deliveries waiting in the outbox', [[{}, h.outbox?.pending]]);
  metric('qala_webhook_delivered_total', 'counter', 'webhook deliveries acknowledged', [[{}, h.outbox?.delivered]]);
  metric('qala_live_clients', 'gauge', '/live websocket clients', [[{}, h.live?.clients]]);
  metric('qala_live_skipped_slow_total', 'counter', 'live updates skipped for slow clients', [[{}, h.live?.skippedSlow]]);
  metric('qala_devices', 'gauge', 'devices known', [[{}, h.devices]]);
  return `${lines.join('\n')}\n`;
}
