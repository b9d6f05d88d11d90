/**
 * Throughput and state size of the pure sequence matcher (`stepSequence`) on one core, the
 * per-lead state kept in a Map in memory: no Kafka, no database.
 *
 *   npm run build   (once: the bench loads libs from dist/)
 *   swc test/bench -d dist --config-file .swcrc --quiet && node dist/test/bench/sequence-matcher.bench.js [events]
 *
 * 10 tenants × 1,000 leads, 5 sequences per tenant (3–4 types, windows 1 h–7 d, ordered and
 * unordered), a stream over 30 days of event time: leads in sessions of a few events minutes
 * apart, ~200 sessions interleaved at any time, a few leads far more active than most. 10% of the
 * events arrive out of order within the allowed lateness (≤ 4 min), 1% beyond it (5–15 min).
 * Events are generated before the clock starts; the timed loop routes each event to the sequences
 * of its tenant that watch its type and steps it through them.
 */
import {
  expireState,
  formatEventTime,
  stepSequence,
  type LeadSequenceState,
  type SequenceDefinition,
  type SequenceEvent,
} from '@flowline/matching';

const EVENTS = Number(process.argv[2] ?? 1_000_000);
const TENANTS = 10;
const LEADS_PER_TENANT = 1_000;
const CONCURRENT_SESSIONS = 200;
const SPAN_MS = 30 * 24 * 3600_000;
const ALLOWED_LATENESS_MS = 5 * 60_000;
const HOUR = 3600;

/** Deterministic figures run to run: mulberry32. */
let seed = 0x5eed;
function random(): number {
  seed = (seed + 0x6d2b79f5) | 0;
  let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
  t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
  return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
}

const TYPE_WEIGHTS: Array<[string, number]> = [
  ['page_view', 36],
  ['pricing_page_view', 10],
  ['email_open', 12],
  ['email_click', 7],
  ['whitepaper_download', 5],
  ['webinar_register', 4],
  ['webinar_attend', 3],
  ['trial_start', 3],
  ['demo_request', 2],
  ['contact_sales', 2],
  ['form_view', 8],
  ['profile_update', 8],
];
const TOTAL_WEIGHT = TYPE_WEIGHTS.reduce((sum, [, weight]) => sum + weight, 0);
function randomType(): string {
  let pick = random() * TOTAL_WEIGHT;
  for (const [type, weight] of TYPE_WEIGHTS) {
    pick -= weight;
    if (pick < 0) return type;
  }
  return 'page_view';
}

const TEMPLATES: Array<Omit<SequenceDefinition, 'id' | 'tenant'>> = [
  {
    name: 'Buying intent',
    eventTypes: ['pricing_page_view', 'whitepaper_download', 'demo_request'],
    windowSeconds: 7 * 24 * HOUR,
    ordered: true,
    active: true,
  },
  {
    name: 'Email to pricing',
    eventTypes: ['email_open', 'email_click', 'pricing_page_view'],
    windowSeconds: HOUR,
    ordered: true,
    active: true,
  },
  {
    name: 'Webinar to trial',
    eventTypes: ['webinar_register', 'webinar_attend', 'trial_start', 'demo_request'],
    windowSeconds: 3 * 24 * HOUR,
    ordered: false,
    active: true,
  },
  {
    name: 'Hot visitor',
    eventTypes: ['page_view', 'pricing_page_view', 'contact_sales'],
    windowSeconds: 24 * HOUR,
    ordered: false,
    active: true,
  },
  {
    name: 'Nurture',
    eventTypes: ['email_click', 'whitepaper_download', 'webinar_register', 'trial_start'],
    windowSeconds: 6 * HOUR,
    ordered: true,
    active: true,
  },
];

/** Per tenant, per event type: the sequences that watch it (how the service would route). */
const routes: Array<Map<string, SequenceDefinition[]>> = [];
const byId = new Map<string, SequenceDefinition>();
for (let tenant = 0; tenant < TENANTS; tenant++) {
  const byType = new Map<string, SequenceDefinition[]>();
  TEMPLATES.forEach((template, index) => {
    const definition = { ...template, id: `seq-${tenant}-${index}`, tenant: `tenant-${tenant}` };
    byId.set(definition.id, definition);
    for (const type of new Set(template.eventTypes)) byType.set(type, [...(byType.get(type) ?? []), definition]);
  });
  routes.push(byType);
}

interface BenchEvent {
  tenant: number;
  lead: string;
  event: SequenceEvent;
}

