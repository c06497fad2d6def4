// How a heated building cools once its heat stops: shared by the fault kinds that cut
// heat (a substation failure, a school's own heating loss) and kept apart from the
// device models so the fault kinds need not import them.

const r1 = (v: number) => Math.round(v * 10) / 10;

/**
 * A building whose heat has stopped cools towards the outdoor temperature with its
 * time constant (Newton's law of cooling): ~14 h for a school or kindergarten of the
 * 1960s–80s (heavy walls, large windows): from 21 °C at −15 °C outside it loses
 * ~2.5 °C in the first hour and falls under the 18 °C norm within about 1.5 h.
 * The 14 h is ASSUMED: no published measured time constant of such buildings was read. It shapes the simulated
 * feed only; the time to freeze the platform reports uses the town's τ.
 */
export function coolBuilding(m: Record<string, number>, sinceMs: number, severity: number, outdoorTemp: number): void {
  if (m.airTemp === undefined) return;
  const tauH = 14 / (0.6 + 0.4 * severity);
  const k = Math.exp(-sinceMs / 3_600_000 / tauH);
  m.airTemp = r1(Math.max(outdoorTemp, outdoorTemp + (m.airTemp - outdoorTemp) * k));
}
