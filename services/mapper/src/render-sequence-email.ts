import { EmailContent, SequenceFired } from '@flowline/contracts';

/** Who completed which trigger: what an email says besides the trigger's own texts. */
export interface CompletedSequence {
  sequenceId: string;
  lead: string;
  fired: SequenceFired;
}

/**
 * A completed sequence's email (docs/CONTRACT.md §7, reference 002): `email_subject` (by default
 * `Sequence completed: <trigger name>`), the `email_preheader` as hidden preview text at the top of
 * the HTML part and as the first line of the text part, then `email_message`, then the lead's
 * metadata: lead id, trigger, the watched sequence and each completing event (id, type, time).
 * Pure: the same completion always renders the same message. Every value is HTML-escaped in the
 * HTML part; the subject is kept to one line.
 */
export function renderSequenceEmail({ sequenceId, lead, fired }: CompletedSequence): EmailContent {
  const subject = oneLine(fired.emailSubject?.trim() || `Sequence completed: ${fired.name}`);
  const preheader = fired.emailPreheader?.trim() ? oneLine(fired.emailPreheader) : undefined;
  const message = fired.emailMessage?.trim() ? normaliseNewlines(fired.emailMessage).trim() : undefined;
  const metadata: Array<[string, string]> = [
    ['Lead', lead],
    ['Trigger', `${fired.name} (${sequenceId})`],
    ['Sequence', fired.eventTypes.join(' > ')],
  ];

  const text = [
    ...(preheader ? [preheader, ''] : []),
    ...(message ? [message, ''] : []),
    ...metadata.map(([label, value]) => `${label}: ${value}`),
    'Events:',
    ...fired.events.map((event) => `- ${event.id} ${event.event_type} at ${event.created_at}`),
    '',
  ].join('\n');

  const html = [
    '<!DOCTYPE html>',
    '<html>',
    '<head><meta charset="utf-8"><title>' + escapeHtml(subject) + '</title></head>',
    '<body style="font-family: sans-serif">',
    ...(preheader
      ? [
          // The usual preview-text technique: shown by inbox lists, hidden in the opened message.
          '<div style="display:none;font-size:1px;line-height:1px;max-height:0;max-width:0;opacity:0;overflow:hidden;mso-hide:all">' +
            escapeHtml(preheader) +
            '</div>',
        ]
      : []),
    ...(message ? paragraphs(message) : []),
    '<table>',
    ...metadata.map(([label, value]) => `<tr><th align="left">${label}</th><td>${escapeHtml(value)}</td></tr>`),
    '</table>',
    '<table>',
    '<tr><th align="left">Event</th><th align="left">Type</th><th align="left">Time</th></tr>',
    ...fired.events.map(
      (event) =>
        `<tr><td>${escapeHtml(event.id)}</td><td>${escapeHtml(event.event_type)}</td><td>${escapeHtml(event.created_at)}</td></tr>`,
    ),
    '</table>',
    '</body>',
    '</html>',
    '',
  ].join('\n');

  return { to: [...fired.emails], subject, ...(preheader ? { preheader } : {}), text, html };
}

/** Escapes text for HTML element content and attribute values. */
export function escapeHtml(value: string): string {
  return value
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/"/g, '&quot;')
    .replace(/'/g, '&#39;');
}

/** Blank lines separate paragraphs; a single line break stays a line break. */
function paragraphs(message: string): string[] {
  return message
    .split(/\n\s*\n/)
    .map((paragraph) => `<p>${paragraph.trim().split('\n').map(escapeHtml).join('<br>\n')}</p>`);
}

function normaliseNewlines(value: string): string {
  return value.replace(/\r\n?/g, '\n');
}

/** A header value (the subject) or preview line: line breaks become spaces. */
function oneLine(value: string): string {
  return value
    .replace(/[\r\n]+/g, ' ')
    .replace(/\s+/g, ' ')
    .trim();
}
