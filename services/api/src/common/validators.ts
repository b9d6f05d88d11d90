import { CLIENT_OWNED_HEADERS, isSendableHeaderValue } from '@flowline/contracts';
import { MAX_FILTER_OPTIONS, MAX_FILTER_TEXT } from '@flowline/matching';
import { Transform } from 'class-transformer';
import { registerDecorator, ValidationArguments, ValidationOptions } from 'class-validator';

/** A connection's static headers: at most this many, each value at most `MAX_STATIC_HEADER_VALUE` characters. */
export const MAX_STATIC_HEADERS = 100;
export const MAX_STATIC_HEADER_VALUE = 8_192;
const HEADER_NAME = /^[A-Za-z0-9!#$%&'*+.^_`|~-]+$/;

/**
 * An object of HTTP header names to values every attempt can send (static custom headers): a
 * value the HTTP client refuses, or a header it sets itself, would fail each attempt of every
 * delivery to the connection, so it is refused here, naming the header.
 */
export function IsHeaderMap(options?: ValidationOptions) {
  return (object: object, propertyName: string): void => {
    registerDecorator({
      name: 'isHeaderMap',
      target: object.constructor,
      propertyName,
      options: {
        message: (args: ValidationArguments) =>
          headerMapProblem(args.value, args.property) ?? `${args.property} is invalid`,
        ...options,
      },
      validator: {
        validate: (value: unknown, args?: ValidationArguments) =>
          headerMapProblem(value, args?.property ?? propertyName) === undefined,
      },
    });
  };
}

function headerMapProblem(value: unknown, property: string): string | undefined {
  if (typeof value !== 'object' || value === null || Array.isArray(value))
    return `${property} must map header names to string values`;
  const entries = Object.entries(value);
  if (entries.length > MAX_STATIC_HEADERS) return `${property} must have at most ${MAX_STATIC_HEADERS} headers`;
  for (const [name, headerValue] of entries) {
    if (!HEADER_NAME.test(name) || typeof headerValue !== 'string')
      return `${property} must map header names to string values`;
    if (CLIENT_OWNED_HEADERS.has(name.toLowerCase()))
      return `${property}.${name} is set by Flowline's HTTP client from each request and cannot be configured`;
    if (headerValue.length > MAX_STATIC_HEADER_VALUE)
      return `${property}.${name} must be at most ${MAX_STATIC_HEADER_VALUE} characters`;
    if (!isSendableHeaderValue(headerValue))
      return `${property}.${name} holds characters an HTTP header cannot carry (line breaks, control characters, or beyond Latin-1)`;
  }
  return undefined;
}

/**
 * A flow filter's value: a text of at most `MAX_FILTER_TEXT` characters, a finite number or a
 * boolean, or a list of at most `MAX_FILTER_OPTIONS` of them (what `in` and `nin` compare with).
 */
export function IsFilterValue(options?: ValidationOptions) {
  return (object: object, propertyName: string): void => {
    registerDecorator({
      name: 'isFilterValue',
      target: object.constructor,
      propertyName,
      options: {
        message:
          `${propertyName} must be a text of at most ${MAX_FILTER_TEXT} characters, a number or a boolean, ` +
          `or a list of at most ${MAX_FILTER_OPTIONS} of them`,
        ...options,
      },
      validator: {
        validate: (value: unknown) =>
          value === undefined ||
          value === null ||
          isFilterScalar(value) ||
          (Array.isArray(value) && value.length <= MAX_FILTER_OPTIONS && value.every(isFilterScalar)),
      },
    });
  };
}

function isFilterScalar(value: unknown): boolean {
  return (
    (typeof value === 'string' && value.length <= MAX_FILTER_TEXT) ||
    typeof value === 'boolean' ||
    (typeof value === 'number' && Number.isFinite(value))
  );
}

/** The numbers of an array add up to at most `max`. */
export function SumAtMost(max: number, options?: ValidationOptions) {
  return (object: object, propertyName: string): void => {
    registerDecorator({
      name: 'sumAtMost',
      target: object.constructor,
      propertyName,
      constraints: [max],
      options: { message: (args: ValidationArguments) => `${args.property} must add up to at most ${max}`, ...options },
      validator: {
        validate: (value: unknown) =>
          Array.isArray(value) &&
          value.reduce((sum: number, item) => sum + (typeof item === 'number' ? item : 0), 0) <= max,
      },
    });
  };
}

/**
 * A URL without userinfo (`user:password@`): Flowline neither sends credentials given this way
 * nor keeps them secret (a URL is stored and answered as it is), so they go where they are
 * sealed and used instead, which `advice` names. A value that is no URL at all is left to `IsUrl`.
 */
export function HasNoCredentials(advice: string, options?: ValidationOptions) {
  return (object: object, propertyName: string): void => {
    registerDecorator({
      name: 'hasNoCredentials',
      target: object.constructor,
      propertyName,
      options: {
        message: `${propertyName} must not hold credentials (user:password@host): ${advice}`,
        ...options,
      },
      validator: { validate: (value: unknown) => typeof value !== 'string' || !hasUserinfo(value) },
    });
  };
}

function hasUserinfo(url: string): boolean {
  try {
    const parsed = new URL(url);
    // `http://@host/` parses to an empty username, but still carries the separator.
    return parsed.username !== '' || parsed.password !== '' || /^[a-z][a-z0-9+.-]*:\/\/[^/?#]*@/i.test(url);
  } catch {
    return false;
  }
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** Ids in paths are UUIDs; anything else cannot name a resource, so it is simply not found. */
export function isUuid(value: string): boolean {
  return UUID.test(value);
}

/**
 * A query parameter's whole number, in decimal digits only. `Number()` would also read `0x10`,
 * `1e3`, `0b1` and ` 5 `; those stay text here, so `IsInt` refuses them.
 */
export function DecimalInteger(): PropertyDecorator {
  return Transform(({ value }: { value: unknown }) =>
    typeof value === 'string' && /^-?\d{1,15}$/.test(value) ? Number(value) : value,
  );
}

/** `to` is after `from` when both are given and valid (a bad one is reported by its own check). */
export function IsAfterFrom(options?: ValidationOptions) {
  return (object: object, propertyName: string): void => {
    registerDecorator({
      name: 'isAfterFrom',
      target: object.constructor,
      propertyName,
      options: { message: 'from must be before to', ...options },
      validator: {
        validate: (value: unknown, args: ValidationArguments) => {
          const from = (args.object as { from?: unknown }).from;
          if (typeof value !== 'string' || typeof from !== 'string') return true;
          const [start, end] = [Date.parse(from), Date.parse(value)];
          return Number.isNaN(start) || Number.isNaN(end) || start < end;
        },
      },
    });
  };
}
