import { SecretBox, SecretBoxError } from './secret-box';

describe('SecretBox', () => {
  const box = new SecretBox('k'.repeat(32));

  it('seals so that the plaintext is not visible and opens it again', () => {
    const sealed = box.seal('hunter2-password');
    expect(sealed).not.toContain('hunter2');
    expect(sealed.startsWith(`fl1:${box.keyId}:`)).toBe(true);
    expect(box.open(sealed)).toBe('hunter2-password');
    expect(box.seal('same')).not.toBe(box.seal('same'));
  });

  it('opens secrets sealed with a previous key after rotation', () => {
    const old = new SecretBox('old-key-'.repeat(5));
    const sealed = old.seal('token');
    const rotated = new SecretBox('new-key-'.repeat(5), ['old-key-'.repeat(5)]);
    expect(rotated.open(sealed)).toBe('token');
    expect(rotated.seal('x').split(':')[1]).toBe(rotated.keyId);
    expect(() => new SecretBox('new-key-'.repeat(5)).open(sealed)).toThrow(/not configured/);
  });

  it('refuses a tampered secret', () => {
    const sealed = box.seal('secret');
    const parts = sealed.split(':');
    parts[4] = Buffer.from('tampered').toString('base64url');
    expect(() => box.open(parts.join(':'))).toThrow(SecretBoxError);
  });
});
