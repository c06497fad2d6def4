// A small front for Debian's InfluxDB 1.6, which predates the /api/v2/write route
// that the official client writes to (InfluxDB 1.8 added it). It maps that one route
// onto /write as 1.8 does inside (services/httpd/handler.go, serveWriteV2 and
// bucket2dbrp; credentials as its parseCredentials reads a "Token user:password"):
//   bucket "db/rp" → db=db&rp=rp, "db" → db=db; org is ignored;
//   precision ns/us/ms/s → n/u/ms/s;
//   Authorization "Token user:password" → HTTP Basic user:password;
//   the body, gzip or not, is passed through with its Content-Encoding.
// Everything else (/query, /ping) is passed through untouched: the answers are the
// real server's. When influxd is down the client's connection is cut, as a refused
// connection would fail its request. For tests and the benchmark only.
import { createServer, request, type IncomingHttpHeaders, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface V2Compat {
  url: string;
  /** v2 writes passed on, by Content-Encoding */
  readonly writes: { gzip: number; plain: number };
  close(): Promise<void>;
}

const PRECISION: Record<string, string> = { ns: 'n', us: 'u', ms: 'ms', s: 's' };

/** Where 1.8 would send a v2 write, or the error it would answer (status, message). */
export function mapV2Write(search: URLSearchParams, headers: IncomingHttpHeaders): { path: string; headers: IncomingHttpHeaders } | { status: number; error: string } {
  const bucket = search.get('bucket') ?? '';
  const slash = bucket.indexOf('/');
  const db = slash < 0 ? bucket : bucket.slice(0, slash);
  const rp = slash < 0 ? '' : bucket.slice(slash + 1);
  if (!db) return { status: 404, error: slash < 0 ? `bucket name "${bucket}" is missing a slash; not in "database/retention-policy" format` : `bucket name "${bucket}" is in db/rp form but has an empty database` };
  const precision = search.get('precision') ?? '';
  if (precision && !PRECISION[precision]) return { status: 400, error: `invalid precision "${precision}" (use ns, us, ms or s)` };
  const params = new URLSearchParams({ db });
  if (rp) params.set('rp', rp);
  if (precision) params.set('precision', PRECISION[precision]!);
  const out: IncomingHttpHeaders = { ...headers };
  delete out.host;
  const auth = /^Token (.*)$/.exec(headers.authorization ?? '');
  if (auth) {
    const token = auth[1]!;
    const colon = token.indexOf(':');
    if (colon < 0) delete out.authorization;
    else out.authorization = `Basic ${Buffer.from(token).toString('base64')}`;
  }
  return { path: `/write?${params}`, headers: out };
}

export async function startV2Compat(upstream: string): Promise<V2Compat> {
  const target = new URL(upstream);
  const writes = { gzip: 0, plain: 0 };
  const forward = (req: IncomingMessage, res: ServerResponse, path: string, headers: IncomingHttpHeaders) => {
    const up = request({ host: target.hostname, port: target.port, method: req.method, path, headers }, (answer) => {
      res.writeHead(answer.statusCode ?? 502, answer.headers);
      answer.pipe(res);
    });
    up.on('error', () => req.socket.destroy());
    req.pipe(up);
  };
  const server: Server = createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://compat');
    if (url.pathname === '/api/v2/write') {
      const mapped = mapV2Write(url.searchParams, req.headers);
      if ('error' in mapped) {
        req.resume();
        res.writeHead(mapped.status, { 'content-type': 'application/json', 'x-influxdb-error': mapped.error }).end(JSON.stringify({ error: mapped.error }));
        return;
      }
      writes[req.headers['content-encoding'] === 'gzip' ? 'gzip' : 'plain']++;
      forward(req, res, mapped.path, mapped.headers);
      return;
    }
    const headers = { ...req.headers };
    delete headers.host;
    forward(req, res, req.url ?? '/', headers);
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    writes,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
