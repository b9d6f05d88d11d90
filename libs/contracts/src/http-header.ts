/**
 * What an HTTP client can carry in a header value: tab, visible ASCII and Latin-1. undici refuses
 * anything else, and a line break would let the value forge headers.
 */
const UNSENDABLE_HEADER_VALUE = /[^\t\x20-\x7e\x80-\xff]/;

export function isSendableHeaderValue(text: string): boolean {
  return !UNSENDABLE_HEADER_VALUE.test(text);
}

/**
 * Headers the HTTP client derives from the request itself: undici throws for each when a caller
 * sets it, so a connection's static header by one of these names would fail every attempt.
 */
export const CLIENT_OWNED_HEADERS: ReadonlySet<string> = new Set([
  'connection',
  'content-length',
  'expect',
  'keep-alive',
  'transfer-encoding',
  'upgrade',
]);
