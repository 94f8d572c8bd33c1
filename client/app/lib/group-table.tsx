import type { ReactNode } from "react";

/** What a table of a summary's groups is given: its caption, the heading over the groups' names, how a key reads. */
export interface Grouped<G> {
  caption: string;
  column: string;
  groups: readonly G[];
  name: (key: string | null) => string;
}

/**
 * A summary's groups as a table (usage by thread or by who, spending by purpose or by
 * who): `columns` head it, the first naming the groups; `row` draws a group's row, keyed;
 * with no groups, one row saying `empty`.
 */
export function GroupTable<G>({
  className,
  caption,
  columns,
  groups,
  empty,
  row,
}: {
  className: string;
  caption: string;
  columns: readonly string[];
  groups: readonly G[];
  empty: string;
  row: (group: G) => ReactNode;
}) {
  return (
    <table className={className}>
      <caption>{caption}</caption>
      <thead>
        <tr>
          {columns.map((column) => (
            <th key={column} scope="col">
              {column}
            </th>
          ))}
        </tr>
      </thead>
      <tbody>
        {groups.length === 0 ? (
          <tr>
            <td colSpan={columns.length} className="muted">
              {empty}
            </td>
          </tr>
        ) : (
          groups.map(row)
        )}
      </tbody>
    </table>
  );
}
