import { ArgumentsHost, Catch, ExceptionFilter, HttpException, Inject } from '@nestjs/common';
import type { Request, Response } from 'express';
import { QueryFailedError } from 'typeorm';
import { TenantQuotaExceeded } from '@flowline/db';
import type { Logger } from '@flowline/observability';
import { DatabaseErrorFacts, describeDatabaseRefusal } from './database-refusal';
import { LOGGER } from './tokens';

type LoggedRequest = Request & { id?: unknown; log?: Logger };

function reply(response: Response, status: number, body: Record<string, unknown>): void {
  if (response.headersSent) {
    response.end();
    return;
  }
  response.status(status).json(body);
}

/**
 * How every HTTP request that fails is answered, in one place (decision 0011): an HTTP exception
 * as it says; a tenant's configuration past its bounds with 409; a statement PostgreSQL refused because of the request with 400, 409 or 503 (a
 * unique-key race is a conflict, a value PostgreSQL cannot take a bad request), naming tables and
 * columns, never the statement or its values; anything else is a bug: 500 with a generic body,
 * and one log line whose error keeps no statement, parameter or value (`serializeError`).
 */
@Catch()
export class ErrorAnswersFilter implements ExceptionFilter {
  constructor(@Inject(LOGGER) private readonly logger: Logger) {}

  catch(exception: unknown, host: ArgumentsHost): void {
    if (host.getType() !== 'http') throw exception;
    const request = host.switchToHttp().getRequest<LoggedRequest>();
    const response = host.switchToHttp().getResponse<Response>();
    // The request's own logger (pino-http's child) ties the line to the request's id.
    const log = request.log ?? this.logger;

    if (exception instanceof HttpException) {
      const answer = exception.getResponse();
      const body = typeof answer === 'object' ? answer : { statusCode: exception.getStatus(), message: answer };
      return reply(response, exception.getStatus(), body as Record<string, unknown>);
    }

    if (exception instanceof TenantQuotaExceeded) {
      return reply(response, 409, { statusCode: 409, error: 'Conflict', message: exception.message });
    }

    if (exception instanceof QueryFailedError) {
      // TypeORM copies the driver's fields (code, table, column, constraint, detail) onto its error.
      const facts = exception as unknown as DatabaseErrorFacts;
      const refusal = describeDatabaseRefusal(facts);
      if (refusal) {
        log.info(
          { database: { code: facts.code, table: facts.table, column: facts.column, constraint: facts.constraint } },
          `database refused the request: ${refusal.status}`,
        );
        if (refusal.status === 503) response.setHeader('retry-after', '1');
        return reply(response, refusal.status, {
          statusCode: refusal.status,
          error: refusal.status === 409 ? 'Conflict' : refusal.status === 503 ? 'Service Unavailable' : 'Bad Request',
          message: refusal.status === 400 ? [refusal.message] : refusal.message,
        });
      }
    }

    log.error({ err: exception }, 'request failed on an unexpected error');
    return reply(response, 500, {
      statusCode: 500,
      error: 'Internal Server Error',
      message: 'an unexpected error; it is logged with this request id',
      request_id: request.id,
    });
  }
}
