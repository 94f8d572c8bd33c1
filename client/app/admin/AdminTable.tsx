import type { ReactNode } from "react";

/**
 * A table of the admin page (people, workspaces): `columns` head it, a number's column
 * marked `number` (aligned right), then a last column for each row's actions, named for
 * screen readers only; `children` are the rows.
 */
export function AdminTable({
  columns,
  children,
}: {
  columns: readonly (string | { number: string })[];
  children: ReactNode;
}) {
  return (
    <table className="admin-table">
      <thead>
        <tr>
          {columns.map((column) =>
            typeof column === "string" ? (
              <th key={column} scope="col">
                {column}
              </th>
            ) : (
              <th key={column.number} scope="col" className="admin-number">
                {column.number}
              </th>
            ),
          )}
          <th scope="col">
            <span className="sr-only">Actions</span>
          </th>
        </tr>
      </thead>
      <tbody>{children}</tbody>
    </table>
  );
}
