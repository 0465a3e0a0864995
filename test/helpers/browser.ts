/**
 * Debian's Chromium, headless, driven by playwright-core (no browser download),
 * and the folder where page screenshots are saved for people to look at.
 */
import { mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium, type Browser, type Page } from 'playwright-core';

export const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';

export function launchChromium(): Promise<Browser> {
  return chromium.launch({ executablePath: CHROMIUM, headless: true, args: ['--no-sandbox'] });
}

export function screenshotDir(): string {
  const dir = join(process.env.TMPDIR ?? tmpdir(), 'gridproof-screenshots');
  mkdirSync(dir, { recursive: true });
  return dir;
}

/**
 * Waits until the page's script has filled in every field of `selectors`.
 * Polls from here rather than with page.waitForFunction: Playwright runs a
 * string predicate through eval when it has to poll, which the pages'
 * Content-Security-Policy (no 'unsafe-eval') refuses.
 */
export async function waitForFilled(page: Page, selectors: readonly string[], timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const values = await Promise.all(selectors.map((selector) => page.locator(selector).inputValue()));
    if (values.every((value) => value !== '')) return;
    if (Date.now() > deadline) throw new Error(`${selectors.join(', ')} not filled in within ${timeoutMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
}
