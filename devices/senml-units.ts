// SenML unit symbols (the IANA "SenML Units" registry) and how each converts to the
// units of Qala's catalog. Data only, no I/O. A SenML record's unit is a registry
// symbol (RFC 8428 §4.5.2, §12.1), so "bar" or "kPa" are not units a SenML sender can
// use: registry guideline 4 discourages SI prefixes and guideline 8 names bar as a
// unit not to use. The secondary units of RFC 8798 §3 (hPa, km/h, min, ug/m3...) are
// defined there as linear transformations of primary units and are accepted too.

/** A quantity SenML and the catalog can both express, named by its coherent SI unit. */
type Quantity = 'pressure' | 'temperature' | 'volumeFlow' | 'voltage' | 'ratio' | 'velocity' | 'time' | 'eventRate' | 'count' | 'massConcentration';

/** value in the quantity's coherent unit = value * scale + offset */
interface Linear {
  readonly quantity: Quantity;
  readonly scale: number;
  readonly offset?: number;
}

/**
 * Every primary symbol of RFC 8428 Table 6 and of RFC 8798 §2, so that a registered unit
 * that does not fit a metric is told apart from one that is not registered at all.
 */
const PRIMARY_SYMBOLS = [
  'm', 'kg', 'g', 's', 'A', 'K', 'cd', 'mol', 'Hz', 'rad', 'sr', 'N', 'Pa', 'J', 'W', 'C', 'V', 'F', 'Ohm', 'S', 'Wb', 'T', 'H',
  'Cel', 'lm', 'lx', 'Bq', 'Gy', 'Sv', 'kat', 'm2', 'm3', 'l', 'm/s', 'm/s2', 'm3/s', 'l/s', 'W/m2', 'cd/m2', 'bit', 'bit/s',
  'lat', 'lon', 'pH', 'dB', 'dBW', 'Bspl', 'count', '/', '%', '%RH', '%EL', 'EL', '1/s', '1/min', 'beat/min', 'beats', 'S/m',
  // RFC 8798 §2
  'B', 'VA', 'VAs', 'var', 'vars', 'J/m', 'kg/m3', 'deg',
] as const;

/** RFC 8798 §3, the secondary units registry: each a scale of a primary unit. */
const SECONDARY_SYMBOLS = [
  'ms', 'min', 'h', 'MHz', 'kW', 'kVA', 'kvar', 'Ah', 'Wh', 'kWh', 'varh', 'kvarh', 'kVAh', 'Wh/km', 'KiB', 'GB', 'Mbit/s', 'B/s',
  'MB/s', 'mV', 'mA', 'dBm', 'ug/m3', 'mm/h', 'm/h', 'ppm', '/100', '/1000', 'hPa', 'mm', 'cm', 'km', 'km/h',
] as const;

const REGISTERED = new Set<string>([...PRIMARY_SYMBOLS, ...SECONDARY_SYMBOLS]);

/** The registered symbols that express a quantity the catalog uses, with their conversion. */
const SENML: Readonly<Record<string, Linear>> = {
  Pa: { quantity: 'pressure', scale: 1 },
  hPa: { quantity: 'pressure', scale: 100 }, // RFC 8798 §3
  K: { quantity: 'temperature', scale: 1 },
  Cel: { quantity: 'temperature', scale: 1, offset: 273.15 }, // ISO 80000-5 item 5-2: t = T - 273.15 K
  'm3/s': { quantity: 'volumeFlow', scale: 1 },
  'l/s': { quantity: 'volumeFlow', scale: 1e-3 }, // Table 6, marked * (consumers SHOULD implement)
  V: { quantity: 'voltage', scale: 1 },
  mV: { quantity: 'voltage', scale: 1e-3 }, // RFC 8798 §3
  // Table 6 Note 2: "/" and "%" are both the absolute ratio (0.5 = half on), NOT a percentage.
  '/': { quantity: 'ratio', scale: 1 },
  '%': { quantity: 'ratio', scale: 1 },
  '/100': { quantity: 'ratio', scale: 1e-2 }, // RFC 8798 §3: percent
  '/1000': { quantity: 'ratio', scale: 1e-3 }, // RFC 8798 §3: per mille
  ppm: { quantity: 'ratio', scale: 1e-6 }, // RFC 8798 §3
  'm/s': { quantity: 'velocity', scale: 1 },
  'km/h': { quantity: 'velocity', scale: 1 / 3.6 }, // RFC 8798 §3
  'm/h': { quantity: 'velocity', scale: 1 / 3600 }, // RFC 8798 §3
  s: { quantity: 'time', scale: 1 },
  ms: { quantity: 'time', scale: 1e-3 }, // RFC 8798 §3
  min: { quantity: 'time', scale: 60 }, // RFC 8798 §3
  h: { quantity: 'time', scale: 3600 }, // RFC 8798 §3
  '1/s': { quantity: 'eventRate', scale: 1 },
  '1/min': { quantity: 'eventRate', scale: 1 / 60 }, // Table 6, marked *
  count: { quantity: 'count', scale: 1 },
  'kg/m3': { quantity: 'massConcentration', scale: 1 }, // RFC 8798 §2
  'ug/m3': { quantity: 'massConcentration', scale: 1e-9 }, // RFC 8798 §3
};

