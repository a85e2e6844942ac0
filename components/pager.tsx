import Link from "next/link";
import { buttonClass } from "./ui";

/** `path?params` without empty values. */
export function hrefWith(path: string, params: Record<string, string | number | undefined | null>) {
  const qs = new URLSearchParams();
  for (const [k, v] of Object.entries(params)) if (v !== undefined && v !== null && v !== "") qs.set(k, String(v));
  const s = qs.toString();
  return s ? `${path}?${s}` : path;
}

/** Keyset pagination links: back to the first page, and on to the next one. */
export function Pager({
  path,
  params,
  atFirstPage,
  nextCursor,
  nextLabel = "Next page",
  firstLabel = "First page",
}: {
  path: string;
  params: Record<string, string | undefined>;
  atFirstPage: boolean;
  nextCursor: string | number | null;
  nextLabel?: string;
  firstLabel?: string;
}) {
  if (atFirstPage && nextCursor === null) return null;
  return (
    <nav aria-label="Pagination" className="mt-4 flex gap-2">
      {!atFirstPage && (
        <Link className={buttonClass.secondary} href={hrefWith(path, params)}>
          {firstLabel}
        </Link>
      )}
      {nextCursor !== null && (
        <Link className={buttonClass.secondary} href={hrefWith(path, { ...params, cursor: nextCursor })}>
          {nextLabel}
        </Link>
      )}
    </nav>
  );
}

/** Numbered-page links (`?page=`): previous and next; `href(n)` is page n's address. */
export function PageNumberPager({ page, hasMore, href }: { page: number; hasMore: boolean; href: (page: number) => string }) {
  if (page <= 1 && !hasMore) return null;
  return (
    <nav aria-label="Pagination" className="mt-4 flex gap-2">
      {page > 1 && (
        <Link className={buttonClass.secondary} href={href(page - 1)}>
          Previous page
        </Link>
      )}
      {hasMore && (
        <Link className={buttonClass.secondary} href={href(page + 1)}>
          Next page
        </Link>
      )}
    </nav>
  );
}

/** A GET search box for list pages. */
export function SearchBox({
  path,
  q,
  label,
  placeholder,
  hidden = {},
}: {
  path: string;
  q?: string;
  label: string;
  placeholder?: string;
  hidden?: Record<string, string | undefined>;
}) {
  return (
    <form action={path} role="search" className="mb-4 flex gap-2">
      {Object.entries(hidden).map(([k, v]) => (v ? <input key={k} type="hidden" name={k} value={v} /> : null))}
      <input
        type="search"
        name="q"
        defaultValue={q}
        aria-label={label}
        placeholder={placeholder}
        className="block w-full max-w-sm rounded-md border border-gray-300 bg-white px-3 py-1.5 text-sm shadow-sm focus:border-brand-500 focus:outline-none focus:ring-1 focus:ring-brand-500 dark:border-gray-600 dark:bg-gray-900 dark:text-gray-100"
      />
      <button type="submit" className={buttonClass.secondary}>
        Search
      </button>
    </form>
  );
}
