/**
 * Blob keys and branch names as file names, and back: a true round trip for every string
 * (any Unicode, lone surrogates too). Letters, digits and `-_.` stand for themselves; any
 * other UTF-16 code unit below 0x100 is `%XX`, the others `%uXXXX` (hex). A name holds
 * nothing a file system treats specially (`/`, `\`, `:`, NUL), and `.`/`..` alone are
 * escaped too, so no key names a folder above the store.
 */

const PLAIN = /^[A-Za-z0-9_.-]$/;

export function fileName(key: string): string {
  if (key === '.' || key === '..') return key.replace(/\./g, '%2e');
  let out = '';
  for (let i = 0; i < key.length; i++) {
    const c = key[i]!;
    if (PLAIN.test(c)) out += c;
    else {
      const unit = key.charCodeAt(i);
      out += unit < 0x100 ? `%${hex(unit, 2)}` : `%u${hex(unit, 4)}`;
    }
  }
  return out;
}

function hex(n: number, digits: number): string {
  return n.toString(16).padStart(digits, '0');
}

/** The key a file name stands for; the name itself when it is not one `fileName` makes. */
export function keyOf(name: string): string {
  let out = '';
  for (let i = 0; i < name.length; i++) {
    const c = name[i]!;
    if (c !== '%') {
      out += c;
      continue;
    }
    const wide = name[i + 1] === 'u';
    const digits = name.slice(wide ? i + 2 : i + 1, wide ? i + 6 : i + 3);
    if (!/^[0-9a-fA-F]+$/.test(digits) || digits.length !== (wide ? 4 : 2)) {
      out += c;
      continue;
    }
    out += String.fromCharCode(Number.parseInt(digits, 16));
    i += wide ? 5 : 2;
  }
  return out;
}
