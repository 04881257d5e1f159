/**
 * English schedules ("every day at 9am", "every monday at 10:30") read by a small, strict
 * grammar and turned into croner patterns, so one engine computes every run time. Anything the
 * grammar does not know is refused with the word it stopped at, never guessed.
 */

/** What an English schedule means. */
export interface NaturalSchedule {
  /** Six fields, seconds first: second minute hour day-of-month month day-of-week. */
  readonly pattern: string;
  /** "every 3 days": only runs on days whose number since 1970-01-01 is a multiple of this; else 1. */
  readonly everyDays: number;
  /** The schedule in one normal wording, such as "every day at 09:00". */
  readonly description: string;
}

/** Thrown by the grammar; schedule.ts turns it into InvalidScheduleError with the accepted forms. */
export class ScheduleSyntaxError extends Error {}

interface Time {
  readonly hour: number;
  readonly minute: number;
  readonly second: number;
}

const MIDNIGHT: Time = { hour: 0, minute: 0, second: 0 };
const DAY_NAMES = ['sunday', 'monday', 'tuesday', 'wednesday', 'thursday', 'friday', 'saturday'];
/** How many of each unit make the next one: a step that divides it spaces runs evenly. */
const UNIT_SIZE = { second: 60, minute: 60, hour: 24 } as const;
type SmallUnit = keyof typeof UNIT_SIZE;
/** "every N days" finds a run by stepping through the N days; longer periods are rare. */
const MAX_DAYS = 366;
const BIGGER: Record<SmallUnit, 'minute' | 'hour' | 'day'> = {
  second: 'minute',
  minute: 'hour',
  hour: 'day',
};

const fail = (reason: string): never => {
  throw new ScheduleSyntaxError(reason);
};

/** Reads "every ..." (the time zone, if any, is already removed). */
export function parseNatural(text: string): NaturalSchedule {
  const words = new Words(text);
  words.expect('every');
  const word = words.next('a period after "every"');
  const schedule = /^\d+$/.test(word) ? everyNumber(word, words) : everyNamed(word, words);
  words.expectEnd();
  return schedule;
}

function everyNamed(word: string, words: Words): NaturalSchedule {
  if (word === 'second') return { pattern: '* * * * * *', everyDays: 1, description: 'every second' };
  if (word === 'minute') return { pattern: '0 * * * * *', everyDays: 1, description: 'every minute' };
  if (word === 'hour') return everyHour(words);
  if (word === 'day') return atTime('every day', '* * *', words);
  if (word === 'weekday') return atTime('every weekday', '* * 1-5', words);
  if (word === 'weekend') return atTime('every weekend', '* * 0,6', words);
  if (word === 'month') return everyMonth(words);
  if (dayIndex(word) !== null) return everyDayOfWeek(word, words);
  return fail(
    `"${word}" is not a period; after "every" write second, minute, hour, day, a number of ` +
      'seconds/minutes/hours/days, a day name (monday...), weekday, weekend or month',
  );
}

/** "every hour" or "every hour at :15". */
function everyHour(words: Words): NaturalSchedule {
  if (!words.take('at')) return { pattern: '0 0 * * * *', everyDays: 1, description: 'every hour' };
  const word = words.next('":MM" after "every hour at"');
  const minute = /^:(\d{2})$/.exec(word)?.[1];
  if (minute === undefined || Number(minute) > 59) {
    return fail(
      `"${word}" is not a minute of the hour; write it as ":00" to ":59", like "every hour at :15"`,
    );
  }
  return { pattern: `0 ${Number(minute)} * * * *`, everyDays: 1, description: `every hour at :${minute}` };
}

/** "every 5 minutes", "every 2 hours", "every 3 days at 9am". */
function everyNumber(word: string, words: Words): NaturalSchedule {
  const count = Number(word);
  if (count < 1 || word.startsWith('0')) return fail(`"${word}" is not a count; write a whole number from 1`);
  const unitWord = words.next(`a unit after "every ${word}" (seconds, minutes, hours or days)`);
  const unit = /^(second|minute|hour|day)s?$/.exec(unitWord)?.[1];
  if (unit === undefined) {
    return fail(`"${unitWord}" is not a unit; after "every ${word}" write seconds, minutes, hours or days`);
  }
  if (count > 1 && !unitWord.endsWith('s')) return fail(`write "every ${word} ${unit}s" (plural)`);
  if (unit === 'day') return everyDays(count, words);
  const small = unit as SmallUnit;
  const size = UNIT_SIZE[small];
  if (count === 1) return everyNamed(small, words);
  // "every 60 minutes" is "every hour"; a step that does not divide the unit bunches runs at its start.
  if (count === size) return everyNamed(BIGGER[small], words);
  if (size % count !== 0) {
    const allowed = divisors(size).filter((d) => d > 1 && d < size);
    return fail(
      `every ${count} ${small}s would not be evenly spaced (${size} is not a multiple of ${count}); ` +
        `use ${allowed.join(', ')} or ${size} ${small}s, or a cron expression`,
    );
  }
  const fields = {
    second: `*/${count} * * * * *`,
    minute: `0 */${count} * * * *`,
    hour: `0 0 */${count} * * *`,
  };
  return { pattern: fields[small], everyDays: 1, description: `every ${count} ${small}s` };
}

