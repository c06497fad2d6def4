// A certificate authority and a server certificate for localhost and 127.0.0.1, made
// with Debian's openssl: for trying Qala's TLS listeners (tests, or by hand:
// `node --import tsx infra/tls.ts <dir>`). Not for production: use your city's CA.
import { execFileSync } from 'node:child_process';
import { createHash, X509Certificate } from 'node:crypto';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

export interface TestCertificates {
  /** the CA certificate a client trusts (mosquitto_pub --cafile) */
  ca: string;
  cert: string;
  key: string;
  /** base64 SHA-256 of the server key's SPKI, for chromium's --ignore-certificate-errors-spki-list */
  spki: string;
}

const openssl = (args: string[]) => execFileSync('openssl', args, { stdio: ['ignore', 'pipe', 'pipe'] });

export function makeCertificates(dir: string): TestCertificates {
  const p = (f: string) => join(dir, f);
  openssl(['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-days', '2', '-subj', '/CN=Qala test CA', '-keyout', p('ca.key'), '-out', p('ca.pem')]);
  openssl(['req', '-newkey', 'rsa:2048', '-nodes', '-subj', '/CN=localhost', '-keyout', p('server.key'), '-out', p('server.csr')]);
  writeFileSync(p('san.ext'), 'subjectAltName=DNS:localhost,IP:127.0.0.1\nextendedKeyUsage=serverAuth\n');
  openssl(['x509', '-req', '-in', p('server.csr'), '-CA', p('ca.pem'), '-CAkey', p('ca.key'), '-CAcreateserial', '-days', '2', '-extfile', p('san.ext'), '-out', p('server.pem')]);
  const spkiDer = new X509Certificate(readFileSync(p('server.pem'))).publicKey.export({ type: 'spki', format: 'der' });
  return { ca: p('ca.pem'), cert: p('server.pem'), key: p('server.key'), spki: createHash('sha256').update(spkiDer).digest('base64') };
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const dir = process.argv[2] ?? '.';
  console.log(JSON.stringify(makeCertificates(dir), null, 2));
}
