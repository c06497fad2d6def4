// Time, injected into every component that reads it or waits on it, so tests run
// on a fake clock without sleeping (Grafana's scheduler takes a clock.Clock; MQTT.js
// KeepaliveManager takes its timer).
export interface Timer {
  cancel(): void;
}

export interface Clock {
  now(): number;
  setTimeout(fn: () => void, ms: number): Timer;
  setInterval(fn: () => void, ms: number): Timer;
}
