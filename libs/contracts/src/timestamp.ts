import { ValidateBy, ValidationOptions } from 'class-validator';

/** The years a timestamp may name: four digits PostgreSQL and JavaScript read alike (no year 0000). */
export const TIMESTAMP_YEARS = { min: 1000, max: 9999 } as const;

/** RFC 3339 `full-date` with an optional `T` `full-time`: `2025-01-10` or `2025-01-10T09:00:00.5+02:00`. */
const RFC3339 = /^(\d{4})-(\d{2})-(\d{2})(?:[Tt](\d{2}):(\d{2}):(\d{2})(?:\.\d{1,9})?(?:[Zz]|[+-](\d{2}):(\d{2})))?$/;

function daysIn(year: number, month: number): number {
  if (month === 2) return year % 4 === 0 && (year % 100 !== 0 || year % 400 === 0) ? 29 : 28;
  return [4, 6, 9, 11].includes(month) ? 30 : 31;
}

/**
 * Whether a text is a date or date-time every part of Flowline reads the same way: RFC 3339 (ISO
 * 8601's week dates, ordinal dates and basic format are refused: PostgreSQL reads some of them
 * differently or not at all), a real calendar day, no leap second (JavaScript cannot represent
 * one), a year in TIMESTAMP_YEARS, and an offset within ±15:59 (PostgreSQL refuses a larger one).
 */
export function isRfc3339Timestamp(value: unknown): value is string {
  if (typeof value !== 'string') return false;
  const match = RFC3339.exec(value);
  if (!match) return false;
  const [year, month, day, hour, minute, second, offsetHours, offsetMinutes] = match
    .slice(1)
    .map((part) => (part === undefined ? 0 : Number(part))) as [
    number,
    number,
    number,
    number,
    number,
    number,
    number,
    number,
  ];
  return (
    year >= TIMESTAMP_YEARS.min &&
    year <= TIMESTAMP_YEARS.max &&
    month >= 1 &&
    month <= 12 &&
    day >= 1 &&
    day <= daysIn(year, month) &&
    hour <= 23 &&
    minute <= 59 &&
    second <= 59 &&
    offsetHours <= 15 &&
    offsetMinutes <= 59
  );
}

/** The class-validator form of `isRfc3339Timestamp`, for every DTO and envelope that takes a time. */
export function IsRfc3339Timestamp(options?: ValidationOptions): PropertyDecorator {
  return ValidateBy(
    {
      name: 'isRfc3339Timestamp',
      validator: {
        validate: (value: unknown) => isRfc3339Timestamp(value),
        defaultMessage: (args) =>
          `${args?.property ?? 'value'} must be an RFC 3339 timestamp such as 2025-01-10T09:00:00Z (years ${TIMESTAMP_YEARS.min}-${TIMESTAMP_YEARS.max})`,
      },
    },
    options,
  );
}
