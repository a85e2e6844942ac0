"use client";

import { signIn } from "next-auth/react";
import { useState } from "react";
import { Alert, Button, Card, Field, inputClass } from "@/components/ui";

export function LoginForm({ next }: { next: string }) {
  const [error, setError] = useState<string | null>(null);
  const [pending, setPending] = useState(false);
  return (
    <Card className="p-6">
      <form
        className="space-y-4"
        onSubmit={async (e) => {
          e.preventDefault();
          const data = new FormData(e.currentTarget);
          setPending(true);
          setError(null);
          const res = await signIn("credentials", {
            username: String(data.get("username") ?? ""),
            password: String(data.get("password") ?? ""),
            redirect: false,
          });
          setPending(false);
          if (!res || res.error) {
            setError(res?.error && res.error !== "CredentialsSignin" ? res.error : "Invalid username or password");
            return;
          }
          window.location.assign(next);
        }}
      >
        {error && <Alert>{error}</Alert>}
        <Field id="username" label="Username">
          <input id="username" name="username" autoComplete="username" required className={inputClass} />
        </Field>
        <Field id="password" label="Password">
          <input id="password" name="password" type="password" autoComplete="current-password" required className={inputClass} />
        </Field>
        <Button type="submit" disabled={pending} className="w-full justify-center">
          {pending ? "Signing in…" : "Sign in"}
        </Button>
      </form>
    </Card>
  );
}
