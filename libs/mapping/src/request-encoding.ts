import { encodeForm } from './form-encoding';

export const JSON_CONTENT_TYPE = 'application/json';
export const FORM_CONTENT_TYPE = 'application/x-www-form-urlencoded';

/**
 * The request body of a rendered payload for a connection's content type (docs/CONTRACT.md §4):
 * form-encoded for `application/x-www-form-urlencoded` (parameters such as `; charset=utf-8` and
 * letter case ignored), JSON for everything else, since JSON is the default content type.
 */
export function encodeBody(payload: unknown, contentType: string | undefined): string {
  const mediaType = (contentType ?? '').split(';')[0]!.trim().toLowerCase();
  if (mediaType === FORM_CONTENT_TYPE) return encodeForm(payload);
  return JSON.stringify(payload === undefined ? {} : payload);
}

/**
 * A GET request's URL: the payload form-encoded as its query string. A URL that already has a query
 * keeps it and gets `&` before the payload (nothing when it already ends in `?` or `&`); a fragment
 * stays at the end, where it belongs. An empty payload leaves the URL as it is.
 */
export function appendQuery(url: string, payload: unknown): string {
  const query = encodeForm(payload);
  if (query === '') return url;
  const hashAt = url.indexOf('#');
  const base = hashAt === -1 ? url : url.slice(0, hashAt);
  const fragment = hashAt === -1 ? '' : url.slice(hashAt);
  const separator = !base.includes('?') ? '?' : base.endsWith('?') || base.endsWith('&') ? '' : '&';
  return `${base}${separator}${query}${fragment}`;
}
