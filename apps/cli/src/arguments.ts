import { InvalidArgumentError } from 'commander';

/** A commander parser for a whole number of at least `min` (1 unless told). */
export function wholeNumber(name: string, min = 1) {
  return (value: string): number => {
    const text = value.trim();
    const n = Number(text);
    if (!/^-?\d+$/.test(text) || !Number.isSafeInteger(n) || n < min)
      throw new InvalidArgumentError(
        min === 1
          ? `${name} must be a positive whole number (1 or more), got '${value}'.`
          : `${name} must be a whole number of at least ${min}, got '${value}'.`,
      );
    return n;
  };
}

/** A commander parser for a TCP port (0 to 65535; 0 picks a free one). */
export function portNumber(name: string) {
  const whole = wholeNumber(name, 0);
  return (value: string): number => {
    const n = whole(value);
    if (n > 65_535) throw new InvalidArgumentError(`${name} must be a port from 0 to 65535, got '${value}'.`);
    return n;
  };
}

/** A commander parser for a number from `min` to `max`. */
export function numberBetween(name: string, min: number, max: number) {
  return (value: string): number => {
    const n = Number(value.trim());
    if (value.trim() === '' || !Number.isFinite(n) || n < min || n > max)
      throw new InvalidArgumentError(`${name} must be a number from ${min} to ${max}, got '${value}'.`);
    return n;
  };
}

/** A comma-separated flag value as a list, trimmed, without empty entries (MLflow's list flags). */
export function commaList(value: string): string[] {
  return value
    .split(',')
    .map((item) => item.trim())
    .filter(Boolean);
}

/** Whether a boolean environment variable is on, as MLflow reads its flags (`true`, any case). */
export function envFlag(name: string): boolean {
  return process.env[name]?.trim().toLowerCase() === 'true';
}

/** A repeatable `key=value` flag, collected into a record. */
export function keyValue(flag: string) {
  return (value: string, previous: Record<string, string> = {}): Record<string, string> => {
    const at = value.indexOf('=');
    if (at < 1) throw new InvalidArgumentError(`${flag} takes key=value, got '${value}'.`);
    return { ...previous, [value.slice(0, at)]: value.slice(at + 1) };
  };
}

/** A repeatable flag, collected into a list in the order given. */
export function repeatable(value: string, previous: string[] = []): string[] {
  return [...previous, value];
}
