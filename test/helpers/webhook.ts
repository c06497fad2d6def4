// A real HTTP endpoint that takes every webhook the platform sends (answering 204),
// closed when the test file ends.
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Incident } from '../../services/contracts/index.ts';
import { hold } from './resources.ts';

export async function webhookReceiver(): Promise<{ url: string; events: () => { event: string; incident: Incident }[] }> {
  const bodies: string[] = [];
  const server = createServer((req, res) => {
    let body = '';
    req.on('data', (c) => (body += c));
    req.on('end', () => {
      bodies.push(body);
      res.writeHead(204).end();
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  hold('webhook endpoint', () => new Promise((r) => server.close(r)));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/hooks/qala`, events: () => bodies.map((b) => JSON.parse(b) as { event: string; incident: Incident }) };
}
