import { SequenceFired } from '@flowline/contracts';
import { escapeHtml, renderSequenceEmail } from './render-sequence-email';

const fired: SequenceFired = {
  name: 'Buying Intent Sequence',
  eventTypes: ['pricing_page_view', 'whitepaper_download', 'demo_request'],
  events: [
    { id: 'evt-001', event_type: 'pricing_page_view', created_at: '2025-01-10T09:00:00Z' },
    { id: 'evt-002', event_type: 'whitepaper_download', created_at: '2025-01-12T14:30:00Z' },
    { id: 'evt-003', event_type: 'demo_request', created_at: '2025-01-14T11:00:00Z' },
  ],
  emails: ['sales@example.com', 'ae@example.com'],
  emailSubject: 'Hot lead: demo requested',
  emailPreheader: 'A lead just showed buying intent',
  emailMessage: 'Reach out within the hour.\n\nTheir history is below.',
};
const render = (overrides: Partial<SequenceFired> = {}) =>
  renderSequenceEmail({ sequenceId: 'seq-456', lead: 'ld_123', fired: { ...fired, ...overrides } });

describe("a completed sequence's email (docs/CONTRACT.md §7)", () => {
  it("goes to all the trigger's emails with its subject, or by default the trigger's name", () => {
    expect(render()).toMatchObject({
      to: ['sales@example.com', 'ae@example.com'],
      subject: 'Hot lead: demo requested',
    });
    expect(render({ emailSubject: undefined }).subject).toBe('Sequence completed: Buying Intent Sequence');
    expect(render({ emailSubject: '   ' }).subject).toBe('Sequence completed: Buying Intent Sequence');
    expect(render({ emailSubject: 'one\r\nBcc: evil@example.com' }).subject).toBe('one Bcc: evil@example.com');
  });

  it('puts the preheader first: hidden preview text in HTML, the first line of the text', () => {
    const email = render();
    expect(email.preheader).toBe('A lead just showed buying intent');
    expect(email.text.split('\n')[0]).toBe('A lead just showed buying intent');
    const body = email.html.slice(email.html.indexOf('<body'));
    expect(body).toMatch(/^<body[^>]*>\n<div style="display:none;[^"]*">A lead just showed buying intent<\/div>/);
  });

  it('has no preheader when the trigger has none', () => {
    const email = render({ emailPreheader: undefined });
    expect(email).not.toHaveProperty('preheader');
    expect(email.html).not.toContain('display:none');
    expect(email.text.split('\n')[0]).toBe('Reach out within the hour.');
  });

  it("places the message before the lead's metadata: lead, trigger, sequence, every event", () => {
    const { text, html } = render();
    expect(text).toBe(
      [
        'A lead just showed buying intent',
        '',
        'Reach out within the hour.',
        '',
        'Their history is below.',
        '',
        'Lead: ld_123',
        'Trigger: Buying Intent Sequence (seq-456)',
        'Sequence: pricing_page_view > whitepaper_download > demo_request',
        'Events:',
        '- evt-001 pricing_page_view at 2025-01-10T09:00:00Z',
        '- evt-002 whitepaper_download at 2025-01-12T14:30:00Z',
        '- evt-003 demo_request at 2025-01-14T11:00:00Z',
        '',
      ].join('\n'),
    );
    const message = html.indexOf('<p>Reach out within the hour.</p>');
    expect(message).toBeGreaterThan(0);
    expect(html.indexOf('<p>Their history is below.</p>')).toBeGreaterThan(message);
    for (const detail of [
      'ld_123',
      'Buying Intent Sequence (seq-456)',
      'evt-001',
      'whitepaper_download',
      '2025-01-14T11:00:00Z',
    ])
      expect(html.indexOf(detail)).toBeGreaterThan(message);
    expect(html).toContain('<td>evt-002</td><td>whitepaper_download</td><td>2025-01-12T14:30:00Z</td>');
  });

  it('escapes every value in the HTML part, and keeps the text part as written', () => {
    const { html, text } = render({
      name: 'A & B <script>',
      emailPreheader: '"quoted" <b>',
      emailMessage: "Line one\nit's <i>two</i>",
      events: [{ id: '<evt>', event_type: 'a&b', created_at: '2025-01-10T09:00:00Z' }],
    });
    expect(html).not.toMatch(/<script>|<b>|<i>|<evt>/);
    expect(html).toContain('A &amp; B &lt;script&gt; (seq-456)');
    expect(html).toContain('&quot;quoted&quot; &lt;b&gt;</div>');
    expect(html).toContain('<p>Line one<br>\nit&#39;s &lt;i&gt;two&lt;/i&gt;</p>');
    expect(html).toContain('<td>&lt;evt&gt;</td><td>a&amp;b</td>');
    expect(text).toContain("it's <i>two</i>");
    expect(escapeHtml(`<a href="x">'&'</a>`)).toBe('&lt;a href=&quot;x&quot;&gt;&#39;&amp;&#39;&lt;/a&gt;');
  });

  it('is the same message every time for the same completion', () => {
    expect(render()).toEqual(render());
  });
});
