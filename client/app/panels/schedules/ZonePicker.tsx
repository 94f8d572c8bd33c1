import { useId, useMemo, useState } from "react";
import { Options } from "../../lib/options";
import { viewerZone, zonesMatching } from "../../lib/schedule-words";

/** Every zone the browser knows, the chosen one and the viewer's first. */
function zones(current: string): string[] {
  const all = typeof Intl.supportedValuesOf === "function" ? Intl.supportedValuesOf("timeZone") : [];
  return [...new Set([current, viewerZone(), "UTC", ...all])];
}

/**
 * The time zone: a search box over a select of the zones it matches (some 400 in all). Typing
 * narrows the list and, when the chosen zone is no longer in it, chooses the first match, so
 * "tokyo" then Tab is enough; the select stays a native one (arrow keys, screen readers).
 */
export function ZonePicker({ value, onChange }: { value: string; onChange: (zone: string) => void }) {
  const id = useId();
  const [query, setQuery] = useState("");
  const all = useMemo(() => zones(value), [value]);
  const shown = useMemo(() => zonesMatching(query, all), [query, all]);
  const search = (text: string) => {
    setQuery(text);
    const matches = zonesMatching(text, all);
    if (matches.length > 0 && !matches.includes(value)) onChange(matches[0]!);
  };
  return (
    <div className="schedule-field zone-picker">
      <label className="field-label" htmlFor={`${id}-zone`}>
        Time zone
      </label>
      <input
        type="search"
        className="zone-search"
        aria-label="Find a time zone"
        aria-controls={`${id}-zone`}
        placeholder="Find: tokyo, new york…"
        value={query}
        spellCheck={false}
        onChange={(e) => search(e.target.value)}
      />
      <select id={`${id}-zone`} value={value} onChange={(e) => onChange(e.target.value)}>
        {/* The chosen zone stays choosable while a search shows others. */}
        <Options items={shown.includes(value) ? shown : [value, ...shown]} />
      </select>
      {shown.length === 0 && (
        <span className="muted small" role="status">
          No zone matches “{query}”.
        </span>
      )}
    </div>
  );
}
