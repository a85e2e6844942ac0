"use client";

import Link from "next/link";
import { useRouter } from "next/navigation";
import { useState } from "react";
import { fieldErrors, formError, trpc } from "@/components/trpc";
import { Alert, Button, Field, inputClass } from "@/components/ui";

/** "Add schedule": target, environment, arch, variant, and when (preset, cron, or on merge). */
export function NewScheduleForm({ environments, arches }: { environments: string[]; arches: string[] }) {
  const router = useRouter();
  const [f, setF] = useState({
    target: "",
    isStack: false,
    environment: environments[0] ?? "",
    arch: arches[0] ?? "",
    variant: "incremental" as "incremental" | "clean",
    when: "daily",
    cron: "",
  });
  const create = trpc.farmBuilds.createSchedule.useMutation({
    onSuccess: () => {
      setF({ ...f, target: "", cron: "" });
      router.refresh();
    },
  });
  const errors = fieldErrors(create.error);
  const set = (k: keyof typeof f) => (e: { target: { value: string } }) => setF({ ...f, [k]: e.target.value });
  return (
    <form
      aria-label="Add schedule"
      className="mb-6 flex flex-wrap items-end gap-3 rounded-lg border border-gray-200 bg-white p-4 dark:border-gray-700 dark:bg-gray-800"
      onSubmit={(e) => {
        e.preventDefault();
        create.mutate({
          target: f.target,
          isStack: f.isStack,
          environment: f.environment,
          arch: f.arch,
          variant: f.variant,
          trigger: f.when === "cron" ? f.cron : f.when,
        });
      }}
    >
      <div className="w-44">
        <Field id="sched-target" label="Profile or stack" error={errors.target}>
          <input id="sched-target" className={inputClass} value={f.target} onChange={set("target")} placeholder="ruby" />
        </Field>
      </div>
      <label className="flex items-center gap-1.5 pb-2 text-sm">
        <input type="checkbox" checked={f.isStack} onChange={(e) => setF({ ...f, isStack: e.target.checked })} /> stack
      </label>
      <div className="w-36">
        <Field id="sched-env" label="Environment" error={errors.environment}>
          <select id="sched-env" className={inputClass} value={f.environment} onChange={set("environment")}>
            {environments.map((e) => (
              <option key={e}>{e}</option>
            ))}
          </select>
        </Field>
      </div>
      <div className="w-28">
        <Field id="sched-arch" label="Architecture" error={errors.arch}>
          <select id="sched-arch" className={inputClass} value={f.arch} onChange={set("arch")}>
            {arches.map((a) => (
              <option key={a}>{a}</option>
            ))}
          </select>
        </Field>
      </div>
      <div className="w-36">
        <Field id="sched-variant" label="Build">
          <select id="sched-variant" className={inputClass} value={f.variant} onChange={set("variant")}>
            <option value="incremental">incremental</option>
            <option value="clean">clean</option>
          </select>
        </Field>
      </div>
      <div className="w-40">
        <Field id="sched-when" label="When" error={f.when === "cron" ? undefined : errors.trigger}>
          <select id="sched-when" className={inputClass} value={f.when} onChange={set("when")}>
            <option value="daily">daily (03:00 UTC)</option>
            <option value="weekly">weekly (Sunday)</option>
            <option value="monthly">monthly (the 1st)</option>
            <option value="merge">on merge to build-profiles</option>
            <option value="cron">cron expression…</option>
          </select>
        </Field>
      </div>
      {f.when === "cron" && (
        <div className="w-44">
          <Field id="sched-cron" label="Cron (UTC)" error={errors.trigger}>
            <input id="sched-cron" className={`${inputClass} font-mono`} value={f.cron} onChange={set("cron")} placeholder="0 3 * * 1-5" />
          </Field>
        </div>
      )}
      <Button type="submit" disabled={create.isPending}>
        Add schedule
      </Button>
      {formError(create.error) && <Alert>{formError(create.error)}</Alert>}
    </form>
  );
}

export function ScheduleActions({ id, enabled }: { id: string; enabled: boolean }) {
  const router = useRouter();
  const done = { onSuccess: () => router.refresh() };
  const toggle = trpc.farmBuilds.setScheduleEnabled.useMutation(done);
  const remove = trpc.farmBuilds.deleteSchedule.useMutation(done);
  return (
    <span className="flex gap-2">
      <Button variant="secondary" onClick={() => toggle.mutate({ id, enabled: !enabled })} disabled={toggle.isPending}>
        {enabled ? "Pause" : "Resume"}
      </Button>
      <Button variant="danger" onClick={() => remove.mutate({ id })} disabled={remove.isPending}>
        Delete
      </Button>
    </span>
  );
}

export function PipelineLink({ id }: { id: string | null }) {
  return id ?
      <Link href={`/pipelines/${id}`} className="text-brand-600 hover:underline">
        pipeline
      </Link>
    : null;
}
