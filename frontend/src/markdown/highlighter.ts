// Syntax highlighting for code blocks: Shiki with its JavaScript regex engine
// (no WebAssembly) and a curated set of languages, each loaded on first use.
// The full Shiki bundle would add some 300 files and 10 MB to the binary.

import type { CodeHighlighterPlugin, HighlightResult } from 'streamdown';
import { createHighlighterCore, type HighlighterCore, type LanguageRegistration } from 'shiki/core';
import { createJavaScriptRegexEngine } from 'shiki/engine/javascript';

type LangModule = { default: LanguageRegistration[] };

const LANGS: Record<string, () => Promise<LangModule>> = {
  bash: () => import('@shikijs/langs/bash'),
  c: () => import('@shikijs/langs/c'),
  cpp: () => import('@shikijs/langs/cpp'),
  csharp: () => import('@shikijs/langs/csharp'),
  css: () => import('@shikijs/langs/css'),
  diff: () => import('@shikijs/langs/diff'),
  dockerfile: () => import('@shikijs/langs/dockerfile'),
  go: () => import('@shikijs/langs/go'),
  graphql: () => import('@shikijs/langs/graphql'),
  haskell: () => import('@shikijs/langs/haskell'),
  html: () => import('@shikijs/langs/html'),
  ini: () => import('@shikijs/langs/ini'),
  java: () => import('@shikijs/langs/java'),
  javascript: () => import('@shikijs/langs/javascript'),
  json: () => import('@shikijs/langs/json'),
  jsx: () => import('@shikijs/langs/jsx'),
  kotlin: () => import('@shikijs/langs/kotlin'),
  latex: () => import('@shikijs/langs/latex'),
  lua: () => import('@shikijs/langs/lua'),
  make: () => import('@shikijs/langs/make'),
  markdown: () => import('@shikijs/langs/markdown'),
  php: () => import('@shikijs/langs/php'),
  powershell: () => import('@shikijs/langs/powershell'),
  python: () => import('@shikijs/langs/python'),
  r: () => import('@shikijs/langs/r'),
  ruby: () => import('@shikijs/langs/ruby'),
  rust: () => import('@shikijs/langs/rust'),
  scala: () => import('@shikijs/langs/scala'),
  sql: () => import('@shikijs/langs/sql'),
  swift: () => import('@shikijs/langs/swift'),
  toml: () => import('@shikijs/langs/toml'),
  tsx: () => import('@shikijs/langs/tsx'),
  typescript: () => import('@shikijs/langs/typescript'),
  xml: () => import('@shikijs/langs/xml'),
  yaml: () => import('@shikijs/langs/yaml'),
  zig: () => import('@shikijs/langs/zig'),
};

const ALIASES: Record<string, string> = {
  sh: 'bash',
  shell: 'bash',
  zsh: 'bash',
  console: 'bash',
  shellscript: 'bash',
  'c++': 'cpp',
  cc: 'cpp',
  h: 'c',
  cs: 'csharp',
  'c#': 'csharp',
  golang: 'go',
  js: 'javascript',
  mjs: 'javascript',
  cjs: 'javascript',
  ts: 'typescript',
  mts: 'typescript',
  py: 'python',
  python3: 'python',
  rb: 'ruby',
  rs: 'rust',
  yml: 'yaml',
  md: 'markdown',
  tex: 'latex',
  kt: 'kotlin',
  makefile: 'make',
  ps1: 'powershell',
  jsonc: 'json',
  json5: 'json',
  docker: 'dockerfile',
  svg: 'xml',
  htm: 'html',
  gql: 'graphql',
  hs: 'haskell',
};

const THEMES: [string, string] = ['github-light', 'github-dark'];

export function normaliseLanguage(lang: string): string | null {
  const l = lang.trim().toLowerCase();
  const id = ALIASES[l] ?? l;
  return id in LANGS ? id : null;
}

let core: Promise<HighlighterCore> | null = null;
const loading = new Map<string, Promise<void>>();

function getCore(): Promise<HighlighterCore> {
  core ??= createHighlighterCore({
    themes: [import('@shikijs/themes/github-light'), import('@shikijs/themes/github-dark')],
    langs: [],
    engine: createJavaScriptRegexEngine({ forgiving: true }),
  });
  return core;
}

function ensureLanguage(hl: HighlighterCore, id: string): Promise<void> {
  let p = loading.get(id);
  if (!p) {
    p = LANGS[id]!().then((m) => hl.loadLanguage(...m.default));
    loading.set(id, p);
  }
  return p;
}

// Finished blocks are cached; a streaming block is re-tokenised as it grows.
const cache = new Map<string, HighlightResult>();
const CACHE_MAX = 300;

function remember(key: string, r: HighlightResult) {
  cache.set(key, r);
  if (cache.size > CACHE_MAX) cache.delete(cache.keys().next().value as string);
}

function tokenize(hl: HighlighterCore, code: string, id: string): HighlightResult {
  return hl.codeToTokens(code, { lang: id, themes: { light: THEMES[0], dark: THEMES[1] } }) as unknown as HighlightResult;
}

export const highlighter: CodeHighlighterPlugin = {
  name: 'shiki',
  type: 'code-highlighter',
  getSupportedLanguages: () => Object.keys(LANGS),
  getThemes: () => THEMES,
  supportsLanguage: (lang) => normaliseLanguage(lang) !== null,
  highlight({ code, language, isIncomplete }, callback) {
    const id = normaliseLanguage(language);
    if (!id) return null;
    const key = `${id}\n${code}`;
    const hit = cache.get(key);
    if (hit) return hit;
    void getCore()
      .then(async (hl) => {
        await ensureLanguage(hl, id);
        const r = tokenize(hl, code, id);
        if (!isIncomplete) remember(key, r);
        callback?.(r);
      })
      .catch(() => {
        // Leave the block as plain text.
      });
    return null;
  },
};
