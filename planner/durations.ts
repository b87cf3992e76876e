// Temporal-style duration strings ('30m', '2h', '90s', '1d', '1h30m', '500ms', '2 hours') → ms.
// A bare number is refused even though Temporal's `ms` reads it as milliseconds: "confirmTimeout: 30"
// almost always means minutes, and a 30 ms confirmation window would expire before anyone looked.

import { IntentError } from './types';

const UNIT_MS: Record<string, number> = {
  ms: 1,
  millisecond: 1,
  milliseconds: 1,
  s: 1000,
  sec: 1000,
  secs: 1000,
  second: 1000,
  seconds: 1000,
  m: 60_000,
  min: 60_000,
  mins: 60_000,
  minute: 60_000,
  minutes: 60_000,
  h: 3_600_000,
  hr: 3_600_000,
  hrs: 3_600_000,
  hour: 3_600_000,
  hours: 3_600_000,
  d: 86_400_000,
  day: 86_400_000,
  days: 86_400_000,
  w: 604_800_000,
  week: 604_800_000,
  weeks: 604_800_000,
};

const PART = /(\d+(?:\.\d+)?)\s*([a-z]+)/gy;

/** Parse a duration string to milliseconds; `field` names the input in the error. */
export function parseDuration(value: string, field: string): number {
  if (typeof value !== 'string' || value.trim() === '') {
    throw new IntentError(
      field,
      `expected a duration like '30m', '2h' or '1d', got ${JSON.stringify(value)}`,
    );
  }
  const text = value.trim().toLowerCase();
  if (/^\d+(\.\d+)?$/.test(text)) {
    throw new IntentError(
      field,
      `'${value}' has no unit; write '${text}m' for minutes or '${text}s' for seconds`,
    );
  }
  let total = 0;
  let at = 0;
  PART.lastIndex = 0;
  while (at < text.length) {
    while (text[at] === ' ') at++;
    if (at >= text.length) break;
    PART.lastIndex = at;
    const m = PART.exec(text);
    const unit = m ? UNIT_MS[m[2]] : undefined;
    if (!m || unit === undefined) {
      throw new IntentError(field, `'${value}' is not a duration; use units ms, s, m, h or d (e.g. '30m')`);
    }
    total += Number(m[1]) * unit;
    at = PART.lastIndex;
  }
  if (!(total > 0) || !Number.isFinite(total)) {
    throw new IntentError(field, `'${value}' must be longer than zero`);
  }
  return Math.round(total);
}

/** Minutes as a person reads them: "~30 min", "~2 h", "~1.5 h", "~3 d". */
export function formatMinutes(minutes: number): string {
  if (minutes < 60) return `~${round1(minutes)} min`;
  if (minutes < 48 * 60) return `~${round1(minutes / 60)} h`;
  return `~${round1(minutes / 1440)} d`;
}

function round1(n: number): string {
  const r = Math.round(n * 10) / 10;
  return Number.isInteger(r) ? String(r) : r.toFixed(1);
}
