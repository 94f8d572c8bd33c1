// How the command tables (command-table.ts and each family's) declare an option, for the
// argument parser (args.ts): its kind, the placeholder of its value, its line of help.

/** An option that takes a value, shown in help as `value` (e.g. "<id>"). */
export const valued = (value: string, help: string) => ({ type: "string", value, help }) as const;

/** An option that is on or off. */
export const onOff = (help: string) => ({ type: "boolean", help }) as const;
