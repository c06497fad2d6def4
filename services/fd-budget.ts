// How many MQTT connections this process can afford. Every connection holds a file
// descriptor, and so do the spool, the store, the audit log, the HTTP server's
// sockets and the logs: run out and an fsync-before-ack spool cannot open its next
// segment, /health stops answering, and Node's accept loop spins on EMFILE. So the
// broker's connection limit is capped below the process's open-files limit (`ulimit
// -n`, which Node raises to the hard limit at start), less QALA_FD_RESERVE for the
// platform's own files and QALA_MAX_HTTP_CONNECTIONS for the HTTP server.
import { readFileSync } from 'node:fs';
import { QalaError } from './contracts/errors.ts';

/** The soft open-files limit of this process, from /proc/self/limits (Linux); undefined elsewhere or when unlimited. */
export function openFilesLimit(limitsText?: string): number | undefined {
  let text = limitsText;
  if (text === undefined) {
    try {
      text = readFileSync('/proc/self/limits', 'utf8');
    } catch {
      return undefined; // not Linux: no cap beyond QALA_MAX_CONNECTIONS
    }
  }
  const m = /^Max open files\s+(\S+)/m.exec(text);
  if (!m || m[1] === 'unlimited') return undefined;
  const n = Number(m[1]);
  return Number.isInteger(n) && n > 0 ? n : undefined;
}

export interface ConnectionBudget {
  /** MQTT connections the broker admits */
  maxConnections: number;
  /** set when the open-files limit lowered QALA_MAX_CONNECTIONS: what to tell the operator */
  lowered?: string;
}

/** QALA_MAX_CONNECTIONS, capped by what the descriptors allow; a limit too low to serve anything stops start-up. */
export function connectionBudget(c: { maxConnections: number; fdReserve: number; maxHttpConnections: number }, openFiles = openFilesLimit()): ConnectionBudget {
  if (openFiles === undefined) return { maxConnections: c.maxConnections };
  const afford = openFiles - c.fdReserve - c.maxHttpConnections;
  if (afford < 1) {
    throw new QalaError(
      'ERR_CONFIG_INVALID',
      `the process may open ${openFiles} files (ulimit -n), which leaves no MQTT connection after QALA_FD_RESERVE=${c.fdReserve} and QALA_MAX_HTTP_CONNECTIONS=${c.maxHttpConnections}; raise ulimit -n or lower those`,
    );
  }
  if (afford >= c.maxConnections) return { maxConnections: c.maxConnections };
  return {
    maxConnections: afford,
    lowered: `QALA_MAX_CONNECTIONS=${c.maxConnections} lowered to ${afford}: the process may open ${openFiles} files (ulimit -n), less QALA_FD_RESERVE=${c.fdReserve} and QALA_MAX_HTTP_CONNECTIONS=${c.maxHttpConnections}`,
  };
}
