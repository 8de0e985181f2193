import type { Browser, Locator, Page } from 'playwright-core';
import { launchChromium } from '../support/chromium';
import { testConfig } from '../support/test-env';
import { startTestApi, TestApi } from '../support/test-app';

// A newcomer's first look at the API: Swagger UI in a real browser, driven through "Try it out".
describe('Swagger UI in a browser', () => {
  let api: TestApi;
  let browser: Browser;
  let page: Page;
  const consoleErrors: string[] = [];

  beforeAll(async () => {
    api = await startTestApi(await testConfig());
    browser = await launchChromium();
    page = await browser.newPage();
    page.on('console', (msg) => {
      if (msg.type() === 'error') consoleErrors.push(msg.text());
    });
    page.on('pageerror', (err) => consoleErrors.push(err.message));
  });

  afterAll(async () => {
    await browser?.close();
    await api?.close();
  });

  /** Opens an operation, presses "Try it out", fills what is given, executes, and returns the response. */
  async function tryItOut(
    operation: Locator,
    fill: { body?: unknown; params?: Record<string, string> } = {},
  ): Promise<{ status: number; body: any }> {
    await operation.locator('.opblock-summary').first().click();
    await operation.locator('button.try-out__btn').click();
    if (fill.body !== undefined)
      await operation.locator('textarea.body-param__text').fill(JSON.stringify(fill.body));
    for (const [name, value] of Object.entries(fill.params ?? {}))
      await operation.locator(`tr[data-param-name="${name}"] input`).fill(value);
    await operation.locator('button.execute').click();
    const live = operation.locator('.live-responses-table .response');
    await live.waitFor();
    const status = Number((await live.locator('.response-col_status').innerText()).trim());
    const text = await live
      .locator('.response-col_description .microlight, .response-col_description pre')
      .first()
      .innerText();
    return { status, body: JSON.parse(text) };
  }

  it('signs up, authorizes with the token, creates an event and lists the week, without console errors', async () => {
    await page.goto(`${api.baseUrl}/docs`);
    await page.locator('.opblock').first().waitFor();

    const email = `ui-${Date.now()}@example.com`;
    const register = page.locator('.opblock', { has: page.locator('[data-path="/v1/auth/register"]') });
    const signedUp = await tryItOut(register, {
      body: { email, password: 'correct horse battery', name: 'UI User', timeZone: 'UTC' },
    });
    expect(signedUp.status).toBe(201);
    expect(signedUp.body.user.email).toBe(email);

    await page.locator('button.authorize').first().click();
    await page.locator('.modal-ux input[type="text"]').fill(signedUp.body.accessToken);
    await page.locator('.modal-ux button.authorize').click();
    await page.locator('.modal-ux button.btn-done').click();

    const create = page.locator('.opblock-post', { has: page.locator('[data-path="/v1/events"]') });
    const created = await tryItOut(create, {
      body: {
        title: 'Tried out',
        start: '2026-09-08T10:00:00Z',
        end: '2026-09-08T11:00:00Z',
        timeZone: 'UTC',
      },
    });
    expect(created.status).toBe(201);
    expect(created.body.event.title).toBe('Tried out');

    const list = page.locator('.opblock-get', { has: page.locator('[data-path="/v1/events"]') });
    const week = await tryItOut(list, {
      params: { from: '2026-09-07T00:00:00Z', to: '2026-09-14T00:00:00Z' },
    });
    expect(week.status).toBe(200);
    expect(week.body.items.map((o: { title: string }) => o.title)).toEqual(['Tried out']);

    expect(consoleErrors).toEqual([]);
  });
});
