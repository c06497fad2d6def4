/**
 * The district-heating temperature chart 130/70 °C with a 70 °C floor for hot water:
 * supply rises linearly from 70 °C at +8 °C outdoors to 130 °C at the design outdoor
 * temperature −32 °C (SP RK 2.04-01, Karaganda region); return from 42 °C to 70 °C.
 * Shared by the simulator (what substations do) and the rules (what they should do).
 */
export function heatingSchedule(outdoor: number): { supply: number; return: number } {
  const f = Math.min(1, Math.max(0, (8 - outdoor) / (8 - -32)));
  return { supply: 70 + 60 * f, return: 42 + 28 * f };
}
