/**
 * Debian's Chromium, headless, driven by playwright-core (no browser download),
 * and the folder where page screenshots are saved for people to look at.
 */
import { mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium, type Browser } from 'playwright-core';

export const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';

export function launchChromium(): Promise<Browser> {
  return chromium.launch({ executablePath: CHROMIUM, headless: true, args: ['--no-sandbox'] });
}

export function screenshotDir(): string {
  const dir = join(process.env.TMPDIR ?? tmpdir(), 'gridproof-screenshots');
  mkdirSync(dir, { recursive: true });
  return dir;
}
