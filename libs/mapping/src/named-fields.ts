import { isRecord, readPath } from './json-path';
import { MappingContext, MappingInput } from './mapping-definition';
import { findAnswer } from './registration-answers';
import { isMissing, toText } from './value-text';

/** One entry of the catalogue of named source fields (docs/CONTRACT.md §5), as the API and README show it. */
export interface NamedFieldEntry {
  /** The name to write in `source`; `_N` stands for 1..10. */
  name: string;
  /** Where the value comes from. */
  reads: string;
  description: string;
}

/** Numbered fields (`poll_question_N`...) exist for N = 1..10, as in Sequel's catalogue. */
export const NUMBERED_FIELD_COUNT = 10;

/**
 * The documented interface of `source`. Order follows docs/CONTRACT.md §5, then the names Flowline adds
 * from the reference documents (`questions_asked`, `event_code`).
 */
export const NAMED_FIELDS: readonly NamedFieldEntry[] = [
  { name: 'first_name', reads: 'profile.first_name', description: "the person's first name" },
  { name: 'last_name', reads: 'profile.last_name', description: "the person's last name" },
  {
    name: 'full_name',
    reads: 'profile.full_name, else profile.first_name + " " + profile.last_name',
    description: "the person's full name",
  },
  { name: 'email', reads: 'profile.email', description: "the person's email address" },
  {
    name: 'status',
    reads: 'registration.status',
    description: 'the registration status (Registered, Attended, No Show, Viewed On Demand...)',
  },
  { name: 'live_minutes', reads: 'engagement.live_minutes', description: 'minutes watched live' },
  { name: 'on_demand_minutes', reads: 'engagement.on_demand_minutes', description: 'minutes watched on demand' },
  {
    name: 'live_percent_viewed',
    reads: 'engagement.live_percent_viewed',
    description: 'percentage of the live event watched',
  },
  {
    name: 'on_demand_percent_viewed',
    reads: 'engagement.on_demand_percent_viewed',
    description: 'percentage of the on-demand content watched',
  },
  { name: 'poll_question_N', reads: 'engagement.polls[N-1].question', description: 'the Nth poll question' },
  { name: 'poll_answer_N', reads: 'engagement.polls[N-1].answer', description: "the person's answer to the Nth poll" },
  { name: 'question_asked_N', reads: 'engagement.questions[N-1]', description: 'the Nth question the person asked' },
  { name: 'cta_name_N', reads: 'engagement.ctas[N-1].name', description: 'the Nth call to action' },
  {
    name: 'cta_clicked_N',
    reads: 'engagement.ctas[N-1].clicked',
    description: 'the URL the person clicked on the Nth call to action, or "" if not clicked',
  },
  { name: 'resource_name_N', reads: 'engagement.resources[N-1].name', description: 'the Nth resource' },
  {
    name: 'resource_clicked_N',
    reads: 'engagement.resources[N-1].clicked',
    description: 'the URL of the Nth resource the person clicked, or "" if not clicked',
  },
  { name: 'event_id', reads: 'event.id', description: 'the event id' },
  { name: 'event_name', reads: 'event.name', description: 'the event name' },
  { name: 'event_start', reads: 'event.start', description: 'the event start date and time' },
  { name: 'utm_source', reads: 'registration.utm.source', description: 'UTM source of the registration' },
  { name: 'utm_medium', reads: 'registration.utm.medium', description: 'UTM medium of the registration' },
  { name: 'utm_campaign', reads: 'registration.utm.campaign', description: 'UTM campaign of the registration' },
  { name: 'utm_term', reads: 'registration.utm.term', description: 'UTM term of the registration' },
  { name: 'utm_content', reads: 'registration.utm.content', description: 'UTM content of the registration' },
  { name: 'flow_name', reads: 'the flow that triggered the delivery', description: "the flow's name" },
  { name: 'current_date', reads: 'the time of mapping', description: 'the date of mapping, YYYY-MM-DD (UTC)' },
  { name: 'account_code', reads: 'the tenant', description: 'the account (tenant) code' },
  {
    name: 'question:<tag or question text>',
    reads: 'registration.answers[].answer',
    description: 'the answer to the registration question with that text or that tag',
  },
  {
    name: 'questions_asked',
    reads: 'engagement.questions',
    description: 'how many questions the person asked (Sequel "Advanced Configuration Example")',
  },
  { name: 'event_code', reads: 'event.code', description: 'the event code (Certain "Event Code")' },
];

