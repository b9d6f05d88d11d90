import { decodeEvent } from '@flowline/contracts';
import type { ConsumedRecord } from '@flowline/kafka';

/** One event as `GET /events` lists it. */
export interface ListedEvent {
  id: string;
  type: string;
  subject: string;
  time: string;
  source: string | null;
  test: boolean;
  data: Record<string, unknown>;
  received_at: string;
}

interface Kept {
  event: ListedEvent;
  timestamp: number;
  partition: number;
  offset: bigint;
}

/** Newest first; records of one millisecond by partition, then latest offset first. */
function newerFirst(a: Kept, b: Kept): number {
  if (a.timestamp !== b.timestamp) return b.timestamp - a.timestamp;
  if (a.partition !== b.partition) return a.partition - b.partition;
  return a.offset > b.offset ? -1 : a.offset < b.offset ? 1 : 0;
}

/**
 * The newest events of one tenant among records read from the event log (pure): keeps only the
 * tenant's events received in [from, to), and never more than `limit` of them, so memory stays
 * bounded however many records are read. Also notes, per partition, the oldest record time read,
 * which says how far back a cut read reached.
 */
export class NewestEvents {
  private kept: Kept[] = [];
  private found = 0;
  private scanned = 0;
  private readonly oldestRead = new Map<number, number>();

  constructor(private readonly scope: { tenant: string; from: number; to: number; limit: number }) {}

  add(records: readonly ConsumedRecord[]): void {
    for (const record of records) {
      this.scanned += 1;
      const oldest = this.oldestRead.get(record.partition);
      if (oldest === undefined || record.timestamp < oldest) this.oldestRead.set(record.partition, record.timestamp);
      if (record.timestamp < this.scope.from || record.timestamp >= this.scope.to) continue;
      const decoded = decodeEvent(record.value);
      if (!decoded.ok || decoded.value.tenant !== this.scope.tenant) continue;
      this.found += 1;
      const { id, type, subject, time, source, test, data } = decoded.value;
      this.kept.push({
        event: {
          id,
          type,
          subject,
          time,
          source: source ?? null,
          test,
          data,
          received_at: new Date(record.timestamp).toISOString(),
        },
        timestamp: record.timestamp,
        partition: record.partition,
        offset: BigInt(record.offset),
      });
    }
    this.kept.sort(newerFirst);
    this.kept.length = Math.min(this.kept.length, this.scope.limit);
  }

  /** Records read, whichever tenant's. */
  get recordsScanned(): number {
    return this.scanned;
  }

  /** The oldest record time read in a partition, if any was read. */
  oldestReadIn(partition: number): number | undefined {
    return this.oldestRead.get(partition);
  }

  /**
   * The kept events, newest first, as many as fit in `maxBytes` of JSON (the first always does);
   * `more` when the tenant had more events among the records read than are listed.
   */
  newestFirst(maxBytes: number): { events: ListedEvent[]; more: boolean } {
    const events: ListedEvent[] = [];
    let bytes = 0;
    for (const { event } of this.kept) {
      bytes += Buffer.byteLength(JSON.stringify(event));
      if (events.length > 0 && bytes > maxBytes) break;
      events.push(event);
    }
    return { events, more: this.found > events.length };
  }
}
