// The 27 monotowns of Kazakhstan as one data table, from which their scenarios are
// generated (simulator/town-scenario.ts), the hand-laid ones included (their climate and
// city profile come from here too). Pure data, no I/O.
//
// Sources, per column:
// - population (thousand, 1 January 2016), functional type, town-forming industry
//   and development potential: the list of monotowns of the Government of the
//   Republic of Kazakhstan (2014) as tabled in Bespayeva et al., "Management of the
//   development of the innovation environment of the monotown", table 1 (Bureau of
//   National Statistics figures); copied into /work/shared/monotowns.md.
// - share of residents aged 65 or older: the policy brief "Differentiated regional
//   policy approach for the development of monotowns in Kazakhstan" (April 2022)
//   gives 10.9 % on average, 7.1 % in Satpayev and 22.1 % in Serebryansk; every other
//   town takes the average (an assumption).
// - region: the administrative division after the 2022 reform (Abai, Ulytau and
//   Zhetysu regions created on 8 June 2022).
// - climate: the weather station whose figures the town's designers use (the town's own
//   where the tables have one, else the nearest station with data): the design outdoor
//   temperature for heating (mean of the coldest five days at 0.92 probability), the
//   heating season (days with a mean daily temperature at or below +8 °C) and its mean
//   temperature, the January and July means. Each figure is either SOURCED (`read` names
//   the table and row it was read from) or ASSUMED (`climateStatus`; the town's
//   `assumedWhy`, or ASSUMED_CLIMATE_WHY, says why). Sourced so far: the rows of SNiP RK
//   2.04-01-2001 "Building climatology", table 1, that a public copy shows (it ends at
//   Taldykorgan): Astana −33 °C, 215 days, −8.1 °C; Aktobe −31 °C, 200 days, −6.8 °C;
//   Taldykorgan −26 °C; and Stepnogorsk's own January and July means (its state archive).
//   SP RK 2.04-01-2017, which replaced SNiP RK 2.04-01-2001, was reached only as the
//   first pages of public copies (studydoc.ru 6213515, engime.org; continent-online.com
//   shows its contents behind a login), and the Kazakh rows of SNiP 23-01-99* table 1 only
//   as a copy whose station names were lost (lektsii.org 18-69762): those figures cannot
//   be tied to a station, so none was taken. A third-party code table of Kazakh towns that
//   names SP RK 2.04-01-2017 as its source was not used either: it contradicts the rows
//   read (Astana −35 °C and −7.6 °C against −33 °C and −8.1 °C). Every other figure is
//   ASSUMED.
// - centre: the town's coordinates (WGS 84), rounded to 0.01°; plant: the
//   town-forming enterprise and its bearing and distance from the centre,
//   schematic (for a map and for the air stations' exposure, not a survey).
// - network wear: the only published figure is the 61.1 % average wear of water and
//   sewage networks in monotowns (same policy brief). It is the anchor for a town of
//   average potential; ASSUMED 8 points more where the programme rates the potential
//   low and 5 points less where it rates it high (investment follows potential);
//   heat one point above water, power 8 points below, gas 0.35 (younger networks).
// - profile (the city indicators' figures, services/kpis): the town's area and the
//   town-forming enterprise's employees where a source was read, each with it; the
//   others, and the workforce and household size of every town, are derived by the
//   stated assumptions of simulator/town-scenario.ts (townCityProfile).

export type Potential = 'high' | 'average' | 'low' | null;

/** A figure and where it was read. */
export interface Sourced {
  value: number;
  source: string;
}

export type ClimateFigure = 'design' | 'season' | 'seasonMean' | 'months';
export type FigureStatus = 'sourced' | 'assumed';

export interface TownClimate {
  /** the station whose figures are used (the town's own, or the nearest with data) */
  station: string;
  designOutdoorC: number;
  heatingSeasonDays: number;
  /** mean outdoor temperature of the heating season, °C, where read */
  heatingSeasonMeanC?: number;
  januaryMeanC: number;
  julyMeanC: number;
  /** each SOURCED figure: the table and row (or document) it was read from */
  read?: Partial<Record<ClimateFigure, string>>;
  /** why the ASSUMED figures are what they are, where it differs from ASSUMED_CLIMATE_WHY */
  assumedWhy?: string;
}

