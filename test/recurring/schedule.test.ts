import { describe, expect, it } from 'vitest';
import { InvalidScheduleError } from '../../src/errors.ts';
import { ACCEPTED_SCHEDULES, parseSchedule } from '../../src/recurring/schedule.ts';

/** A Saturday, half a second before midnight UTC. */
const FROM = '2025-03-08T23:59:59.500Z';

/** The next `count` runs after `from`, each found from the one before, as ISO strings. */
function runs(text: string, options: { from?: string; count?: number; timezone?: string } = {}): string[] {
  const schedule = parseSchedule(text, { timezone: options.timezone });
  const out: string[] = [];
  let after = new Date(options.from ?? FROM);
  for (let i = 0; i < (options.count ?? 3); i++) {
    const run = schedule.next(after);
    if (run === null) break;
    out.push(run.toISOString());
    after = run;
  }
  return out;
}

function rejection(text: string, timezone?: string): InvalidScheduleError {
  try {
    parseSchedule(text, { timezone });
  } catch (error) {
    if (error instanceof InvalidScheduleError) return error;
    throw error;
  }
  throw new Error(`parseSchedule(${JSON.stringify(text)}) did not throw`);
}

describe('English schedules (UTC unless a zone is named)', () => {
  it.each([
    ['every second', ['2025-03-09T00:00:00.000Z', '2025-03-09T00:00:01.000Z', '2025-03-09T00:00:02.000Z']],
    ['every 5 seconds', ['2025-03-09T00:00:00.000Z', '2025-03-09T00:00:05.000Z', '2025-03-09T00:00:10.000Z']],
    ['every minute', ['2025-03-09T00:00:00.000Z', '2025-03-09T00:01:00.000Z', '2025-03-09T00:02:00.000Z']],
    [
      'every 15 minutes',
      ['2025-03-09T00:00:00.000Z', '2025-03-09T00:15:00.000Z', '2025-03-09T00:30:00.000Z'],
    ],
    ['every hour', ['2025-03-09T00:00:00.000Z', '2025-03-09T01:00:00.000Z', '2025-03-09T02:00:00.000Z']],
    ['every 6 hours', ['2025-03-09T00:00:00.000Z', '2025-03-09T06:00:00.000Z', '2025-03-09T12:00:00.000Z']],
    [
      'every hour at :15',
      ['2025-03-09T00:15:00.000Z', '2025-03-09T01:15:00.000Z', '2025-03-09T02:15:00.000Z'],
    ],
    ['every day', ['2025-03-09T00:00:00.000Z', '2025-03-10T00:00:00.000Z', '2025-03-11T00:00:00.000Z']],
    [
      'every day at 9am',
      ['2025-03-09T09:00:00.000Z', '2025-03-10T09:00:00.000Z', '2025-03-11T09:00:00.000Z'],
    ],
    [
      'every day at 9:30pm',
      ['2025-03-09T21:30:00.000Z', '2025-03-10T21:30:00.000Z', '2025-03-11T21:30:00.000Z'],
    ],
    [
      'every day at 21:15',
      ['2025-03-09T21:15:00.000Z', '2025-03-10T21:15:00.000Z', '2025-03-11T21:15:00.000Z'],
    ],
    [
      'every day at 12am',
      ['2025-03-09T00:00:00.000Z', '2025-03-10T00:00:00.000Z', '2025-03-11T00:00:00.000Z'],
    ],
    [
      'every day at 12pm',
      ['2025-03-09T12:00:00.000Z', '2025-03-10T12:00:00.000Z', '2025-03-11T12:00:00.000Z'],
    ],
    [
      'every day at 06:07:08',
      ['2025-03-09T06:07:08.000Z', '2025-03-10T06:07:08.000Z', '2025-03-11T06:07:08.000Z'],
    ],
    [
      'every monday at 10:30',
      ['2025-03-10T10:30:00.000Z', '2025-03-17T10:30:00.000Z', '2025-03-24T10:30:00.000Z'],
    ],
    [
      'every weekday at 8am',
      ['2025-03-10T08:00:00.000Z', '2025-03-11T08:00:00.000Z', '2025-03-12T08:00:00.000Z'],
    ],
    [
      'every weekend at noon',
      ['2025-03-09T12:00:00.000Z', '2025-03-15T12:00:00.000Z', '2025-03-16T12:00:00.000Z'],
    ],
    ['every sunday', ['2025-03-09T00:00:00.000Z', '2025-03-16T00:00:00.000Z', '2025-03-23T00:00:00.000Z']],
    [
      'every mon, wed and fri at 8 AM',
      ['2025-03-10T08:00:00.000Z', '2025-03-12T08:00:00.000Z', '2025-03-14T08:00:00.000Z'],
    ],
    [
      'every month on the 1st at midnight',
      ['2025-04-01T00:00:00.000Z', '2025-05-01T00:00:00.000Z', '2025-06-01T00:00:00.000Z'],
    ],
    [
      'every month on the last day at 18:00',
      ['2025-03-31T18:00:00.000Z', '2025-04-30T18:00:00.000Z', '2025-05-31T18:00:00.000Z'],
    ],
    // 2025-03-07 is day 20154 since 1970-01-01, a multiple of 3: every scheduler picks the same days.
    ['every 3 days', ['2025-03-10T00:00:00.000Z', '2025-03-13T00:00:00.000Z', '2025-03-16T00:00:00.000Z']],
    [
      'every 60 seconds',
      ['2025-03-09T00:00:00.000Z', '2025-03-09T00:01:00.000Z', '2025-03-09T00:02:00.000Z'],
    ],
    ['every 24 hours', ['2025-03-09T00:00:00.000Z', '2025-03-10T00:00:00.000Z', '2025-03-11T00:00:00.000Z']],
    [
      '  Every  Monday  AT 10:30AM ',
      ['2025-03-10T10:30:00.000Z', '2025-03-17T10:30:00.000Z', '2025-03-24T10:30:00.000Z'],
    ],
  ])('%s', (text, expected) => {
    expect(runs(text)).toEqual(expected);
  });

  it('counts "every N days" from a fixed day, not from when it is asked', () => {
    expect(runs('every 3 days', { from: '2025-03-07T12:00:00Z', count: 2 })).toEqual([
      '2025-03-10T00:00:00.000Z',
      '2025-03-13T00:00:00.000Z',
    ]);
    expect(runs('every 3 days', { from: '2025-03-09T00:00:00Z', count: 1 })).toEqual([
      '2025-03-10T00:00:00.000Z',
    ]);
  });

  it('returns a run strictly after the instant given', () => {
    const schedule = parseSchedule('every day at 9am');
    expect(schedule.next(new Date('2025-03-09T09:00:00.000Z'))?.toISOString()).toBe(
      '2025-03-10T09:00:00.000Z',
    );
    expect(schedule.next(new Date('2025-03-09T08:59:59.999Z'))?.toISOString()).toBe(
      '2025-03-09T09:00:00.000Z',
    );
  });

  it('describes each schedule in one normal wording with its zone', () => {
    expect(parseSchedule('every day at 9am').describe()).toBe('every day at 09:00 (UTC)');
    expect(parseSchedule('every mon and fri at 9:05pm', { timezone: 'Asia/Tokyo' }).describe()).toBe(
      'every monday and friday at 21:05 (Asia/Tokyo)',
    );
    expect(parseSchedule('every 3 days').describe()).toBe('every 3 days at 00:00 (UTC)');
    expect(parseSchedule('every hour at :05').describe()).toBe('every hour at :05 (UTC)');
    expect(parseSchedule('0 9 * * * Asia/Tokyo').describe()).toBe('cron 0 9 * * * (Asia/Tokyo)');
  });
});

