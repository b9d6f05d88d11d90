/**
 * RFC 3339 date-times to epoch milliseconds and back, without `Date.parse` (which also accepts
 * many non-RFC 3339 forms and reads two-digit years as 19xx). Never throws.
 */

const DATE_TIME = /^(\d{4})-(\d{2})-(\d{2})[Tt ](\d{2}):(\d{2}):(\d{2})(?:\.(\d+))?(?:([Zz])|([+-])(\d{2}):(\d{2}))$/;

const MS_PER_DAY = 86_400_000;
/** The range a JavaScript `Date` can represent; beyond it `toISOString` throws. */
const MAX_TIME = 8.64e15;

/**
 * Epoch milliseconds of an RFC 3339 date-time (`2025-01-10T09:00:00Z`, `...09:00:00.5+02:00`);
 * `undefined` for anything else, including impossible dates (`2025-02-30`). Fractions beyond
 * milliseconds are truncated; a leap second (`:60`) counts as the next minute's first second.
 */
export function parseEventTime(value: unknown): number | undefined {
  if (typeof value !== 'string') return undefined;
  const parts = DATE_TIME.exec(value);
  if (!parts) return undefined;
  const [, y, mo, d, h, mi, s, fraction, zulu, sign, oh, om] = parts;
  const year = Number(y);
  const month = Number(mo);
  const day = Number(d);
  const hour = Number(h);
  const minute = Number(mi);
  const second = Number(s);
  if (month < 1 || month > 12 || day < 1 || day > daysInMonth(year, month)) return undefined;
  if (hour > 23 || minute > 59 || second > 60) return undefined;
  let offsetMinutes = 0;
  if (!zulu) {
    const offsetHours = Number(oh);
    const offsetMins = Number(om);
    if (offsetHours > 23 || offsetMins > 59) return undefined;
    offsetMinutes = (sign === '-' ? -1 : 1) * (offsetHours * 60 + offsetMins);
  }
  const millis = fraction ? Number(fraction.slice(0, 3).padEnd(3, '0')) : 0;
  return (
    daysFromCivil(year, month, day) * MS_PER_DAY + ((hour * 60 + minute - offsetMinutes) * 60 + second) * 1000 + millis
  );
}

/** `2025-01-10T09:00:00Z` (milliseconds only when not zero); UTC. */
export function formatEventTime(at: number): string {
  const iso = new Date(at).toISOString();
  return iso.endsWith('.000Z') ? `${iso.slice(0, -5)}Z` : iso;
}

/** True for an epoch-millisecond value `formatEventTime` can print. */
export function isEventTime(at: unknown): at is number {
  return typeof at === 'number' && Number.isFinite(at) && Math.abs(at) <= MAX_TIME;
}

function daysInMonth(year: number, month: number): number {
  if (month === 2) return year % 4 === 0 && (year % 100 !== 0 || year % 400 === 0) ? 29 : 28;
  return month === 4 || month === 6 || month === 9 || month === 11 ? 30 : 31;
}

/** Days since 1970-01-01 of a proleptic Gregorian date (H. Hinnant's `days_from_civil`). */
function daysFromCivil(year: number, month: number, day: number): number {
  const y = month <= 2 ? year - 1 : year;
  const era = Math.floor(y / 400);
  const yearOfEra = y - era * 400;
  const dayOfYear = Math.floor((153 * (month > 2 ? month - 3 : month + 9) + 2) / 5) + day - 1;
  const dayOfEra = yearOfEra * 365 + Math.floor(yearOfEra / 4) - Math.floor(yearOfEra / 100) + dayOfYear;
  return era * 146_097 + dayOfEra - 719_468;
}
