/**
 * The Log page's Checkpoints section in a real browser (Debian's Chromium
 * through playwright-core) against a real service over a real socket: the
 * newest stored checkpoints first, each size linking to its signed note, and
 * "Older checkpoints" fetching the next page until there is none. At 360 px
 * and on a desktop the section needs no sideways scroll. Screenshots
 * (log-checkpoints-{360px,desktop}.png) go to the folder
 * test/web/pages.test.ts uses.
 */
import { join } from 'node:path';
import t from 'tap';
import { publishCheckpoint } from '../../src/ledger/publish.ts';
import { addParticipant, startTestApp } from '../helpers/app.ts';
import { launchChromium, screenshotDir } from '../helpers/browser.ts';

const env = await startTestApp('pglite');
t.teardown(env.close);
const { app, ledger } = env;

// More checkpoints than one page of the section (10): each participant grows the log by an entry.
const notes = new Map<number, string>();
for (let i = 0; i < 13; i++) {
  await addParticipant(app, 'generator', `gen-${i}`);
  const { checkpoint } = await publishCheckpoint(ledger);
  notes.set(checkpoint!.size, checkpoint!.note);
}
const newestFirst = [...notes.keys()].sort((a, b) => b - a);
const address = await app.listen({ port: 0, host: '127.0.0.1' });

const shots = screenshotDir();
console.log(`# screenshots in ${shots}`);
const browser = await launchChromium();
t.teardown(() => browser.close());

for (const size of [
  { name: 'desktop', width: 1280, height: 900 },
  { name: '360px', width: 360, height: 780 },
]) {
  t.test(`/log at ${size.name}: the stored checkpoints, newest first, and older ones on request`, async (t) => {
    const page = await browser.newPage({ viewport: { width: size.width, height: size.height } });
    t.teardown(() => page.close());
    page.setDefaultTimeout(10_000);
    await page.goto(`${address}/log`);
    const section = page.locator('#checkpoints');
    t.equal(await section.locator('h2').textContent(), 'Checkpoints');
    const rows = section.locator('#checkpoint-list tbody tr');
    await rows.nth(9).waitFor();
    const links = section.locator('#checkpoint-list tbody a');
    t.strictSame(await links.allTextContents(), newestFirst.slice(0, 10).map(String), 'the ten newest sizes, newest first');
    t.strictSame(
      await links.evaluateAll((as) => as.map((a) => a.getAttribute('href'))),
      newestFirst.slice(0, 10).map((s) => `/v1/log/checkpoints/${s}`),
      'each links to its checkpoint',
    );
    const times = await section.locator('#checkpoint-list tbody time').evaluateAll((ts) => ts.map((e) => [e.getAttribute('datetime'), e.textContent]));
    for (const [datetime, shown] of times) {
      t.match(datetime, /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z$/, 'a machine-readable time');
      t.equal(shown, `${datetime!.slice(0, 10)} ${datetime!.slice(11, 19)}`, 'shown as date and time (UTC)');
    }
    const newest = await page.request.get(`${address}/v1/log/checkpoints/${newestFirst[0]}`);
    t.equal(await newest.text(), notes.get(newestFirst[0]!), "the newest link's target is its signed note");

    const fit = {
      page: Number(await page.evaluate('document.documentElement.scrollWidth')),
      view: Number(await page.evaluate('window.innerWidth')),
      ...(await section.locator('.table-wrap').evaluate((wrap) => ({ table: wrap.scrollWidth, wrap: wrap.clientWidth }))),
    };
    t.ok(fit.page <= fit.view, `no sideways scroll of the page (${fit.page} px in ${fit.view} px)`);
    t.ok(fit.table <= fit.wrap, `the table fits its panel (${fit.table} px in ${fit.wrap} px)`);

    const older = section.getByRole('button', { name: 'Older checkpoints' });
    t.ok(await older.isVisible(), 'more are stored: "Older checkpoints" is offered');
    await section.screenshot({ path: join(shots, `log-checkpoints-${size.name}.png`) });
    await older.click();
    await rows.nth(12).waitFor();
    t.strictSame(await links.allTextContents(), newestFirst.map(String), 'the older three appended, in order');
    await older.waitFor({ state: 'hidden' });
    t.pass('the last page: no "Older checkpoints"');
  });
}