/**
 * Other names for catalogue fields, from the reference documents. Sequel's "Advanced Configuration
 * Example" maps `minutes_watched` and `percentage_view_time` in an Event Ended payload, where the
 * figures are the live ones. (`question_<name>`, its registration-question form, is handled by
 * `resolverOf`: it is a family, not a name.)
 */
export const NAMED_FIELD_ALIASES: Readonly<Record<string, string>> = {
  minutes_watched: 'live_minutes',
  percentage_view_time: 'live_percent_viewed',
};

/** The envelope fields a source may name with `$` (docs/CONTRACT.md §5). */
export const ENVELOPE_FIELDS = ['$id', '$type', '$subject', '$time', '$tenant', '$source'] as const;

export type Resolver = (input: MappingInput, context: MappingContext) => unknown;

const at =
  (path: string): Resolver =>
  (input) =>
    readPath(input.data, path);

function fullName(input: MappingInput): unknown {
  const full = readPath(input.data, 'profile.full_name');
  if (!isMissing(full) && full !== '') return full;
  const parts = [readPath(input.data, 'profile.first_name'), readPath(input.data, 'profile.last_name')]
    .filter((part) => !isMissing(part))
    .map(toText)
    .filter((part) => part !== '');
  return parts.length > 0 ? parts.join(' ') : undefined;
}

/** A question the person asked: a string, or `{question}` / `{text}` from producers that send objects. */
function askedQuestion(input: MappingInput, index: number): unknown {
  const asked = readPath(input.data, `engagement.questions.${index}`);
  if (isRecord(asked)) return asked.question ?? asked.text;
  return asked;
}

/**
 * What a CTA or resource click yields: the clicked URL; `""` when the item exists but was not
 * clicked (Sequel: "or empty if not clicked"); missing when there is no Nth item at all, so a
 * mapping of ten CTAs does not write ten empty pairs. `clicked: true` with a `url` is read as that URL.
 */
function clickedUrl(input: MappingInput, list: string, index: number): unknown {
  const item = readPath(input.data, `engagement.${list}.${index}`);
  if (!isRecord(item)) return undefined;
  if (typeof item.clicked === 'string') return item.clicked;
  if (item.clicked === true && typeof item.url === 'string') return item.url;
  return '';
}

function currentDate(context: MappingContext): string | undefined {
  const { now } = context;
  if (now === undefined || now === null) return undefined;
  const date = now instanceof Date ? now : new Date(now);
  return Number.isNaN(date.getTime()) ? undefined : date.toISOString().slice(0, 10);
}

