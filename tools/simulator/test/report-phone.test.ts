import { existsSync } from 'node:fs';
import { type Browser, chromium } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { renderHtml } from '../src/report/html.js';
import { runScenario } from '../src/run.js';

const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
const FLAGS = ['--headless', '--no-sandbox', '--disable-gpu', '--no-first-run', '--disable-background-networking'];

// A real run and a real browser: generous bounds for a loaded 2-core machine.
describe('the HTML report on a phone (Chromium, 390 x 844)', { timeout: 120_000 }, () => {
  let browser: Browser;
  beforeAll(async () => {
    if (!existsSync(CHROMIUM)) throw new Error(`${CHROMIUM} is missing: apt-get install -y chromium`);
    browser = await chromium.launch({ executablePath: CHROMIUM, args: FLAGS });
  });
  afterAll(() => browser?.close());

  it('draws the latency plot across the screen with nothing wider than the page', async () => {
    const result = await runScenario('fanout', { clients: 6, rooms: 1, senders: 2, rate: 10, duration: 1 });
    expect(result.latency?.count).toBeGreaterThan(0);
    const page = await browser.newPage({ viewport: { width: 390, height: 844 } });
    try {
      await page.setContent(renderHtml(result));
      // Evaluated in the page (a string, so this Node-typed file needs no DOM types).
      const fit = (await page.evaluate(`(() => {
        const box = document.querySelector('svg').getBoundingClientRect();
        return {
          page: document.documentElement.scrollWidth,
          svgWidth: box.width,
          svgHeight: box.height,
          ticks: [...document.querySelectorAll('svg text')].map((t) => t.textContent).filter((t) => t.endsWith(' ms')),
        };
      })()`)) as { page: number; svgWidth: number; svgHeight: number; ticks: string[] };
      // The page never scrolls sideways; the plot fills the width and keeps its 720:320 shape.
      expect(fit.page).toBeLessThanOrEqual(390);
      expect(fit.svgWidth).toBeGreaterThan(330);
      expect(fit.svgWidth).toBeLessThanOrEqual(390);
      expect(fit.svgHeight / fit.svgWidth).toBeCloseTo(320 / 720, 2);
      // Round latency ticks: 0 then equal steps of 1, 2 or 5 times a power of ten.
      const values = fit.ticks.map((t) => Number.parseFloat(t));
      expect(values.length).toBeGreaterThanOrEqual(3);
      const step = (values[1] as number) - (values[0] as number);
      const mantissa = Number((step / 10 ** Math.floor(Math.log10(step))).toPrecision(6));
      expect([1, 2, 5]).toContain(mantissa);
      values.forEach((v, i) => {
        expect(v).toBeCloseTo(i * step, 9);
      });
    } finally {
      await page.close();
    }
  });
});