function generate(count: number): { events: BenchEvent[]; lastTime: number } {
  const start = Date.parse('2025-01-01T00:00:00Z');
  const step = SPAN_MS / count;
  // A few leads are far more active than most: lead index skewed towards 0 (r³).
  const newSession = () => ({
    tenant: Math.floor(random() * TENANTS),
    lead: Math.floor(random() ** 3 * LEADS_PER_TENANT),
    left: 2 + Math.floor(random() * 12),
  });
  const sessions = Array.from({ length: CONCURRENT_SESSIONS }, newSession);
  const events: BenchEvent[] = new Array<BenchEvent>(count);
  let lastTime = start;
  for (let i = 0; i < count; i++) {
    const slot = Math.floor(random() * CONCURRENT_SESSIONS);
    const session = sessions[slot] as ReturnType<typeof newSession>;
    const clock = start + i * step;
    const lottery = random();
    const delay = lottery < 0.9 ? 0 : lottery < 0.99 ? random() * 240_000 : 300_000 + random() * 600_000;
    const at = Math.floor(clock - delay);
    lastTime = Math.max(lastTime, at);
    events[i] = {
      tenant: session.tenant,
      lead: `lead-${session.lead}`,
      event: { id: `evt-${i}`, type: randomType(), time: formatEventTime(at) },
    };
    if (--session.left === 0) sessions[slot] = newSession();
  }
  return { events, lastTime };
}

function stateSizes(states: LeadSequenceState[]) {
  const sizes = states.map((state) => JSON.stringify(state).length).sort((a, b) => a - b);
  const average = sizes.reduce((sum, size) => sum + size, 0) / Math.max(sizes.length, 1);
  const p99 = sizes[Math.min(sizes.length - 1, Math.floor(sizes.length * 0.99))] ?? 0;
  const events = states.map((state) => state.events.length);
  return { count: states.length, average, p99, max: sizes[sizes.length - 1] ?? 0, maxEvents: Math.max(0, ...events) };
}

function main(): void {
  const { events, lastTime } = generate(EVENTS);
  const states = new Map<string, LeadSequenceState>();
  const counts = { steps: 0, pending: 0, fired: 0, late: 0, ignored: 0, unrouted: 0 };
  const reasons = new Map<string, number>();
  const options = { allowedLatenessMs: ALLOWED_LATENESS_MS };

  const started = process.hrtime.bigint();
  for (const { tenant, lead, event } of events) {
    const sequences = (routes[tenant] as Map<string, SequenceDefinition[]>).get(event.type);
    if (!sequences) {
      counts.unrouted++;
      continue;
    }
    for (const sequence of sequences) {
      const key = `${sequence.id}\u0000${lead}`;
      const result = stepSequence(sequence, states.get(key), event, options);
      counts.steps++;
      counts[result.kind]++;
      if (result.kind === 'ignored' || result.kind === 'late') {
        reasons.set(result.reason, (reasons.get(result.reason) ?? 0) + 1);
      }
      if (result.kind === 'pending' || result.kind === 'fired') states.set(key, result.state);
    }
  }
  const seconds = Number(process.hrtime.bigint() - started) / 1e9;

  const partial = [...states.values()].filter((state) => state.firedAt === undefined);
  const latches = states.size - partial.length;
  const sweepStarted = process.hrtime.bigint();
  const expired: LeadSequenceState[] = [];
  for (const [key, state] of states) {
    const sequence = byId.get(key.slice(0, key.indexOf('\u0000')));
    if (state.firedAt !== undefined || !sequence) continue;
    const kept = expireState(sequence, state, lastTime, options);
    if (kept) expired.push(kept);
  }
  const sweepSeconds = Number(process.hrtime.bigint() - sweepStarted) / 1e9;
  const open = stateSizes(partial);
  const afterSweep = stateSizes(expired);

  const rows: Array<[string, string]> = [
    ['events', EVENTS.toLocaleString('en')],
    ['leads × sequences', `${(TENANTS * LEADS_PER_TENANT).toLocaleString('en')} × ${TEMPLATES.length}`],
    ['events/s (one core, pure matcher + Map)', Math.round(EVENTS / seconds).toLocaleString('en')],
    ['stepSequence calls/s', Math.round(counts.steps / seconds).toLocaleString('en')],
    ['time', `${seconds.toFixed(2)} s`],
    [
      'outcomes (steps)',
      `pending ${counts.pending}, fired ${counts.fired}, late ${counts.late}, ignored ${counts.ignored}; events no sequence watches ${counts.unrouted}`,
    ],
    ['ignored and late, by reason', [...reasons].map(([reason, count]) => `${reason} ${count}`).join(', ')],
    ['fired latches kept', latches.toLocaleString('en')],
    ['open partial matches at the end', open.count.toLocaleString('en')],
    [
      'state bytes per open partial (JSON)',
      `average ${open.average.toFixed(0)}, p99 ${open.p99}, max ${open.max} (max ${open.maxEvents} events)`,
    ],
    [
      'after expireState at the last event time',
      `${afterSweep.count.toLocaleString('en')} open; average ${afterSweep.average.toFixed(0)} B, p99 ${afterSweep.p99} B (sweep ${(sweepSeconds * 1000).toFixed(0)} ms)`,
    ],
  ];
  const width = Math.max(...rows.map(([label]) => label.length));
  for (const [label, value] of rows) console.log(`${label.padEnd(width)}  ${value}`);
}

main();
