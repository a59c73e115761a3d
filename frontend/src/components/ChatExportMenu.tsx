import { type KeyboardEvent, type SVGProps, useEffect, useRef, useState } from 'react';
import { useClient } from '../app/hooks';
import { type ExportFormat, exportFileName, fetchExport, saveFile } from '../net/transfer';
import { UploadError } from '../net/upload';
import { reasonText } from '../reasons';
import { rovingTarget } from './roving';
import './transfer.css';

const IconExport = (p: SVGProps<SVGSVGElement>) => (
  <svg width={18} height={18} viewBox="0 0 24 24" fill="none" stroke="currentColor" strokeWidth={2} strokeLinecap="round" strokeLinejoin="round" aria-hidden {...p}>
    <path d="M12 15V4M7 9l5-5 5 5M5 14v5a1 1 0 001 1h12a1 1 0 001-1v-5" />
  </svg>
);

const FORMATS: { format: ExportFormat; label: string; hint: string }[] = [
  { format: 'md', label: 'Download as Markdown', hint: 'The conversation as shown, to read or share' },
  { format: 'json', label: 'Download as JSON', hint: 'Every branch and attachment, to import again' },
];
const ORDER = FORMATS.map((f) => f.format);

interface Props {
  chatId: string;
  title: string;
}

/** The chat header's export menu: the open chat as a Markdown or JSON file named after its title. */
export function ChatExportMenu({ chatId, title }: Props) {
  const client = useClient();
  const [open, setOpen] = useState(false);
  const [at, setAt] = useState<ExportFormat>('md');
  const [busy, setBusy] = useState(false);
  const button = useRef<HTMLButtonElement>(null);
  const menu = useRef<HTMLUListElement>(null);

  useEffect(() => {
    if (!open) return;
    const away = (e: PointerEvent) => {
      if (!menu.current?.contains(e.target as Node) && !button.current?.contains(e.target as Node)) setOpen(false);
    };
    document.addEventListener('pointerdown', away);
    return () => document.removeEventListener('pointerdown', away);
  }, [open]);

  useEffect(() => {
    if (open) menu.current?.querySelector<HTMLElement>(`[data-format="${at}"]`)?.focus();
  }, [open, at]);

  const close = () => {
    setOpen(false);
    button.current?.focus();
  };

  const download = async (format: ExportFormat) => {
    close();
    const ep = client.endpoint;
    if (!ep) return;
    setBusy(true);
    try {
      saveFile(await fetchExport(ep, chatId, format), exportFileName(title, format));
    } catch (e) {
      const text = e instanceof UploadError ? reasonText(e.reason, e.detail) : String(e);
      client.notify('error', `Could not export “${title}”: ${text}`);
    } finally {
      setBusy(false);
    }
  };

  const onKeyDown = (e: KeyboardEvent) => {
    if (e.key === 'Escape') {
      // Esc closes the menu, not the running reply (App's Esc).
      e.preventDefault();
      e.stopPropagation();
      close();
      return;
    }
    if (e.key === 'Tab') {
      setOpen(false);
      return;
    }
    const to = rovingTarget(ORDER, at, e.key);
    if (to) {
      e.preventDefault();
      setAt(to as ExportFormat);
    }
  };

  const label = busy ? 'Exporting the chat…' : 'Export this chat';
  return (
    <span className="export-menu">
      <button
        ref={button}
        type="button"
        className="icon-btn"
        aria-label="Export this chat"
        aria-haspopup="menu"
        aria-expanded={open}
        aria-disabled={busy}
        title={label}
        onClick={() => {
          if (busy) return;
          setAt('md');
          setOpen((o) => !o);
        }}
      >
        <IconExport />
      </button>
      {open && (
        <ul ref={menu} className="export-list" role="menu" aria-label="Export this chat" onKeyDown={onKeyDown}>
          {FORMATS.map((f) => (
            <li role="none" key={f.format}>
              <button
                type="button"
                role="menuitem"
                data-format={f.format}
                tabIndex={f.format === at ? 0 : -1}
                onClick={() => void download(f.format)}
              >
                {f.label}
                <span className="export-hint">{f.hint}</span>
              </button>
            </li>
          ))}
        </ul>
      )}
    </span>
  );
}
