/**
 * The web app's pages and the names its header links them by (README "Web
 * app"): shared by the pages' layout (src/platform/web-build.ts) and the
 * main service's problem pages (src/routes/problem-pages.ts), so every page
 * of the site has the same navigation. No build code here: the witness
 * loads the problem pages too.
 */
export const PAGES = ['verify', 'tenant', 'generator', 'log'] as const;
export type PageName = (typeof PAGES)[number];

export const LINKS: Record<PageName, string> = { verify: 'Verify', tenant: 'Tenant', generator: 'Generator', log: 'Log' };
