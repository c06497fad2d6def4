// The session cookie (RFC 6265): read from whatever a client sends without ever
// throwing, written HttpOnly and SameSite=Strict, Secure under TLS, where it also
// takes the __Host- prefix (RFC 6265bis §4.1.3.2: Secure, Path=/, no Domain, so no
// other host or plain-HTTP page can plant or overwrite it).

export const cookieName = (secure: boolean): string => (secure ? '__Host-qala_session' : 'qala_session');

/** The value of one cookie in a Cookie header; the first if it is given twice. */
export function readCookie(header: string | string[] | undefined, name: string): string | undefined {
  const text = Array.isArray(header) ? header.join('; ') : header;
  if (!text) return undefined;
  for (const part of text.split(';')) {
    const eq = part.indexOf('=');
    if (eq < 0 || part.slice(0, eq).trim() !== name) continue;
    let value = part.slice(eq + 1).trim();
    if (value.length >= 2 && value.startsWith('"') && value.endsWith('"')) value = value.slice(1, -1);
    return value;
  }
  return undefined;
}

export function sessionCookie(secure: boolean, id: string, maxAgeMs: number): string {
  return [`${cookieName(secure)}=${id}`, 'Path=/', `Max-Age=${Math.max(0, Math.floor(maxAgeMs / 1000))}`, 'HttpOnly', 'SameSite=Strict', ...(secure ? ['Secure'] : [])].join('; ');
}

export const clearedCookie = (secure: boolean): string => sessionCookie(secure, '', 0);
