import Link from "next/link";
import { cx } from "./ui";

/** Underlined page tabs (repository, merge request): the active one is `aria-current="page"`. */
export function TabNav({
  label,
  tabs,
  active,
  className,
}: {
  label: string;
  tabs: readonly { id: string; label: string; href: string }[];
  active: string;
  className?: string;
}) {
  return (
    <nav aria-label={label} className={cx("border-b border-gray-200 dark:border-gray-700", className)}>
      <ul className="-mb-px flex flex-wrap gap-1 text-sm">
        {tabs.map((t) => (
          <li key={t.id}>
            <Link
              href={t.href}
              aria-current={t.id === active ? "page" : undefined}
              className={cx(
                "inline-block border-b-2 px-3 py-2",
                t.id === active ?
                  "border-brand-600 font-medium text-gray-900 dark:text-gray-50"
                : "border-transparent text-gray-600 hover:border-gray-300 hover:text-gray-900 dark:text-gray-400 dark:hover:text-gray-100",
              )}
            >
              {t.label}
            </Link>
          </li>
        ))}
      </ul>
    </nav>
  );
}