describe('time zones and daylight saving time', () => {
  it('reads wall-clock times in the zone given as an option', () => {
    expect(runs('every day at 9am', { timezone: 'Asia/Tokyo', count: 2 })).toEqual([
      '2025-03-09T00:00:00.000Z',
      '2025-03-10T00:00:00.000Z',
    ]);
    // Nepal is UTC+5:45: even-minute steps follow the local clock.
    expect(
      runs('every 30 minutes', { timezone: 'Asia/Kathmandu', from: '2025-03-06T00:00:00Z', count: 2 }),
    ).toEqual(['2025-03-06T00:15:00.000Z', '2025-03-06T00:45:00.000Z']);
  });

  it('takes a zone at the end of the text, in any letter case, and keeps its canonical name', () => {
    const schedule = parseSchedule('every day at 9am asia/tokyo');
    expect(schedule.timeZone).toBe('Asia/Tokyo');
    expect(schedule.next(new Date(FROM))?.toISOString()).toBe('2025-03-09T00:00:00.000Z');
    expect(parseSchedule('every day at 9am Asia/Tokyo', { timezone: 'Asia/Tokyo' }).timeZone).toBe(
      'Asia/Tokyo',
    );
  });

  it('runs a daily time that the spring-forward gap skips once, right after the gap', () => {
    // New York skips 02:00-03:00 on 2025-03-09: 02:30 runs at 03:00 EDT (07:00 UTC) that day.
    expect(runs('every day at 2:30am', { timezone: 'America/New_York' })).toEqual([
      '2025-03-09T07:00:00.000Z',
      '2025-03-10T06:30:00.000Z',
      '2025-03-11T06:30:00.000Z',
    ]);
  });

  it('runs a daily time that the fall-back hour repeats only once, at its first occurrence', () => {
    // 01:30 happens twice on 2025-11-02 in New York (EDT, then EST).
    expect(
      runs('every day at 1:30am', { timezone: 'America/New_York', from: '2025-11-01T12:00:00Z' }),
    ).toEqual(['2025-11-02T05:30:00.000Z', '2025-11-03T06:30:00.000Z', '2025-11-04T06:30:00.000Z']);
  });

  it('keeps hourly runs one real hour apart through the repeated hour', () => {
    expect(
      runs('every hour', { timezone: 'America/New_York', from: '2025-11-02T04:30:00Z', count: 4 }),
    ).toEqual([
      '2025-11-02T05:00:00.000Z',
      '2025-11-02T06:00:00.000Z',
      '2025-11-02T07:00:00.000Z',
      '2025-11-02T08:00:00.000Z',
    ]);
  });

  it('keeps the local time of weekly and every-N-days runs across a change of offset', () => {
    // Berlin moves from UTC+1 to UTC+2 on 2025-03-30.
    expect(
      runs('every monday at 10:30', { timezone: 'Europe/Berlin', from: '2025-03-20T00:00:00Z', count: 2 }),
    ).toEqual(['2025-03-24T09:30:00.000Z', '2025-03-31T08:30:00.000Z']);
    expect(
      runs('every 2 days at 9am', { timezone: 'America/New_York', from: '2025-03-06T00:00:00Z' }),
    ).toEqual(['2025-03-07T14:00:00.000Z', '2025-03-09T13:00:00.000Z', '2025-03-11T13:00:00.000Z']);
  });
});

