"use client";

import { useRouter } from "next/navigation";
import { useState } from "react";
import { formError, trpc } from "@/components/trpc";
import { Alert, Button, Table, td, th } from "@/components/ui";
import type { Preference } from "@/server/notify";

export function NotificationPreferences({ preferences }: { preferences: Preference[] }) {
  const router = useRouter();
  const [prefs, setPrefs] = useState(preferences);
  const [saved, setSaved] = useState(false);
  const save = trpc.notifications.setPreferences.useMutation({
    onSuccess: () => {
      setSaved(true);
      router.refresh();
    },
  });
  const toggle = (kind: string, channel: "inApp" | "email") => {
    setSaved(false);
    setPrefs((all) => all.map((p) => (p.kind === kind ? { ...p, [channel]: !p[channel] } : p)));
  };
  return (
    <form
      aria-label="Notification preferences"
      className="space-y-4"
      onSubmit={(e) => {
        e.preventDefault();
        save.mutate({ preferences: prefs.map(({ kind, inApp, email }) => ({ kind, inApp, email })) });
      }}
    >
      {formError(save.error) && <Alert>{formError(save.error)}</Alert>}
      {save.error && !formError(save.error) && <Alert>{save.error.message}</Alert>}
      <Table label="Notification preferences">
        <thead>
          <tr>
            <th className={th}>Notify me when</th>
            <th className={`${th} text-center`}>In-app</th>
            <th className={`${th} text-center`}>Email</th>
          </tr>
        </thead>
        <tbody className="divide-y divide-gray-200 bg-white dark:divide-gray-700 dark:bg-gray-800">
          {prefs.map((p) => (
            <tr key={p.kind}>
              <td className={td}>
                <div className="font-medium">{p.label}</div>
                <div className="text-xs text-gray-500 dark:text-gray-400">{p.description}</div>
              </td>
              <td className={`${td} text-center`}>
                <input type="checkbox" aria-label={`${p.label}: in-app`} checked={p.inApp} onChange={() => toggle(p.kind, "inApp")} className="h-4 w-4" />
              </td>
              <td className={`${td} text-center`}>
                <input type="checkbox" aria-label={`${p.label}: email`} checked={p.email} onChange={() => toggle(p.kind, "email")} className="h-4 w-4" />
              </td>
            </tr>
          ))}
        </tbody>
      </Table>
      <div className="flex items-center gap-3">
        <Button type="submit" disabled={save.isPending}>
          Save preferences
        </Button>
        {saved && <Alert tone="success">Preferences saved.</Alert>}
      </div>
    </form>
  );
}
