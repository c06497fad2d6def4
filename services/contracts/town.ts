// The town as the control room draws it (GET /api/town, GET /api/geo).

export interface TownDistrict {
  id: string;
  name: string;
  center: [number, number];
  population: number;
}

export interface TownInfo {
  id: string;
  name: string;
  /** minutes east of UTC: the town's wall clock */
  utcOffsetMinutes: number;
  center?: [number, number];
  plant?: [number, number];
  districts: TownDistrict[];
}
