import { describe, expect, it } from 'vitest';
import { dragCarriesChatExport, exportFileName, isChatExportFile } from './transfer';

function drag(types: string[], items: { kind: string; type: string }[]) {
  return { types, items: items as unknown as DataTransferItemList };
}

describe('exportFileName', () => {
  it('names the file after the chat, with the format as extension', () => {
    expect(exportFileName('Trip to Lyon', 'md')).toBe('Trip to Lyon.md');
    expect(exportFileName('Trip to Lyon', 'json')).toBe('Trip to Lyon.json');
  });
  it('keeps out what a file system refuses or hides', () => {
    expect(exportFileName('a/b\\c: "d" <e>|f?*', 'md')).toBe('a b c d e f.md');
    expect(exportFileName('..hidden. ', 'json')).toBe('hidden.json');
    expect(exportFileName('line\nbreak\ttab', 'md')).toBe('line break tab.md');
  });
  it('falls back to a name when the title leaves nothing', () => {
    expect(exportFileName('', 'md')).toBe('Hearth chat.md');
    expect(exportFileName(undefined, 'json')).toBe('Hearth chat.json');
    expect(exportFileName('///', 'json')).toBe('Hearth chat.json');
  });
  it('bounds the length', () => {
    expect(exportFileName('x'.repeat(300), 'md')).toBe('x'.repeat(100) + '.md');
  });
});

describe('telling a chat export from an attachment', () => {
  it('takes a JSON file by its type or its name', () => {
    expect(isChatExportFile({ name: 'chat.json', type: '' })).toBe(true);
    expect(isChatExportFile({ name: 'CHAT.JSON', type: '' })).toBe(true);
    expect(isChatExportFile({ name: 'export', type: 'application/json' })).toBe(true);
  });
  it('leaves images, video and documents to the composer', () => {
    expect(isChatExportFile({ name: 'photo.png', type: 'image/png' })).toBe(false);
    expect(isChatExportFile({ name: 'clip.mp4', type: 'video/mp4' })).toBe(false);
    expect(isChatExportFile({ name: 'notes.txt', type: 'text/plain' })).toBe(false);
    expect(isChatExportFile({ name: 'paper.pdf', type: 'application/pdf' })).toBe(false);
  });
  it('sees a JSON file in a drag by its type (names are hidden until the drop)', () => {
    expect(dragCarriesChatExport(drag(['Files'], [{ kind: 'file', type: 'application/json' }]))).toBe(true);
    expect(dragCarriesChatExport(drag(['Files'], [{ kind: 'file', type: 'image/png' }, { kind: 'file', type: 'application/json' }]))).toBe(true);
    expect(dragCarriesChatExport(drag(['Files'], [{ kind: 'file', type: 'image/png' }]))).toBe(false);
    expect(dragCarriesChatExport(drag(['text/plain'], [{ kind: 'string', type: 'application/json' }]))).toBe(false);
    expect(dragCarriesChatExport(null)).toBe(false);
  });
});
