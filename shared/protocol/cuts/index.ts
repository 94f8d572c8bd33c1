import { PROTOCOL_VERSION } from "../version";
import type { Cut } from "./cut";
import { cut8 } from "./v8";

/** Newest first; each turns a frame of `from` into one of `from - 1`. */
export const CUTS: readonly Cut[] = [cut8];

/** The cuts from the current version down to `version`, newest first. */
const cutsDownTo = (version: number): Cut[] => CUTS.filter((cut) => cut.from > version && cut.from <= PROTOCOL_VERSION);

/** An event's payload in `version`'s shapes; null when that version does not get it. */
export function eventFor(version: number, event: string, payload: unknown): unknown {
  let value = payload;
  for (const cut of cutsDownTo(version)) {
    const downgrade = cut.events[event];
    if (!downgrade) continue;
    value = downgrade(value as never);
    if (value === null) return null;
  }
  return value;
}

/** A method's result in `version`'s shapes. */
export function resultFor(version: number, method: string, payload: unknown): unknown {
  let value = payload;
  for (const cut of cutsDownTo(version)) {
    const downgrade = cut.results[method];
    if (downgrade) value = downgrade(value as never);
  }
  return value;
}

/** The cuts from `version` up to the current one, oldest first. */
const cutsUpFrom = (version: number): Cut[] => [...cutsDownTo(version)].reverse();

/** An event's payload from a server of `version`, in the current version's shapes. */
export function eventFrom(version: number, event: string, payload: unknown): unknown {
  let value = payload;
  for (const cut of cutsUpFrom(version)) {
    const upgrade = cut.up.events[event];
    if (upgrade) value = upgrade(value as never);
  }
  return value;
}

/** A method's result from a server of `version`, in the current version's shapes. */
export function resultFrom(version: number, method: string, payload: unknown): unknown {
  let value = payload;
  for (const cut of cutsUpFrom(version)) {
    const upgrade = cut.up.results[method];
    if (upgrade) value = upgrade(value as never);
  }
  return value;
}
