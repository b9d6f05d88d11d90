import { Controller, Delete, Inject, Param, UseGuards } from '@nestjs/common';
import { ApiBearerAuth, ApiOkResponse, ApiOperation, ApiParam, ApiTags } from '@nestjs/swagger';
import { CurrentTenant } from '../auth/current-tenant.decorator';
import { TenantAuthGuard } from '../auth/tenant-auth.guard';
import { ApiErrors, PATH_ERRORS } from '../common/openapi';
import { EraseSubject } from './erase-subject';
import { ErasureDto, SubjectParamDto } from './subject-erasure.dto';

/** A subject's personal data on request (docs/CONTRACT.md §15): erasure. */
@ApiTags('subjects')
@ApiBearerAuth()
@ApiErrors([401])
@UseGuards(TenantAuthGuard)
@Controller('subjects')
export class SubjectsController {
  constructor(@Inject(EraseSubject) private readonly eraseSubject: EraseSubject) {}

  @Delete(':subject')
  @ApiOperation({
    summary: "Erase a subject's personal data",
    description:
      "Removes, for the caller's tenant only, everything Flowline keeps in PostgreSQL about the subject: " +
      'deliveries with their stored records and bodies, their attempts with response excerpts, sequence ' +
      "progress and completed sequences, the subject's event ids in the dedupe horizon; replaces the " +
      "subject's key in the insights so figures stay but no longer link to it. Answers the counts per class " +
      'and writes an audit row without the subject. Records still in Kafka topics (ingest, events, actions, ' +
      'deliveries, retry and dead-letter topics) stay until the topics’ retention removes them; see the README.',
  })
  @ApiParam({
    name: 'subject',
    description: 'the subject as events carry it (1–500 characters, no control characters), URL-encoded',
    schema: { type: 'string', minLength: 1, maxLength: 500, pattern: '^[^\\u0000-\\u001f\\u007f]*$' },
  })
  @ApiOkResponse({
    type: ErasureDto,
    description: 'erased; all counts are zero for a subject Flowline holds nothing of',
  })
  @ApiErrors(PATH_ERRORS, { 400: { description: 'every problem with the subject (too long, control characters)' } })
  erase(@CurrentTenant() tenant: string, @Param() params: SubjectParamDto): Promise<ErasureDto> {
    return this.eraseSubject.execute(tenant, params.subject);
  }
}
