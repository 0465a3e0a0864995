/**
 * The Tenant page: sign in with the tenant's token (src/web/dom/session.ts),
 * then for a chosen period the hourly consumption against matched supply by
 * source, the CFE score and unmatched emissions, a CSV download; the tenant's
 * claims with their bundle and certificate downloads, and a form to claim.
 */
import { hourlyPlot, plotWidth } from '../dom/hourly-plot.ts';
import { hourlyTable } from '../dom/hourly-table.ts';
import { addDays, download, periodForm, withSession, type Session } from '../dom/session.ts';
import { el, errorBox, facts, getJson, call } from '../dom/ui.ts';
import { plotSeries } from '../model/daily-views.ts';
import { cfeText, pendingNote, tenantSeries, type TenantMatching } from '../model/hourly-views.ts';
import { periodText } from '../model/period-text.ts';
import { co2Mass } from '../../domain/co2-mass.ts';
import { countOf } from '../../domain/count.ts';

interface Claim {
  id: string;
  index: number;
  purpose: string;
  beneficiary: string;
  period: { start: string; end: string };
  wh: string;
}
type Figures = Omit<TenantMatching, 'totals'> & {
  totals: Omit<TenantMatching['totals'], 'unmatchedEmissionsG'> & { unmatchedEmissionsG: string | null };
  warnings?: string[];
};

const whText = (wh: string): string => `${(Number(wh) / 1e6).toLocaleString('en', { maximumFractionDigits: 3 })} MWh`;

/** The period shown first: the last 7 days of the latest claim's period, or the 7 days up to today. */
function defaultPeriod(claims: Claim[]): [string, string] {
  const latest = claims.reduce<Claim | undefined>((a, c) => (a === undefined || c.period.end > a.period.end ? c : a), undefined);
  const endDay = (latest?.period.end ?? new Date().toISOString()).slice(0, 10);
  const last = latest && latest.period.end.slice(11) === '00:00:00Z' ? addDays(endDay, -1) : endDay;
  let first = addDays(last, -6);
  if (latest && first < latest.period.start.slice(0, 10)) first = latest.period.start.slice(0, 10);
  return [first, last];
}

function figuresView(session: Session, target: HTMLElement, from: string, to: string): void {
  const path = `/v1/tenants/${encodeURIComponent(session.id)}/matching?from=${from}&to=${to}`;
  target.replaceChildren(el('p', { class: 'muted' }, 'Loading…'));
  getJson<Figures>(path, { token: session.token })
    .then((figures) => {
      // An interval is listed only if a meter read it (docs/api.md): none listed is no reading at all, not readings of 0.
      if (figures.intervals.length === 0) {
        target.replaceChildren(
          el('p', { id: 'no-readings', class: 'muted', role: 'note' }, `No readings in this period (${periodText(from, to)}): nothing to add up or plot.`),
        );
        return;
      }
      const series = tenantSeries(figures as TenantMatching, from, to);
      // Past about a month, the plot draws each UTC day's sums (src/web/model/daily-views.ts); the table stays hourly.
      const shown = plotSeries(series);
      const daily = shown.step === 'day';
      const plot = hourlyPlot(shown, plotWidth(target));
      plot.id = 'tenant-plot';
      plot.dataset.points = String(shown.hours.length);
      const t = figures.totals;
      const pending = pendingNote(figures.intervals);
      const csvStatus = el('div', {});
      const csv = el('button', { type: 'button', id: 'csv', class: 'secondary' }, 'Download CSV');
      csv.addEventListener(
        'click',
        () => void download(`${path}&format=csv`, session.token, `${session.id}-${from.slice(0, 10)}-${to.slice(0, 10)}.csv`, csvStatus),
      );
      target.replaceChildren(
        facts([
          ['Consumed', whText(t.consumedWh)],
          ['Matched', whText(t.matchedWh)],
          ['CFE score', el('strong', { id: 'cfe-score' }, cfeText(t))],
          [
            'Unmatched emissions',
            el(
              'span',
              { id: 'unmatched-emissions' },
              t.unmatchedEmissionsG === null ? 'not known (no zone factor for some hours)' : co2Mass(t.unmatchedEmissionsG),
            ),
          ],
        ]),
        ...(figures.warnings ?? []).map((w) => el('p', { class: 'hint', role: 'note' }, w)),
        ...(pending === undefined ? [] : [el('p', { id: 'pending-note', class: 'hint', role: 'note' }, pending)]),
        el(
          'p',
          { class: 'hint', id: 'plot-caption' },
          daily
            ? `Per UTC day (${countOf(shown.hours.length, 'day')}: too many hours to draw one by one). Bars: each day's matched supply by source, stacked; line: your consumption that day. The table below stays hourly.`
            : 'Per hour. Bars: matched supply by source, stacked; line: your consumption (energy per interval, all times UTC).',
        ),
        plot,
        el('details', {}, el('summary', {}, `The ${countOf(series.hours.length, 'hour')} as a table`), hourlyTable('tenant-hours', series, 'consumed')),
        el('div', { class: 'actions' }, csv),
        csvStatus,
      );
    })
    .catch((error: unknown) => target.replaceChildren(errorBox(error)));
}

