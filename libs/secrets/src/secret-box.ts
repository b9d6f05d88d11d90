import { createCipheriv, createDecipheriv, createHash, randomBytes } from 'node:crypto';

/** A sealed secret names the key that sealed it, so keys can be rotated (old keys stay readable). */
const FORMAT = 'fl1';

export class SecretBoxError extends Error {}

interface Key {
  id: string;
  bytes: Buffer;
}

function deriveKey(material: string): Key {
  // SHA-256 turns the operator's passphrase into a 256-bit key; its own hash names it.
  const bytes = createHash('sha256').update(`flowline-secret-key:${material}`).digest();
  const id = createHash('sha256').update(bytes).digest('hex').slice(0, 8);
  return { id, bytes };
}

/**
 * Authenticated encryption (AES-256-GCM) of connection secrets at rest. Seals with the current
 * key; opens with any configured key, found by the id stored with the ciphertext.
 */
export class SecretBox {
  private readonly current: Key;
  private readonly byId: Map<string, Key>;

  constructor(currentKey: string, previousKeys: readonly string[] = []) {
    this.current = deriveKey(currentKey);
    this.byId = new Map([this.current, ...previousKeys.map(deriveKey)].map((key) => [key.id, key]));
  }

  get keyId(): string {
    return this.current.id;
  }

  seal(plaintext: string): string {
    const iv = randomBytes(12);
    const cipher = createCipheriv('aes-256-gcm', this.current.bytes, iv);
    const ciphertext = Buffer.concat([cipher.update(plaintext, 'utf8'), cipher.final()]);
    const tag = cipher.getAuthTag();
    return [
      FORMAT,
      this.current.id,
      iv.toString('base64url'),
      tag.toString('base64url'),
      ciphertext.toString('base64url'),
    ].join(':');
  }

  open(sealed: string): string {
    const [format, keyId, iv, tag, ciphertext] = sealed.split(':');
    if (format !== FORMAT || !keyId || iv === undefined || tag === undefined || ciphertext === undefined) {
      throw new SecretBoxError('not a sealed secret');
    }
    const key = this.byId.get(keyId);
    if (!key) throw new SecretBoxError(`sealed with key ${keyId}, which is not configured`);
    try {
      const decipher = createDecipheriv('aes-256-gcm', key.bytes, Buffer.from(iv, 'base64url'));
      decipher.setAuthTag(Buffer.from(tag, 'base64url'));
      return Buffer.concat([decipher.update(Buffer.from(ciphertext, 'base64url')), decipher.final()]).toString('utf8');
    } catch {
      throw new SecretBoxError('sealed secret failed authentication');
    }
  }

  static isSealed(value: unknown): boolean {
    return typeof value === 'string' && value.startsWith(`${FORMAT}:`);
  }
}
