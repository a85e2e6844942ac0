"use client";

import { useEffect } from "react";

/** Marks the document once React has hydrated it, so tests (and scripts) know clicks will be handled. */
export function HydrationMark() {
  useEffect(() => {
    document.documentElement.dataset.hydrated = "true";
  }, []);
  return null;
}
