/**
 * `npm run bench -- browser-verify`: the month bundle of the `bundle`
 * benchmark verified in headless Chromium by verify.html (WebCrypto), in
 * Chromium with WebCrypto removed (so noble), and by `gridproof verify`
 * (Node's native Ed25519) as a child process, in one run. The browser figure
 * is the page's own timing of verifyBundle (body data-verify-ms), after the
 * file was read; the CLI figure includes its process start.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { buildWeb } from '../../src/platform/web-build.ts';
import { launchChromium } from '../helpers/browser.ts';
import { benchBundle } from './bundle.ts';
import type { Section } from './lib.ts';

const RUNS = 3;

export async function benchBrowserVerify(): Promise<Section> {
  const dir = mkdtempSync(join(tmpdir(), 'gridproof-browser-verify-'));
  const prefix = join(dir, 'month');
  process.env.BENCH_BUNDLE_OUT = prefix;
  await benchBundle();
  delete process.env.BENCH_BUNDLE_OUT;
  const key = readFileSync(`${prefix}.key`, 'utf8');
  const html = join(dir, 'verify.html');
  writeFileSync(html, (await buildWeb()).verifyHtml);
  const entries = (JSON.parse(readFileSync(`${prefix}.json`, 'utf8')) as { entries: unknown[] }).entries.length;

  const browser = await launchChromium();
  const inBrowser = async (noWebCrypto: boolean): Promise<number[]> => {
    const times: number[] = [];
    for (let i = 0; i < RUNS; i++) {
      const page = await browser.newPage();
      if (noWebCrypto) await page.addInitScript('Object.defineProperty(globalThis.crypto, "subtle", { value: undefined })');
      await page.goto(`file://${html}`);
      await page.locator('#log-key').fill(key);
      await page.setInputFiles('#bundle-file', `${prefix}.json`);
      await page.locator('#verdict', { hasText: /^(VALID|INVALID)/ }).waitFor({ timeout: 120_000 });
      const verdict = await page.locator('#verdict').textContent();
      if (!verdict?.startsWith('VALID')) throw new Error(`the month bundle is not VALID in Chromium: ${verdict}`);
      times.push(Number(await page.evaluate('document.body.dataset.verifyMs')));
      await page.close();
    }
    return times;
  };
  const webCrypto = await inBrowser(false);
  const noble = await inBrowser(true);
  await browser.close();

  const cli: number[] = [];
  for (let i = 0; i < RUNS; i++) {
    const t0 = performance.now();
    const run = spawnSync(process.execPath, ['bin/gridproof.js', 'verify', `${prefix}.json`, '--key', key], { encoding: 'utf8' });
    cli.push(performance.now() - t0);
    if (run.status !== 0) throw new Error(`gridproof verify: exit ${run.status}: ${run.stdout}${run.stderr}`);
  }
  const min = (values: number[]) => Math.min(...values);
  return {
    title: `browser-verify: the month bundle (${entries} entries) verified in headless Chromium and by gridproof verify`,
    rows: [
      {
        figure: 'Chromium, WebCrypto Ed25519',
        value: min(webCrypto),
        unit: 'ms',
        baselineLabel: 'Chromium, noble only',
        baseline: min(noble),
        goal: { kind: 'at-most', value: 1000, unit: 'ms' },
        summary: true,
      },
      { figure: 'Chromium, noble only', value: min(noble), unit: 'ms' },
      {
        figure: 'gridproof verify (native, incl. process start)',
        value: min(cli),
        unit: 'ms',
        baselineLabel: 'Chromium, WebCrypto',
        baseline: min(webCrypto),
        summary: true,
      },
    ],
    notes: [`runs (ms): WebCrypto ${webCrypto.join(', ')}; noble ${noble.map((x) => x.toFixed(0)).join(', ')}; CLI ${cli.map((x) => x.toFixed(0)).join(', ')}`],
  };
}
