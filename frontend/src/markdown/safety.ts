// What model output may become in the page. Markdown is parsed to a tree and
// rendered as React elements; nothing is ever injected as HTML.
//
// - Raw HTML in the markdown is shown as literal text (remarkHtmlAsText), so
//   `<img onerror=…>` or `<script>` reach the page only as characters.
// - The hast tree is sanitized (rehype-sanitize, GitHub's schema): no event
//   handler attributes, no style, no script-capable elements.
// - URLs are hardened: links only to http(s)/mailto (and in-page anchors);
//   images from model output are not loaded at all — a remote image would be
//   a request to a third party, and Hearth makes none.

import {
  defaultRehypePlugins,
  defaultRemarkPlugins,
  defaultUrlTransform,
  type StreamdownProps,
  type UrlTransform,
} from 'streamdown';

type PluggableList = NonNullable<StreamdownProps['rehypePlugins']>;
type Pluggable = PluggableList[number];

interface MdNode {
  type: string;
  value?: string;
  children?: MdNode[];
}

/** remark plugin: every raw HTML node becomes a text node with the same characters. */
export function remarkHtmlAsText() {
  return (tree: MdNode) => {
    const walk = (node: MdNode) => {
      if (!node.children) return;
      for (const child of node.children) {
        if (child.type === 'html') {
          child.type = 'text';
        } else {
          walk(child);
        }
      }
    };
    walk(tree);
  };
}

const hardenPlugin = defaultRehypePlugins.harden as unknown as [Pluggable, Record<string, unknown>] | undefined;
const sanitizePlugin = defaultRehypePlugins.sanitize;

if (!hardenPlugin || !sanitizePlugin) {
  throw new Error('streamdown no longer exports its sanitize/harden plugins');
}

export const rehypePlugins: PluggableList = [
  sanitizePlugin,
  [
    hardenPlugin[0] as never,
    {
      allowedLinkPrefixes: ['*'],
      allowedImagePrefixes: [],
      allowedProtocols: ['http', 'https', 'mailto'],
      allowDataImages: false,
      blockedImageClass: 'md-blocked',
      blockedLinkClass: 'md-blocked',
    },
  ],
];

export const remarkPlugins: PluggableList = [...Object.values(defaultRemarkPlugins), remarkHtmlAsText];

const SAFE_URL = /^(https?:|mailto:|#)/i;

/** Last line of defence on every URL attribute React would render. */
export const urlTransform: UrlTransform = (url, key, node) => {
  const base = defaultUrlTransform(url, key, node);
  if (!base) return '';
  if (node.tagName === 'img') return '';
  return SAFE_URL.test(base.trim()) ? base : '';
};
