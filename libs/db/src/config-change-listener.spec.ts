import { parseConnectionPaused, reconnectDelayMs } from './config-change-listener';

describe('parseConnectionPaused', () => {
  it('reads the tenant and connection of a pause notice', () => {
    expect(parseConnectionPaused('{"tenant":"acme","connection":"c-1"}')).toEqual({
      tenant: 'acme',
      connectionId: 'c-1',
    });
  });

  it('reads the reason when the notice carries one', () => {
    expect(parseConnectionPaused('{"tenant":"acme","connection":"c-1","reason":"HTTP 410: endpoint gone"}')).toEqual({
      tenant: 'acme',
      connectionId: 'c-1',
      reason: 'HTTP 410: endpoint gone',
    });
  });

  it.each([undefined, '', 'acme', '{"tenant":"acme"}', '{"tenant":1,"connection":"c-1"}', 'null', '[]'])(
    'ignores %p',
    (payload) => {
      expect(parseConnectionPaused(payload)).toBeUndefined();
    },
  );
});

describe('reconnectDelayMs', () => {
  it.each([
    [1, 500],
    [2, 1000],
    [3, 2000],
    [5, 8000],
    [6, 10_000],
    [40, 10_000],
  ])('after %i failures waits %i ms', (failures, delay) => {
    expect(reconnectDelayMs(failures)).toBe(delay);
  });
});
