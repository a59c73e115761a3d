import { useCallback, useEffect, useRef, useState } from 'react';
import { useClient, useHearth, useMedia } from '../app/hooks';
import { ChatView } from './ChatView';
import { ImportDrop } from './ImportDrop';
import { SettingsDialog } from './SettingsDialog';
import { Sidebar } from './Sidebar';
import { ConnectionBanner } from './StatusBar';
import { Toasts } from './Toasts';

interface WailsRuntime {
  EventsOn?: (name: string, cb: (...args: unknown[]) => void) => (() => void) | void;
}

export function App() {
  const client = useClient();
  const narrow = useMedia('(max-width: 760px)');
  const [sidebarOpen, setSidebarOpen] = useState(false);
  const [settingsOpen, setSettingsOpen] = useState(false);
  const [focusKey, setFocusKey] = useState(0);
  const searchRef = useRef<HTMLInputElement>(null);
  const activeChatId = useHearth((s) => s.activeChatId);

  const newChat = useCallback(() => {
    setSidebarOpen(false);
    client.newChat();
    setFocusKey((k) => k + 1);
  }, [client]);

  const focusSearch = useCallback(() => {
    setSidebarOpen(true);
    requestAnimationFrame(() => {
      searchRef.current?.focus();
      searchRef.current?.select();
    });
  }, []);

  // Keyboard: Ctrl/Cmd+N (also Ctrl/Cmd+Shift+O, which browsers leave to pages) new chat,
  // Ctrl/Cmd+K search, Esc stops the running reply.
  useEffect(() => {
    const onKey = (e: KeyboardEvent) => {
      const mod = e.ctrlKey || e.metaKey;
      const k = e.key.toLowerCase();
      if (mod && !e.altKey && ((k === 'n' && !e.shiftKey) || (k === 'o' && e.shiftKey))) {
        e.preventDefault();
        void newChat();
      } else if (mod && !e.altKey && !e.shiftKey && k === 'k') {
        e.preventDefault();
        focusSearch();
      } else if (e.key === 'Escape' && !e.defaultPrevented) {
        if (document.querySelector('dialog[open]')) return;
        const s = client.getState();
        if (s.activeChatId && s.views[s.activeChatId]?.runningTurnId) {
          e.preventDefault();
          void client.cancel(s.activeChatId);
        } else if (sidebarOpen) {
          setSidebarOpen(false);
        } else if (s.notices.length > 0) {
          // Nothing else to stop or close: Esc closes the newest notice.
          e.preventDefault();
          client.dismissNotice(s.notices[s.notices.length - 1]!.id);
        }
      }
    };
    window.addEventListener('keydown', onKey);
    return () => window.removeEventListener('keydown', onKey);
  }, [client, newChat, focusSearch, sidebarOpen]);

  // Desktop menu items.
  useEffect(() => {
    const rt = (window as unknown as { runtime?: WailsRuntime }).runtime;
    if (!rt?.EventsOn) return;
    const offs = [rt.EventsOn('menu:new-chat', () => void newChat()), rt.EventsOn('menu:search', () => focusSearch())];
    return () => {
      for (const off of offs) if (typeof off === 'function') off();
    };
  }, [newChat, focusSearch]);

  useEffect(() => {
    if (!narrow) setSidebarOpen(false);
  }, [narrow]);

  return (
    <div className={`app ${narrow ? 'narrow' : ''}`}>
      <ConnectionBanner />
      <div className="layout">
        <Sidebar ref={searchRef} open={sidebarOpen} onClose={() => setSidebarOpen(false)} onNewChat={() => void newChat()} />
        {narrow && sidebarOpen && <div className="scrim" aria-hidden="true" onClick={() => setSidebarOpen(false)} />}
        <ChatView key={activeChatId ?? 'none'} onOpenSidebar={() => setSidebarOpen(true)} onSettings={() => setSettingsOpen(true)} focusKey={focusKey} />
      </div>
      <SettingsDialog open={settingsOpen} onClose={() => setSettingsOpen(false)} />
      <ImportDrop />
      <Toasts />
    </div>
  );
}
