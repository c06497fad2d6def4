// Which device messages the intake makes durable before they are acknowledged, and
// the size limit every device message is held to. One definition, used by the
// intake (admission) and by ingest (classification), so the two never disagree.
export interface AdmissionRule {
  town: string;
  maxPayloadBytes: number;
}

export function overSizeLimit(payloadBytes: number, rule: AdmissionRule): boolean {
  return payloadBytes > rule.maxPayloadBytes;
}

/**
 * This town's telemetry within the size limit: what ingest can turn into readings.
 * Anything else (status, off-scheme topics, oversized payloads) is not spooled; ingest
 * classifies it from the bus and dead-letters what it rejects.
 */
export function admits(topic: string, payloadBytes: number, rule: AdmissionRule): boolean {
  return topic.startsWith('city/') && topic.endsWith('/telemetry') && topic.startsWith(`${rule.town}/`, 5) && !overSizeLimit(payloadBytes, rule);
}
