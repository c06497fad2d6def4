// The state machine every rule subject (a device, or a district for a group rule)
// goes through: hit when its condition holds, raised once the hit has lasted `for`,
// cleared once the clear has lasted `clearFor`. A hit that ends and comes back
// while raised is a repeat (flapping): counted, never raised twice.
export type SubjectSignal = 'raised' | 'repeated' | 'cleared';

export class Subject {
  hit = false;
  hitSince = 0;
  clearSince = 0;
  active = false;
  flaps = 0;

  /** Feeds one observation; returns a signal when the subject changes. */
  observe(raise: boolean, clear: boolean, at: number, forMs: number, clearForMs: number): SubjectSignal | undefined {
    let signal: SubjectSignal | undefined;
    if (!this.hit && raise) {
      this.hit = true;
      this.hitSince = at;
      if (this.active) {
        this.flaps++;
        signal = 'repeated';
      }
    } else if (this.hit && clear && !raise) {
      this.hit = false;
      this.clearSince = at;
    }
    return this.elapse(at, forMs, clearForMs) ?? signal;
  }

  /** Lets time pass with no new observation (a sweep). */
  elapse(now: number, forMs: number, clearForMs: number): SubjectSignal | undefined {
    if (this.hit && !this.active && now - this.hitSince >= forMs) {
      this.active = true;
      return 'raised';
    }
    if (!this.hit && this.active && now - this.clearSince >= clearForMs) {
      this.active = false;
      return 'cleared';
    }
    return undefined;
  }
}
