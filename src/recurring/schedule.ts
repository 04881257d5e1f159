import { Cron } from 'croner';
import { InvalidScheduleError } from '../errors.ts';
import { parseNatural, ScheduleSyntaxError } from './natural.ts';
import { DEFAULT_TIME_ZONE, localDayNumber, looksLikeTimeZone, resolveTimeZone } from './timezone.ts';

/** When a recurring task runs. Immutable; `next` has no side effects. */
export interface Schedule {
  /** The schedule as written. */
  readonly text: string;
  /** The IANA time zone its wall-clock times are read in (UTC unless one is named). */
  readonly timeZone: string;
  /** The first run strictly after `after`, or null when there is none (a cron date that is never reached). */
  next(after: Date): Date | null;
  /** One normal wording with the zone, for listings: "every day at 09:00 (Asia/Tokyo)", "cron 0 9 * * * (UTC)". */
  describe(): string;
}

export interface ScheduleOptions {
  /** IANA zone for the wall-clock times; a zone at the end of the text must agree with it. */
  readonly timezone?: string | undefined;
}

/** Every form parseSchedule accepts, for error messages (docs/recurring.md has them all). */
export const ACCEPTED_SCHEDULES =
  'cron with 5 fields ("*/15 * * * *") or 6 with seconds first ("30 0 9 * * 1-5"), a nickname ' +
  '(@hourly, @daily, @weekly, @monthly, @yearly), or English: "every second", "every 5 minutes", ' +
  '"every hour at :15", "every day at 9am", "every day at 21:15", "every 3 days at noon", ' +
  '"every monday at 10:30", "every weekday at 8am", "every weekend at noon", ' +
  '"every month on the 1st at midnight"; either may end with a time zone like Asia/Tokyo';

/**
 * Parses a cron expression or an English schedule ("every day at 9am"), optionally ending with
 * an IANA time zone ("0 9 * * * Asia/Tokyo", as Fugit allows). Throws InvalidScheduleError,
 * quoting the text and listing the accepted forms, for anything else.
 */
export function parseSchedule(text: string, options: ScheduleOptions = {}): Schedule {
  const invalid = (reason: string) => new InvalidScheduleError(String(text), reason, ACCEPTED_SCHEDULES);
  if (typeof text !== 'string') throw invalid(`a schedule is text, got ${typeof text}`);
  const words = text.trim().split(/\s+/).filter(Boolean);
  if (words.length === 0) throw invalid('it is empty');
  const zoneInText = trailingZone(words);
  if (zoneInText === 'unknown') throw invalid(`"${words.at(-1)}" is not a time zone this runtime knows`);
  const timeZone = chooseZone(zoneInText, options.timezone, invalid);
  const body = zoneInText ? words.slice(0, -1) : words;
  const schedule =
    body[0]?.toLowerCase() === 'every'
      ? naturalSchedule(text, body.join(' '), timeZone, invalid)
      : cronSchedule(text, body, timeZone, invalid);
  if (schedule.next(new Date()) === null) throw invalid('no date ever matches it');
  return schedule;
}

/** The zone ending the words, 'unknown' for a misspelt one ("Asia/Tokio"), or null for none. */
function trailingZone(words: readonly string[]): string | 'unknown' | null {
  if (words.length < 2) return null;
  const last = words.at(-1)!;
  const zone = resolveTimeZone(last);
  if (zone) return zone;
  return looksLikeTimeZone(last) ? 'unknown' : null;
}

function chooseZone(
  inText: string | null,
  option: string | undefined,
  invalid: (reason: string) => InvalidScheduleError,
): string {
  if (option === undefined) return inText ?? DEFAULT_TIME_ZONE;
  const fromOption = resolveTimeZone(option);
  if (!fromOption) throw invalid(`the time zone "${option}" is not one this runtime knows`);
  if (inText && inText !== fromOption) {
    throw invalid(`it ends with the time zone ${inText}, but ${fromOption} is also given; name one`);
  }
  return fromOption;
}

function naturalSchedule(
  text: string,
  body: string,
  timeZone: string,
  invalid: (reason: string) => InvalidScheduleError,
): Schedule {
  let natural: ReturnType<typeof parseNatural>;
  try {
    natural = parseNatural(body);
  } catch (error) {
    if (error instanceof ScheduleSyntaxError) throw invalid(error.message);
    throw error;
  }
  const cron = new Cron(natural.pattern, { timezone: timeZone, mode: '6-part' });
  const { everyDays } = natural;
  return {
    text,
    timeZone,
    next(after) {
      // "every N days": the daily run on the next day whose local day number N divides.
      let run = cron.nextRun(after);
      for (let i = 0; run && i <= everyDays && localDayNumber(run, timeZone) % everyDays !== 0; i++) {
        run = cron.nextRun(run);
      }
      return run;
    },
    describe: () => `${natural.description} (${timeZone})`,
  };
}

function cronSchedule(
  text: string,
  fields: readonly string[],
  timeZone: string,
  invalid: (reason: string) => InvalidScheduleError,
): Schedule {
  const isNickname = fields.length === 1 && fields[0]!.startsWith('@');
  if (!isNickname && fields.length !== 5 && fields.length !== 6) {
    throw invalid(
      /^[\d*?]/.test(fields[0]!)
        ? `cron takes 5 fields, or 6 with seconds first; this has ${fields.length}`
        : 'it is neither cron (5 or 6 fields, or a nickname like @daily) nor English starting with "every"',
    );
  }
  const pattern = fields.join(' ');
  let cron: Cron;
  try {
    cron = new Cron(pattern, { timezone: timeZone, mode: '5-or-6-parts' });
  } catch (error) {
    // croner says what is wrong ("Invalid value for minute: 61") after its class name.
    throw invalid((error as Error).message.replace(/^Cron\w*:\s*/, ''));
  }
  return {
    text,
    timeZone,
    next: (after) => cron.nextRun(after),
    describe: () => `cron ${pattern} (${timeZone})`,
  };
}
