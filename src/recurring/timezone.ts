/** Schedules without a zone run in UTC, so schedulers on hosts with different clocks agree on run times. */
export const DEFAULT_TIME_ZONE = 'UTC';

/** A name that may be an IANA zone ("Asia/Tokyo", "UTC", "Etc/GMT+9"): offsets like "+09:00" are not. */
const ZONE_LIKE = /^[A-Za-z][A-Za-z0-9_+-]*(?:\/[A-Za-z0-9_+-]+)*$/;

/** The canonical IANA name ("asia/tokyo" → "Asia/Tokyo"), or null when the runtime does not know it. */
export function resolveTimeZone(name: string): string | null {
  if (!ZONE_LIKE.test(name)) return null;
  try {
    return new Intl.DateTimeFormat('en-US', { timeZone: name }).resolvedOptions().timeZone;
  } catch {
    return null;
  }
}

/** Words that look like zone names to a reader; used to tell a misspelt zone from other trailing text. */
export function looksLikeTimeZone(word: string): boolean {
  return ZONE_LIKE.test(word) && word.includes('/');
}

const dayFormats = new Map<string, Intl.DateTimeFormat>();

/** Days from 1970-01-01 to the calendar date of `date` in `timeZone`: the same count on every host. */
export function localDayNumber(date: Date, timeZone: string): number {
  let format = dayFormats.get(timeZone);
  if (!format) {
    format = new Intl.DateTimeFormat('en-CA', {
      timeZone,
      year: 'numeric',
      month: '2-digit',
      day: '2-digit',
    });
    dayFormats.set(timeZone, format);
  }
  const parts = Object.fromEntries(format.formatToParts(date).map((p) => [p.type, p.value]));
  return Date.UTC(Number(parts.year), Number(parts.month) - 1, Number(parts.day)) / 86_400_000;
}