function claimsList(session: Session, claims: Claim[]): HTMLElement {
  if (claims.length === 0) return el('p', { id: 'claims', class: 'muted' }, 'No claims yet.');
  const list = el('ul', { id: 'claims', class: 'claims' });
  for (const c of claims) {
    const status = el('div', {});
    // Saved under the claim id alone: it starts with "claim-" already (src/ledger/claims.ts).
    const bundle = el('button', { type: 'button', class: 'secondary' }, 'Download bundle');
    bundle.addEventListener('click', () => void download(`/v1/claims/${encodeURIComponent(c.id)}/bundle`, session.token, `${c.id}.bundle.json`, status));
    const cert = el('button', { type: 'button', class: 'secondary' }, 'Certificate');
    cert.addEventListener(
      'click',
      () => void download(`/v1/claims/${encodeURIComponent(c.id)}/certificate`, session.token, `${c.id}-certificate.html`, status),
    );
    list.append(
      el(
        'li',
        { class: 'panel' },
        el('strong', {}, `${c.purpose} for ${c.beneficiary}`),
        el(
          'p',
          {},
          el('span', { class: 'claim-period' }, periodText(c.period.start, c.period.end)),
          ` · ${whText(c.wh)} · entry ${c.index} · `,
          el('code', {}, c.id),
        ),
        el('div', { class: 'actions' }, bundle, ' ', cert),
        status,
      ),
    );
  }
  return list;
}

function claimForm(session: Session, first: string, last: string, done: () => void): HTMLElement {
  const from = el('input', { id: 'claim-from', type: 'date', value: first, required: '' });
  const to = el('input', { id: 'claim-to', type: 'date', value: last, required: '' });
  const purpose = el('select', { id: 'claim-purpose' }, ...['disclosure', 'scope2', 'cbam', 'rfnbo', 'other'].map((p) => el('option', { value: p }, p)));
  const beneficiary = el('input', { id: 'claim-beneficiary', type: 'text', required: '', maxlength: '200' });
  const status = el('div', { role: 'status' });
  const form = el(
    'form',
    { id: 'claim-form', class: 'panel' },
    el('h2', {}, 'Make a claim'),
    el('p', { class: 'hint' }, 'Claims the unclaimed matched energy of the days chosen (UTC), once; it becomes an entry of the log.'),
    el('div', { class: 'row' }, el('div', {}, el('label', { for: from.id }, 'First day'), from), el('div', {}, el('label', { for: to.id }, 'Last day'), to)),
    el('label', { for: purpose.id }, 'Purpose'),
    purpose,
    el('label', { for: beneficiary.id }, 'Beneficiary'),
    beneficiary,
    el('div', { class: 'actions' }, el('button', { type: 'submit' }, 'Claim')),
    status,
  );
  form.addEventListener('submit', (event) => {
    event.preventDefault();
    const body = {
      period: { start: `${from.value}T00:00:00Z`, end: `${addDays(to.value, 1)}T00:00:00Z` },
      purpose: purpose.value,
      beneficiary: beneficiary.value.trim(),
    };
    call('/v1/claims', { token: session.token, method: 'POST', body })
      .then(async (r) => {
        const made = (await r.json()) as { id: string; wh: string };
        status.replaceChildren(el('p', { class: 'result valid' }, `Claimed ${whText(made.wh)}: `, el('code', {}, made.id)));
        done();
      })
      .catch((error: unknown) => status.replaceChildren(errorBox(error)));
  });
  return form;
}

function signedIn(session: Session, body: HTMLElement): void {
  const figures = el('section', { id: 'figures', class: 'panel' });
  const claims = el('section', { id: 'claims-section' }, el('h2', {}, 'Your claims'), el('p', { class: 'muted' }, 'Loading…'));
  const claimHolder = el('div', {});
  body.replaceChildren(el('h2', {}, 'Hourly matching'), el('div', { id: 'period-holder' }), figures, claims, claimHolder);
  const loadClaims = async (): Promise<Claim[]> => {
    try {
      const list = (await getJson<{ claims: Claim[] }>(`/v1/tenants/${encodeURIComponent(session.id)}/claims`, { token: session.token })).claims;
      claims.replaceChildren(el('h2', {}, 'Your claims'), claimsList(session, list));
      return list;
    } catch (error) {
      claims.replaceChildren(el('h2', {}, 'Your claims'), errorBox(error));
      return [];
    }
  };
  void loadClaims().then((list) => {
    const [first, last] = defaultPeriod(list);
    const show = (from: string, to: string) => figuresView(session, figures, from, to);
    document.getElementById('period-holder')!.replaceWith(periodForm('period', first, last, show));
    show(`${first}T00:00:00Z`, `${addDays(last, 1)}T00:00:00Z`);
    claimHolder.replaceChildren(claimForm(session, first, last, () => void loadClaims()));
  });
}

withSession(
  'Your matching and claims',
  'tenant',
  'Sign in with the token the operator gave you to see your hourly matching, your claims and their proof bundles.',
  signedIn,
);
