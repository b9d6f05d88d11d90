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
