import { fileURLToPath } from 'node:url';
import type { Browser, Locator, Page } from 'playwright-core';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import {
  type ChatServer,
  DESKTOP,
  focused,
  launchChromium,
  log,
  openChat,
  PHONE,
  POLL,
  send,
  signIn,
  startChatServer,
  watchedPage,
} from '../testing/browser.js';
import { TestClient } from '../testing/harness.js';

const ARTIFACTS = fileURLToPath(new URL('../../../../artifacts/', import.meta.url));
let browser: Browser;
const servers: ChatServer[] = [];

beforeAll(async () => {
  browser = await launchChromium();
}, 60_000);

afterEach(async () => {
  for (const s of servers.splice(0)) await s.app.close();
});

afterAll(async () => {
  await browser?.close();
});

async function server(port = 0, config: Parameters<typeof startChatServer>[0] = {}): Promise<ChatServer> {
  const s = await startChatServer(config, port);
  servers.push(s);
  return s;
}

async function stop(s: ChatServer): Promise<void> {
  servers.splice(servers.indexOf(s), 1);
  await s.app.close();
}

/** An avatar's colour: its inline `--hue`. */
async function hueOf(avatar: Locator): Promise<string> {
  const hue = /--hue:\s*(\d+)/.exec((await avatar.getAttribute('style')) ?? '')?.[1];
  expect(hue).toBeDefined();
  return hue as string;
}

/** The pill's text fits inside the pill, and the pill inside the window. */
function statusUncut(page: Page) {
  return page.evaluate(`(() => {
    const text = document.getElementById('status-text');
    const pill = document.getElementById('status').getBoundingClientRect();
    const t = text.getBoundingClientRect();
    return text.scrollWidth <= text.clientWidth && t.right <= pill.right && pill.right <= window.innerWidth && pill.left >= 0;
  })()`);
}

const idOf = (s: ChatServer, name: string) => [...s.app.hub.connections.values()].find((c) => c.name === name)?.id;

describe('the page while the server is away', () => {
  it('counts attempts in full, keeps the room list and your colour, and sends what waited', async () => {
    const first = await server();
    const desk = await openChat(browser, first.base, 'rosa', 'solo', DESKTOP);
    const phone = await openChat(browser, first.base, 'ravi', 'solo', PHONE);
    const { page } = desk;
    await page.locator('#all-rooms').getByRole('button', { name: 'solo 2 online' }).waitFor();
    await send(page, 'before the outage');
    await log(page).getByText('before the outage').waitFor();
    const hue = await hueOf(page.locator('#me-avatar'));
    expect(await hueOf(page.locator('.message-mine .avatar'))).toBe(hue);
    const firstId = idOf(first, 'rosa');

    await stop(first);
    for (const p of [page, phone.page]) {
      await expect
        .poll(
          async () =>
            /^Reconnecting \(attempt (\d+)\)…$/.exec((await p.locator('#status-text').textContent()) ?? '')?.[1],
          {
            timeout: 20_000,
          },
        )
        .toMatch(/^([3-9]|\d\d)$/);
      expect(await statusUncut(p)).toBe(true);
      expect(await p.getByRole('button', { name: 'Reconnect' }).isVisible()).toBe(true);
    }
    // "All rooms" keeps the last list, marked, instead of "No rooms yet".
    expect(await page.locator('#all-rooms').textContent()).not.toContain('No rooms yet');
    expect(await page.locator('#all-rooms').getByRole('button', { name: 'solo 2 online' }).count()).toBe(1);
    expect(await page.locator('#all-rooms-heading').textContent()).toMatch(/^\s*All rooms \(last known\)\s*$/);
    await page.screenshot({ path: `${ARTIFACTS}chat-reconnecting.png` });
    await phone.page.screenshot({ path: `${ARTIFACTS}chat-phone-reconnecting.png` });

    // A message written now waits, and the page says only that.
    await send(page, 'written while away');
    expect(await page.locator('#composer-note').textContent()).toMatch(
      /^Offline: the message will go out if the connection is back within \d+ s\.$/,
    );

    const second = await server(first.port);
    await page.getByRole('button', { name: 'Reconnect' }).click();
    await page.locator('#status[data-state="open"]').waitFor();
    await log(page).getByText('Reconnected as rosa.').waitFor();
    await log(page).getByText('written while away').waitFor();
    await expect.poll(() => page.locator('#composer-note').textContent(), POLL).toBe('');
    // A new connection id, the same colour.
    expect(idOf(second, 'rosa')).toBeDefined();
    expect(idOf(second, 'rosa')).not.toBe(firstId);
    expect(await hueOf(page.locator('#me-avatar'))).toBe(hue);
    const mine = page.locator('.message-mine .avatar');
    expect(await mine.count()).toBe(2);
    expect(await hueOf(mine.nth(1))).toBe(hue);
    await expect.poll(() => page.locator('#all-rooms-heading').textContent(), POLL).toMatch(/^\s*All rooms\s*$/);
    expect(desk.problems.filter((p) => !p.includes('WebSocket connection'))).toEqual([]);
  }, 90_000);

  it('does not offer a second tab the first tab’s name; a reload keeps it', async () => {
    const s = await server();
    const context = await browser.newContext({ viewport: DESKTOP });
    const one = await watchedPage(browser, DESKTOP, context);
    await signIn(one.page, s.base, 'tabby', 'tabs');
    const two = await watchedPage(browser, DESKTOP, context);
    await two.page.goto(s.base);
    await two.page.getByLabel('Your name').waitFor();
    expect(await two.page.getByLabel('Your name').inputValue()).toBe('');
    // Enter on the empty form asks for a name rather than making a second "tabby".
    await two.page.getByLabel('Your name').press('Enter');
    await two.page.getByRole('alert').filter({ hasText: 'Enter a name' }).waitFor();
    expect([...s.app.hub.connections.values()].filter((c) => c.name === 'tabby')).toHaveLength(1);

    await one.page.reload();
    await one.page.getByLabel('Your name').waitFor();
    expect(await one.page.getByLabel('Your name').inputValue()).toBe('tabby');
    await context.close();
  }, 30_000);

  it('says so when you leave your last room, and puts you in the join box', async () => {
    const s = await server();
    const { page } = await openChat(browser, s.base, 'lou', 'only-room');
    await page.getByRole('button', { name: 'Leave room' }).click();
    await log(page)
      .getByText('You left #only-room. You are not in any room now: join one from the room list.')
      .waitFor();
    expect(await page.getByRole('heading', { level: 1 }).textContent()).toBe('No room');
    expect(await focused(page)).toBe('#join-room');
  }, 30_000);

  it('says which messages could not be recovered after a drop', async () => {
    const s = await server(0, { HISTORY_SIZE: 1, PRESENCE_GRACE_MS: 10_000 });
    const { page } = await openChat(browser, s.base, 'rosa', 'solo', DESKTOP);
    const bob = await TestClient.join(s.ws, 'bob', 'solo');
    try {
      // Rosa's connection drops without a close frame; bob says three things before she is back.
      for (const conn of s.app.hub.connections.values()) if (conn.name === 'rosa') conn.socket.terminate();
      for (const text of ['one', 'two', 'three']) {
        bob.emit('send', { room: 'solo', text });
        await bob.until(() => bob.frames.some((f) => f.event === 'message' && f.data.text === text), text);
      }
      await log(page).getByText('Messages 1–2 sent while you were away could not be recovered.').waitFor();
      await log(page).getByText('three').waitFor();
      expect(await log(page).getByText('one', { exact: true }).count()).toBe(0);
    } finally {
      await bob.close();
    }
  }, 60_000);
});
