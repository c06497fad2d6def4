// Slow consumers are isolated: aedes waits for a socket's 'drain' before it goes on
// with a delivery, and a publish waits for all its subscribers, so one client that
// never reads its socket held up every PUBACK and every other subscriber (about 59 s,
// aedes' drain timeout, measured). Here a connection's writes never make aedes wait:
// its unsent bytes are bounded instead, and past the bound the client is cut, as
// Mosquitto cuts a client whose queue is full and EMQX one over its max_mqueue_len.
import type { Duplex } from 'node:stream';

export function capOutbound(conn: Duplex, maxBytes: number, onCut: () => void): void {
  const write = conn.write.bind(conn) as (...args: unknown[]) => boolean;
  (conn as unknown as { write: (...args: unknown[]) => boolean }).write = (...args: unknown[]) => {
    if (conn.destroyed) return true;
    if (conn.writableLength > maxBytes) {
      onCut();
      conn.destroy(new Error(`slow consumer: more than ${maxBytes} bytes unsent (QALA_MAX_OUTBOUND_BYTES)`));
      return true;
    }
    write(...args);
    return true; // never "wait for drain": the bound above is the back-pressure
  };
}
