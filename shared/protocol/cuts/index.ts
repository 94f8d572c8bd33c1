import { CAPABILITIES, type Capability } from "../capabilities";
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

type Conversions = (step: Cut | Capability) => Record<string, (payload: never) => unknown>;

/** No capability asked for. */
const NONE: ReadonlySet<string> = new Set();

/**
 * The conversions from the current shapes down to a client of `version` that asked for
 * `asked`, newest first: per version from the current one down, the capabilities of that
 * version the client does not have (all of them, for a version after its own), then that
 * version's cut. A client of the current version that asked for every capability needs none.
 */
function stepsDownTo(
  version: number,
  asked: ReadonlySet<string>,
  cuts: readonly Cut[] = CUTS,
  capabilities: readonly Capability[] = CAPABILITIES,
): Array<Cut | Capability> {
  const steps: Array<Cut | Capability> = [];
  for (let era = PROTOCOL_VERSION; era >= version; era--) {
    for (const capability of capabilities)
      if (capability.since === era && !(era === version && asked.has(capability.name))) steps.push(capability);
    if (era > version) steps.push(...cuts.filter((cut) => cut.from === era));
  }
  return steps;
}

/** `payload` through each step's conversion for `name`, in order; null stops (the event is not sent). */
function through(steps: Array<Cut | Capability>, table: Conversions, name: string, payload: unknown): unknown {
  let value = payload;
  for (const step of steps) {
    const convert = table(step)[name];
    if (!convert) continue;
    value = convert(value as never);
    if (value === null) return null;
  }
  return value;
}

/** Whether a client of `version` that asked for `asked` gets frames other than as the room writes them. */
export const needsConversion = (
  version: number,
  asked: ReadonlySet<string> = NONE,
  capabilities: readonly Capability[] = CAPABILITIES,
): boolean => stepsDownTo(version, asked, CUTS, capabilities).length > 0;

/** A frame's payload in the shapes of a client of `version` that asked for `asked`, through each step's `table`. */
const downThrough =
  (table: Conversions) =>
  (
    version: number,
    name: string,
    payload: unknown,
    asked: ReadonlySet<string> = NONE,
    capabilities: readonly Capability[] = CAPABILITIES,
  ): unknown =>
    through(stepsDownTo(version, asked, CUTS, capabilities), table, name, payload);

/** An event's payload in the shapes of a client of `version` that asked for `asked`; null when it does not get the event. */
export const eventFor = downThrough((c) => c.events);

/** A method's result in the shapes of a client of `version` that asked for `asked`. */
export const resultFor = downThrough((c) => c.results);

/** The cuts from `version` up to the current one, oldest first. */
const cutsUpFrom = (version: number): Cut[] => [...cutsDownTo(version)].reverse();

/** The conversions for the client's way up: cuts only (a capability the server lacks is simply never received). */
const throughCuts = (
  cuts: Cut[],
  table: (cut: Cut) => Record<string, (payload: never) => unknown>,
  name: string,
  payload: unknown,
) => through(cuts, table as Conversions, name, payload);

/** An event's payload from a server of `version`, in the current version's shapes. */
export const eventFrom = (version: number, event: string, payload: unknown): unknown =>
  throughCuts(cutsUpFrom(version), (c) => c.up.events, event, payload);

/** A method's result from a server of `version`, in the current version's shapes. */
export const resultFrom = (version: number, method: string, payload: unknown): unknown =>
  throughCuts(cutsUpFrom(version), (c) => c.up.results, method, payload);

/** The methods versions after `version` added (what a client of the current version lacks on a server of `version`). */
export const methodsAfter = (version: number): string[] => cutsDownTo(version).flatMap((cut) => [...cut.methods]);

/** Whether a client of `version` knows `method` (the cuts down to it name the methods each added). */
export const methodSpokenIn = (method: string, version: number): boolean =>
  !cutsDownTo(version).some((cut) => cut.methods.includes(method));

/**
 * An error in the codes of a client of `version` that asked for `asked`: a code a later version
 * or a capability it lacks added becomes the older one named for it.
 */
export function errorFor<E extends { code: string; details?: Record<string, unknown> }>(
  version: number,
  error: E,
  cuts: readonly Cut[] = CUTS,
  asked: ReadonlySet<string> = NONE,
  capabilities: readonly Capability[] = CAPABILITIES,
): E {
  let value = error;
  for (const step of stepsDownTo(version, asked, cuts, capabilities)) {
    const older = step.errors?.[value.code];
    if (older) value = { ...value, code: older, details: { ...value.details, reason: value.code } };
  }
  return value;
}
