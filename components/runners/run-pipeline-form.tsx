"use client";

import { useRouter } from "next/navigation";
import { useState } from "react";
import { fieldErrors, formError, trpc } from "@/components/trpc";
import { Alert, Button, Card, Field, inputClass } from "@/components/ui";

const example = `jobs:
  - name: build
    steps:
      - echo building
      - mkdir -p out && date > out/built.txt
    artifacts: [out/]
  - name: test
    needs: [build]
    steps:
      - echo testing
`;

export function RunPipelineForm() {
  const router = useRouter();
  const [name, setName] = useState("");
  const [org, setOrg] = useState("");
  const [yaml, setYaml] = useState(example);
  const run = trpc.runners.run.useMutation({ onSuccess: (r) => router.push(`/pipelines/${r.id}`) });
  const errs = fieldErrors(run.error);
  return (
    <Card className="p-5">
      <form
        aria-label="Run pipeline"
        className="max-w-3xl space-y-4"
        onSubmit={(e) => {
          e.preventDefault();
          run.mutate({ name, org: org.trim() || undefined, yaml });
        }}
      >
        <Field id="pipeline-name" label="Name" error={errs.name}>
          <input id="pipeline-name" className={inputClass} value={name} onChange={(e) => setName(e.target.value)} />
        </Field>
        <Field id="pipeline-org" label="Organization (optional)" hint="Its members can then see the pipeline" error={errs.org}>
          <input id="pipeline-org" className={inputClass} value={org} onChange={(e) => setOrg(e.target.value)} placeholder="acme" />
        </Field>
        <Field
          id="pipeline-yaml"
          label="Jobs (YAML)"
          hint="Each job: name, steps (commands), optional needs, arch, tags, env, artifacts (globs), timeoutSeconds, maxAttempts"
          error={errs.yaml}
        >
          <textarea
            id="pipeline-yaml"
            rows={16}
            className={`${inputClass} font-mono`}
            value={yaml}
            onChange={(e) => setYaml(e.target.value)}
            spellCheck={false}
          />
        </Field>
        {run.error && !errs.yaml && !errs.name && !errs.org && <Alert>{formError(run.error)}</Alert>}
        <Button type="submit" disabled={run.isPending}>
          Run pipeline
        </Button>
      </form>
    </Card>
  );
}
