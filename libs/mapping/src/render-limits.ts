import { MAX_DELIVERY_BYTES } from '@flowline/contracts';

/**
 * What one rendering of a mapping may produce and do (decision 0014). A small event and a mapping
 * that copies it many times over could otherwise ask for any amount of memory and time: each limit
 * is checked before the work it bounds is done, from sizes that are cheap to know.
 */
export interface RenderLimits {
  /**
   * The rendered payload (or headers), as JSON in UTF-8 bytes. Each field's value is measured
   * before it is copied, and a template's expansion (its text plus every placeholder's value)
   * before it is built.
   */
  maxOutputBytes: number;
  /** `{{...}}` placeholders substituted over all the templates of one rendering. */
  maxSubstitutions: number;
}

/**
 * The limits the mapper and the API's preview render with. The output may be as large as a
 * delivery record may be (`MAX_DELIVERY_BYTES`, from the topics' record limit): anything larger
 * could never be delivered. 10,000 placeholders is a hundred times what a real mapping holds.
 */
export const DEFAULT_RENDER_LIMITS: Readonly<RenderLimits> = {
  maxOutputBytes: MAX_DELIVERY_BYTES,
  maxSubstitutions: 10_000,
};

/**
 * Segments of a dotted target (`contact.address.city` has 3). Deeper targets would nest the
 * payload past what the rest of the pipeline accepts (see `MAX_INTERNAL_RECORD_DEPTH`).
 */
export const MAX_TARGET_SEGMENTS = 32;

/** Thrown inside rendering when the next step would pass a limit; the rendering stops there. */
export class RenderLimitExceeded extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'RenderLimitExceeded';
  }
}

/**
 * The JSON size of `value` in UTF-8 bytes (escapes aside, which JSON adds for quotes, backslashes
 * and control characters), or the first running total past `cap`: the walk stops there, so
 * measuring costs no more than the cap, whatever the value. Iterative: no depth overflows it.
 */
export function jsonBytesUpTo(value: unknown, cap: number): number {
  let total = 0;
  const stack: unknown[] = [value];
  while (stack.length > 0) {
    const current = stack.pop();
    if (typeof current === 'string') total += Buffer.byteLength(current) + 2;
    else if (typeof current === 'number' || typeof current === 'bigint') total += String(current).length;
    else if (typeof current === 'boolean') total += current ? 4 : 5;
    else if (current === null || current === undefined) total += 4;
    else if (Array.isArray(current)) {
      total += 2 + current.length;
      for (const item of current) stack.push(item);
    } else if (typeof current === 'object') {
      const entries = Object.entries(current);
      total += 2 + entries.length;
      for (const [key, item] of entries) {
        total += Buffer.byteLength(key) + 3;
        stack.push(item);
      }
    }
    if (total > cap) return total;
  }
  return total;
}

/** What one rendering has left to spend; created per rendering, spent field by field. */
export class RenderBudget {
  private bytesLeft: number;
  private substitutionsLeft: number;

  constructor(readonly limits: RenderLimits = DEFAULT_RENDER_LIMITS) {
    this.bytesLeft = limits.maxOutputBytes;
    this.substitutionsLeft = limits.maxSubstitutions;
  }

  /** Bytes of output still allowed. */
  get remainingBytes(): number {
    return this.bytesLeft;
  }

  /** Spends a value about to be written; throws before anything is copied when it does not fit. */
  spendValue(value: unknown, label: string): void {
    const bytes = jsonBytesUpTo(value, this.bytesLeft);
    if (bytes > this.bytesLeft) throw new RenderLimitExceeded(`${label} is at least ${bytes} bytes, ${this.over()}`);
    this.bytesLeft -= bytes;
  }

  /** Checks, without spending, that a text of `bytes` (a template's expansion) would fit. */
  checkExpansion(bytes: number): void {
    if (bytes > this.bytesLeft)
      throw new RenderLimitExceeded(`the template expands to at least ${bytes} bytes, ${this.over()}`);
  }

  /** Spends `count` placeholder substitutions; throws before any is resolved when they do not fit. */
  spendSubstitutions(count: number): void {
    if (count > this.substitutionsLeft)
      throw new RenderLimitExceeded(
        `the template has ${count} placeholders, more than the ${this.substitutionsLeft} left of the ${this.limits.maxSubstitutions} one rendering may substitute`,
      );
    this.substitutionsLeft -= count;
  }

  private over(): string {
    return `more than the ${this.bytesLeft} bytes left of the ${this.limits.maxOutputBytes} bytes a rendered output may have`;
  }
}
