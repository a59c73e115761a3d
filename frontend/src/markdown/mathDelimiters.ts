// Models often write LaTeX as \( … \) and \[ … \]; the math parser knows only
// $ … $ and $$ … $$. Convert outside code, leaving code untouched.

const FENCE = /(^|\n)(```|~~~)[^\n]*\n[\s\S]*?(\n\2[^\n]*(?=\n|$)|$)/g;

function convertProse(s: string): string {
  // Split off inline code spans so their backslashes stay as written.
  return s
    .split(/(`+[^`]*`+)/)
    .map((part, i) =>
      i % 2 === 1
        ? part
        : part
            .replace(/\\\[([\s\S]+?)\\\]/g, (_m, body: string) => `$$${body}$$`)
            .replace(/\\\(([\s\S]+?)\\\)/g, (_m, body: string) => `$${body.trim()}$`),
    )
    .join('');
}

export function normaliseMathDelimiters(md: string): string {
  if (!md.includes('\\(') && !md.includes('\\[')) return md;
  let out = '';
  let last = 0;
  for (const m of md.matchAll(FENCE)) {
    out += convertProse(md.slice(last, m.index)) + m[0];
    last = (m.index ?? 0) + m[0].length;
  }
  return out + convertProse(md.slice(last));
}
