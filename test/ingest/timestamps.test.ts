import fs from 'node:fs';
import path from 'node:path';
import { correctClockSkew, parseLenientTimestamp } from '../../src/ingest/timestamps';

const SKEW_FILE = path.resolve(__dirname, '../fixtures/segment-spec/expected_timestamp_skew.csv');

test("Segment's verified clock-skew vector", () => {
  const [header, ...lines] = fs.readFileSync(SKEW_FILE, 'utf8').trim().split('\n');
  const columns = header.split(',');
  expect(lines).toHaveLength(1);
  for (const line of lines) {
    const row = Object.fromEntries(line.split(',').map((value, i) => [columns[i], value]));
    const corrected = correctClockSkew({
      original: parseLenientTimestamp(row.originalTimestamp),
      sentAt: parseLenientTimestamp(row.sentAt),
      receivedAt: parseLenientTimestamp(row.receivedAt)!,
    });
    expect(corrected.toISOString()).toBe('2015-12-12T19:11:01.249Z');
    expect(corrected.toISOString()).toBe(row.expected_timestamp);
  }
});

test('without sentAt the client time is kept; without any time, the receive time', () => {
  const receivedAt = new Date('2026-01-01T00:00:10Z');
  const original = new Date('2026-01-01T00:00:00Z');
  expect(correctClockSkew({ original, sentAt: null, receivedAt })).toEqual(original);
  expect(correctClockSkew({ original: null, sentAt: original, receivedAt })).toEqual(receivedAt);
});

test.each([
  ['2015-2-02T00:30:08.276Z', '2015-02-02T00:30:08.276Z'],
  ['2012-12-02T00:30:08.276Z', '2012-12-02T00:30:08.276Z'],
  ['2026-01-05T10:00:00+02:00', '2026-01-05T08:00:00.000Z'],
  ['2026-01-05T10:00:00-0530', '2026-01-05T15:30:00.000Z'],
  ['2026-01-05 10:00:00', '2026-01-05T10:00:00.000Z'],
  ['2026-01-05', '2026-01-05T00:00:00.000Z'],
  ['2026-1-5T1:2:3.4Z', '2026-01-05T01:02:03.400Z'],
  ['2026-01-05T10:00:00.123456Z', '2026-01-05T10:00:00.123Z'],
])('lenient parse of %s', (text, iso) => {
  expect(parseLenientTimestamp(text)?.toISOString()).toBe(iso);
});

test.each([
  'yesterday',
  '2026-02-30T00:00:00Z',
  '2026-13-01',
  '2026-01-01T24:00:00Z',
  '',
  '1700000000',
])('%p is not a timestamp', (text) => {
  expect(parseLenientTimestamp(text)).toBeNull();
});
