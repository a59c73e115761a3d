import { forwardRef, useEffect, useMemo, useRef, useState, type KeyboardEvent } from 'react';
import { chatTitle, relativeTime } from '../app/format';
import { useClient, useHearth } from '../app/hooks';
import type { Chat } from '../protocol';
import { sortedChats } from '../state/store';
import { IconPencil, IconPlus, IconSearch, IconTrash, IconX } from './Icons';

interface Props {
  open: boolean;
  onClose: () => void;
  onNewChat: () => void;
}

export const Sidebar = forwardRef<HTMLInputElement, Props>(function Sidebar({ open, onClose, onNewChat }, searchRef) {
  const client = useClient();
  const chatsRec = useHearth((s) => s.chats);
  const pendingDeletes = useHearth((s) => s.pendingDeletes);
  const active = useHearth((s) => s.activeChatId);
  const loaded = useHearth((s) => s.chatsLoaded);
  const search = useHearth((s) => s.search);
  const [filter, setFilter] = useState('');

  const chats = useMemo(
    () => sortedChats({ chats: chatsRec, pendingDeletes } as Parameters<typeof sortedChats>[0]),
    [chatsRec, pendingDeletes],
  );
  const q = filter.trim().toLowerCase();
  const shown = q ? chats.filter((c) => chatTitle(c.title).toLowerCase().includes(q)) : chats;

  // Full-text search on the server, debounced.
  useEffect(() => {
    const t = setTimeout(() => void client.search(filter), 250);
    return () => clearTimeout(t);
  }, [client, filter]);

  const hits = q && search.query.toLowerCase() === q ? (search.hits ?? []) : [];

  const open_ = (id: string) => {
    client.openChat(id);
    onClose();
  };

  return (
    <aside className={`sidebar ${open ? 'open' : ''}`} aria-label="Chats">
      <div className="side-head">
        <span className="brand" aria-hidden="true">
          <span className="brand-mark" /> Hearth
        </span>
        <button type="button" className="btn new-chat" onClick={onNewChat} aria-label="New chat" title="New chat (Ctrl+N)">
          <IconPlus />
          <span>New chat</span>
        </button>
        <button type="button" className="icon-btn only-narrow" aria-label="Hide chats" onClick={onClose}>
          <IconX />
        </button>
      </div>
      <div className="search-box">
        <IconSearch className="search-icon" />
        <input
          ref={searchRef}
          type="search"
          aria-label="Search chats"
          placeholder="Search chats (Ctrl+K)"
          value={filter}
          onChange={(e) => setFilter(e.target.value)}
          onKeyDown={(e) => {
            if (e.key === 'Escape' && filter) {
              e.stopPropagation();
              setFilter('');
            }
          }}
        />
      </div>
      <nav className="chat-list-wrap" aria-label="Chat list">
        {!loaded ? (
          <p className="side-note">Loading chats…</p>
        ) : shown.length === 0 && !q ? (
          <p className="side-note">No chats yet.</p>
        ) : (
          <ul className="chat-list">
            {shown.map((c) => (
              <ChatRow key={c.id} chat={c} active={c.id === active} onOpen={() => open_(c.id)} />
            ))}
            {q && shown.length === 0 && <li className="side-note">No chat titles match.</li>}
          </ul>
        )}
        {hits.length > 0 && (
          <section aria-label="Messages matching the search" className="hits">
            <h2 className="side-sub">In messages</h2>
            <ul className="chat-list">
              {hits.map((h) => (
                <li key={`${h.chat_id}:${h.message_id}`}>
                  <button type="button" className="hit" onClick={() => open_(h.chat_id)}>
                    <span className="hit-title">{chatTitle(h.chat_title)}</span>
                    <span className="hit-snippet">{h.snippet}</span>
                  </button>
                </li>
              ))}
            </ul>
          </section>
        )}
      </nav>
    </aside>
  );
});

function ChatRow({ chat, active, onOpen }: { chat: Chat; active: boolean; onOpen: () => void }) {
  const client = useClient();
  const [editing, setEditing] = useState(false);
  const [title, setTitle] = useState(chat.title);
  const input = useRef<HTMLInputElement>(null);
  const name = chatTitle(chat.title);

  useEffect(() => {
    if (editing) input.current?.select();
  }, [editing]);

  const commit = () => {
    setEditing(false);
    const t = title.trim();
    if (t && t !== chat.title) void client.rename(chat.id, t);
  };

  const onKey = (e: KeyboardEvent<HTMLInputElement>) => {
    if (e.key === 'Enter') commit();
    if (e.key === 'Escape') {
      e.stopPropagation();
      setEditing(false);
      setTitle(chat.title);
    }
  };

  return (
    <li className={`chat-row ${active ? 'active' : ''}`}>
      {editing ? (
        <input
          ref={input}
          className="rename"
          aria-label="Chat title"
          value={title}
          onChange={(e) => setTitle(e.target.value)}
          onKeyDown={onKey}
          onBlur={commit}
        />
      ) : (
        <button type="button" className="chat-open" onClick={onOpen} aria-current={active ? 'page' : undefined} title={name}>
          <span className="chat-name">{name}</span>
          <span className="chat-sub">
            {chat.running && <span className="live-dot" role="img" aria-label="replying" />}
            {relativeTime(chat.updated_at)}
          </span>
        </button>
      )}
      {!editing && (
        <span className="row-actions">
          <button
            type="button"
            className="icon-btn small"
            aria-label={`Rename ${name}`}
            title="Rename"
            onClick={() => {
              setTitle(chat.title);
              setEditing(true);
            }}
          >
            <IconPencil width={14} height={14} />
          </button>
          <button type="button" className="icon-btn small" aria-label={`Delete ${name}`} title="Delete" onClick={() => client.deleteChat(chat.id)}>
            <IconTrash width={14} height={14} />
          </button>
        </span>
      )}
    </li>
  );
}
