import { existsSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import type { AddressInfo } from 'node:net';
import type { FastifyInstance } from 'fastify';
import { type Browser, type BrowserContext, chromium, type Page } from 'playwright-core';
import { inject } from 'vitest';
import { buildApp } from '../app.js';
import type { Config } from '../config.js';

/** Debian's Chromium unless CHROMIUM_PATH names another; nothing is ever downloaded. */
export const CHROMIUM = process.env.CHROMIUM_PATH || '/usr/bin/chromium';
const FLAGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];
// Chromium shares two cores with the other test projects: give the page time before failing.
export const POLL = { timeout: 10_000 };
export const DESKTOP = { width: 1280, height: 800 };
export const PHONE = { width: 390, height: 844 };

export function launchChromium(): Promise<Browser> {
  if (!existsSync(CHROMIUM)) {
    throw new Error(
      `No Chromium at ${CHROMIUM}, so the browser tests cannot run: install it (apt-get install -y chromium) ` +
        'or set CHROMIUM_PATH to a Chromium or Chrome binary.',
    );
  }
  return chromium.launch({ executablePath: CHROMIUM, args: FLAGS });
}

export interface ChatServer {
  app: FastifyInstance;
  /** The page's URL, ending in /. */
  base: string;
  /** The WebSocket endpoint, for other people joining over plain `ws`. */
  ws: string;
  port: number;
}

/** A real server on a loopback port, serving the page bundled for this run. */
export async function startChatServer(config: Partial<Config> = {}, port = 0): Promise<ChatServer> {
  const app = await buildApp({ logger: false, webRoot: inject('webRoot'), config: { HEARTBEAT_MS: 0, ...config } });
  await app.listen({ port, host: '127.0.0.1' });
  const bound = (app.server.address() as AddressInfo).port;
  return { app, base: `http://127.0.0.1:${bound}/`, ws: `ws://127.0.0.1:${bound}/ws`, port: bound };
}

/** A page that records dialogs, page errors and console errors/warnings, which tests expect to stay empty. */
export interface WatchedPage {
  page: Page;
  context: BrowserContext;
  dialogs: string[];
  problems: string[];
}

export async function watchedPage(browser: Browser, viewport = DESKTOP, context?: BrowserContext) {
  const ctx = context ?? (await browser.newContext({ viewport }));
  const page = await ctx.newPage();
  page.setDefaultTimeout(10_000);
  const watched: WatchedPage = { page, context: ctx, dialogs: [], problems: [] };
  page.on('dialog', (dialog) => {
    watched.dialogs.push(dialog.message());
    void dialog.dismiss();
  });
  page.on('pageerror', (err) => watched.problems.push(`pageerror: ${err.message}`));
  page.on('console', (msg) => {
    if (msg.type() === 'error' || msg.type() === 'warning')
      watched.problems.push(`console ${msg.type()}: ${msg.text()}`);
  });
  return watched;
}

/** Signs in through the form and waits for the room to be on screen, connected. */
export async function signIn(page: Page, base: string, name: string, room: string): Promise<void> {
  await page.goto(base);
  await page.getByLabel('Your name').fill(name);
  await page.getByLabel('Room', { exact: true }).fill(room);
  await page.getByRole('button', { name: 'Enter chat' }).click();
  await page.locator('#status[data-state="open"]').waitFor();
  await page.getByRole('heading', { name: `#${room}`, level: 1 }).waitFor();
}

export async function openChat(browser: Browser, base: string, name: string, room: string, viewport = DESKTOP) {
  const watched = await watchedPage(browser, viewport);
  await signIn(watched.page, base, name, room);
  return watched;
}

export function log(page: Page) {
  return page.getByRole('log');
}

export async function send(page: Page, text: string): Promise<void> {
  await page.getByRole('textbox', { name: /^Message #/ }).fill(text);
  await page.getByRole('button', { name: 'Send' }).click();
}

export interface AxeViolation {
  id: string;
  impact: string | null;
  help: string;
  nodes: { target: string[] }[];
}

const axeSource = readFileSync(createRequire(import.meta.url).resolve('axe-core/axe.min.js'), 'utf8');

/**
 * Runs axe-core (from the installed package, no network) on the page as it is now, with the
 * experimental label-in-name rule on too. The page's CSP forbids inline scripts, so axe is
 * evaluated over the DevTools protocol rather than added as a script tag.
 */
export async function axeViolations(page: Page): Promise<AxeViolation[]> {
  await page.evaluate(axeSource);
  // Strings, not functions: this file is compiled without the DOM's types.
  const violations = await page.evaluate(`axe
    .run(document, { resultTypes: ['violations'], rules: { 'label-content-name-mismatch': { enabled: true } } })
    .then((r) => r.violations.map(({ id, impact, help, nodes }) => ({ id, impact, help, nodes: nodes.map((n) => ({ target: n.target })) })))`);
  return violations as AxeViolation[];
}

/** The element that has focus, as `#id` or its tag name (`body` when nothing has it). */
export async function focused(page: Page): Promise<string> {
  return (await page.evaluate(`(() => {
    const el = document.activeElement;
    return !el || el === document.body ? 'body' : el.id ? '#' + el.id : el.tagName.toLowerCase();
  })()`)) as string;
}
