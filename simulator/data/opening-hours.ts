/**
 * Trading sessions. Each market follows one template, written exactly as the broker prints
 * `instrument.openingHours` (UTC, "HH:MM - HH:MM", where an end of "00:00" means midnight at the
 * end of the day). Daylight-saving shifts are ignored: the sessions are fixed in UTC.
 */
import { dayIndexOf, dayStartMs, MINUTE_MS, MINUTES_PER_DAY, weekdayOf, type Weekday } from './time';

export type SessionTemplate =
  | 'ALWAYS'
  | 'FX'
  | 'NEAR_24H'
  | 'ENERGY'
  | 'EU_INDICES'
  | 'ASIA_INDICES'
  | 'US_SHARES'
  | 'UK_SHARES'
  | 'EU_SHARES';

type WeekSessions = Readonly<Record<Weekday, readonly string[]>>;

function weekdaysOnly(sessions: readonly string[]): WeekSessions {
  return { mon: sessions, tue: sessions, wed: sessions, thu: sessions, fri: sessions, sat: [], sun: [] };
}

const NEAR_24H_DAY = ['00:00 - 22:00', '23:05 - 00:00'];

const TEMPLATES: Readonly<Record<SessionTemplate, WeekSessions>> = {
  ALWAYS: {
    mon: ['00:00 - 00:00'],
    tue: ['00:00 - 00:00'],
    wed: ['00:00 - 00:00'],
    thu: ['00:00 - 00:00'],
    fri: ['00:00 - 00:00'],
    sat: ['00:00 - 00:00'],
    sun: ['00:00 - 00:00'],
  },
  FX: {
    mon: ['00:00 - 00:00'],
    tue: ['00:00 - 00:00'],
    wed: ['00:00 - 00:00'],
    thu: ['00:00 - 00:00'],
    fri: ['00:00 - 21:55'],
    sat: [],
    sun: ['22:05 - 00:00'],
  },
  // The shape of the SILVER example: a one-hour break each evening, closed from Friday to Sunday night.
  NEAR_24H: { mon: NEAR_24H_DAY, tue: NEAR_24H_DAY, wed: NEAR_24H_DAY, thu: NEAR_24H_DAY, fri: ['00:00 - 22:00'], sat: [], sun: ['23:05 - 00:00'] },
  ENERGY: weekdaysOnly(['01:00 - 23:00']),
  EU_INDICES: weekdaysOnly(['07:00 - 21:00']),
  ASIA_INDICES: weekdaysOnly(['00:00 - 06:00', '07:00 - 21:00']),
  US_SHARES: weekdaysOnly(['13:30 - 20:00']),
  UK_SHARES: weekdaysOnly(['08:00 - 16:30']),
  EU_SHARES: weekdaysOnly(['07:00 - 15:30']),
};

export interface OpeningHoursWire {
  mon: string[];
  tue: string[];
  wed: string[];
  thu: string[];
  fri: string[];
  sat: string[];
  sun: string[];
  zone: 'UTC';
}

export function openingHoursWire(template: SessionTemplate): OpeningHoursWire {
  const week = TEMPLATES[template];
  return {
    mon: [...week.mon],
    tue: [...week.tue],
    wed: [...week.wed],
    thu: [...week.thu],
    fri: [...week.fri],
    sat: [...week.sat],
    sun: [...week.sun],
    zone: 'UTC',
  };
}

/** A run of open minutes of one day: [startMinute, endMinute). */
export type MinuteRun = readonly [number, number];

const SESSION_PATTERN = /^(\d\d):(\d\d) - (\d\d):(\d\d)$/;

function parseSession(text: string): MinuteRun {
  const match = SESSION_PATTERN.exec(text);
  if (!match) throw new Error(`bad session text '${text}'`);
  const [, h1, m1, h2, m2] = match;
  const start = Number(h1) * 60 + Number(m1);
  const endRaw = Number(h2) * 60 + Number(m2);
  const end = endRaw === 0 ? MINUTES_PER_DAY : endRaw;
  if (end <= start) throw new Error(`session '${text}' ends before it starts`);
  return [start, end];
}

const runsCache = new Map<string, readonly MinuteRun[]>();
const maskCache = new Map<string, Uint8Array>();

function runsFor(template: SessionTemplate, weekday: Weekday): readonly MinuteRun[] {
  const cacheKey = `${template}:${weekday}`;
  const cached = runsCache.get(cacheKey);
  if (cached) return cached;
  const runs = TEMPLATES[template][weekday].map(parseSession);
  runsCache.set(cacheKey, runs);
  return runs;
}

/** Open runs of the UTC day, in order. */
export function openRuns(template: SessionTemplate, dayIndex: number): readonly MinuteRun[] {
  return runsFor(template, weekdayOf(dayIndex));
}

/** 1 for each open minute of the day (index = minute of the UTC day). */
export function openMinuteMask(template: SessionTemplate, dayIndex: number): Uint8Array {
  const weekday = weekdayOf(dayIndex);
  const cacheKey = `${template}:${weekday}`;
  const cached = maskCache.get(cacheKey);
  if (cached) return cached;
  const mask = new Uint8Array(MINUTES_PER_DAY);
  for (const [start, end] of runsFor(template, weekday)) mask.fill(1, start, end);
  maskCache.set(cacheKey, mask);
  return mask;
}

export function isOpenAt(template: SessionTemplate, ms: number): boolean {
  const day = dayIndexOf(ms);
  const minute = Math.floor((ms - dayStartMs(day)) / MINUTE_MS);
  return openMinuteMask(template, day)[minute] === 1;
}

export function hasOpenMinutes(template: SessionTemplate, dayIndex: number): boolean {
  return openRuns(template, dayIndex).length > 0;
}

/** The open runs of the day clipped to [fromMinute, toMinute). */
export function openRunsWithin(template: SessionTemplate, dayIndex: number, fromMinute: number, toMinute: number): MinuteRun[] {
  const clipped: MinuteRun[] = [];
  for (const [start, end] of openRuns(template, dayIndex)) {
    const s = Math.max(start, fromMinute);
    const e = Math.min(end, toMinute);
    if (e > s) clipped.push([s, e]);
  }
  return clipped;
}
