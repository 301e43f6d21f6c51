import { mkdir } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  type ChatServer,
  launchChromium,
  log,
  openChat as open,
  POLL,
  send,
  startChatServer,
  type WatchedPage,
} from '../testing/browser.js';

const ARTIFACTS = fileURLToPath(new URL('../../../../artifacts/', import.meta.url));
const XSS = '<img src=x onerror=alert(1)>';

let server: ChatServer;
let app: ChatServer['app'];
let base: string;
let browser: Browser;
const pages: WatchedPage[] = [];

beforeAll(async () => {
  server = await startChatServer();
  ({ app, base } = server);
  browser = await launchChromium();
  await mkdir(ARTIFACTS, { recursive: true });
}, 60_000);

afterAll(async () => {
  await browser?.close();
  await app?.close();
});

async function openChat(name: string, room: string, viewport?: { width: number; height: number }) {
  const chat = await open(browser, base, name, room, viewport);
  pages.push(chat);
  return chat;
}

describe('chat page in Chromium', () => {
  it('serves the page with a content security policy', async () => {
    const res = await fetch(base);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/text\/html/);
    expect(res.headers.get('content-security-policy')).toContain("script-src 'self'");
    expect(await res.text()).toContain('<script type="module" src="app.js">');
  });

  it('lets two people in one room chat while a third room stays apart', async () => {
    const alice = await openChat('alice', 'e2e');
    await expect.poll(() => log(alice.page).getByText('Welcome, alice!').count(), POLL).toBe(1);

    const bob = await openChat('bob', 'e2e');
    const carol = await openChat('carol', 'elsewhere');

    // Alice sees Bob arrive: in the people list and in the log.
    await alice.page.locator('#people').getByText('bob', { exact: true }).waitFor();
    await log(alice.page).getByText('bob joined.').waitFor();
    await expect.poll(() => alice.page.locator('#room-count').textContent(), POLL).toBe('2 people here');

    await send(alice.page, 'hello from alice');
    await send(bob.page, 'hi alice, bob here');
    await send(bob.page, XSS);
    await send(carol.page, 'carol talking to herself');
    for (const { page } of [alice, bob]) {
      await log(page).getByText('hello from alice').waitFor();
      await log(page).getByText('hi alice, bob here').waitFor();
      await log(page).locator('.message-text', { hasText: XSS }).waitFor();
    }
    await log(carol.page).getByText('carol talking to herself').waitFor();

    // The markup arrived as text: the exact string is shown, no element was made, nothing ran.
    const shown = await log(alice.page).locator('.message-text', { hasText: XSS }).textContent();
    expect(shown).toBe(XSS);
    for (const { page } of [alice, bob]) expect(await log(page).locator('img').count()).toBe(0);

    // Carol's room saw none of it, and the others never saw Carol's message.
    const carolLog = (await log(carol.page).textContent()) ?? '';
    for (const text of ['hello from alice', 'hi alice, bob here', XSS, 'bob joined'])
      expect(carolLog).not.toContain(text);
    expect(await carol.page.locator('#people').textContent()).not.toMatch(/alice|bob/);
    for (const { page } of [alice, bob]) expect(await log(page).textContent()).not.toContain('carol');

    await mkdir(ARTIFACTS, { recursive: true });
    await alice.page.screenshot({ path: `${ARTIFACTS}chat.png` });
    await carol.page.screenshot({ path: `${ARTIFACTS}chat-other-room.png` });

    // Rooms are listed, and joining and leaving shows up live for the others.
    await alice.page.locator('#all-rooms').getByText('elsewhere').waitFor();
    await carol.page.getByLabel('Join a room').fill('e2e');
    await carol.page.getByRole('button', { name: 'Join', exact: true }).click();
    await carol.page.getByRole('heading', { name: '#e2e' }).waitFor();
    await alice.page.locator('#people').getByText('carol', { exact: true }).waitFor();
    await carol.page.getByRole('button', { name: 'Leave room' }).click();
    await log(alice.page).getByText('carol left.').waitFor();
    // Carol is taken back to her other room and told why the screen changed.
    await carol.page.getByRole('heading', { name: '#elsewhere', level: 1 }).waitFor();
    await log(carol.page).getByText('You left #e2e. Now showing #elsewhere.').waitFor();
    await expect.poll(() => alice.page.locator('#people').textContent(), POLL).not.toContain('carol');

    for (const chat of [alice, bob, carol]) {
      expect(chat.dialogs).toEqual([]);
      expect(chat.problems).toEqual([]);
    }
  }, 60_000);

  it('shows the connection state and carries on after the server drops it', async () => {
    const dave = await openChat('dave', 'state');
    const erin = await openChat('erin', 'state');
    for (const conn of app.hub.connections.values()) if (conn.name === 'dave') conn.socket.terminate();
    await dave.page.locator('#status[data-state="reconnecting"]').waitFor();
    expect(await dave.page.locator('#status-text').textContent()).toMatch(/^Reconnecting/);
    await dave.page.locator('#status[data-state="open"]').waitFor();
    await log(dave.page).getByText('Reconnected as dave.').waitFor();

    await send(erin.page, 'still there, dave?');
    await log(dave.page).getByText('still there, dave?').waitFor();

    // A close code that forbids reconnecting leaves the page disconnected until the person asks.
    const reconnect = dave.page.getByRole('button', { name: 'Reconnect' });
    expect(await reconnect.isVisible()).toBe(false);
    for (const conn of app.hub.connections.values()) if (conn.name === 'dave') conn.close('policy_violation', 'kicked');
    await dave.page.locator('#status[data-state="closed"]').waitFor();
    expect(await dave.page.locator('#status-text').textContent()).toBe('Disconnected');
    await dave.page.screenshot({ path: `${ARTIFACTS}chat-disconnected.png` });
    await reconnect.click();
    await dave.page.locator('#status[data-state="open"]').waitFor();
    await send(dave.page, 'back again');
    await log(erin.page).getByText('back again').waitFor();
    expect(dave.problems).toEqual([]);
  }, 60_000);

  it('explains a bad room name instead of connecting', async () => {
    const context = await browser.newContext();
    const page = await context.newPage();
    await page.goto(base);
    await page.getByLabel('Your name').fill('gina');
    await page.getByLabel('Room', { exact: true }).fill('no spaces please');
    await page.getByRole('button', { name: 'Enter chat' }).click();
    await page.getByRole('alert').filter({ hasText: 'Room: letters, digits' }).waitFor();
    expect(await page.locator('#chat').isVisible()).toBe(false);
    expect([...app.hub.connections.values()].some((c) => c.name === 'gina')).toBe(false);
    await context.close();
  }, 30_000);
});
