"use client";

import { usePathname } from "next/navigation";
import { Component, type ReactNode } from "react";
import { ForbiddenPage } from "@/components/forbidden-page";

// forbidden()'s digest plus the reason orNotFound (server/api/server.ts) appends to it.
const DENIAL = /^NEXT_HTTP_ERROR_FALLBACK;403;(.+)$/;

type Props = { pathname: string; children: ReactNode };
type State = { reason: string | null; pathname: string };

/**
 * Shows the 403 page with the role a page needs. Next.js renders app/forbidden.tsx before the
 * page refuses, so that boundary cannot know the reason; this one catches the refusal itself
 * (whose digest carries the reason) and sits closer to the page. Anything else goes up.
 */
class Boundary extends Component<Props, State> {
  state: State = { reason: null, pathname: this.props.pathname };

  static getDerivedStateFromError(error: unknown): Partial<State> {
    const digest = (error as { digest?: unknown } | null)?.digest;
    const m = typeof digest === "string" ? DENIAL.exec(digest) : null;
    if (!m) throw error;
    return { reason: decodeURIComponent(m[1]) };
  }

  static getDerivedStateFromProps(props: Props, state: State): Partial<State> | null {
    // Navigating elsewhere leaves the 403 page.
    return props.pathname !== state.pathname ? { reason: null, pathname: props.pathname } : null;
  }

  render() {
    return this.state.reason ? <ForbiddenPage reason={this.state.reason} /> : this.props.children;
  }
}

export function DenialBoundary({ children }: { children: ReactNode }) {
  return <Boundary pathname={usePathname()}>{children}</Boundary>;
}
