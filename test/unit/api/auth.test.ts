import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { originAllowed, parseOrigins } from '../../../services/api/auth.ts';
import { clearedCookie, readCookie, sessionCookie } from '../../../services/api/cookies.ts';
import { CLOSE_LOGGED_OUT, WsSessions } from '../../../services/api/ws-sessions.ts';
import type { Auth } from '../../../services/api/auth.ts';
import { ManualClock } from '../../../services/clock.ts';

describe('origin check', () => {
  const allowed = ['https://control.example.kz'];
  it.each([
    ['http://127.0.0.1:8080', '127.0.0.1:8080', false, true],
    ['http://localhost:8080', '127.0.0.1:8080', false, false],
    ['http://127.0.0.1:8081', '127.0.0.1:8080', false, false],
    ['https://qala.city', 'qala.city', true, true],
    ['https://qala.city', 'qala.city:443', true, true],
    ['http://qala.city', 'qala.city', true, false],
    ['https://qala.city', 'qala.city', false, true],
    ['https://qala.city.evil.example', 'qala.city', false, false],
    ['https://control.example.kz', 'qala.city', true, true],
    ['https://control.example.kz:8443', 'qala.city', true, false],
    ['null', 'qala.city', false, false],
    ['file://', 'qala.city', false, false],
    ['', 'qala.city', false, false],
    ['http://qala.city', undefined, false, false],
  ] as const)('origin %s to host %s (tls %s): %s', (origin, host, secure, ok) => {
    expect(originAllowed(origin, host, secure, allowed)).toBe(ok);
  });

  it('never throws, whatever the headers', () => {
    fc.assert(fc.property(fc.string(), fc.option(fc.string(), { nil: undefined }), fc.boolean(), (o, h, s) => {
      expect(typeof originAllowed(o, h, s, allowed)).toBe('boolean');
    }));
  });

  it('reads QALA_ALLOWED_ORIGINS, refusing what is not an origin', () => {
    expect(parseOrigins(undefined)).toEqual([]);
    expect(parseOrigins(' https://a.example , http://b.example:8080/ ')).toEqual(['https://a.example', 'http://b.example:8080']);
    for (const bad of ['a.example', 'https://a.example/path', 'ftp://a.example', 'https://*.example']) {
      expect(() => parseOrigins(bad), bad).toThrow(expect.objectContaining({ code: 'ERR_CONFIG_INVALID', message: expect.stringContaining('QALA_ALLOWED_ORIGINS') }));
    }
  });
});

describe('session cookie', () => {
  it('is HttpOnly and SameSite=Strict, and Secure with the __Host- prefix under TLS', () => {
    expect(sessionCookie(false, 'abc', 3_600_000)).toBe('qala_session=abc; Path=/; Max-Age=3600; HttpOnly; SameSite=Strict');
    expect(sessionCookie(true, 'abc', 3_600_000)).toBe('__Host-qala_session=abc; Path=/; Max-Age=3600; HttpOnly; SameSite=Strict; Secure');
    expect(clearedCookie(false)).toContain('Max-Age=0');
  });

  it('is read from a Cookie header among others, first one wins', () => {
    expect(readCookie('a=1; qala_session=xyz; b=2', 'qala_session')).toBe('xyz');
    expect(readCookie('qala_session="xyz"', 'qala_session')).toBe('xyz');
    expect(readCookie('qala_session=1; qala_session=2', 'qala_session')).toBe('1');
    expect(readCookie('xqala_session=1', 'qala_session')).toBeUndefined();
    expect(readCookie(undefined, 'qala_session')).toBeUndefined();
  });

  it('never throws on any Cookie header', () => {
    fc.assert(fc.property(fc.oneof(fc.string(), fc.array(fc.string())), (h) => {
      const v = readCookie(h, 'qala_session');
      expect(v === undefined || typeof v === 'string').toBe(true);
    }));
  });
});

describe('websockets held to a login', () => {
  const socket = () => {
    const closed: [number | undefined, string | undefined][] = [];
    let onClose = () => {};
    return {
      closed,
      close(code?: number, reason?: string) {
        closed.push([code, reason]);
        onClose();
      },
      once(_e: 'close', fn: () => void) {
        onClose = fn;
      },
    };
  };
  const auth = (over: Partial<Auth> = {}): Auth => ({ principal: { type: 'user', name: 'aigerim', role: 'operator' }, via: 'session', sessionKey: 'k1', expiresAt: 60_000, ...over });

  it('closes a socket when its session expires, with the logged-out code', () => {
    const clock = new ManualClock(0);
    const ws = new WsSessions(clock);
    const s = socket();
    ws.hold(s, auth());
    clock.advance(59_999);
    expect(s.closed).toEqual([]);
    clock.advance(1);
    expect(s.closed).toEqual([[CLOSE_LOGGED_OUT, 'session expired']]);
    expect(ws.size).toBe(0);
  });

  it("closes a token's socket when the token expires 90 days on, never asking for a timer longer than Node keeps (2^31-1 ms)", () => {
    const DAY = 86_400_000;
    const clock = new ManualClock(0);
    const delays: number[] = [];
    const setTimeout = clock.setTimeout.bind(clock);
    clock.setTimeout = (fn, ms) => (delays.push(ms), setTimeout(fn, ms));
    const ws = new WsSessions(clock);
    const s = socket();
    ws.hold(s, { principal: { type: 'user', name: 'scraper', role: 'viewer' }, via: 'token', tokenId: 't1', expiresAt: 90 * DAY });
    clock.advance(90 * DAY - 1);
    expect(s.closed).toEqual([]);
    clock.advance(1);
    expect(s.closed).toEqual([[CLOSE_LOGGED_OUT, 'API token expired']]);
    expect(Math.max(...delays)).toBeLessThanOrEqual(2 ** 31 - 1);
    expect(delays.length).toBeGreaterThan(1);
  });

  it('closes the sockets of a signed-out session, a revoked token or a removed user, and no others', () => {
    const clock = new ManualClock(0);
    const ws = new WsSessions(clock);
    const [a, b, c, d] = [socket(), socket(), socket(), socket()];
    ws.hold(a, auth());
    ws.hold(b, auth({ sessionKey: 'k2' }));
    ws.hold(c, { principal: { type: 'user', name: 'scraper', role: 'viewer' }, via: 'token', tokenId: 't1' });
    ws.hold(d, auth({ principal: { type: 'user', name: 'daniyar', role: 'viewer' }, sessionKey: 'k3' }));
    ws.closeSession('k1');
    expect([a, b, c, d].map((x) => x.closed.length)).toEqual([1, 0, 0, 0]);
    ws.closeToken('t1');
    expect([a, b, c, d].map((x) => x.closed.length)).toEqual([1, 0, 1, 0]);
    ws.closeUser('aigerim', 'user removed');
    expect([a, b, c, d].map((x) => x.closed.length)).toEqual([1, 1, 1, 0]);
    // a socket closed by its client is let go, its timer too
    d.close();
    expect(ws.size).toBe(0);
    expect(clock.pending).toBe(0);
  });
});
