/**
 * How matching compares text: tag names, tagged values (statuses, property names, attendee types)
 * and filter values compare trimmed and case-insensitively. Producers disagree on case (Sequel
 * sends `registered` where Certain's default status is `Registered`), and two statuses or tags
 * that differ only in case are a mistake, not a distinction worth honouring.
 */
export function normalizeText(text: string): string {
  return text.trim().toLowerCase();
}