function everyDays(count: number, words: Words): NaturalSchedule {
  if (count > MAX_DAYS)
    return fail(`every ${count} days is too long; write at most ${MAX_DAYS} days, or cron`);
  const daily = atTime(count === 1 ? 'every day' : `every ${count} days`, '* * *', words);
  return { ...daily, everyDays: count };
}

/** "every monday", "every monday and thursday at 10:30", "every mon, wed and fri at 8am". */
function everyDayOfWeek(first: string, words: Words): NaturalSchedule {
  const days = [dayIndex(first)!];
  while (words.take(',') || words.take('and')) {
    words.take('and'); // ", and"
    const word = words.next('a day name after "and"');
    const day = dayIndex(word);
    if (day === null) return fail(`"${word}" is not a day name (monday...sunday, or mon...sun)`);
    days.push(day);
  }
  const unique = [...new Set(days)];
  const names = unique.map((d) => DAY_NAMES[d]!);
  const list = names.length === 1 ? names[0]! : `${names.slice(0, -1).join(', ')} and ${names.at(-1)}`;
  const sorted = [...unique].sort((a, b) => a - b);
  return atTime(`every ${list}`, `* * ${sorted.join(',')}`, words);
}

/** "every month on the 1st", "every month on the last day at 18:00". */
function everyMonth(words: Words): NaturalSchedule {
  words.expect('on');
  words.expect('the');
  const word = words.next('a day of the month after "every month on the"');
  if (word === 'last') {
    words.expect('day');
    return atTime('every month on the last day', 'L * *', words);
  }
  const ordinal = /^(\d{1,2})(st|nd|rd|th)$/.exec(word);
  const day = Number(ordinal?.[1]);
  if (!ordinal || day < 1 || day > 31 || ordinal[1]!.startsWith('0')) {
    return fail(`"${word}" is not a day of the month; write 1st to 31st, or "last day"`);
  }
  return atTime(`every month on the ${word}`, `${day} * *`, words);
}

/** Adds "at TIME" (midnight without it) to the day fields "dom month dow". */
function atTime(description: string, dayFields: string, words: Words): NaturalSchedule {
  const time = words.take('at') ? parseTime(words.next(`a time after "${description} at"`)) : MIDNIGHT;
  const pattern = `${time.second} ${time.minute} ${time.hour} ${dayFields}`;
  return { pattern, everyDays: 1, description: `${description} at ${formatTime(time)}` };
}

/** midnight, noon, 9am, 9:30pm, 21:15, 21:15:30. */
function parseTime(word: string): Time {
  if (word === 'midnight') return MIDNIGHT;
  if (word === 'noon') return { hour: 12, minute: 0, second: 0 };
  const twelve = /^(\d{1,2})(?::(\d{2}))?(am|pm)$/.exec(word);
  if (twelve) {
    const hour = Number(twelve[1]);
    const minute = Number(twelve[2] ?? 0);
    if (hour >= 1 && hour <= 12 && minute <= 59) {
      return { hour: (hour % 12) + (twelve[3] === 'pm' ? 12 : 0), minute, second: 0 };
    }
  }
  const clock = /^(\d{1,2}):(\d{2})(?::(\d{2}))?$/.exec(word);
  if (clock) {
    const [hour, minute, second] = [Number(clock[1]), Number(clock[2]), Number(clock[3] ?? 0)];
    if (hour <= 23 && minute <= 59 && second <= 59) return { hour, minute, second };
  }
  return fail(`"${word}" is not a time; write 9am, 9:30pm, 21:15, 21:15:30, noon or midnight`);
}

function formatTime(time: Time): string {
  const two = (n: number) => String(n).padStart(2, '0');
  const seconds = time.second === 0 ? '' : `:${two(time.second)}`;
  return `${two(time.hour)}:${two(time.minute)}${seconds}`;
}

function dayIndex(word: string): number | null {
  const index = DAY_NAMES.findIndex((name) => word === name || word === name.slice(0, 3));
  return index === -1 ? null : index;
}

function divisors(n: number): number[] {
  return Array.from({ length: n }, (_, i) => i + 1).filter((d) => n % d === 0);
}

/** The words of a schedule, lower case, with "9 am" joined to "9am" and commas as words of their own. */
class Words {
  readonly #words: string[];
  #at = 0;

  constructor(text: string) {
    const normal = text
      .toLowerCase()
      .replace(/(\d)\s+(am|pm)\b/g, '$1$2')
      .replace(/,/g, ' , ');
    this.#words = normal.split(/\s+/).filter(Boolean);
  }

  next(what: string): string {
    const word = this.#words[this.#at];
    if (word === undefined) return fail(`it ends where ${what} was expected`);
    this.#at++;
    return word;
  }

  take(word: string): boolean {
    if (this.#words[this.#at] !== word) return false;
    this.#at++;
    return true;
  }

  expect(word: string): void {
    const found = this.next(`"${word}"`);
    if (found !== word) fail(`expected "${word}" where it says "${found}"`);
  }

  expectEnd(): void {
    const rest = this.#words.slice(this.#at);
    if (rest.length > 0) fail(`"${rest.join(' ')}" is not understood at the end`);
  }
}
