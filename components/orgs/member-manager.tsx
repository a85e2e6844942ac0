"use client";

import { useRouter } from "next/navigation";
import { useState } from "react";
import { fieldErrors, formError, trpc } from "@/components/trpc";
import { Alert, Badge, Button, Field, inputClass } from "@/components/ui";

type Role = "leader" | "developer" | "reporter";
type Member = { userId: string; username: string; displayName: string; role: Role; source: "local" | "ldap" };

export function MemberManager({ slug, members }: { slug: string; members: Member[] }) {
  const router = useRouter();
  const [username, setUsername] = useState("");
  const [role, setRole] = useState<Role>("developer");
  const add = trpc.orgs.addMember.useMutation({
    onSuccess: () => {
      setUsername("");
      router.refresh();
    },
  });
  const setRoleM = trpc.orgs.setRole.useMutation({ onSuccess: () => router.refresh() });
  const remove = trpc.orgs.removeMember.useMutation({ onSuccess: () => router.refresh() });
  const errs = fieldErrors(add.error);
  const actionError = formError(setRoleM.error) ?? formError(remove.error);

  return (
    <div className="space-y-4">
      <form
        aria-label="Add member"
        className="flex flex-wrap items-end gap-3"
        onSubmit={(e) => {
          e.preventDefault();
          add.mutate({ slug, username, role });
        }}
      >
        <div className="w-64">
          <Field id="member-username" label="Username" error={errs.username}>
            <input id="member-username" className={inputClass} value={username} onChange={(e) => setUsername(e.target.value)} />
          </Field>
        </div>
        <Field id="member-role" label="Role">
          <select id="member-role" className={inputClass} value={role} onChange={(e) => setRole(e.target.value as Role)}>
            <option value="leader">Leader</option>
            <option value="developer">Developer</option>
            <option value="reporter">Reporter</option>
          </select>
        </Field>
        <Button type="submit" disabled={add.isPending}>
          Add member
        </Button>
      </form>
      {formError(add.error) && <Alert>{formError(add.error)}</Alert>}
      {actionError && <Alert>{actionError}</Alert>}
      <ul aria-label="Members" className="divide-y divide-gray-200 rounded-lg border border-gray-200 dark:divide-gray-700 dark:border-gray-700">
        {members.map((m) => (
          <li key={m.userId} className="flex items-center justify-between gap-3 px-3 py-2 text-sm">
            <span>
              <span className="font-medium">{m.displayName}</span> <span className="text-gray-500">@{m.username}</span>{" "}
              {m.source === "ldap" && <Badge>from LDAP</Badge>}
            </span>
            <span className="flex items-center gap-2">
              <select
                aria-label={`Role of ${m.username}`}
                className="rounded border border-gray-300 bg-white px-1 py-0.5 text-sm dark:border-gray-600 dark:bg-gray-900"
                value={m.role}
                onChange={(e) => setRoleM.mutate({ slug, userId: m.userId, role: e.target.value as Role })}
              >
                <option value="leader">Leader</option>
                <option value="developer">Developer</option>
                <option value="reporter">Reporter</option>
              </select>
              <Button variant="secondary" aria-label={`Remove ${m.username}`} onClick={() => remove.mutate({ slug, userId: m.userId })}>
                Remove
              </Button>
            </span>
          </li>
        ))}
      </ul>
    </div>
  );
}
