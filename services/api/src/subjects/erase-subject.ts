import { Inject, Injectable } from '@nestjs/common';
import type { Logger } from 'pino';
import { SubjectErasureRepository } from '@flowline/db';
import { LOGGER } from '@flowline/runtime';
import type { ErasureDto } from './subject-erasure.dto';

/**
 * Erases a subject's personal data from PostgreSQL (docs/CONTRACT.md §15, decision 0021). An unknown
 * subject is not an error: nothing is held, the counts are zero, and the request is audited all
 * the same. The log line names the audit row, never the subject.
 */
@Injectable()
export class EraseSubject {
  constructor(
    @Inject(SubjectErasureRepository) private readonly erasures: SubjectErasureRepository,
    @Inject(LOGGER) private readonly logger: Logger,
  ) {}

  async execute(tenant: string, subject: string): Promise<ErasureDto> {
    const erased = await this.erasures.eraseSubject(tenant, subject);
    this.logger.info({ tenant, erasure: erased.id, counts: erased.counts }, 'subject erased');
    return { id: erased.id, erased_at: erased.erasedAt.toISOString(), counts: erased.counts };
  }
}
