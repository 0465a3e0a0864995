/**
 * Token sign-in for the tenant and generator pages. The token lives in
 * sessionStorage only (gone when the tab closes; never in a URL, so never in
 * history, logs or Referer), is sent as a bearer header (RFC 6750 §2.1), and
 * the service says whose it is (GET /v1/me), by id and registered name: the
 * page greets the participant by the name the operator registered, with the
 * id after it (docs/api.md).
 */
import { aOrAn } from '../../domain/count.ts';
import { call, el, errorBox, getJson, main, PageRefusal } from './ui.ts';

export interface Session {
  token: string;
  id: string;
  role: string;
  /** The registered name (POST /v1/participants), what a person recognises; the id is what the API's paths take. */
  name: string;
}

/** The session bar's words for whom the token acts as: the name first, then the id and role it is known by. */
function signedInAs(me: Pick<Session, 'id' | 'role' | 'name'>): HTMLElement {
  return el('span', {}, 'Signed in as ', el('strong', { id: 'who' }, me.name), ` (${me.id}, ${me.role})`);
}

const KEY = 'gridproof-token';

/** Shows the sign-in form until a token of `role` is given, then calls `signedIn`; a sign-out button returns here. */
export function withSession(title: string, role: 'tenant' | 'generator', lead: string, signedIn: (session: Session, body: HTMLElement) => void): void {
  const root = main();
  const signOut = () => {
    sessionStorage.removeItem(KEY);
    showForm();
  };
  const open = async (token: string, status: HTMLElement): Promise<void> => {
    try {
      const me = await getJson<{ id: string; role: string; name: string }>('/v1/me', { token });
      if (me.role !== role)
        throw new PageRefusal(`Not ${aOrAn(role)}'s token`, `this token belongs to ${me.id}, ${aOrAn(me.role)}; this page needs ${aOrAn(role)}'s token`);
      sessionStorage.setItem(KEY, token);
      const body = el('div', { id: 'signed-in' });
      const bar = el('div', { class: 'session' }, signedInAs(me), el('button', { type: 'button', id: 'sign-out', class: 'secondary' }, 'Sign out'));
      bar.querySelector('button')!.addEventListener('click', signOut);
      root.replaceChildren(el('h1', {}, title), bar, body);
      signedIn({ token, id: me.id, role: me.role, name: me.name }, body);
    } catch (error) {
      sessionStorage.removeItem(KEY);
      status.replaceChildren(errorBox(error));
    }
  };
  function showForm(): void {
    const input = el('input', { id: 'token', name: 'token', type: 'password', autocomplete: 'current-password', spellcheck: 'false', required: '' });
    const status = el('div', { id: 'sign-in-status' });
    const form = el(
      'form',
      { id: 'sign-in', class: 'panel', method: 'post', action: '#' },
      el('h2', {}, 'Sign in'),
      el('label', { for: 'token' }, `Your ${role} token`),
      input,
      el('p', { class: 'hint' }, 'Kept in this tab only (sessionStorage) and sent as a bearer header; closing the tab forgets it.'),
      el('div', { class: 'actions' }, el('button', { type: 'submit' }, 'Sign in')),
      status,
    );
    form.addEventListener('submit', (event) => {
      event.preventDefault();
      void open(input.value.trim(), status);
    });
    root.replaceChildren(el('h1', {}, title), el('p', { class: 'lead' }, lead), form);
    input.focus();
  }
  const saved = sessionStorage.getItem(KEY);
  showForm();
  if (saved) void open(saved, document.getElementById('sign-in-status')!);
}

/** Fetches with the token and saves the answer as a file (a plain link cannot carry the bearer header). */
export async function download(path: string, token: string, filename: string, status: HTMLElement): Promise<void> {
  try {
    const blob = await (await call(path, { token })).blob();
    const url = URL.createObjectURL(blob);
    const a = el('a', { href: url, download: filename });
    document.body.append(a);
    a.click();
    a.remove();
    setTimeout(() => URL.revokeObjectURL(url), 10_000);
    status.replaceChildren();
  } catch (error) {
    status.replaceChildren(errorBox(error));
  }
}

/** UTC day boundaries as the API's instants. */
export const dayStart = (day: string): string => `${day}T00:00:00Z`;
export const addDays = (day: string, n: number): string => new Date(Date.parse(`${day}T00:00:00Z`) + n * 86_400_000).toISOString().slice(0, 10);

/** A from/to pair of day inputs (the last day included) with a Show button. */
export function periodForm(id: string, first: string, last: string, show: (from: string, to: string) => void): HTMLFormElement {
  const a = el('input', { id: `${id}-from`, type: 'date', value: first, required: '' });
  const b = el('input', { id: `${id}-to`, type: 'date', value: last, required: '' });
  const form = el(
    'form',
    { id, class: 'period' },
    el(
      'div',
      { class: 'row' },
      el('div', {}, el('label', { for: a.id }, 'First day (UTC)'), a),
      el('div', {}, el('label', { for: b.id }, 'Last day (UTC)'), b),
    ),
    el('div', { class: 'actions' }, el('button', { type: 'submit' }, 'Show')),
  );
  form.addEventListener('submit', (event) => {
    event.preventDefault();
    show(dayStart(a.value), dayStart(addDays(b.value, 1)));
  });
  return form;
}
