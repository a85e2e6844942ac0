"use client";

import { useEffect } from "react";

/**
 * Makes the line a `#L<n>` link names the page's :target (highlighted, scrolled to) once it
 * exists: the browser looks for the fragment while the document loads and may miss a table
 * that arrives later in the stream, and client-side navigation never sets :target at all.
 */
export function LineTarget() {
  useEffect(() => {
    const hash = window.location.hash;
    if (/^#L\d+$/.test(hash) && document.getElementById(hash.slice(1)) && !document.querySelector(":target")) window.location.replace(hash);
  }, []);
  return null;
}
