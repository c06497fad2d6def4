// The simulated clock: simulated time runs `speed` times faster than the wall clock,
// from a chosen start. The wall clock is injected so tests can drive it.
export interface SimClock {
  /** simulated ms since epoch */
  now(): number;
  readonly speed: number;
}

export function createSimClock(opts: { start: number; speed: number; wallNow?: () => number }): SimClock {
  const wall = opts.wallNow ?? Date.now;
  const wallStart = wall();
  return {
    speed: opts.speed,
    now: () => Math.round(opts.start + (wall() - wallStart) * opts.speed),
  };
}