describe('cron schedules', () => {
  it('reads 5 fields, minutes first', () => {
    expect(runs('*/20 * * * *')).toEqual([
      '2025-03-09T00:00:00.000Z',
      '2025-03-09T00:20:00.000Z',
      '2025-03-09T00:40:00.000Z',
    ]);
  });

  it('reads 6 fields with seconds first', () => {
    expect(runs('*/10 * * * * *')).toEqual([
      '2025-03-09T00:00:00.000Z',
      '2025-03-09T00:00:10.000Z',
      '2025-03-09T00:00:20.000Z',
    ]);
    expect(runs('30 0 9 * * 1-5')).toEqual([
      '2025-03-10T09:00:30.000Z',
      '2025-03-11T09:00:30.000Z',
      '2025-03-12T09:00:30.000Z',
    ]);
  });

  it('reads nicknames', () => {
    expect(runs('@hourly', { count: 2 })).toEqual(['2025-03-09T00:00:00.000Z', '2025-03-09T01:00:00.000Z']);
    expect(runs('@daily', { timezone: 'America/New_York', count: 2 })).toEqual([
      '2025-03-09T05:00:00.000Z',
      '2025-03-10T04:00:00.000Z',
    ]);
    expect(runs('@monthly', { count: 1 })).toEqual(['2025-04-01T00:00:00.000Z']);
  });

  it('reads a zone after the fields, as Fugit does, or from the option', () => {
    expect(runs('0 9 * * * Asia/Tokyo', { count: 2 })).toEqual([
      '2025-03-09T00:00:00.000Z',
      '2025-03-10T00:00:00.000Z',
    ]);
    expect(runs('0 0 9 * * * Asia/Tokyo', { count: 1 })).toEqual(['2025-03-09T00:00:00.000Z']);
    expect(runs('0 9 * * *', { timezone: 'Europe/Paris', count: 1 })).toEqual(['2025-03-09T08:00:00.000Z']);
  });
});