/**
 * Why a climate figure not read from a table is what it is: the value is rounded from
 * the climate tables and station normals as recalled, for the station named, and kept
 * only because the simulator needs a figure. None of it is a citation.
 */
export const ASSUMED_CLIMATE_WHY =
  'ASSUMED: rounded from the climate tables and station normals as recalled, not read; the rows of SP RK 2.04-01-2017 (or SNiP RK 2.04-01-2001 past Taldykorgan, or SNiP 23-01-99* with their station names) for this station could not be reached';

/** Whether each climate figure of a town was read from a table (sourced) or not (assumed). */
export function climateStatus(c: TownClimate): Partial<Record<ClimateFigure, FigureStatus>> {
  const st = (k: ClimateFigure): FigureStatus => (c.read?.[k] ? 'sourced' : 'assumed');
  return { design: st('design'), season: st('season'), ...(c.heatingSeasonMeanC !== undefined ? { seasonMean: st('seasonMean') } : {}), months: st('months') };
}

/** The city indicators' figures a source was found for (the rest are derived, simulator/town-scenario.ts). */
export interface TownProfileSources {
  /** the town's area, km² */
  areaKm2?: Sourced;
  /** the town-forming enterprise's employees */
  plantEmployees?: Sourced;
}

export interface TownRow {
  id: string;
  name: string;
  region: string;
  functionalType: 'extractive' | 'manufacturing' | 'scientific-industrial';
  industry: string;
  /** thousand residents, 1 January 2016 */
  populationK: number;
  potential: Potential;
  /** share of residents aged 65+, where the brief gives the town's own */
  aged65Share?: number;
  center: readonly [number, number];
  plant: { name: string; bearingDeg: number; km: number };
  climate: TownClimate;
  profile?: TownProfileSources;
  /** local hours the plant's shifts change at */
  shiftChanges?: readonly number[];
  /** a hand-laid scenario file (simulator/scenarios/<id>.json) replaces the generated layout */
  curated?: true;
}

const SNIP_RK_2001 = 'SNiP RK 2.04-01-2001 "Building climatology", table 1 (climatic parameters of the cold period), as read from a public copy (ru.scribd.com/document/478907530)';

const KARAGANDA = { station: 'Karaganda', designOutdoorC: -32, heatingSeasonDays: 207, januaryMeanC: -14, julyMeanC: 21 } as const;
const KOSTANAY = { station: 'Kostanay', designOutdoorC: -35, heatingSeasonDays: 211, januaryMeanC: -16, julyMeanC: 20 } as const;
const ZHEZKAZGAN = { station: 'Zhezkazgan', designOutdoorC: -30, heatingSeasonDays: 190, januaryMeanC: -14, julyMeanC: 25 } as const;
const PAVLODAR = { station: 'Pavlodar', designOutdoorC: -35, heatingSeasonDays: 207, januaryMeanC: -17, julyMeanC: 21 } as const;
const KARATAU_RIDGE = { station: 'Taraz (Karatau ridge towns)', designOutdoorC: -20, heatingSeasonDays: 155, januaryMeanC: -6, julyMeanC: 25 } as const;

