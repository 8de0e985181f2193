import type { CalendarListDto, OccurrencePageDto } from '@app/calendar';
import type { AuthSessionResponse } from '@app/identity';
import { DateTime } from 'luxon';
import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { promisify } from 'node:util';
import { ROOT } from '../support/cli';
import { parseMarkdown } from '../support/markdown';
import { startTestApi, TestApi } from '../support/test-app';
import { testConfig } from '../support/test-env';

// The README's five-minute tour, run as written against a real API: only its `API=` line is pointed
// at this test's server instead of a running `npm start`.
const README = readFileSync(path.join(ROOT, 'README.md'), 'utf8');
const TOUR_HEADING = 'A five-minute tour';

function tourScript(): string {
  const start = README.indexOf(`## ${TOUR_HEADING}`);
  if (start < 0) throw new Error(`README.md has no "## ${TOUR_HEADING}" section`);
  const end = README.indexOf('\n## ', start + 3);
  const section = README.slice(start, end < 0 ? undefined : end);
  const blocks = parseMarkdown(section).codeBlocks.filter((b) => b.lang === 'sh');
  if (blocks.length !== 1) throw new Error(`the tour should be one sh block, found ${blocks.length}`);
  return blocks[0].text;
}

describe('README: the five-minute tour works as written', () => {
  let api: TestApi;
  let script: string;

  beforeAll(async () => {
    api = await startTestApi(await testConfig());
    script = tourScript();
  });
  afterAll(() => api?.close());

  it('points at the default port, signs up, creates, lists, asks the assistant, confirms its move, shares the calendar and tours the assistant', async () => {
    expect(script).toMatch(/^API=http:\/\/localhost:3000$/m);
    // Asynchronously: the API answering the tour runs in this very process.
    const run = await promisify(execFile)(
      'bash',
      ['-euo', 'pipefail', '-c', script.replace(/^API=.*$/m, `API=${api.baseUrl}`)],
      { encoding: 'utf8', timeout: 60_000 },
    ).then(
      ({ stdout, stderr }) => ({ status: 0, stdout, stderr }),
      (err: { code?: number; stdout?: string; stderr?: string }) => ({
        status: err.code ?? -1,
        stdout: err.stdout ?? '',
        stderr: err.stderr ?? String(err),
      }),
    );
    // One assertion on both, so a failure shows what the tour said.
    expect({ status: run.status, stderr: run.stderr }).toEqual({ status: 0, stderr: '' });
    // The listing shows the event, the assistant previews a move of it, and the confirmation applies it.
    expect(run.stdout).toContain('"title": "Dentist appointment"');
    expect(run.stdout).toMatch(/"changeset": ".*Dentist appointment/);

    // Grace lists Ada's calendar, shared with her as reader: she sees the moved appointment at her
    // 11:30 (12:30 in the weeks New York's summer time is on and London's is not).
    expect(run.stdout).toMatch(
      /"sharedBy": "[0-9a-f]{24}",\s+"title": "Dentist appointment",\s+"startLocal": "[-0-9]+T1[12]:30:00-0[45]:00"/,
    );

    // The assistant: a contact invited by name, a check naming what is in the way and whom it cannot
    // see, a shift previewed, and a bulk cancel previewed, confirmed and undone.
    expect(run.stdout).toMatch(/"attendees": \[\s+"Grace"\s+\]/);
    expect(run.stdout).toMatch(
      /^No — you have “Dentist appointment” .*I can't see the calendar of Grace \(grace@example\.com\)/m,
    );
    expect(run.stdout).toMatch(/"shift": "PT30M",\s+"changeset": "Move “Dentist appointment”/);
    expect(run.stdout).toMatch(/"reply": "Cancel 2 events .*Confirm within 5 minutes/);
    expect(run.stdout).toContain('"Done: cancelled');
    expect(run.stdout).toMatch(/"reply": "Undone: .*",\s+"state": "undone"/);

    const login = await api.request<AuthSessionResponse>('/v1/auth/login', {
      method: 'POST',
      json: { email: 'ada@example.com', password: 'correct horse battery staple' },
    });
    expect(login.status).toBe(200);
    const now = Date.now();
    const graceLogin = await api.request<AuthSessionResponse>('/v1/auth/login', {
      method: 'POST',
      json: { email: 'grace@example.com', password: 'correct horse battery staple' },
    });
    const graceCalendars = await api.request<CalendarListDto>('/v1/calendars', {
      token: graceLogin.body.accessToken,
    });
    expect(graceCalendars.body.items.map((c) => [c.id, c.role])).toEqual([
      [graceLogin.body.user.id, 'owner'],
      [login.body.user.id, 'reader'],
    ]);
    const week = await api.request<OccurrencePageDto>(
      `/v1/events?from=${new Date(now).toISOString()}&to=${new Date(now + 8 * 864e5).toISOString()}`,
      { token: login.body.accessToken },
    );
    expect(week.status).toBe(200);
    const dentist = week.body.items.filter((e) => e.title === 'Dentist appointment');
    expect(dentist).toHaveLength(1);
    // Moved from 15:00 to 16:30 London time, keeping its 45 minutes (the shift was never confirmed,
    // and the bulk cancel was undone).
    const local = (iso: string) => DateTime.fromISO(iso).setZone('Europe/London').toFormat('HH:mm');
    expect([local(dentist[0].start), local(dentist[0].end)]).toEqual(['16:30', '17:15']);
  });
});
