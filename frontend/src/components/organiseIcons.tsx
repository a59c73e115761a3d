// Icons of the chat list's organise actions, drawn like those in Icons.tsx.
import type { SVGProps } from 'react';

const base = { width: 18, height: 18, viewBox: '0 0 24 24', fill: 'none', stroke: 'currentColor', strokeWidth: 2, strokeLinecap: 'round' as const, strokeLinejoin: 'round' as const, 'aria-hidden': true };

export const IconPin = (p: SVGProps<SVGSVGElement>) => (
  <svg {...base} {...p}><path d="M9 4h6l-1 6 3 3H7l3-3zM12 13v7" /></svg>
);
export const IconArchive = (p: SVGProps<SVGSVGElement>) => (
  <svg {...base} {...p}><path d="M3 5h18v4H3zM5 9v10h14V9M10 13h4" /></svg>
);
export const IconRestore = (p: SVGProps<SVGSVGElement>) => (
  <svg {...base} {...p}><path d="M4 12a8 8 0 108-8 8 8 0 00-6 2.7M4 4v4h4" /></svg>
);
