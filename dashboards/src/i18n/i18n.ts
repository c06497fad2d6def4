// The page's language: English, Russian or Kazakh, chosen per user (kept in this
// browser under the user's name) and switchable at any time. Every label, unit and
// message goes through t(); numbers, dates and "N s ago" through Intl in the chosen
// locale. Times are the town's wall clock (its UTC offset), 24-hour, whatever the
// browser's own zone and habits.
import { en, type Dictionary, type MessageKey } from './en.ts';
import { kk } from './kk.ts';
import { ru } from './ru.ts';

export const LANGS = { kk: 'Қазақша', ru: 'Русский', en: 'English' } as const;
export type Lang = keyof typeof LANGS;
const DICTS: Record<Lang, Dictionary> = { en, ru, kk };
/** BCP 47 tags for Intl */
const LOCALES: Record<Lang, string> = { en: 'en-GB', ru: 'ru-RU', kk: 'kk-KZ' };

let lang: Lang = 'en';
let offsetMin = 300;
const listeners: (() => void)[] = [];

export const currentLang = (): Lang => lang;
export const isLang = (x: unknown): x is Lang => typeof x === 'string' && x in LANGS;

/** The message for a key in the chosen language, with {placeholders} filled. */
export function t(key: MessageKey, params: Record<string, string | number> = {}): string {
  return DICTS[lang][key].replace(/\{(\w+)\}/g, (_, p: string) => (p in params ? String(params[p]) : `{${p}}`));
}

/** A message whose key is built from data (a unit, a kind, a rule id), or the fallback when the key is unknown. */
export function tOr(key: string, fallback: string): string {
  return key in en ? t(key as MessageKey) : fallback;
}

/** The language for a user: their saved choice, else the last one chosen in this browser, else the browser's if we have it, else Russian. */
export function initialLang(user?: string): Lang {
  for (const saved of [user ? localStorage.getItem(`qala.lang.${user}`) : null, localStorage.getItem('qala.lang')]) if (isLang(saved)) return saved;
  const nav = navigator.language.slice(0, 2);
  return isLang(nav) ? nav : 'ru';
}

export function setLang(next: Lang, user?: string): void {
  lang = next;
  if (user) {
    localStorage.setItem(`qala.lang.${user}`, next);
    localStorage.setItem('qala.lang', next);
  }
  document.documentElement.lang = next;
  applyStatic();
  for (const fn of listeners) fn();
}

/** Called after every language change (parts of the page that render text re-render). */
export function onLangChange(fn: () => void): void {
  listeners.push(fn);
}

/** Fills every element marked data-i18n (text) or data-i18n-attr="attr:key,..." from the dictionary. */
export function applyStatic(root: ParentNode = document): void {
  for (const el of root.querySelectorAll<HTMLElement>('[data-i18n]')) el.textContent = t(el.dataset.i18n as MessageKey);
  for (const el of root.querySelectorAll<HTMLElement>('[data-i18n-attr]')) {
    for (const pair of el.dataset.i18nAttr!.split(',')) {
      const [attr, key] = pair.split(':');
      el.setAttribute(attr!, t(key as MessageKey));
    }
  }
}

export function setTownOffset(minutes: number): void {
  offsetMin = minutes;
}

const numberFormats = new Map<string, Intl.NumberFormat>();
/** A number in the chosen locale with at most `digits` decimals. */
export function num(v: number, digits = 2): string {
  const k = `${lang}:${digits}`;
  let f = numberFormats.get(k);
  if (!f) numberFormats.set(k, (f = new Intl.NumberFormat(LOCALES[lang], { maximumFractionDigits: digits })));
  return f.format(v);
}

/**
 * A time on the town's clock: the instant shifted by the town's UTC offset and
 * formatted as UTC, so neither the browser's zone nor its 12-hour habit leaks in.
 */
export function townTime(t: number, parts: 'time' | 'seconds' | 'dateTime' | 'date' = 'time'): string {
  const opts: Intl.DateTimeFormatOptions = { timeZone: 'UTC', hourCycle: 'h23' };
  if (parts !== 'date') Object.assign(opts, { hour: '2-digit', minute: '2-digit' });
  if (parts === 'seconds') opts.second = '2-digit';
  // numeric day and month: Chromium's ICU has no short month names for Kazakh (it prints "M11")
  if (parts === 'dateTime' || parts === 'date') Object.assign(opts, { day: '2-digit', month: '2-digit' });
  return new Intl.DateTimeFormat(LOCALES[lang], opts).format(new Date(t + offsetMin * 60_000));
}

/** The town's UTC offset as "UTC+5" / "UTC+5:30". */
export function offsetLabel(): string {
  const sign = offsetMin < 0 ? '−' : '+';
  const a = Math.abs(offsetMin);
  return `UTC${sign}${Math.floor(a / 60)}${a % 60 ? `:${String(a % 60).padStart(2, '0')}` : ''}`;
}

/** "42 seconds ago" / "42 секунды назад" / "42 секунд бұрын". */
export function ago(ms: number): string {
  const rtf = new Intl.RelativeTimeFormat(LOCALES[lang], { numeric: 'always', style: 'long' });
  const s = Math.max(0, Math.round(ms / 1000));
  if (s < 90) return rtf.format(-s, 'second');
  if (s < 90 * 60) return rtf.format(-Math.round(s / 60), 'minute');
  if (s < 36 * 3600) return rtf.format(-Math.round(s / 3600), 'hour');
  return rtf.format(-Math.round(s / 86_400), 'day');
}

const MINUTE = 60_000;
const HOUR_MS = 60 * MINUTE;
const DAY_MS = 24 * HOUR_MS;
/** The control room's two 12-hour shifts start at these hours of the town's clock. */
export const SHIFT_HOURS = [8, 20] as const;

/** A time on the town's clock as "2026-01-15 09:00": what the page's time fields show and take (24-hour whatever the browser's habits). */
export function townInput(ms: number): string {
  return new Date(ms + offsetMin * MINUTE).toISOString().slice(0, 16).replace('T', ' ');
}

/** "2026-01-15 09:00" on the town's clock as ms since 1970, or undefined if it is not such a time. */
export function parseTownInput(text: string): number | undefined {
  const m = /^(\d{4})-(\d{2})-(\d{2})[ T](\d{2}):(\d{2})$/.exec(text.trim());
  if (!m) return undefined;
  const [y, mo, d, h, mi] = m.slice(1).map(Number) as [number, number, number, number, number];
  const ms = Date.UTC(y, mo - 1, d, h, mi);
  // Date.UTC rolls 31 February over into March: refuse what does not read back the same
  if (h > 23 || mi > 59 || new Date(ms).getUTCDate() !== d || new Date(ms).getUTCMonth() !== mo - 1) return undefined;
  return ms - offsetMin * MINUTE;
}

/** The start of the 12-hour shift in progress at `now` on the town's clock: 08:00 or 20:00 (of the day before, before 08:00). */
export function shiftStart(now: number): number {
  const local = now + offsetMin * MINUTE;
  const day = Math.floor(local / DAY_MS) * DAY_MS;
  const hour = (local - day) / HOUR_MS;
  const [morning, evening] = SHIFT_HOURS;
  const start = hour >= evening ? day + evening * HOUR_MS : hour >= morning ? day + morning * HOUR_MS : day - (24 - evening) * HOUR_MS;
  return start - offsetMin * MINUTE;
}
