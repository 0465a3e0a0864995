/**
 * The site's icon: an hour grid with one hour ticked, in the pages' accent
 * colour (src/web/style.css), as SVG (one small file for every size). Served
 * at /favicon.svg and named by each page's <link rel="icon">; verify.html,
 * saved as a file, carries it as a data: URL (its CSP allows images from data:).
 */
export const FAVICON_SVG =
  '<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 32 32">' +
  '<rect width="32" height="32" rx="6" fill="#1f6f4f"/>' +
  '<path d="M6 24h20M6 24V8M11 24v-6M16 24v-10M21 24v-14" stroke="#fff" stroke-width="3" stroke-linecap="round" fill="none"/>' +
  '</svg>';

export const FAVICON_DATA_URL = `data:image/svg+xml,${encodeURIComponent(FAVICON_SVG)}`;
