// The device contract as data: every kind of device the platform understands, with
// its subsystem, the utility that owns it, and its metrics (unit, normal range for
// rules and dashboards, physical bounds for validation). No I/O, imports nothing.

export const SUBSYSTEMS = ['utilities', 'mobility', 'safety', 'health', 'education', 'social', 'environment'] as const;
export type Subsystem = (typeof SUBSYSTEMS)[number];

export const SUBSYSTEM_LABELS: Record<Subsystem, string> = {
  utilities: 'Housing & communal utilities',
  mobility: 'Mobility',
  safety: 'Safety',
  health: 'Healthcare',
  education: 'Education',
  social: 'Social services',
  environment: 'Environment',
};

/** Who must act on a fault: the network operators plus the city's own services. */
export const UTILITIES = ['water', 'heat', 'power', 'gas', 'transport', 'emergency', 'healthcare', 'ecology', 'education', 'social'] as const;
export type Utility = (typeof UTILITIES)[number];

export interface MetricSpec {
  readonly unit: string;
  readonly description: string;
  /** What a healthy network shows; rules and tiles colour outside this band. */
  readonly normal: readonly [min: number, max: number];
  /** What the physics allows; a value outside is a broken payload, not a fault. */
  readonly bounds: readonly [min: number, max: number];
  readonly integer?: boolean;
  /** How a tile folds many devices into one figure: sum counts, average levels, worst of pollutants. */
  readonly aggregate: 'sum' | 'mean' | 'max';
}

export interface DeviceKind {
  readonly id: string;
  readonly label: string;
  readonly subsystem: Subsystem;
  readonly utility: Utility;
  readonly metrics: Readonly<Record<string, MetricSpec>>;
  /** The metric a dashboard tile shows first for this kind. */
  readonly headline: string;
  /** How often a healthy device of this kind reports; the dashboard greys figures older than this (60 s when absent). */
  readonly reportEveryMs?: number;
}

