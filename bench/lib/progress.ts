// Progress of the bench's workloads, for its watchdog (bench/lib/watchdog.ts): the
// workloads report what arrives (an MQTT packet at one of their clients, a /live
// frame, a /health answer) and run.ts listens. A bench script's one piece of shared
// state; the platform's code has no such thing.
let listener: () => void = () => undefined;

/** Sets who hears of progress (run.ts: the watchdog's beat). */
export function onProgress(fn: () => void): void {
  listener = fn;
}

/** Something a workload waits for has arrived. */
export function progressed(): void {
  listener();
}
