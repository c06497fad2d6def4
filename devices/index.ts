export * from './catalog.ts';
export * from './topics.ts';
export * from './schemas.ts';
export * from './senml-units.ts';
export * from './registry.ts';
export * from './duration.ts';
export * from './heating-schedule.ts';
export * from './kinds-table.ts';
