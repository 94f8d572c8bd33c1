// Command-line words turned into typed values, each mistake a UsageError naming the option.
import { UsageError } from "./usage-error";

/** Epoch milliseconds, or anything `Date.parse` reads (ISO 8601). */
export function time(name: string, raw: string | undefined): number | undefined {
  if (raw === undefined) return undefined;
  const value = /^\d+$/.test(raw.trim()) ? Number(raw) : Date.parse(raw);
  if (!Number.isSafeInteger(value) || value < 0)
    throw new UsageError(`${name} must be an ISO 8601 time or epoch milliseconds, got "${raw}"`);
  return value;
}

export function optional<K extends string, V>(key: K, value: V | undefined): { [P in K]?: V } {
  return (value === undefined ? {} : { [key]: value }) as { [P in K]?: V };
}

export function number(name: string, raw: string, min: number, max: number): number {
  const value = Number(raw);
  if (raw.trim() === "" || !Number.isFinite(value) || value < min || value > max) {
    throw new UsageError(`${name} must be a number from ${min} to ${max}, got "${raw}"`);
  }
  return value;
}

export function integer(
  name: string,
  raw: string | undefined,
  min: number,
  max = Number.MAX_SAFE_INTEGER,
): number | undefined {
  if (raw === undefined) return undefined;
  const value = number(name, raw, min, max);
  if (!Number.isInteger(value)) throw new UsageError(`${name} must be a whole number, got "${raw}"`);
  return value;
}

export function oneOf<T extends string>(name: string, raw: string | undefined, allowed: readonly T[]): T | undefined {
  if (raw === undefined) return undefined;
  if (!(allowed as readonly string[]).includes(raw))
    throw new UsageError(`${name} must be one of ${allowed.join(", ")}, got "${raw}"`);
  return raw as T;
}
