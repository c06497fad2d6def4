// The types that cross component boundaries. A leaf: imports only devices/.
export * from './errors.ts';
export * from './incidents.ts';
export * from './live.ts';
export * from './readings.ts';
export * from './events.ts';
export * from './clock.ts';
export * from './admission.ts';
export * from './access.ts';
export * from './kpis.ts';
export * from './town.ts';
