/**
 * Just enough RFC 4514 to compare DNs: directories hand out the same DN with different
 * case, spacing and escaping (an entry's own DN vs. a group's `member` value).
 */

export type Ava = { attr: string; value: string };

/** Splits `s` on `sep` where it is not escaped with a backslash. */
function splitUnescaped(s: string, seps: string): string[] {
  const parts: string[] = [];
  let cur = "";
  for (let i = 0; i < s.length; i++) {
    const c = s[i];
    if (c === "\\" && i + 1 < s.length) {
      cur += c + s[i + 1];
      i++;
    } else if (seps.includes(c)) {
      parts.push(cur);
      cur = "";
    } else {
      cur += c;
    }
  }
  parts.push(cur);
  return parts;
}

function unescapeValue(raw: string): string {
  const v = raw.trim();
  const bytes: number[] = [];
  const out: string[] = [];
  const flush = () => {
    if (bytes.length) out.push(Buffer.from(bytes.splice(0)).toString("utf8"));
  };
  for (let i = 0; i < v.length; i++) {
    const c = v[i];
    if (c === "\\" && /^[0-9a-fA-F]{2}$/.test(v.slice(i + 1, i + 3))) {
      bytes.push(parseInt(v.slice(i + 1, i + 3), 16));
      i += 2;
      continue;
    }
    flush();
    if (c === "\\" && i + 1 < v.length) {
      out.push(v[i + 1]);
      i++;
    } else {
      out.push(c);
    }
  }
  flush();
  return out.join("");
}

/** The DN as a list of RDNs, each a list of attribute/value pairs (values unescaped). */
export function parseDn(dn: string): Ava[][] {
  if (!dn.trim()) return [];
  return splitUnescaped(dn, ",;").map((rdn) =>
    splitUnescaped(rdn, "+").map((ava) => {
      const [attr, ...rest] = splitUnescaped(ava, "=");
      return { attr: attr.trim().toLowerCase(), value: unescapeValue(rest.join("=")) };
    }),
  );
}

const escapeValue = (v: string) => v.replace(/[\\,+=;"<>#]/g, (c) => `\\${c}`);

const keyOf = (rdns: Ava[][]) =>
  rdns
    .map((rdn) =>
      rdn
        .map((a) => `${a.attr}=${escapeValue(a.value.toLowerCase())}`)
        .sort()
        .join("+"),
    )
    .join(",");

/** A canonical, case-insensitive key for a DN: equal keys mean the same entry. */
export function dnKey(dn: string): string {
  return keyOf(parseDn(dn));
}

/** The key of the entry directly above `dn`. */
export function parentDnKey(dn: string): string {
  return keyOf(parseDn(dn).slice(1));
}
