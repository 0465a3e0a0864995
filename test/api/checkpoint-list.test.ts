/**
 * GET /v1/log/checkpoints (docs/api.md): which checkpoints the log stored,
 * newest first, with when each was signed, paged by `limit` and an exclusive
 * `before` with `next` naming the following page, so an auditor can pick
 * sizes to fetch and prove consistent without guessing them. Bad query
 * values are 400 `schema-violation`, as on the other log routes.
 */
import t from 'tap';
import { formatInstant } from '../../src/domain/time.ts';
import { publishCheckpoint } from '../../src/ledger/publish.ts';
import { addParticipant, startTestApp } from '../helpers/app.ts';
import { testBackends } from '../helpers/database.ts';
import { isProblem, type Tap } from '../helpers/log-state.ts';

interface ListBody {
  checkpoints: Array<{ size: number; publishedAt: string }>;
  next?: number;
}

for (const backend of await testBackends()) {
  t.test(`${backend}: listing the stored checkpoints`, async (t) => {
    const env = await startTestApp(backend);
    t.teardown(env.close);
    const { app, ledger } = env;
    const list = async (t: Tap, query = ''): Promise<ListBody> => {
      const response = await app.inject({ url: `/v1/log/checkpoints${query}` });
      t.equal(response.statusCode, 200, `${query || 'no query'}: 200 (${response.body.slice(0, 200)})`);
      t.match(response.headers['content-type'], /^application\/json/);
      return response.json();
    };

    await t.test('before any checkpoint: an empty list, no next page', async (t) => {
      t.strictSame(await list(t), { checkpoints: [] });
    });

    // Each participant is an entry: the log grows, and each publish signs one more size.
    const sizes: number[] = [];
    for (const id of ['gen-a', 'gen-b', 'gen-c', 'gen-d', 'gen-e']) {
      await addParticipant(app, 'generator', id);
      const published = await publishCheckpoint(ledger);
      if (!published.published) throw new Error(`nothing published after ${id}`);
      sizes.push(published.checkpoint!.size);
    }
    const newestFirst = [...sizes].reverse();
    const stored = await ledger.db.selectFrom('checkpoint').select(['size', 'published_at']).orderBy('size', 'desc').execute();

    await t.test('every stored checkpoint, newest first, with when it was signed', async (t) => {
      t.equal(new Set(sizes).size, 5, 'five sizes');
      const body = await list(t);
      t.strictSame(
        body.checkpoints.map((c) => c.size),
        newestFirst,
      );
      t.strictSame(
        body.checkpoints.map((c) => c.publishedAt),
        stored.map((row) => formatInstant(row.published_at)),
        'the stored times, YYYY-MM-DDTHH:MM:SSZ',
      );
      t.notOk('next' in body, 'one page holds them all: no next');
      for (const { size } of body.checkpoints) {
        t.equal((await app.inject({ url: `/v1/log/checkpoints/${size}` })).statusCode, 200, `size ${size} is served`);
      }
    });

    await t.test('paged by limit and before, each page saying where the next starts', async (t) => {
      const first = await list(t, '?limit=2');
      t.strictSame(
        first.checkpoints.map((c) => c.size),
        newestFirst.slice(0, 2),
      );
      t.equal(first.next, newestFirst[1], 'next: the smallest size on the page');
      const second = await list(t, `?limit=2&before=${first.next}`);
      t.strictSame(
        second.checkpoints.map((c) => c.size),
        newestFirst.slice(2, 4),
        'before is exclusive',
      );
      t.equal(second.next, newestFirst[3]);
      const last = await list(t, `?limit=2&before=${second.next}`);
      t.strictSame(
        last.checkpoints.map((c) => c.size),
        newestFirst.slice(4),
      );
      t.notOk('next' in last, 'the last page has no next');
      const exact = await list(t, `?limit=5`);
      t.equal(exact.checkpoints.length, 5);
      t.notOk('next' in exact, 'a page that ends exactly at the oldest has no next');
      const four = await list(t, `?limit=4`);
      t.equal(four.next, newestFirst[3], 'one left over: a next');
      t.strictSame(
        (await list(t, `?before=${newestFirst[2]}`)).checkpoints.map((c) => c.size),
        newestFirst.slice(3),
        'before alone, the default limit',
      );
      t.strictSame(
        (await list(t, `?before=${newestFirst[0]! + 1}`)).checkpoints.map((c) => c.size),
        newestFirst,
        'before between stored sizes: the ones below it',
      );
    });

    await t.test('a before at or below the oldest, or beyond the log', async (t) => {
      t.strictSame(await list(t, `?before=${newestFirst[4]}`), { checkpoints: [] }, 'at the oldest: empty, no next');
      t.strictSame(await list(t, '?before=1'), { checkpoints: [] }, 'below every size: empty');
      t.strictSame(await list(t, '?before=0'), { checkpoints: [] }, 'before=0: empty');
      t.strictSame(
        (await list(t, '?before=999999')).checkpoints.map((c) => c.size),
        newestFirst,
        'beyond the log: every checkpoint',
      );
      t.strictSame(
        (await list(t, `?before=${Number.MAX_SAFE_INTEGER}&limit=1000`)).checkpoints.map((c) => c.size),
        newestFirst,
        'the largest before and limit',
      );
    });

    await t.test('bad query values: 400 schema-violation', async (t) => {
      for (const query of [
        'limit=0',
        'limit=1001',
        'limit=-1',
        'limit=abc',
        'limit=1.5',
        'limit=',
        'limit=1e2',
        'before=-1',
        'before=abc',
        'before=0x10',
        'before=+5',
        'before=2.5',
        'before=',
        'before=99999999999999999999',
        'before=1&before=2',
      ]) {
        isProblem(t, await app.inject({ url: `/v1/log/checkpoints?${query}` }), 400, 'schema-violation', `?${query}`);
      }
    });
  });
}
