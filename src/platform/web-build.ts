/**
 * Builds the web pages (src/web/pages/*.ts, src/web/style.css) with esbuild,
 * in memory, into content-hashed files the service serves with long cache
 * lifetimes, and the self-contained verify.html (script and style inline).
 *
 * The pages run the same domain and crypto code as the server and the CLI.
 * One substitution: Ajv compiles schemas with `new Function`, which a
 * Content-Security-Policy of 'self' forbids, so the browser bundle gets the
 * same schemas compiled ahead of time by the same Ajv (ajv/dist/standalone),
 * behind a class with the two Ajv methods the domain calls.
 */
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { Ajv } from 'ajv';
import standalone from 'ajv/dist/standalone/index.js';
import * as esbuild from 'esbuild';
import { FAVICON_DATA_URL } from './favicon.ts';
import { LINKS, PAGES, type PageName } from './site-pages.ts';

const root = fileURLToPath(new URL('../../', import.meta.url));
export type { PageName };

export interface WebAsset {
  path: string;
  type: string;
  body: Uint8Array;
}
export interface WebBuild {
  /** By URL path, e.g. /assets/verify-AB12CD.js. */
  assets: Map<string, WebAsset>;
  /** Each page's script and style URLs. */
  pages: Record<PageName, { script: string; style: string }>;
  /** The verify page as one HTML file with everything inline. */
  verifyHtml: string;
}

const SCHEMA_FILES = [
  'common',
  'bundle',
  'entries/claim',
  'entries/contract',
  'entries/device',
  'entries/key',
  'entries/participant',
  'entries/reading',
  'entries/settlement',
  'entries/zone',
];

/** The domain's schemas compiled by Ajv, as an ES module whose `Ajv` class hands them out by $id. */
function precompiledAjv(): string {
  const schemas = SCHEMA_FILES.map((file) => JSON.parse(readFileSync(`${root}schemas/${file}.json`, 'utf8')) as { $id: string });
  // The union of the options of src/domain/entry-schemas.ts and bundle-schema.ts; strictRequired only affects compile-time checks.
  const ajv = new Ajv({ allErrors: false, strict: true, strictTypes: false, strictRequired: false, code: { source: true, esm: true } });
  for (const schema of schemas) ajv.addSchema(schema);
  const ids = Object.fromEntries(schemas.filter((s) => !s.$id.endsWith('/common.json')).map((s, i) => [`v${i}`, s.$id]));
  const code = standalone.default(ajv, ids);
  return `${code}
const byId = {${Object.entries(ids)
    .map(([name, id]) => `${JSON.stringify(id)}: ${name}`)
    .join(', ')}};
export class Ajv {
  addSchema() { return this; }
  compile(schema) {
    const validate = byId[schema.$id];
    if (!validate) throw new Error('schema ' + schema.$id + ' was not compiled ahead of time');
    return validate;
  }
}
`;
}

const precompiledAjvPlugin = (source: string): esbuild.Plugin => ({
  name: 'precompiled-ajv',
  setup(build) {
    build.onResolve({ filter: /^ajv$/ }, (args) => (args.importer.includes('/src/') ? { path: 'precompiled-ajv', namespace: 'gridproof' } : undefined));
    build.onLoad({ filter: /.*/, namespace: 'gridproof' }, () => ({ contents: source, loader: 'js', resolveDir: root }));
  },
});

function typeOf(path: string): string {
  if (path.endsWith('.js')) return 'text/javascript; charset=utf-8';
  if (path.endsWith('.css')) return 'text/css; charset=utf-8';
  return 'application/octet-stream';
}

const common: esbuild.BuildOptions = {
  bundle: true,
  write: false,
  format: 'esm',
  target: ['es2022'],
  minify: true,
  legalComments: 'none',
  logLevel: 'silent',
  absWorkingDir: root,
};

export async function buildWeb(): Promise<WebBuild> {
  const plugin = precompiledAjvPlugin(precompiledAjv());
  const result = await esbuild.build({
    ...common,
    entryPoints: [...PAGES.map((p) => `src/web/pages/${p}.ts`), 'src/web/style.css'],
    outdir: 'assets',
    entryNames: '[name]-[hash]',
    chunkNames: 'chunk-[hash]',
    splitting: true,
    metafile: true,
    plugins: [plugin],
  });
  const assets = new Map<string, WebAsset>();
  for (const file of result.outputFiles ?? []) {
    const path = `/${file.path.slice(root.length)}`;
    assets.set(path, { path, type: typeOf(path), body: file.contents });
  }
  const find = (entry: string) => {
    const [out] = Object.entries(result.metafile.outputs).find(([, o]) => o.entryPoint === entry) ?? [];
    if (out === undefined) throw new Error(`web build: no output for ${entry}`);
    return `/${out}`;
  };
  const style = find('src/web/style.css');
  const pages = Object.fromEntries(PAGES.map((p) => [p, { script: find(`src/web/pages/${p}.ts`), style }])) as WebBuild['pages'];

  // verify.html: one script, no chunks, inline.
  const single = await esbuild.build({ ...common, entryPoints: ['src/web/pages/verify.ts'], format: 'iife', plugins: [plugin] });
  const css = new TextDecoder().decode(assets.get(style)!.body);
  const js = single.outputFiles![0]!.text.replaceAll('</script', '<\\/script');
  return { assets, pages, verifyHtml: pageHtml('verify', { inlineStyle: css, inlineScript: js }) };
}

const TITLES: Record<PageName, string> = { verify: 'Verify a proof bundle', tenant: 'Tenant', generator: 'Generator', log: 'The public log' };

/** The shared layout; the page script fills <main>. */
export function pageHtml(page: PageName, from: { script?: string; style?: string; inlineScript?: string; inlineStyle?: string }): string {
  const nav = from.inlineScript
    ? '<nav aria-label="Site"><span class="brand">gridproof</span><span class="note">offline verifier, saved as a file</span></nav>'
    : `<nav aria-label="Site"><a class="brand" href="/">gridproof</a>${PAGES.map(
        (p) => `<a href="/${p}"${p === page ? ' aria-current="page"' : ''}>${LINKS[p]}</a>`,
      ).join('')}</nav>`;
  const head = from.inlineStyle ? `<style>${from.inlineStyle}</style>` : `<link rel="stylesheet" href="${from.style}">`;
  // Named, so a browser does not ask for /favicon.ico; the file saved on its own carries it.
  const icon = `<link rel="icon" type="image/svg+xml" href="${from.inlineScript ? FAVICON_DATA_URL : '/favicon.svg'}">`;
  const script = from.inlineScript ? `<script>${from.inlineScript}</script>` : `<script type="module" src="${from.script}"></script>`;
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${TITLES[page]} · gridproof</title>
${icon}
${head}
</head>
<body data-page="${page}"${from.inlineScript ? ' data-standalone="true"' : ''}>
<header>${nav}</header>
<main id="main"><h1>${TITLES[page]}</h1><p class="muted">Loading…</p></main>
${script}
</body>
</html>
`;
}
