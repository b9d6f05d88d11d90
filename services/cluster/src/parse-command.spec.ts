import { SERVICE_NAMES } from '@flowline/config';
import { parseCommand } from './parse-command';

describe('parseCommand', () => {
  it('runs every service by default and for "all"', () => {
    expect(parseCommand([], undefined)).toEqual({ kind: 'run', services: [...SERVICE_NAMES] });
    expect(parseCommand(['all'], undefined)).toEqual({ kind: 'run', services: [...SERVICE_NAMES] });
  });

  it('runs the named services, from arguments or FLOWLINE_SERVICES', () => {
    expect(parseCommand(['ingest,mapper'], undefined)).toEqual({ kind: 'run', services: ['ingest', 'mapper'] });
    expect(parseCommand([], 'dispatcher')).toEqual({ kind: 'run', services: ['dispatcher'] });
  });

  it('knows migrate, retention and demo, and refuses unknown names', () => {
    expect(parseCommand(['migrate'], undefined)).toEqual({ kind: 'migrate' });
    expect(parseCommand(['retention'], undefined)).toEqual({ kind: 'retention' });
    expect(parseCommand(['demo'], undefined)).toEqual({ kind: 'demo' });
    expect(() => parseCommand(['ingest', 'mailer'], undefined)).toThrow(/unknown service\(s\): mailer/);
  });
});
