import ReactMarkdown from "react-markdown";
import remarkGfm from "remark-gfm";
import type { ComponentPropsWithoutRef } from "react";

/** A wide table scrolls inside its own box instead of widening the page (phones). */
function ScrollingTable(props: ComponentPropsWithoutRef<"table"> & { node?: unknown }) {
  const { node, ...table } = props; // react-markdown's AST node is not a DOM attribute
  void node;
  return (
    <div className="overflow-x-auto">
      <table {...table} />
    </div>
  );
}

/** Renders untrusted markdown: raw HTML is not rendered (react-markdown's default). */
export function Markdown({ source }: { source: string }) {
  return (
    <div className="prose-rookery space-y-3 text-sm leading-6 [&_a]:text-brand-600 [&_a]:underline [&_code]:rounded [&_code]:bg-gray-100 [&_code]:px-1 dark:[&_code]:bg-gray-800 [&_h1]:text-xl [&_h1]:font-semibold [&_h2]:text-lg [&_h2]:font-semibold [&_li]:ml-5 [&_ol]:list-decimal [&_pre]:overflow-x-auto [&_pre]:rounded [&_pre]:bg-gray-100 [&_pre]:p-3 dark:[&_pre]:bg-gray-800 [&_table]:w-full [&_td]:border [&_td]:border-gray-300 [&_td]:px-2 [&_td]:py-1 dark:[&_td]:border-gray-700 [&_th]:border [&_th]:border-gray-300 [&_th]:px-2 [&_th]:py-1 [&_th]:text-left dark:[&_th]:border-gray-700 [&_ul]:list-disc">
      <ReactMarkdown remarkPlugins={[remarkGfm]} skipHtml components={{ table: ScrollingTable }}>
        {source}
      </ReactMarkdown>
    </div>
  );
}