const kinds = [
  {
    id: 'water-pressure',
    label: 'Water pressure and flow point',
    subsystem: 'utilities',
    utility: 'water',
    headline: 'pressure',
    metrics: {
      // SP 31.13330 keeps the supply head at the consumer between ~1 and 6 bar.
      pressure: { unit: 'bar', description: 'gauge pressure in the main', normal: [2.5, 6], bounds: [0, 25], aggregate: 'mean' },
      flow: { unit: 'm3/h', description: 'flow through the point', normal: [5, 400], bounds: [0, 5000], aggregate: 'mean' },
    },
  },
  {
    id: 'heat-substation',
    label: 'District-heating substation',
    subsystem: 'utilities',
    utility: 'heat',
    headline: 'supplyTemp',
    metrics: {
      supplyTemp: { unit: '°C', description: 'supply water temperature', normal: [60, 130], bounds: [-10, 200], aggregate: 'mean' },
      returnTemp: { unit: '°C', description: 'return water temperature', normal: [35, 70], bounds: [-10, 200], aggregate: 'mean' },
      flow: { unit: 't/h', description: 'network water flow', normal: [5, 250], bounds: [0, 5000], aggregate: 'mean' },
      // substations measure the outdoor temperature for weather compensation
      outdoorTemp: { unit: '°C', description: 'outdoor air temperature at the substation', normal: [-45, 45], bounds: [-60, 60], aggregate: 'mean' },
    },
  },
  {
    id: 'power-feeder',
    label: 'Power distribution feeder',
    subsystem: 'utilities',
    utility: 'power',
    headline: 'voltage',
    metrics: {
      // GOST 32144-2013: steady-state deviation within ±10% of nominal 230 V.
      voltage: { unit: 'V', description: 'phase voltage at the consumer side', normal: [207, 253], bounds: [0, 500], aggregate: 'mean' },
      load: { unit: '%', description: 'load against rated capacity', normal: [0, 90], bounds: [0, 200], aggregate: 'mean' },
    },
  },
  {
    id: 'sewage-level',
    label: 'Sewage well level and flow',
    subsystem: 'utilities',
    utility: 'water',
    headline: 'level',
    metrics: {
      level: { unit: '%', description: 'fill of the well against its depth', normal: [0, 75], bounds: [0, 120], aggregate: 'max' },
      flow: { unit: 'm3/h', description: 'flow through the collector', normal: [2, 300], bounds: [0, 5000], aggregate: 'mean' },
    },
  },
  {
    id: 'gas-pressure',
    label: 'Gas distribution pressure point',
    subsystem: 'utilities',
    utility: 'gas',
    headline: 'pressure',
    metrics: {
      // Low-pressure distribution to homes: up to 5 kPa (SP RK 4.03-101), 2..3 kPa in normal operation.
      pressure: { unit: 'kPa', description: 'gauge pressure in the low-pressure network', normal: [1.8, 3.5], bounds: [0, 50], aggregate: 'mean' },
    },
  },
  {
    id: 'traffic-counter',
    label: 'Signalised intersection counter',
    subsystem: 'mobility',
    utility: 'transport',
    headline: 'vehiclesPerMin',
    metrics: {
      vehiclesPerMin: { unit: 'veh/min', description: 'vehicles crossing', normal: [0, 60], bounds: [0, 1000], aggregate: 'sum' },
      meanSpeed: { unit: 'km/h', description: 'mean speed of crossing vehicles', normal: [20, 60], bounds: [0, 250], aggregate: 'mean' },
      signal: { unit: 'bool', description: '1 when the traffic signal runs its plan, 0 when dark or flashing', normal: [1, 1], bounds: [0, 1], integer: true, aggregate: 'sum' },
    },
  },
  {
    id: 'emergency-camera',
    label: 'Emergency camera with video analytics',
    subsystem: 'safety',
    utility: 'emergency',
    headline: 'online',
    metrics: {
      online: { unit: 'bool', description: '1 when the video stream is up', normal: [1, 1], bounds: [0, 1], integer: true, aggregate: 'sum' },
      // Detections are confidences 0..1; 0 means nothing seen in the interval.
      smoke: { unit: 'p', description: 'smoke detection confidence', normal: [0, 0.5], bounds: [0, 1], aggregate: 'max' },
      fire: { unit: 'p', description: 'fire detection confidence', normal: [0, 0.5], bounds: [0, 1], aggregate: 'max' },
      crowd: { unit: 'p', description: 'crowd detection confidence', normal: [0, 0.5], bounds: [0, 1], aggregate: 'max' },
      personDown: { unit: 'p', description: 'person-down detection confidence', normal: [0, 0.5], bounds: [0, 1], aggregate: 'max' },
    },
  },
  {
    id: 'clinic-queue',
    label: 'Clinic reception queue',
    subsystem: 'health',
    utility: 'healthcare',
    headline: 'waiting',
    metrics: {
      waiting: { unit: 'people', description: 'people waiting', normal: [0, 25], bounds: [0, 2000], integer: true, aggregate: 'sum' },
      meanWaitMin: { unit: 'min', description: 'mean wait of people served lately', normal: [0, 30], bounds: [0, 1440], aggregate: 'mean' },
      openWindows: { unit: 'windows', description: 'reception windows open (0 when closed)', normal: [0, 12], bounds: [0, 100], integer: true, aggregate: 'sum' },
    },
  },
  {
    id: 'school-classroom',
    label: 'School classroom climate sensor (one per school)',
    subsystem: 'education',
    utility: 'education',
    headline: 'airTemp',
    metrics: {
      // Classrooms 18–24 °C: the sanitary rules for education facilities (Kazakhstan's
      // ҚР ДСМ-76 of 2021; Russia's SanPiN 1.2.3685-21 table 6.4 gives the same band).
      airTemp: { unit: '°C', description: 'classroom air temperature', normal: [18, 24], bounds: [-40, 60], aggregate: 'mean' },
      // 1000 ppm: the common ventilation limit for classrooms (GOST 30494-2011 puts
      // acceptable indoor air at up to 1000 ppm; Pettenkofer's 0.1 %)
      co2: { unit: 'ppm', description: 'carbon dioxide in the classroom air', normal: [400, 1000], bounds: [0, 10000], aggregate: 'max' },
      occupancy: { unit: 'people', description: 'pupils and staff in the room', normal: [0, 35], bounds: [0, 500], integer: true, aggregate: 'sum' },
    },
  },
  {
    id: 'kindergarten-room',
    label: 'Kindergarten group room climate sensor (one per kindergarten)',
    subsystem: 'education',
    utility: 'education',
    headline: 'airTemp',
    metrics: {
      // Group rooms 21–24 °C (sanitary rules for preschool organisations; SanPiN 1.2.3685-21 table 6.5)
      airTemp: { unit: '°C', description: 'group room air temperature', normal: [21, 24], bounds: [-40, 60], aggregate: 'mean' },
      co2: { unit: 'ppm', description: 'carbon dioxide in the group room air', normal: [400, 1000], bounds: [0, 10000], aggregate: 'max' },
      occupancy: { unit: 'people', description: 'children and staff in the room', normal: [0, 30], bounds: [0, 500], integer: true, aggregate: 'sum' },
    },
  },
  {
    id: 'residential-lift',
    label: 'Lift in a residential block',
    subsystem: 'social',
    utility: 'social',
    headline: 'inService',
    metrics: {
      inService: { unit: 'bool', description: '1 when the lift is in service, 0 when stopped by a fault', normal: [1, 1], bounds: [0, 1], integer: true, aggregate: 'sum' },
      trips: { unit: 'trips', description: 'trips since the last reading', normal: [0, 60], bounds: [0, 1000], integer: true, aggregate: 'sum' },
    },
  },
  {
    id: 'care-alarm',
    label: 'Social-care alarm button of an elderly resident living alone',
    subsystem: 'social',
    utility: 'social',
    headline: 'pressed',
    metrics: {
      pressed: { unit: 'bool', description: '1 while the alarm is raised and not yet answered', normal: [0, 0], bounds: [0, 1], integer: true, aggregate: 'sum' },
      battery: { unit: '%', description: 'battery charge of the pendant', normal: [20, 100], bounds: [0, 100], aggregate: 'mean' },
    },
  },
  {
    id: 'air-station',
    label: 'Air-quality station',
    subsystem: 'environment',
    utility: 'ecology',
    headline: 'pm25',
    metrics: {
      // Normal bands are the WHO 2021 24-hour guideline (PM) and 1-hour (NO2 200) / 10-min SO2 figures.
      pm25: { unit: 'µg/m3', description: 'fine particulate matter', normal: [0, 15], bounds: [0, 5000], aggregate: 'max' },
      pm10: { unit: 'µg/m3', description: 'coarse particulate matter', normal: [0, 45], bounds: [0, 10000], aggregate: 'max' },
      so2: { unit: 'µg/m3', description: 'sulphur dioxide', normal: [0, 500], bounds: [0, 20000], aggregate: 'max' },
      no2: { unit: 'µg/m3', description: 'nitrogen dioxide', normal: [0, 200], bounds: [0, 20000], aggregate: 'max' },
    },
  },
] as const satisfies readonly DeviceKind[];

export type KindId = (typeof kinds)[number]['id'];
export const DEVICE_KINDS: readonly DeviceKind[] = kinds;
export const KIND_IDS = kinds.map((k) => k.id) as readonly KindId[];
