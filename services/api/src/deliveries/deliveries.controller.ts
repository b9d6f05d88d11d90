import { Controller, Get, Inject, NotFoundException, Param, Query, UseGuards } from '@nestjs/common';
import { ApiBearerAuth, ApiOkResponse, ApiParam, ApiTags } from '@nestjs/swagger';
import type { DataSource } from 'typeorm';
import { DATA_SOURCE } from '@flowline/runtime';
import { CurrentTenant } from '../auth/current-tenant.decorator';
import { TenantAuthGuard } from '../auth/tenant-auth.guard';
import { readAttemptLog } from './attempt-log';
import { ApiErrors, PATH_ERRORS } from '../common/openapi';
import { DeliveriesQueryDto, DeliveryListDto, DeliveryWithAttemptsDto } from './deliveries.dto';

interface DeliveryRow {
  id: string;
  subject: string;
  connection_id: string | null;
  flow_id: string | null;
  sequence_id: string | null;
  event_id: string;
  event_type: string;
  status: string;
  attempts: number;
  last_status_code: number | null;
  last_error: string | null;
  created_at: Date;
  updated_at: Date;
  delivered_at: Date | null;
}

/** The feed's columns: not the stored record (`message`), which can be a MiB. */
const FEED_COLUMNS = `id, subject, connection_id, flow_id, sequence_id, event_id, event_type, status, attempts,
  last_status_code, last_error, created_at, updated_at, delivered_at`;

function toResponse(row: DeliveryRow) {
  return {
    id: row.id,
    subject: row.subject,
    connection_id: row.connection_id,
    flow_id: row.flow_id,
    sequence_id: row.sequence_id,
    event_id: row.event_id,
    event_type: row.event_type,
    status: row.status,
    attempts: row.attempts,
    last_status_code: row.last_status_code,
    last_error: row.last_error,
    created_at: row.created_at.toISOString(),
    updated_at: row.updated_at.toISOString(),
    delivered_at: row.delivered_at?.toISOString() ?? null,
  };
}

/** The activity feed: every delivery and, by id, each of its attempts (docs/CONTRACT.md §8). */
@ApiTags('deliveries')
@ApiBearerAuth()
@ApiErrors([401])
@UseGuards(TenantAuthGuard)
@Controller('deliveries')
export class DeliveriesController {
  constructor(@Inject(DATA_SOURCE) private readonly dataSource: DataSource) {}

  @Get()
  @ApiOkResponse({ type: DeliveryListDto })
  @ApiErrors([400])
  async list(@CurrentTenant() tenant: string, @Query() query: DeliveriesQueryDto) {
    const conditions = ['tenant_id = $1'];
    const values: unknown[] = [tenant];
    const add = (sql: string, value: unknown) => {
      values.push(value);
      conditions.push(sql.replace('?', `$${values.length}`));
    };
    if (query.flow) add('flow_id = ?', query.flow);
    if (query.sequence) add('sequence_id = ?', query.sequence);
    if (query.subject) add('subject = ?', query.subject);
    if (query.status) add('status = ?', query.status);
    if (query.from) add('created_at >= ?', query.from);
    if (query.to) add('created_at < ?', query.to);
    values.push(query.limit ?? 100);
    const rows = await this.dataSource.query<DeliveryRow[]>(
      `SELECT ${FEED_COLUMNS} FROM deliveries WHERE ${conditions.join(' AND ')} ORDER BY created_at DESC, id LIMIT $${values.length}`,
      values,
    );
    return { deliveries: rows.map(toResponse) };
  }

  @Get(':id')
  @ApiParam({ name: 'id', description: 'the delivery id, which is its webhook-id', example: 'msg_2p3Q9rTz' })
  @ApiOkResponse({ type: DeliveryWithAttemptsDto })
  @ApiErrors(PATH_ERRORS)
  async get(@CurrentTenant() tenant: string, @Param('id') id: string) {
    const [row] = await this.dataSource.query<DeliveryRow[]>(
      `SELECT ${FEED_COLUMNS} FROM deliveries WHERE id = $1 AND tenant_id = $2`,
      [id, tenant],
    );
    if (!row) throw new NotFoundException(`delivery ${id} not found`);
    return { ...toResponse(row), attempt_log: await readAttemptLog(this.dataSource, tenant, id) };
  }
}
