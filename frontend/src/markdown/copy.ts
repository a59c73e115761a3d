// What the clipboard gets from rendered math. KaTeX renders every formula
// twice — MathML for screen readers (with the TeX as an annotation) and HTML
// for the eye — so the browser's copy, and any copy that walks text nodes,
// puts the formula on the clipboard two or three times ("O(1)O(1)O(1)").
// Here each rendered formula becomes its TeX source once, delimited as it
// would be typed: $…$ inline, $$…$$ for display math.

const TEX = 'annotation[encoding="application/x-tex"]';

/** The outermost rendered-math element around node, if node is inside one. */
function mathRoot(node: Node | null): Element | null {
  const el = node && (node.nodeType === 1 ? (node as Element) : node.parentElement);
  if (!el) return null;
  return el.closest('.katex-display') ?? el.closest('.katex');
}

/** The TeX a rendered formula came from, or its visible text when KaTeX left no annotation. */
export function texOf(math: Element): string {
  const ann = math.querySelector(TEX);
  if (ann?.textContent) return ann.textContent.trim();
  const html = math.querySelector('.katex-html');
  return (html ?? math).textContent?.trim() ?? '';
}

/** Replaces every rendered formula under root by a text node with its delimited TeX, in place. */
export function mathToTex(root: ParentNode): void {
  const doc = (root as Node).ownerDocument ?? (root as Document);
  for (const display of Array.from(root.querySelectorAll('.katex-display'))) {
    display.replaceWith(doc.createTextNode(`$$${texOf(display)}$$`));
  }
  for (const inline of Array.from(root.querySelectorAll('.katex'))) {
    const d = inline.querySelector('math[display="block"]') ? '$$' : '$';
    inline.replaceWith(doc.createTextNode(`${d}${texOf(inline)}${d}`));
  }
}

function cellText(cell: Element): string {
  const c = cell.cloneNode(true) as Element;
  mathToTex(c);
  return (c.textContent ?? '').replace(/\s+/g, ' ').trim().replace(/\|/g, '\\|');
}

/**
 * A rendered table as GFM markdown, math as its TeX. Only `|` is escaped: a
 * backslash escape would change the TeX inside $…$, which remark-math reads raw.
 */
export function tableToMarkdown(table: HTMLTableElement): string {
  const rows = Array.from(table.rows).map((r) => Array.from(r.cells).map(cellText));
  if (rows.length === 0) return '';
  const width = Math.max(...rows.map((r) => r.length));
  const line = (cells: string[]) => `| ${Array.from({ length: width }, (_, i) => cells[i] ?? '').join(' | ')} |`;
  const [head, ...body] = rows;
  return [line(head!), line(Array.from({ length: width }, () => '---')), ...body.map(line)].join('\n');
}

/** The table as HTML with math as TeX, for pasting into a spreadsheet or a document. */
export function tableToHtml(table: HTMLTableElement): string {
  const c = table.cloneNode(true) as HTMLTableElement;
  mathToTex(c);
  for (const el of [c, ...Array.from(c.querySelectorAll('*'))]) {
    for (const a of Array.from(el.attributes)) if (a.name !== 'colspan' && a.name !== 'rowspan') el.removeAttribute(a.name);
  }
  return c.outerHTML;
}

/**
 * The selection's contents with whole formulas as TeX, or null when no
 * formula is in it (the browser's own copy is right then). A boundary inside
 * a formula takes the whole formula: half a formula is no formula.
 */
export function selectionWithTex(ranges: readonly Range[]): DocumentFragment | null {
  let found = false;
  const doc = ranges[0]?.startContainer.ownerDocument;
  if (!doc) return null;
  const out = doc.createDocumentFragment();
  for (const original of ranges) {
    const r = original.cloneRange();
    const start = mathRoot(r.startContainer);
    if (start) r.setStartBefore(start);
    const end = mathRoot(r.endContainer);
    if (end) r.setEndAfter(end);
    const frag = r.cloneContents();
    if (frag.querySelector('.katex')) found = true;
    mathToTex(frag);
    out.append(frag);
  }
  return found ? out : null;
}

/**
 * The copy handler: when the selection holds rendered math, the clipboard
 * gets the text as the page lays it out (innerText: lines, table cells) with
 * each formula's TeX once, and HTML with the same substitution.
 */
export function onCopyMath(e: ClipboardEvent): void {
  const sel = document.getSelection();
  if (!sel || sel.isCollapsed || !e.clipboardData) return;
  const ranges = Array.from({ length: sel.rangeCount }, (_, i) => sel.getRangeAt(i));
  const frag = selectionWithTex(ranges);
  if (!frag) return;
  // innerText needs a rendered element; off screen, it still lays out.
  const holder = document.createElement('div');
  holder.setAttribute('aria-hidden', 'true');
  holder.style.cssText = 'position:fixed;left:-100000px;top:0;width:800px;white-space:normal';
  holder.append(frag);
  document.body.append(holder);
  const text = holder.innerText;
  const html = holder.innerHTML;
  holder.remove();
  e.clipboardData.setData('text/plain', text);
  e.clipboardData.setData('text/html', html);
  e.preventDefault();
}

let installed = false;

/** Installs the copy handler once per page. */
export function installMathCopy(): void {
  if (installed || typeof document === 'undefined') return;
  installed = true;
  document.addEventListener('copy', onCopyMath);
}
