import { Transform } from 'class-transformer';
import { registerDecorator, ValidationArguments, ValidationOptions } from 'class-validator';

/** An object of HTTP header names to string values (static custom headers). */
export function IsHeaderMap(options?: ValidationOptions) {
  return (object: object, propertyName: string): void => {
    registerDecorator({
      name: 'isHeaderMap',
      target: object.constructor,
      propertyName,
      options: { message: `${propertyName} must map header names to string values`, ...options },
      validator: {
        validate: (value: unknown) =>
          typeof value === 'object' &&
          value !== null &&
          !Array.isArray(value) &&
          Object.entries(value).every(
            ([name, headerValue]) => /^[A-Za-z0-9!#$%&'*+.^_`|~-]+$/.test(name) && typeof headerValue === 'string',
          ),
      },
    });
  };
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
