/**
 * Text put into HTML, escaped so it can only ever be text: the five characters
 * that can end an element, an attribute or an entity become numeric references.
 * For the pages the service builds as strings (the certificate, the problem pages).
 */
export const escapeHtml = (text: string): string => text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
