import { BadRequestException, PipeTransform, Type } from '@nestjs/common';
import { plainToInstance } from 'class-transformer';
import { validate, ValidationError } from 'class-validator';
import { reportMissingAsRequired } from './api-validation.pipe';

/**
 * A body that is a list of `items` objects, at most `max` of them, each validated as the global
 * pipe validates an object body: 400 listing every problem of every item, each named by its
 * position (`[2].value is required`). Nest's `ParseArrayPipe` stopped at the first bad item and
 * named no position, and took lists long enough to overflow a statement's parameters.
 */
export class ParseListPipe<T extends object> implements PipeTransform<unknown, Promise<T[]>> {
  constructor(
    private readonly items: Type<T>,
    private readonly max: number,
    private readonly what: string,
  ) {}

  async transform(value: unknown): Promise<T[]> {
    if (!Array.isArray(value)) throw new BadRequestException([`send a list of ${this.what}`]);
    if (value.length > this.max) throw new BadRequestException([`send at most ${this.max} ${this.what}`]);
    const problems: string[] = [];
    const parsed: T[] = [];
    for (const [index, item] of value.entries()) {
      if (typeof item !== 'object' || item === null || Array.isArray(item)) {
        problems.push(`[${index}] must be an object`);
        continue;
      }
      const instance = plainToInstance(this.items, item);
      const errors = await validate(instance, { whitelist: true, forbidNonWhitelisted: true });
      problems.push(...reportMissingAsRequired(errors).flatMap((error) => messagesOf(error, `[${index}]`)));
      parsed.push(instance);
    }
    if (problems.length > 0) throw new BadRequestException(problems);
    return parsed;
  }
}

/** One item's problems, each named by its path (a missing field already reads as required). */
function messagesOf(error: ValidationError, at: string): string[] {
  const path = `${at}.${error.property}`;
  const children = (error.children ?? []).flatMap((child) => messagesOf(child, path));
  if (!error.constraints) return children;
  if (error.constraints.whitelistValidation) return [`${path} should not exist`, ...children];
  return [...Object.values(error.constraints).map((message) => `${at}.${message}`), ...children];
}
