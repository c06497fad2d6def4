// The state machine every rule subject (a device, or a district for a group rule)
// goes through: hit when its condition holds, raised once the hit has lasted `for`
// and been seen in `minSamples` consecutive readings, cleared once the clear has
// lasted `clearFor`. A hit that ends and comes back while raised is a repeat
// (flapping): counted, never raised twice.
//
// Raising is driven by readings only: a sweep can clear a subject or fire an
// absence, but never raise a condition on the strength of one old reading (a
// one-minute `for` must not be met by a single reading from a device that reports
// every 60 s).
export type SubjectSignal = 'raised' | 'repeated' | 'cleared';

export interface Timing {
  forMs: number;
  clearForMs: number;
  minSamples: number;
}

export class Subject {
  hit = false;
  hitSince = 0;
  clearSince = 0;
  active = false;
  flaps = 0;
  /** consecutive readings whose condition held */
  samples = 0;
  /** consecutive readings whose raise condition held, whatever the clear condition says (a group member's fresh onset) */
  streak = 0;
  /** raised while an inhibiting incident was open: its signals are withheld */
  muted = false;

  /** Feeds one observation at device time `at`; returns a signal when the subject changes. */
  observe(raise: boolean, clear: boolean, at: number, t: Timing): SubjectSignal | undefined {
    let signal: SubjectSignal | undefined;
    if (raise) this.samples++;
    else if (clear) this.samples = 0;
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
    if (this.hit && !this.active && this.samples >= t.minSamples && at - this.hitSince >= t.forMs) {
      this.active = true;
      return 'raised';
    }
    return this.elapse(at, t) ?? signal;
  }

  /** Lets time pass with no new observation (a sweep): only a clear can complete. */
  elapse(now: number, t: Timing): SubjectSignal | undefined {
    if (!this.hit && this.active && now - this.clearSince >= t.clearForMs) {
      this.active = false;
      return 'cleared';
    }
    return undefined;
  }
}
