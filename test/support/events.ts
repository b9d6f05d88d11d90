/** A registration event as an upstream webinar platform produces it (docs/CONTRACT.md §2). */
export function registrationEvent(
  tenant: string,
  subject: string,
  sequence: number,
  extra: Record<string, unknown> = {},
) {
  return {
    id: `${subject}-evt-${sequence}`,
    tenant,
    type: 'registration.created',
    subject,
    time: new Date(Date.UTC(2025, 0, 10, 9, 0, sequence)).toISOString(),
    source: 'sequel',
    data: {
      profile: { first_name: `First ${subject}`, last_name: 'Lovelace', email: `${subject}@example.com` },
      registration: { status: 'Registered', sequence },
      ...extra,
    },
  };
}

/** The mapping the pipeline tests use, and the body it produces for `registrationEvent`. */
export const REGISTRATION_FIELDS = [
  { target: 'contact.firstName', source: 'profile.first_name' },
  { target: 'contact.email', source: 'profile.email' },
  { target: 'status', source: 'registration.status' },
  { target: 'sequence', source: 'registration.sequence' },
  { target: 'lead', source: '$subject' },
  { target: 'integration', value: 'flowline_test' },
];

export function expectedRegistrationBody(subject: string, sequence: number) {
  return {
    contact: { firstName: `First ${subject}`, email: `${subject}@example.com` },
    status: 'Registered',
    sequence,
    lead: subject,
    integration: 'flowline_test',
  };
}
