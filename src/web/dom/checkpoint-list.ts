/**
 * The Log page's list of stored checkpoints (GET /v1/log/checkpoints,
 * docs/api.md): newest first, a page at a time, each size linking to its
 * signed note, so a reader can pick the two sizes the consistency check asks
 * for instead of guessing them.
 */
import { el, errorBox, getJson } from './ui.ts';

/** Rows per page: the recent history at a glance, still short on a phone. */
const PAGE_SIZE = 10;

interface CheckpointPage {
  checkpoints: Array<{ size: number; publishedAt: string }>;
  next?: number;
}

/** `2026-12-07T05:20:13Z` as `2026-12-07 05:20:13`: the column heading says UTC. */
const readable = (instant: string): string => `${instant.slice(0, 10)} ${instant.slice(11, 19)}`;

function row(checkpoint: CheckpointPage['checkpoints'][number]): HTMLElement {
  return el(
    'tr',
    {},
    el('td', { class: 'num' }, el('a', { href: `/v1/log/checkpoints/${checkpoint.size}` }, checkpoint.size.toLocaleString('en'))),
    el('td', {}, el('time', { datetime: checkpoint.publishedAt }, readable(checkpoint.publishedAt))),
  );
}

/** The section, filled in as its pages arrive; "Older checkpoints" fetches the next one while there is one. */
export function checkpointList(): HTMLElement {
  const rows = el('tbody', {});
  const table = el(
    'div',
    { class: 'table-wrap' },
    el(
      'table',
      { id: 'checkpoint-list', class: 'checkpoints' },
      el('thead', {}, el('tr', {}, el('th', { scope: 'col', class: 'num' }, 'Size'), el('th', { scope: 'col' }, 'Signed (UTC)'))),
      rows,
    ),
  );
  const status = el('div', { id: 'checkpoint-list-status', role: 'status' }, el('p', {}, 'Loading the checkpoints…'));
  const older = el('button', { type: 'button', id: 'older-checkpoints', class: 'secondary' }, 'Older checkpoints');
  const actions = el('div', { class: 'actions' }, older);
  table.hidden = true;
  actions.hidden = true;
  let before: number | undefined;

  async function more(): Promise<void> {
    older.disabled = true;
    try {
      const page = await getJson<CheckpointPage>(`/v1/log/checkpoints?limit=${PAGE_SIZE}${before === undefined ? '' : `&before=${before}`}`);
      rows.append(...page.checkpoints.map(row));
      before = page.next;
      table.hidden = rows.childElementCount === 0;
      actions.hidden = before === undefined;
      if (rows.childElementCount === 0) status.replaceChildren(el('p', {}, 'No checkpoint has been published yet.'));
      else status.replaceChildren();
    } catch (error) {
      status.replaceChildren(errorBox(error));
    } finally {
      older.disabled = false;
    }
  }

  older.addEventListener('click', () => void more());
  void more();
  return el(
    'section',
    { id: 'checkpoints', class: 'panel' },
    el('h2', {}, 'Checkpoints'),
    el('p', { class: 'hint' }, 'Every checkpoint the log has signed, newest first. Each size opens its signed note; any two make a consistency check below.'),
    table,
    actions,
    status,
  );
}
