// The only links the app opens: absolute http(s) URLs. Everything else a
// reply may contain (javascript:, data:, file:, mailto:, relative paths...)
// is shown as text and never opened.

/** The URL normalised by the URL parser if it is absolute http(s), else null. */
export function externalUrl(href: string | null | undefined): string | null {
  if (typeof href !== 'string' || href.trim() === '') return null;
  let url: URL;
  try {
    url = new URL(href.trim());
  } catch {
    return null;
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') return null;
  if (url.username !== '' || url.password !== '') return null;
  return url.href;
}