describe('rejected schedules', () => {
  it.each([
    ['', /it is empty/],
    ['   ', /it is empty/],
    [
      'tomorrow',
      /neither cron \(5 or 6 fields, or a nickname like @daily\) nor English starting with "every"/,
    ],
    ['2030-01-01T00:00:00', /cron takes 5 fields, or 6 with seconds first; this has 1/],
    ['* * * *', /cron takes 5 fields, or 6 with seconds first; this has 4/],
    ['0 0 9 * * * 2026', /this has 7/],
    ['61 * * * *', /Invalid value for minute: 61/],
    ['0 9 30 2 *', /no date ever matches it/],
    ['@reboot', /@reboot is not supported/],
    ['every fortnight', /"fortnight" is not a period; after "every" write second, minute, hour, day/],
    ['every', /it ends where a period after "every" was expected/],
    [
      'every 7 minutes',
      /not be evenly spaced .*use 2, 3, 4, 5, 6, 10, 12, 15, 20, 30 or 60 minutes, or a cron expression/,
    ],
    ['every 5 hours', /use 2, 3, 4, 6, 8, 12 or 24 hours/],
    ['every 0 seconds', /"0" is not a count/],
    ['every 400 days', /every 400 days is too long; write at most 366 days, or cron/],
    ['every 2 day', /write "every 2 days" \(plural\)/],
    ['every 2 weeks', /"weeks" is not a unit/],
    ['every day at 25:00', /"25:00" is not a time; write 9am, 9:30pm, 21:15, 21:15:30, noon or midnight/],
    ['every day at 9', /"9" is not a time/],
    ['every day at 13pm', /"13pm" is not a time/],
    ['every day at', /it ends where a time after "every day at" was expected/],
    ['every day at 9am please', /"please" is not understood at the end/],
    ['every hour at 15', /"15" is not a minute of the hour; write it as ":00" to ":59"/],
    ['every monday and', /it ends where a day name after "and" was expected/],
    ['every monday and someday', /"someday" is not a day name/],
    ['every month on the 32nd', /"32nd" is not a day of the month; write 1st to 31st, or "last day"/],
    ['every month at noon', /expected "on" where it says "at"/],
    ['every day at 9am Asia/Tokio', /"Asia\/Tokio" is not a time zone this runtime knows/],
  ])('%j', (text, reason) => {
    const error = rejection(text);
    expect(error.code).toBe('INVALID_SCHEDULE');
    expect(error.schedule).toBe(text);
    expect(error.reason).toMatch(reason);
    expect(error.message).toContain(`Invalid schedule ${JSON.stringify(text)}: ${error.reason}.`);
    expect(error.message).toContain(`Accepted: ${ACCEPTED_SCHEDULES}`);
  });

  it('refuses an unknown zone option and two different zones', () => {
    expect(rejection('every day', 'Mars/Olympus').reason).toBe(
      'the time zone "Mars/Olympus" is not one this runtime knows',
    );
    expect(rejection('0 9 * * * Asia/Tokyo', 'Europe/Paris').reason).toBe(
      'it ends with the time zone Asia/Tokyo, but Europe/Paris is also given; name one',
    );
  });

  it('refuses a value that is not text', () => {
    const error = rejection(42 as unknown as string);
    expect(error.reason).toBe('a schedule is text, got number');
  });

  it('lists the accepted forms in the message', () => {
    expect(ACCEPTED_SCHEDULES).toContain('"every day at 9am"');
    expect(ACCEPTED_SCHEDULES).toContain('@daily');
    expect(ACCEPTED_SCHEDULES).toContain('Asia/Tokyo');
  });
});
