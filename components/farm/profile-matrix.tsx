import type { ReactNode } from "react";
import { Table, td, th } from "@/components/ui";

/**
 * A row per profile, a column per "environment/arch": the farm's build matrix and binhost
 * matrix. `cell` renders one target; null shows a dash.
 */
export function ProfileMatrix({
  label,
  columns,
  profiles,
  columnLabel = (c) => c,
  cell,
}: {
  label: string;
  columns: string[];
  profiles: string[];
  columnLabel?: (column: string) => string;
  cell: (profile: string, column: string) => ReactNode | null;
}) {
  return (
    <Table label={label}>
      <thead>
        <tr>
          <th className={th}>Profile</th>
          {columns.map((c) => (
            <th key={c} className={th}>
              {columnLabel(c)}
            </th>
          ))}
        </tr>
      </thead>
      <tbody className="divide-y divide-gray-200 dark:divide-gray-700">
        {profiles.map((profile) => (
          <tr key={profile}>
            <td className={`${td} font-medium`}>{profile}</td>
            {columns.map((c) => (
              <td key={c} className={td}>
                {cell(profile, c) ?? <span className="text-gray-400">—</span>}
              </td>
            ))}
          </tr>
        ))}
      </tbody>
    </Table>
  );
}
