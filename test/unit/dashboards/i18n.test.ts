// The page's dictionaries cover the device catalog: every kind, metric, unit,
// subsystem and utility (and every incident history action) has its own label in
// English, Russian and Kazakh, so a kind
// added to devices/catalog.ts without them fails here instead of showing its
// English catalog label on the Russian and Kazakh pages.
import { describe, expect, it } from 'vitest';
import { en } from '../../../dashboards/src/i18n/en.ts';
import { kk } from '../../../dashboards/src/i18n/kk.ts';
import { ru } from '../../../dashboards/src/i18n/ru.ts';
import { DEVICE_KINDS, SUBSYSTEMS, UTILITIES } from '../../../devices/index.ts';
import { INCIDENT_ACTIONS } from '../../../services/contracts/index.ts';

const DICTS: Record<string, Record<string, string>> = { en, ru, kk };

const keys = [
  ...DEVICE_KINDS.map((k) => `kind.${k.id}`),
  ...[...new Set(DEVICE_KINDS.flatMap((k) => Object.keys(k.metrics)))].map((m) => `metric.${m}`),
  ...SUBSYSTEMS.map((s) => `subsystem.${s}`),
  ...UTILITIES.map((u) => `utility.${u}`),
  // an incident's history entries, as the incident view lists them
  ...INCIDENT_ACTIONS.map((a) => `action.${a}`),
];
const units = [...new Set(DEVICE_KINDS.flatMap((k) => Object.values(k.metrics).map((m) => m.unit)))].map((u) => `unit.${u}`);

describe('dashboard dictionaries against the device catalog', () => {
  for (const [lang, dict] of Object.entries(DICTS)) {
    it(`${lang} names every kind, metric, subsystem and utility of the catalog, and every incident action`, () => {
      expect(keys.filter((k) => !dict[k]?.trim())).toEqual([]);
    });
    it(`${lang} has a label for every unit of the catalog`, () => {
      // a label may be empty on purpose (a boolean has no unit), but it must be there
      expect(units.filter((k) => typeof dict[k] !== 'string')).toEqual([]);
    });
  }

  it("ru and kk translate the incident list's deadlines and the views' labels rather than repeat the English", () => {
    const ours = Object.keys(en).filter((k) => k.startsWith('deadline.') || k === 'search.toNow');
    expect(ours.length).toBeGreaterThan(5);
    for (const lang of ['ru', 'kk']) expect(ours.filter((k) => DICTS[lang]![k] === en[k as keyof typeof en])).toEqual([]);
  });

  it('ru and kk translate the kinds rather than repeat the English label', () => {
    for (const lang of ['ru', 'kk']) expect(DEVICE_KINDS.map((k) => `kind.${k.id}`).filter((k) => DICTS[lang]![k] === en[k as keyof typeof en])).toEqual([]);
  });
});
