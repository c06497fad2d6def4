// Websockets (/live, /mqtt) outlive the request that opened them, so they are held
// to the session or token they were opened with: closed when it is signed out,
// expires, is revoked, or its user removed. (What a utility's /live shows is the
// live hub's view of its network: services/live/live-hub.ts.)
import type { Clock, Timer } from '../contracts/index.ts';
import type { Auth } from './auth.ts';

/** What a held socket must do: be closed with a code and reason. */
export interface ClosableSocket {
  close(code?: number, reason?: string): void;
  once(event: 'close', fn: () => void): unknown;
}

/** Close code of a socket whose login ended (4000-4999 are the application's, RFC 6455 §7.4.2). */
export const CLOSE_LOGGED_OUT = 4401;

/** The longest delay Node's timers take (a signed 32-bit number of ms). */
const MAX_TIMER_MS = 2 ** 31 - 1;

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
    if (auth.expiresAt !== undefined) this.#closeAt(socket, held, auth.expiresAt);
    this.#held.set(socket, held);
    socket.once('close', () => {
      held.timer?.cancel();
      this.#held.delete(socket);
    });
  }

  /**
   * Closes the socket when its login expires. Node fires a timer of more than 2^31-1 ms
   * (24.8 days) at once instead (TimeoutOverflowWarning), and a token lives 90 days or
   * more, so a long wait is taken in steps.
   */
  #closeAt(socket: ClosableSocket, held: Held, at: number): void {
    const wait = Math.max(0, at - this.#clock.now());
    held.timer = this.#clock.setTimeout(() => {
      if (this.#clock.now() < at) this.#closeAt(socket, held, at);
      else this.#close(socket, held.auth.via === 'token' ? 'API token expired' : 'session expired');
    }, Math.min(wait, MAX_TIMER_MS));
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
