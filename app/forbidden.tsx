import { ForbiddenPage, GENERIC_DENIAL } from "@/components/forbidden-page";

/**
 * 403 outside the app shell. Inside it, components/denial-boundary.tsx shows the same page with
 * the role the page needs (Next.js renders this boundary before the page refuses, so it cannot).
 */
export default function Forbidden() {
  return (
    <main>
      <ForbiddenPage reason={GENERIC_DENIAL} />
    </main>
  );
}
