import { ArgumentMetadata, BadRequestException, Injectable, ValidationPipe } from '@nestjs/common';
import type { ValidationError } from 'class-validator';
import { findInputProblems } from './input-problems';

/**
 * A field that was not sent fails every constraint it has ("must be a string", "must be longer
 * than…", "must match…"): it is reported once, as required.
 */
export function reportMissingAsRequired(errors: ValidationError[]): ValidationError[] {
  return errors.map((error) => {
    const missing = (error.value === undefined || error.value === null) && !error.children?.length;
    const isUnknown = error.constraints?.whitelistValidation !== undefined;
    if (!missing || isUnknown || !error.constraints) {
      return { ...error, children: reportMissingAsRequired(error.children ?? []) };
    }
    return { ...error, constraints: { isRequired: `${error.property} is required` } };
  });
}

/**
 * The one pipe every body, query and path parameter passes (docs/CONTRACT.md §10: 400 listing every
 * problem). First what no DTO can see: NUL characters and lone surrogates anywhere in a text or a
 * key, `__proto__`-like keys, repeated or nested query parameters; then the DTO's own validation,
 * with unknown fields refused and missing ones reported as required.
 */
@Injectable()
export class ApiValidationPipe extends ValidationPipe {
  constructor() {
    super({ whitelist: true, forbidNonWhitelisted: true, transform: true });
    const describe = this.createExceptionFactory();
    this.exceptionFactory = (errors: ValidationError[]) => describe(reportMissingAsRequired(errors));
  }

  override async transform(value: unknown, metadata: ArgumentMetadata): Promise<unknown> {
    if (metadata.type === 'body' || metadata.type === 'query' || metadata.type === 'param') {
      const problems = findInputProblems(value, metadata.data ?? '', { singleValues: metadata.type === 'query' });
      if (problems.length > 0) throw new BadRequestException(problems);
    }
    return super.transform(value, metadata);
  }
}