export const TOWNS: readonly TownRow[] = [
  { id: 'abay', name: 'Abay', region: 'Karaganda', functionalType: 'extractive', industry: 'coal mining: the Karaganda basin mines', populationK: 28.5, potential: 'average', center: [49.63, 72.86], plant: { name: 'coal mines of the Karaganda basin', bearingDeg: 200, km: 4 }, climate: KARAGANDA },
  { id: 'saran', name: 'Saran', region: 'Karaganda', functionalType: 'extractive', industry: 'coal mining: the Karaganda basin mines', populationK: 43.9, potential: 'average', center: [49.8, 72.85], plant: { name: 'coal mines of the Karaganda basin', bearingDeg: 250, km: 4 }, profile: { areaKm2: { value: 174, source: '174 km², the town infobox of the German and Russian Wikipedia articles (read from mirror copies)' }, plantEmployees: { value: 1_400, source: '1,400: "more than 1,400 people work" at the Saran mine of ArcelorMittal Temirtau\'s coal department, Egemen Qazaqstan, 1 December 2018; the one mine, so a lower bound' } }, climate: KARAGANDA },
  { id: 'shakhtinsk', name: 'Shakhtinsk', region: 'Karaganda', functionalType: 'extractive', industry: 'coal mining: the Karaganda basin mines', populationK: 38.7, potential: 'average', center: [49.71, 72.59], plant: { name: 'coal mines of the Karaganda basin', bearingDeg: 300, km: 3 }, profile: { plantEmployees: { value: 1_533, source: '1,533: the Kazakhstanskaya mine of ArcelorMittal Temirtau\'s coal department "unites 1,293 underground and 240 surface employees", miner.ru, 15 July 2019; the largest of the town\'s mines, the others not counted, so a lower bound' } }, climate: KARAGANDA },
  { id: 'ekibastuz', name: 'Ekibastuz', region: 'Pavlodar', functionalType: 'extractive', industry: 'coal mining: the Bogatyr and Vostochny open-pit mines and two coal-fired power stations', populationK: 134.1, potential: 'high', center: [51.72, 75.32], plant: { name: 'Bogatyr open-pit coal mine', bearingDeg: 120, km: 6 }, profile: { areaKm2: { value: 188, source: '188 km², the town infobox of the Russian and Kazakh Wikipedia articles ("Площадь 188 km²", "Жер аумағы 188 км²"), read from mirror copies; the town proper, not the 18,900 km² Ekibastuz city administration' }, plantEmployees: { value: 6_000, source: 'about 6,000: the Bogatyr loading and transportation department has "about two thousand people working for it, and this is one third part of the collective of the miners", Bogatyr Coal LLP news, 3 February 2019 (bogatyr.kz/en/press/news/850); Bogatyr Coal only, not the power stations' } }, climate: { station: 'Ekibastuz', designOutdoorC: -36, heatingSeasonDays: 210, januaryMeanC: -16, julyMeanC: 21 }, curated: true },
  { id: 'aksay', name: 'Aksay', region: 'West Kazakhstan', functionalType: 'extractive', industry: 'oil and gas: the Karachaganak gas-condensate field', populationK: 33.6, potential: 'average', center: [51.17, 52.99], plant: { name: 'Karachaganak gas-condensate field and processing complex', bearingDeg: 45, km: 12 }, profile: { plantEmployees: { value: 4_076, source: '4,076: "as of end 2021, the total number of employees in KPO, including those working on temporary projects, made up 4,076 people", Karachaganak Petroleum Operating, Sustainability Report 2021 (kpo.kz); KPO\'s own staff, not its some 17,000 contractors\' workers, and some of them live in Uralsk and elsewhere' } }, climate: { station: 'Uralsk', designOutdoorC: -31, heatingSeasonDays: 190, januaryMeanC: -13, julyMeanC: 23 } },
  { id: 'kulsary', name: 'Kulsary', region: 'Atyrau', functionalType: 'extractive', industry: 'oil and gas: the Emba oil fields and the Tengiz service base', populationK: 57.4, potential: 'average', center: [46.95, 54.02], plant: { name: 'oilfield service base and gathering facilities', bearingDeg: 90, km: 4 }, climate: { station: 'Atyrau (Kulsary)', designOutdoorC: -23, heatingSeasonDays: 165, januaryMeanC: -8, julyMeanC: 27 } },
  { id: 'zhanaozen', name: 'Zhanaozen', region: 'Mangystau', functionalType: 'extractive', industry: 'oil and gas: the Uzen oil field and the Kazakh gas processing plant', populationK: 113.4, potential: 'average', center: [43.34, 52.86], plant: { name: 'Uzen oil field and gas processing plant', bearingDeg: 20, km: 5 }, profile: { areaKm2: { value: 516, source: '516 km², the town infobox of the English Wikipedia article (read from mirror copies); before the boundary was widened by 112,988.2 ha in September 2025 to 164,604.5 ha with the villages of Karakiya district (government decree of 15 September 2025, zakon.kz)' }, plantEmployees: { value: 4_771, source: '4,771: "141 people did not come to work today, all the other 4,630 are at work", KazMunayGas chairman Askhat Khasenov on Ozenmunaigas during the strike, bizmedia.kz, 22 November 2024; Ozenmunaigas alone (the local press puts the jobs it provides with its service companies at about 14,000, pricom.kz)' } }, climate: { station: 'Zhanaozen (Aktau region)', designOutdoorC: -17, heatingSeasonDays: 145, januaryMeanC: -4, julyMeanC: 28 } },
  { id: 'arkalyk', name: 'Arkalyk', region: 'Kostanay', functionalType: 'extractive', industry: 'metal ores: bauxite mining', populationK: 29.7, potential: 'low', center: [50.25, 66.91], plant: { name: 'bauxite open pits', bearingDeg: 160, km: 5 }, climate: { station: 'Arkalyk', designOutdoorC: -33, heatingSeasonDays: 210, januaryMeanC: -17, julyMeanC: 21 } },
  { id: 'balkhash', name: 'Balkhash', region: 'Karaganda', functionalType: 'extractive', industry: 'metal ores: the Balkhash copper smelter and mines', populationK: 71.9, potential: 'average', center: [46.85, 74.98], plant: { name: 'Balkhash copper smelter', bearingDeg: 110, km: 3 }, profile: { areaKm2: { value: 230, source: '230 km², the town infobox of the Russian Wikipedia article (read from mirror copies)' } }, climate: { station: 'Balkhash', designOutdoorC: -30, heatingSeasonDays: 190, januaryMeanC: -15, julyMeanC: 24 } },
  { id: 'zyryanovsk', name: 'Zyryanovsk (Altai)', region: 'East Kazakhstan', functionalType: 'extractive', industry: 'metal ores: lead and zinc mining and concentration', populationK: 37.1, potential: 'average', center: [49.72, 84.27], plant: { name: 'lead-zinc mine and concentrator', bearingDeg: 80, km: 3 }, climate: { station: 'Zyryanovsk', designOutdoorC: -37, heatingSeasonDays: 215, januaryMeanC: -17, julyMeanC: 19 } },
  { id: 'karazhal', name: 'Karazhal', region: 'Ulytau', functionalType: 'extractive', industry: 'metal ores: iron and manganese mining', populationK: 9.2, potential: 'average', center: [48.0, 70.8], plant: { name: 'West Karazhal iron-manganese mine', bearingDeg: 270, km: 3 }, climate: ZHEZKAZGAN },
  { id: 'kentau', name: 'Kentau', region: 'Turkestan', functionalType: 'extractive', industry: 'metal ores: polymetallic mines of the Karatau ridge, transformer works', populationK: 67.1, potential: 'average', center: [43.52, 68.51], plant: { name: 'transformer works and the old Achisay mines', bearingDeg: 0, km: 3 }, profile: { areaKm2: { value: 71.04, source: '71.04 km², the town infobox of the German Wikipedia article (de.wikipedia.org/wiki/Kentau); the town proper, not the 7,745 km² its administration has covered since 2018' } }, climate: { station: 'Turkestan', designOutdoorC: -17, heatingSeasonDays: 140, januaryMeanC: -4, julyMeanC: 29 } },
  { id: 'lisakovsk', name: 'Lisakovsk', region: 'Kostanay', functionalType: 'extractive', industry: 'metal ores: iron ore mining and concentration', populationK: 36.8, potential: 'high', center: [52.54, 62.49], plant: { name: 'iron ore open pit and concentrator', bearingDeg: 300, km: 5 }, profile: { areaKm2: { value: 100, source: '100 km², the town infobox of the German Wikipedia article (read from mirror copies)' } }, climate: KOSTANAY },
  { id: 'ridder', name: 'Ridder', region: 'East Kazakhstan', functionalType: 'extractive', industry: 'metal ores: the zinc and lead metallurgical complex', populationK: 49.7, potential: 'high', center: [50.34, 83.51], plant: { name: 'zinc metallurgical complex', bearingDeg: 30, km: 2 }, profile: { areaKm2: { value: 77.52, source: '77.52 km², the town infobox of the Russian Wikipedia article with its reference (read from a mirror copy); the Bulgarian article gives 4,880 km², the territory the town administers' } }, climate: { station: 'Ridder', designOutdoorC: -36, heatingSeasonDays: 230, januaryMeanC: -15, julyMeanC: 17 } },
  { id: 'rudny', name: 'Rudny', region: 'Kostanay', functionalType: 'extractive', industry: 'metal ores: the Sokolov-Sarybai iron ore mining and processing works', populationK: 116.0, potential: 'average', center: [52.97, 63.12], plant: { name: 'Sokolov-Sarybai mining and processing works', bearingDeg: 260, km: 5 }, profile: { plantEmployees: { value: 10_000, source: '10,000: "about 10 thousand people work at the enterprise", the Kostanay region akim Kumar Aksakalov at the 70th anniversary of the Sokolov-Sarybai mining and processing association (SSGPO), 2024, as reported in the Kazakh-language press (the page address was not kept)' } }, climate: KOSTANAY, curated: true },
  { id: 'tekeli', name: 'Tekeli', region: 'Zhetysu', functionalType: 'extractive', industry: 'metal ores: the former lead-zinc mining and concentration works', populationK: 31.3, potential: 'high', center: [44.83, 78.82], plant: { name: 'lead-zinc concentrator', bearingDeg: 110, km: 3 }, climate: { station: 'Taldykorgan', designOutdoorC: -26, heatingSeasonDays: 180, januaryMeanC: -10, julyMeanC: 22, read: { design: `${SNIP_RK_2001}, Taldykorgan row (its season columns were past the readable part)` } } },
  { id: 'khromtau', name: 'Khromtau', region: 'Aktobe', functionalType: 'extractive', industry: 'metal ores: the Donskoy chromite mining and processing works', populationK: 25.5, potential: null, center: [50.25, 58.44], plant: { name: 'Donskoy chromite mining and processing works', bearingDeg: 0, km: 3 }, profile: { plantEmployees: { value: 7_500, source: '7,500: "the Donskoy Ore Mining and Processing Plant employs a total of 7,500 people across 27 structural units", Kazchrome (kazchrome.com, business overview, Donskoy)' } }, climate: { station: 'Aktobe', designOutdoorC: -31, heatingSeasonDays: 200, heatingSeasonMeanC: -6.8, januaryMeanC: -14, julyMeanC: 22, read: { design: `${SNIP_RK_2001}, Aktobe row`, season: `${SNIP_RK_2001}, Aktobe row`, seasonMean: `${SNIP_RK_2001}, Aktobe row` } } },
  { id: 'zhanatas', name: 'Zhanatas', region: 'Zhambyl', functionalType: 'extractive', industry: 'other raw materials: phosphorite mining', populationK: 21.9, potential: 'low', center: [43.57, 69.75], plant: { name: 'phosphorite open pits', bearingDeg: 180, km: 4 }, climate: KARATAU_RIDGE },
  { id: 'karatau', name: 'Karatau', region: 'Zhambyl', functionalType: 'extractive', industry: 'other raw materials: phosphorite mining and processing', populationK: 28.8, potential: 'average', center: [43.18, 70.46], plant: { name: 'phosphorite mine and processing plant', bearingDeg: 200, km: 4 }, climate: KARATAU_RIDGE },
  { id: 'zhitikara', name: 'Zhitikara', region: 'Kostanay', functionalType: 'extractive', industry: 'other raw materials: chrysotile mining', populationK: 35.1, potential: 'average', center: [52.19, 61.2], plant: { name: 'chrysotile open pit and mill', bearingDeg: 220, km: 3 }, profile: { plantEmployees: { value: 3_000, source: '3,000: "thanks to it more than three thousand people have work", Kostanay Minerals (the chrysotile works), chrysotile.kz, 27 April 2022' } }, climate: { station: 'Kostanay (Zhitikara)', designOutdoorC: -34, heatingSeasonDays: 208, januaryMeanC: -16, julyMeanC: 21 } },
  { id: 'serebryansk', name: 'Serebryansk', region: 'East Kazakhstan', functionalType: 'manufacturing', industry: 'chemical industry: the Irtysh chemical and metallurgical works', populationK: 8.8, potential: 'average', aged65Share: 0.221, center: [49.69, 83.3], plant: { name: 'Irtysh chemical and metallurgical works', bearingDeg: 90, km: 2 }, climate: { station: 'Ust-Kamenogorsk', designOutdoorC: -38, heatingSeasonDays: 205, januaryMeanC: -16, julyMeanC: 20 } },
  { id: 'stepnogorsk', name: 'Stepnogorsk', region: 'Akmola', functionalType: 'manufacturing', industry: 'machine building, gold metallurgy, uranium: the mining and chemical works', populationK: 47.6, potential: 'average', center: [52.35, 71.89], plant: { name: 'mining and chemical works', bearingDeg: 140, km: 5 }, profile: { areaKm2: { value: 158.36, source: '158.36 km² (15,836 ha), the town infobox of the French Wikipedia article (read from a mirror copy)' } }, climate: { station: 'Astana', designOutdoorC: -33, heatingSeasonDays: 215, heatingSeasonMeanC: -8.1, januaryMeanC: -17, julyMeanC: 20, read: { design: `${SNIP_RK_2001}, Astana row`, season: `${SNIP_RK_2001}, Astana row`, seasonMean: `${SNIP_RK_2001}, Astana row`, months: 'the town\'s own: "mean January temperature −16 to −18 °C, July +19 to +21 °C", Stepnogorsk state archive, "Stepnogorsk (1997–2006)" (step-archive.akmo.gov.kz); the middles of the ranges' } } },
  { id: 'aksu', name: 'Aksu', region: 'Pavlodar', functionalType: 'manufacturing', industry: 'metallurgy: the Aksu ferroalloy plant and power station', populationK: 43.2, potential: 'high', center: [52.04, 76.92], plant: { name: 'Aksu ferroalloy plant', bearingDeg: 20, km: 3 }, profile: { plantEmployees: { value: 6_000, source: '6,000: "more than six thousand people work here permanently", the Aksu ferroalloy plant at its 40th anniversary, Qazaqstan TV (qazaqstan.tv/news/33945)' } }, climate: PAVLODAR },
  { id: 'zhezkazgan', name: 'Zhezkazgan', region: 'Ulytau', functionalType: 'manufacturing', industry: 'metallurgy: the Zhezkazgan copper smelter', populationK: 86.4, potential: 'average', center: [47.8, 67.71], plant: { name: 'Zhezkazgan copper smelter', bearingDeg: 300, km: 3 }, profile: { areaKm2: { value: 85.98, source: '85.98 km², the town infobox of the German Wikipedia article (read from a mirror copy); the Russian article gives 47 km² marked as needing a source' }, plantEmployees: { value: 1_500, source: '1,500: "about 1,500 people are engaged in the production process" at the Zhezkazgan copper smelter on its restart, Kazakhmys press service via rusmininfo.com, 13 November 2014; the smelter alone, not the Kazakhmys mines, so a lower bound' } }, climate: ZHEZKAZGAN },
  { id: 'satpayev', name: 'Satpayev', region: 'Ulytau', functionalType: 'manufacturing', industry: 'metallurgy: the Zhezkazgan copper mines and concentrator', populationK: 61.6, potential: 'average', aged65Share: 0.071, center: [47.9, 67.54], plant: { name: 'copper mines and concentrator', bearingDeg: 90, km: 4 }, climate: ZHEZKAZGAN },
  { id: 'temirtau', name: 'Temirtau', region: 'Karaganda', functionalType: 'manufacturing', industry: 'metallurgy: the integrated steel works (Qarmet) on the Nura river', populationK: 178.4, potential: 'high', center: [50.05, 72.96], plant: { name: 'integrated steel works (Qarmet)', bearingDeg: 95, km: 7.5 }, profile: { areaKm2: { value: 296.1, source: "296.1 km², the town's area as given in the Kazakh-language town description on zharar.com (Теміртау қаласы жайлы, 2025); administrative area, not the built-up one" }, plantEmployees: { value: 34_000, source: "34,000, 'the metallurgical plant employs 34,000 people', the President's visit to Qarmet, Kazinform via kt.kz, 2024; Qarmet as a whole, its coal and iron-ore departments outside Temirtau included, so an upper bound for the town" } }, climate: KARAGANDA, curated: true },
  { id: 'kurchatov', name: 'Kurchatov', region: 'Abai', functionalType: 'scientific-industrial', industry: 'science: the National Nuclear Center and its research reactors', populationK: 12.3, potential: 'average', center: [50.76, 78.54], plant: { name: 'National Nuclear Center', bearingDeg: 135, km: 1 }, climate: { station: 'Semey', designOutdoorC: -38, heatingSeasonDays: 204, januaryMeanC: -16, julyMeanC: 21 }, shiftChanges: [9, 18], curated: true },
];

/** The brief's average share of residents aged 65+ in monotowns. */
export const AGED_65_AVERAGE = 0.109;
/** Average wear of water and sewage networks in monotowns (policy brief, 2022). */
export const WATER_WEAR_AVERAGE = 0.611;

export const townRow = (id: string): TownRow | undefined => TOWNS.find((t) => t.id === id);
