// Websockets (/live, /mqtt) outlive the request that opened them, so they are held
// to the session or token they were opened with: closed when it is signed out,
// expires, is revoked, or its user removed. (What a utility's /live shows is the
// live hub's view of its network: services/live/live-hub.ts.)
import { setTimeoutAt } from '../clock.ts';
import type { Clock, Timer } from '../contracts/index.ts';
import type { Auth } from './auth.ts';

/** What a held socket must do: be closed with a code and reason. */
export interface ClosableSocket {
  close(code?: number, reason?: string): void;
  once(event: 'close', fn: () => void): unknown;
}

/** Close code of a socket whose login ended (4000-4999 are the application's, RFC 6455 §7.4.2). */
export const CLOSE_LOGGED_OUT = 4401;

interface Held {
  auth: Auth;
  timer?: Timer;
}

export class WsSessions {
  readonly #clock: Clock;
  readonly #held = new Map<ClosableSocket, Held>();

  constructor(clock: Clock) {
    this.#clock = clock;
  }

  get size(): number {
    return this.#held.size;
  }

  hold(socket: ClosableSocket, auth: Auth): void {
    const held: Held = { auth };
    // a login of 90 days outlasts Node's longest timer: setTimeoutAt takes it in steps
    if (auth.expiresAt !== undefined) held.timer = setTimeoutAt(this.#clock, auth.expiresAt, () => this.#close(socket, auth.via === 'token' ? 'API token expired' : 'session expired'));
    this.#held.set(socket, held);
    socket.once('close', () => {
      held.timer?.cancel();
      this.#held.delete(socket);
    });
  }

  closeSession(key: string, reason = 'signed out'): void {
    this.#closeWhere((a) => a.sessionKey === key, reason);
  }

  closeToken(id: string): void {
    this.#closeWhere((a) => a.tokenId === id, 'API token revoked');
  }

  closeUser(user: string, reason: string): void {
    this.#closeWhere((a) => a.principal.name === user, reason);
  }

  /** Lets go of every socket without closing it: the server closes them as it stops (not a sign-out). */
  clear(): void {
    for (const held of this.#held.values()) held.timer?.cancel();
    this.#held.clear();
  }

  #closeWhere(match: (a: Auth) => boolean, reason: string): void {
    for (const [socket, held] of [...this.#held]) if (match(held.auth)) this.#close(socket, reason);
  }

  #close(socket: ClosableSocket, reason: string): void {
    const held = this.#held.get(socket);
    held?.timer?.cancel();
    this.#held.delete(socket);
    socket.close(CLOSE_LOGGED_OUT, reason);
  }
}
