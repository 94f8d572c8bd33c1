import { PROTOCOL_VERSION } from "../version";
import type { Cut } from "./cut";
import { cut14 } from "./v14";
import { cut15 } from "./v15";
import { cut16 } from "./v16";
import { cut17 } from "./v17";
import { cut18 } from "./v18";
import { cut19 } from "./v19";

/** Newest first; each turns a frame of `from` into one of `from - 1`. */
export const CUTS: readonly Cut[] = [cut19, cut18, cut17, cut16, cut15, cut14];

/** The cuts from the current version down to `version`, newest first. */
const cutsDownTo = (version: number, cuts: readonly Cut[] = CUTS): Cut[] =>
  cuts.filter((cut) => cut.from > version && cut.from <= PROTOCOL_VERSION);

type Conversions = (cut: Cut) => Record<string, (payload: never) => unknown>;

/** `payload` through each cut's conversion for `name`, in order; null stops (the event is not sent). */
function through(cuts: Cut[], table: Conversions, name: string, payload: unknown): unknown {
  let value = payload;
  for (const cut of cuts) {
    const convert = table(cut)[name];
    if (!convert) continue;
    value = convert(value as never);
    if (value === null) return null;
  }
  return value;
}

/** The cuts from `version` up to the current one, oldest first. */
const cutsUpFrom = (version: number): Cut[] => [...cutsDownTo(version)].reverse();

/** An event's payload in `version`'s shapes; null when that version does not get it. */
export const eventFor = (version: number, event: string, payload: unknown): unknown =>
  through(cutsDownTo(version), (c) => c.events, event, payload);

/** A method's result in `version`'s shapes. */
export const resultFor = (version: number, method: string, payload: unknown): unknown =>
  through(cutsDownTo(version), (c) => c.results, method, payload);

/** An event's payload from a server of `version`, in the current version's shapes. */
export const eventFrom = (version: number, event: string, payload: unknown): unknown =>
  through(cutsUpFrom(version), (c) => c.up.events, event, payload);

/** A method's result from a server of `version`, in the current version's shapes. */
export const resultFrom = (version: number, method: string, payload: unknown): unknown =>
  through(cutsUpFrom(version), (c) => c.up.results, method, payload);

/** Whether a client of `version` knows `method` (the cuts down to it name the methods each added). */
export const methodSpokenIn = (method: string, version: number): boolean =>
  !cutsDownTo(version).some((cut) => cut.methods.includes(method));

/** An error in `version`'s codes: a code a later version added becomes the older one its cut names. */
export function errorFor<E extends { code: string; details?: Record<string, unknown> }>(
  version: number,
  error: E,
  cuts: readonly Cut[] = CUTS,
): E {
  let value = error;
  for (const cut of cutsDownTo(version, cuts)) {
    const older = cut.errors?.[value.code];
    if (older) value = { ...value, code: older, details: { ...value.details, reason: value.code } };
  }
  return value;
}
