// The incident list's deadline texts (dashboards/src/deadlines.ts) in English, on
// the town's clock (UTC+5): countdowns, hours and minutes rounded up, passed ones.
import { describe, expect, it } from 'vitest';
import { countdown, deadlineText, hoursMinutes } from '../../../dashboards/src/deadlines.ts';

const MIN = 60_000;
const AT = Date.UTC(2026, 0, 15, 4, 30); // 09:30 in Temirtau

describe('incident deadlines as the list shows them', () => {
  it('counts down in minutes and seconds, with hours past an hour', () => {
    expect([countdown(65_000), countdown(599_999), countdown(3_725_000), countdown(-190_000), countdown(0)]).toEqual(['01:05', '09:59', '1:02:05', '03:10', '00:00']);
  });

  it('gives the time to freeze to the minute, rounded up so it is never later than it is', () => {
    expect([hoursMinutes(7 * 60 * MIN + 40 * MIN), hoursMinutes(59 * MIN + 1), hoursMinutes(30_000), hoursMinutes(2 * 60 * MIN)]).toEqual(['7 h 40 min', '1 h 0 min', '1 min', '2 h 0 min']);
  });

  it('turns a response deadline red once passed, and a freeze once the limit is reached', () => {
    const response = { kind: 'response', until: String(AT) };
    expect(deadlineText(response, AT - 125_000)).toEqual({ text: '⏱ Respond within 02:05', passed: false });
    expect(deadlineText(response, AT)).toEqual({ text: '⏱ Response overdue by 00:00', passed: true });
    expect(deadlineText(response, AT + 61_000)).toEqual({ text: '⏱ Response overdue by 01:01', passed: true });
    const freeze = { kind: 'freeze', until: String(AT), district: 'Aktau', outdoor: '-25', limit: '12' };
    expect(deadlineText(freeze, AT - 90 * MIN)).toEqual({ text: '❄ Aktau: 1 h 30 min to +12 °C indoors (-25 °C outside, at 09:30)', passed: false });
    expect(deadlineText(freeze, AT + 1)).toEqual({ text: '❄ Aktau: flats below +12 °C since 09:30', passed: true });
    expect(deadlineText({ kind: 'freeze', district: 'Aktau', outdoor: '14', limit: '12' }, AT)).toEqual({ text: '❄ Aktau: stays above +12 °C at 14 °C outside', passed: false });
    expect(deadlineText({ kind: 'missed', at: String(AT) }, AT + 5 * MIN)).toEqual({ text: '⏱ Response deadline missed at 09:30', passed: true });
  });
});
