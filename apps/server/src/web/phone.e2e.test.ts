import { mkdir } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
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
  startChatServer,
} from '../testing/browser.js';
import { TestClient } from '../testing/harness.js';

const ARTIFACTS = fileURLToPath(new URL('../../../../artifacts/', import.meta.url));
// Four rooms; eight people in the first, one of them with a name too long for the drawer.
const ROOMS = ['lobby', 'engineering-team', 'random', 'design-reviews'];
const OTHERS = ['alexandra', 'bob', 'chandrasekhar', 'dee', 'eve', 'MAXIMILIAN WOLFGANG OBERHAUSENER', 'gus'];

let server: ChatServer;
let browser: Browser;
const clients: TestClient[] = [];

beforeAll(async () => {
  server = await startChatServer();
  browser = await launchChromium();
  await mkdir(ARTIFACTS, { recursive: true });
  for (const name of OTHERS) clients.push(await TestClient.join(server.ws, name, 'lobby'));
  // Someone in each other room, so "All rooms" lists four.
  for (const room of ROOMS.slice(1)) clients.push(await TestClient.join(server.ws, `${room}-regular`, room));
}, 60_000);

afterAll(async () => {
  for (const c of clients) await c.close();
  await browser?.close();
  await server?.app.close();
});

/** Sizes in CSS pixels, read in the page. */
function box(page: Page, selector: string) {
  return page.locator(selector).evaluate((el) => {
    const r = el.getBoundingClientRect();
    return { top: r.top, bottom: r.bottom, height: r.height, width: r.width };
  });
}

/** Names in the drawer cut without a sign (an ellipsis) or without the full name on hover: should be none. */
async function silentlyCut(page: Page): Promise<string[]> {
  const count = await page.locator('#drawer .room-name, #drawer .person-name').count();
  expect(count).toBeGreaterThan(8);
  return (await page.evaluate(`[...document.querySelectorAll('#drawer .room-name, #drawer .person-name')]
    .filter((el) => el.scrollWidth > el.clientWidth)
    .filter((el) => getComputedStyle(el).textOverflow !== 'ellipsis' || el.title !== el.textContent)
    .map((el) => el.textContent)`)) as string[];
}

describe('the chat page on a 390×844 phone', () => {
  it('gives the screen to messages and the composer; rooms and people wait in a drawer', async () => {
    const phone = await openChat(browser, server.base, 'frank', 'lobby', PHONE);
    const { page } = phone;
    for (const room of ROOMS.slice(1)) {
      // Joining happens in the drawer on a phone.
      await page.getByRole('button', { name: 'Rooms and people' }).click();
      await page.getByLabel('Join a room').fill(room);
      await page.keyboard.press('Enter');
      await page.getByRole('heading', { name: `#${room}`, level: 1 }).waitFor();
      expect(await page.locator('#drawer').isVisible()).toBe(false);
    }
    // Back to the busy room from "Your rooms".
    await page.getByRole('button', { name: 'Rooms and people' }).click();
    await page.locator('#my-rooms').getByRole('button', { name: 'lobby', exact: true }).click();
    await page.getByRole('heading', { name: '#lobby', level: 1 }).waitFor();
    await expect.poll(() => page.locator('#room-count').textContent(), POLL).toBe('8 people here');
    clients[0]?.emit('send', { room: 'lobby', text: 'morning, frank' });
    await send(page, 'from a phone');
    await log(page).getByText('from a phone').waitFor();
    await log(page).getByText('morning, frank').waitFor();

    // Messages get most of the screen, the composer is on it, nothing scrolls sideways.
    const messages = await box(page, '#messages');
    expect(messages.height).toBeGreaterThanOrEqual(0.6 * PHONE.height);
    expect((await box(page, '#composer')).bottom).toBeLessThanOrEqual(PHONE.height);
    expect(await page.evaluate('document.documentElement.scrollWidth - window.innerWidth')).toBe(0);
    expect(await page.locator('#drawer').isVisible()).toBe(false);
    // Your own name is on screen.
    expect(await page.locator('#me-name').isVisible()).toBe(true);
    expect(await page.locator('#me-name').textContent()).toBe('frank');
    await page.screenshot({ path: `${ARTIFACTS}chat-phone.png` });

    // The drawer: four rooms of yours, four in the list, eight people, nothing cut without an ellipsis.
    const menu = page.getByRole('button', { name: 'Rooms and people' });
    await menu.click();
    expect(await menu.getAttribute('aria-expanded')).toBe('true');
    const drawer = page.getByRole('dialog', { name: 'Rooms and people' });
    await drawer.waitFor();
    expect(await page.locator('#my-rooms').getByRole('button').count()).toBe(4);
    await expect.poll(() => page.locator('#all-rooms').getByRole('button').count(), POLL).toBe(4);
    expect(await page.locator('#people li').count()).toBe(8);
    expect(await silentlyCut(page)).toEqual([]);
    const long = page.locator('#people .person-name', { hasText: 'MAXIMILIAN' });
    expect(await long.evaluate((el) => el.scrollWidth > el.clientWidth)).toBe(true); // it is cut, with an ellipsis…
    expect(await long.getAttribute('title')).toBe('MAXIMILIAN WOLFGANG OBERHAUSENER'); // …and the full name on hover
    expect(await page.evaluate('document.documentElement.scrollWidth - window.innerWidth')).toBe(0);
    await page.screenshot({ path: `${ARTIFACTS}chat-phone-drawer.png` });

    // The backdrop closes it too, and focus goes back to the button.
    await page.mouse.click(PHONE.width - 10, PHONE.height / 2);
    expect(await page.locator('#drawer').isVisible()).toBe(false);
    expect(await menu.getAttribute('aria-expanded')).toBe('false');
    expect(await focused(page)).toBe('#menu');
    expect(phone.problems).toEqual([]);
  }, 90_000);

  it('shows unread messages of other rooms on the Rooms button', async () => {
    const { page } = await openChat(browser, server.base, 'gwen', 'random', PHONE);
    await page.getByRole('button', { name: 'Rooms and people' }).click();
    await page.getByLabel('Join a room').fill('design-reviews');
    await page.keyboard.press('Enter');
    await page.getByRole('heading', { name: '#design-reviews', level: 1 }).waitFor();
    clients.at(-2)?.emit('send', { room: 'random', text: 'psst, gwen' });
    await page.getByRole('button', { name: 'Rooms and people 1 unread' }).waitFor();
  }, 30_000);

  it('keeps the desktop layout: rooms, conversation and people side by side, no Rooms button', async () => {
    const { page } = await openChat(browser, server.base, 'hal', 'lobby', DESKTOP);
    expect(await page.getByRole('button', { name: 'Rooms and people' }).isVisible()).toBe(false);
    const [rooms, conversation, people] = await Promise.all([
      box(page, '.sidebar'),
      box(page, '#conversation'),
      box(page, '.people'),
    ]);
    expect(rooms.height).toBe(conversation.height);
    expect(people.height).toBe(conversation.height);
    expect(rooms.width + conversation.width + people.width).toBe(DESKTOP.width);
    expect(await page.locator('#drawer').getAttribute('role')).toBeNull();
  }, 30_000);
});