function buildResolvers(): Map<string, Resolver> {
  const resolvers = new Map<string, Resolver>([
    ['first_name', at('profile.first_name')],
    ['last_name', at('profile.last_name')],
    ['full_name', fullName],
    ['email', at('profile.email')],
    // The registration status is what Sequel's and Certain's `status` means; an event's own
    // status (event.created) is `event.status`, a path.
    ['status', at('registration.status')],
    ['live_minutes', at('engagement.live_minutes')],
    ['on_demand_minutes', at('engagement.on_demand_minutes')],
    ['live_percent_viewed', at('engagement.live_percent_viewed')],
    ['on_demand_percent_viewed', at('engagement.on_demand_percent_viewed')],
    [
      'questions_asked',
      (input) => {
        const questions = readPath(input.data, 'engagement.questions');
        return Array.isArray(questions) ? questions.length : undefined;
      },
    ],
    ['event_id', at('event.id')],
    ['event_code', at('event.code')],
    ['event_name', at('event.name')],
    ['event_start', at('event.start')],
    ['utm_source', at('registration.utm.source')],
    ['utm_medium', at('registration.utm.medium')],
    ['utm_campaign', at('registration.utm.campaign')],
    ['utm_term', at('registration.utm.term')],
    ['utm_content', at('registration.utm.content')],
    ['flow_name', (_, context) => context.flowName],
    ['account_code', (input, context) => context.accountCode ?? input.tenant],
    ['current_date', (_, context) => currentDate(context)],
  ]);
  for (let n = 1; n <= NUMBERED_FIELD_COUNT; n++) {
    const i = n - 1;
    resolvers.set(`poll_question_${n}`, at(`engagement.polls.${i}.question`));
    resolvers.set(`poll_answer_${n}`, at(`engagement.polls.${i}.answer`));
    resolvers.set(`question_asked_${n}`, (input) => askedQuestion(input, i));
    resolvers.set(`cta_name_${n}`, at(`engagement.ctas.${i}.name`));
    resolvers.set(`cta_clicked_${n}`, (input) => clickedUrl(input, 'ctas', i));
    resolvers.set(`resource_name_${n}`, at(`engagement.resources.${i}.name`));
    resolvers.set(`resource_clicked_${n}`, (input) => clickedUrl(input, 'resources', i));
  }
  for (const [alias, name] of Object.entries(NAMED_FIELD_ALIASES)) resolvers.set(alias, resolvers.get(name)!);
  return resolvers;
}

const RESOLVERS = buildResolvers();

/** Every name `source` accepts as a named field, numbered ones expanded (for validation and docs). */
export const NAMED_FIELD_NAMES: readonly string[] = [...RESOLVERS.keys()];

/** The prefix of a registration answer source: `question:Company Name`, `question:company`. */
export const QUESTION_PREFIX = 'question:';

/** Sequel's spelling of a registration answer: `question_company_name`. */
const SEQUEL_QUESTION_PREFIX = 'question_';

/**
 * `FirstName`, `firstName`, `First Name` and `Current Date` (how Certain's screens and Sequel's
 * payloads spell them) all mean the catalogue's `first_name` / `current_date`.
 */
function canonicalName(name: string): string {
  return name
    .trim()
    .replace(/([a-z0-9])([A-Z])/g, '$1_$2')
    .replace(/[\s-]+/g, '_')
    .toLowerCase();
}

/**
 * The resolver of a named field, or undefined when `name` is not one (then it is a path). Named
 * fields come first because the catalogue is the documented interface; apart from `question:...`,
 * a name with a dot is never looked up here, so `profile.status` is always a path.
 */
export function resolverOf(name: string): Resolver | undefined {
  // Question texts may hold dots ("Dr. or Mr.?"): this form is recognised before the dot rule.
  if (name.startsWith(QUESTION_PREFIX)) {
    const key = name.slice(QUESTION_PREFIX.length).trim();
    return (input, context) => findAnswer(input.data, key, context.questionTags);
  }
  if (name.includes('.')) return undefined;
  const exact = RESOLVERS.get(name) ?? RESOLVERS.get(canonicalName(name));
  if (exact) return exact;
  if (name.startsWith(SEQUEL_QUESTION_PREFIX) && name.length > SEQUEL_QUESTION_PREFIX.length) {
    const key = name.slice(SEQUEL_QUESTION_PREFIX.length);
    return (input, context) => findAnswer(input.data, key, context.questionTags);
  }
  return undefined;
}

/** True when `source` names a catalogue field (or an alias, or a registration answer) rather than a path. */
export function isNamedField(source: string): boolean {
  return resolverOf(source) !== undefined;
}
