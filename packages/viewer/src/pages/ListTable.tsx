import type { ReactNode } from 'react';

/** An admin list's table: a header row of `columns` ('' for an unlabelled one) and the rows. */
export function ListTable({ columns, children }: { columns: readonly string[]; children: ReactNode }) {
  return (
    <table className="sessions links-table">
      <thead>
        <tr>
          {columns.map((c, i) => (
            <th key={i}>{c}</th>
          ))}
        </tr>
      </thead>
      <tbody>{children}</tbody>
    </table>
  );
}