/**
 * Each unit of devices/catalog.ts as the same kind of linear map. A catalog unit with no
 * entry (t/h: the registries have no mass flow) takes only records without a unit, whose
 * unit is then given by the application context (RFC 8428 §4.5.2): the kind's own.
 */
const CATALOG: Readonly<Record<string, Linear>> = {
  bar: { quantity: 'pressure', scale: 1e5 },
  kPa: { quantity: 'pressure', scale: 1e3 },
  '°C': { quantity: 'temperature', scale: 1, offset: 273.15 },
  'm3/h': { quantity: 'volumeFlow', scale: 1 / 3600 },
  V: { quantity: 'voltage', scale: 1 },
  '%': { quantity: 'ratio', scale: 1e-2 }, // the catalog's % is a percentage (0..100)
  p: { quantity: 'ratio', scale: 1 }, // a confidence 0..1
  bool: { quantity: 'ratio', scale: 1 }, // 1 on, 0 off: Table 6 Note 2's switch value
  'km/h': { quantity: 'velocity', scale: 1 / 3.6 },
  min: { quantity: 'time', scale: 60 },
  'veh/min': { quantity: 'eventRate', scale: 1 / 60 },
  people: { quantity: 'count', scale: 1 },
  windows: { quantity: 'count', scale: 1 },
  trips: { quantity: 'count', scale: 1 },
  ppm: { quantity: 'ratio', scale: 1e-6 }, // CO2 by volume: parts per million
  'µg/m3': { quantity: 'massConcentration', scale: 1e-9 },
};

export type UnitConversion = { ok: true; value: number } | { ok: false; reason: string };

/** The registered SenML symbols a record may carry for a metric in `catalogUnit`. */
export function senmlUnitsFor(catalogUnit: string): string[] {
  const target = CATALOG[catalogUnit];
  if (!target) return [];
  return Object.entries(SENML)
    .filter(([, l]) => l.quantity === target.quantity)
    .map(([symbol]) => symbol);
}

/**
 * Converts `value`, given in the SenML unit `symbol`, to the catalog unit. Exact when
 * the two are the same unit (no floating-point detour); otherwise rounded to 12
 * significant digits, which strips the binary noise of the arithmetic (300 K is
 * 26.85 °C, not 26.850000000000023) and is far finer than any sensor resolves.
 */
export function convertSenmlUnit(value: number, symbol: string, catalogUnit: string): UnitConversion {
  const accepted = senmlUnitsFor(catalogUnit);
  const takes = accepted.length
    ? `a metric in ${catalogUnit} takes ${accepted.map((s) => `"${s}"`).join(', ')} or no unit`
    : `the registries have no unit for ${catalogUnit}, so a metric in ${catalogUnit} takes records without a unit only`;
  if (!REGISTERED.has(symbol)) {
    return { ok: false, reason: `unit "${symbol}" is not in the SenML units registry (RFC 8428 §12.1, RFC 8798); ${takes}` };
  }
  const from = SENML[symbol];
  const to = CATALOG[catalogUnit];
  if (!from || !to || from.quantity !== to.quantity) {
    return { ok: false, reason: `unit "${symbol}" cannot be converted to ${catalogUnit}; ${takes}` };
  }
  if (from.scale === to.scale && (from.offset ?? 0) === (to.offset ?? 0)) return { ok: true, value };
  const coherent = value * from.scale + (from.offset ?? 0);
  return { ok: true, value: Number(((coherent - (to.offset ?? 0)) / to.scale).toPrecision(12)) };
}

/** Catalog units the table above covers, for a test that every catalog unit is handled. */
export const CONVERTIBLE_CATALOG_UNITS: readonly string[] = Object.keys(CATALOG);
