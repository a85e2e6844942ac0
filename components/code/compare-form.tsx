import { buttonClass, inputClass } from "@/components/ui";

/** Pick two refs to compare; a plain GET form (the compare page redirects to /compare/<base>...<head>). */
export function CompareForm({
  action,
  branches,
  tags,
  base,
  head,
}: {
  action: string;
  branches: { name: string }[];
  tags: { name: string }[];
  base?: string;
  head?: string;
}) {
  const options = (
    <>
      <optgroup label="Branches">
        {branches.map((b) => (
          <option key={`b-${b.name}`} value={b.name}>
            {b.name}
          </option>
        ))}
      </optgroup>
      {tags.length > 0 && (
        <optgroup label="Tags">
          {tags.map((t) => (
            <option key={`t-${t.name}`} value={t.name}>
              {t.name}
            </option>
          ))}
        </optgroup>
      )}
    </>
  );
  return (
    <form action={action} className="mb-4 flex flex-wrap items-end gap-3">
      <div>
        <label htmlFor="compare-base" className="block text-xs font-medium text-gray-600 dark:text-gray-400">
          Base
        </label>
        <select id="compare-base" name="base" defaultValue={base} className={`${inputClass} w-56 font-mono`}>
          {options}
        </select>
      </div>
      <span className="pb-2 font-mono text-gray-500" aria-hidden>
        ...
      </span>
      <div>
        <label htmlFor="compare-head" className="block text-xs font-medium text-gray-600 dark:text-gray-400">
          Head
        </label>
        <select id="compare-head" name="head" defaultValue={head} className={`${inputClass} w-56 font-mono`}>
          {options}
        </select>
      </div>
      <button type="submit" className={buttonClass.primary}>
        Compare
      </button>
    </form>
  );
}
