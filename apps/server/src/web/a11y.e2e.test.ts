import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  axeViolations,
  type ChatServer,
  focused,
  launchChromium,
  log,
  openChat,
  PHONE,
  POLL,
  startChatServer,
  watchedPage,
} from '../testing/browser.js';
import { TestClient } from '../testing/harness.js';

let server: ChatServer;
let browser: Browser;
const clients: TestClient[] = [];

beforeAll(async () => {
  server = await startChatServer();
  browser = await launchChromium();
}, 60_000);

afterAll(async () => {
  for (const c of clients) await c.close();
  await browser?.close();
  await server?.app.close();
});

/** Someone else in a room, over a plain WebSocket. */
async function other(name: string, room: string): Promise<TestClient> {
  const client = await TestClient.join(server.ws, name, room);
  clients.push(client);
  return client;
}

/** Every violation axe finds, summarised so a failure says what and where. */
async function audit(page: Page): Promise<string[]> {
  return (await axeViolations(page)).map(
    (v) => `${v.impact} ${v.id}: ${v.nodes.map((n) => n.target.join(' ')).join(', ')}`,
  );
}

async function tab(page: Page, shift = false): Promise<string> {
  await page.keyboard.press(shift ? 'Shift+Tab' : 'Tab');
  return focused(page);
}

/** Presses Tab until `target` has focus; fails after `max` presses, naming where focus went. */
async function tabTo(page: Page, target: string, max = 15): Promise<void> {
  const visited: string[] = [];
  for (let i = 0; i < max; i++) {
    const at = await tab(page);
    if (at === target) return;
    visited.push(at);
  }
  throw new Error(`Tab never reached ${target}; went ${visited.join(' → ')}`);
}

describe('accessibility (axe-core in Chromium)', () => {
  it('finds no violation on the sign-in view', async () => {
    const { page } = await watchedPage(browser);
    await page.goto(server.base);
    await page.getByLabel('Your name').waitFor();
    expect(await audit(page)).toEqual([]);
    // The audit can fail: an image without alt text is caught.
    await page.evaluate(`document.querySelector('.lede').append(document.createElement('img'))`);
    expect((await audit(page)).map((v) => v.split(':')[0])).toEqual(['critical image-alt']);
  }, 30_000);

  it('finds no violation on the chat view with messages, notices, unread rooms and people', async () => {
    await other('ben', 'audit');
    await other('cleo', 'audit-2');
    const { page, problems } = await openChat(browser, server.base, 'ann', 'audit');
    await page.getByLabel('Join a room').fill('audit-2');
    await page.getByRole('button', { name: 'Join', exact: true }).click();
    await page.getByRole('heading', { name: '#audit-2', level: 1 }).waitFor();
    // An unread badge in "Your rooms", a notice and a message in the log.
    const ben = clients[0] as TestClient;
    ben.emit('send', { room: 'audit', text: 'unread over here' });
    await page.getByRole('button', { name: 'audit 1 unread' }).waitFor();
    await page.getByRole('textbox', { name: 'Message #audit-2' }).fill('hi cleo');
    await page.keyboard.press('Enter');
    await log(page).getByText('hi cleo').waitFor();
    await page.locator('#all-rooms').getByText('audit-2').waitFor();

    expect(await audit(page)).toEqual([]);
    // Room buttons are named by what they show, plus the words a badge implies.
    const mine = page.locator('#my-rooms').getByRole('button');
    expect(await mine.count()).toBe(2);
    expect(await page.locator('#my-rooms').getByRole('button', { name: 'audit-2', exact: true }).count()).toBe(1);
    expect(problems).toEqual([]);
  }, 30_000);

  it('finds no violation on a phone, with the rooms drawer closed and open', async () => {
    const { page } = await openChat(browser, server.base, 'phil', 'audit', PHONE);
    expect(await audit(page)).toEqual([]);
    await page.getByRole('button', { name: 'Rooms and people' }).click();
    await page.getByRole('dialog', { name: 'Rooms and people' }).waitFor();
    expect(await audit(page)).toEqual([]);
  }, 30_000);
});

describe('keyboard only', () => {
  it('signs in, joins, switches rooms, sends and leaves without a pointer', async () => {
    const { page, problems } = await watchedPage(browser);
    await page.goto(server.base);
    // The page puts the cursor in the name field.
    await expect.poll(() => focused(page), POLL).toBe('#name');
    await page.keyboard.type('kay');
    expect(await tab(page)).toBe('#room');
    await page.keyboard.press('ControlOrMeta+A');
    await page.keyboard.type('kb-one');
    await page.keyboard.press('Enter');
    await page.locator('#status[data-state="open"]').waitFor();
    await page.getByRole('heading', { name: '#kb-one', level: 1 }).waitFor();
    expect(await focused(page)).toBe('#message');

    // From Send, Tab goes on to the rooms, not off the page.
    expect(await tab(page)).toBe('#send');
    const afterSend = await tab(page);
    expect(afterSend).not.toBe('body');
    expect(await page.evaluate('document.activeElement.closest("#drawer") !== null')).toBe(true);

    // Join a second room from the join box.
    await tabTo(page, '#join-room');
    await page.keyboard.type('kb-two');
    await page.keyboard.press('Enter');
    await page.getByRole('heading', { name: '#kb-two', level: 1 }).waitFor();
    expect(await focused(page)).toBe('#message');

    // Send with Enter.
    await page.keyboard.type('typed, not clicked');
    await page.keyboard.press('Enter');
    await log(page).getByText('typed, not clicked').waitFor();

    // Switch back to the first room: Tab to its button in "Your rooms", Enter.
    await tab(page); // Send
    const first = await tab(page);
    expect(await page.evaluate('document.activeElement.textContent')).toBe('#kb-one');
    expect(first).toBe('button');
    await page.keyboard.press('Enter');
    await page.getByRole('heading', { name: '#kb-one', level: 1 }).waitFor();
    expect(await focused(page)).toBe('#message');

    // Leave it: back past the log to the Leave button.
    expect(await tab(page, true)).toBe('#messages');
    expect(await tab(page, true)).toBe('#leave');
    await page.keyboard.press('Enter');
    await page.getByRole('heading', { name: '#kb-two', level: 1 }).waitFor();
    await log(page).getByText('You left #kb-one. Now showing #kb-two.').waitFor();
    expect(await focused(page)).toBe('#message');
    expect(problems).toEqual([]);
  }, 60_000);

  it('opens and closes the phone drawer from the keyboard, keeping focus inside while open', async () => {
    const { page } = await openChat(browser, server.base, 'kim', 'kb-phone', PHONE);
    const menu = page.getByRole('button', { name: 'Rooms and people' });
    expect(await menu.getAttribute('aria-controls')).toBe('drawer');
    expect(await menu.getAttribute('aria-expanded')).toBe('false');
    await menu.focus();
    await page.keyboard.press('Enter');
    expect(await menu.getAttribute('aria-expanded')).toBe('true');
    // Focus moves in, to the room on screen.
    expect(await page.evaluate('document.activeElement.textContent')).toBe('#kb-phone');
    // Tab cycles through the drawer only: what it covers is inert.
    for (let i = 0; i < 8; i++) {
      await page.keyboard.press('Tab');
      const inside = await page.evaluate(
        'document.activeElement === document.body || document.activeElement.closest("#drawer") !== null',
      );
      expect(inside).toBe(true);
    }
    await page.keyboard.press('Escape');
    expect(await menu.getAttribute('aria-expanded')).toBe('false');
    expect(await page.locator('#drawer').isVisible()).toBe(false);
    expect(await focused(page)).toBe('#menu');
  }, 30_000);
});
