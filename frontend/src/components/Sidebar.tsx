import { Fragment, forwardRef, useEffect, useLayoutEffect, useMemo, useRef, useState, type FocusEvent, type KeyboardEvent } from 'react';
import { chatTitle, relativeTime } from '../app/format';
import { useClient, useHearth } from '../app/hooks';
import { snippetParts } from '../app/search';
import type { Chat } from '../protocol';
import { sortedChats } from '../state/store';
import { archivedChats, groupChats } from '../state/chatGroups';
import { IconArchive, IconPin, IconRestore } from './organiseIcons';
import './organise.css';
import { IconPencil, IconPlus, IconSearch, IconTrash, IconX } from './Icons';
import { neighbourAfterRemoval, rovingTarget, tabStop } from './roving';
import { isTemporaryChat, TEMPORARY_NOT_ORGANISED, temporaryFirst, withTemporaryGroup } from '../state/temporary';
import { TemporaryBadge, TemporaryChatButton } from './Temporary';
import { ApprovalMark } from './ApprovalMark';

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

  // Archived chats live in the Archived view, not the list; temporary ones
  // lead it, as a group of their own.
  const chats = useMemo(
    () => temporaryFirst(sortedChats({ chats: chatsRec, pendingDeletes } as Parameters<typeof sortedChats>[0]).filter((c) => !c.archived)),
    [chatsRec, pendingDeletes],
  );
  const now = useMinute();
  const groups = useMemo(() => withTemporaryGroup(chats, (kept) => groupChats(kept, now)), [chats, now]);
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

  // Keyboard: the list is one Tab stop (roving tabindex); see onListKey.
  const listRef = useRef<HTMLUListElement>(null);
  const newChatRef = useRef<HTMLButtonElement>(null);
  const [focusId, setFocusId] = useState<string | null>(null);
  const listHadFocus = useRef(false);
  const shownIds = useMemo(() => shown.map((c) => c.id), [shown]);
  const stop = tabStop(shownIds, focusId, active);
  const rowButton = (id: string) =>
    listRef.current?.querySelector<HTMLElement>(`li[data-chat-id="${CSS.escape(id)}"] .chat-open`) ?? null;

  // The focused row went away (deleted here or in another window): focus its
  // neighbour, or New chat, rather than dropping it on the page. Later than
  // the composer, which takes focus when the open chat changes.
  const prevIds = useRef<string[]>(shownIds);
  useLayoutEffect(() => {
    const prev = prevIds.current;
    prevIds.current = shownIds;
    if (focusId === null || shownIds.includes(focusId)) return;
    const next = neighbourAfterRemoval(prev, focusId, shownIds);
    setFocusId(next);
    const lost = !document.activeElement || document.activeElement === document.body;
    if (!listHadFocus.current || !lost) return;
    // Not cancelled on re-run: setFocusId above re-runs this effect at once.
    requestAnimationFrame(() => (next ? rowButton(next) : newChatRef.current)?.focus());
  }, [shownIds, focusId]);

  const onListFocus = (e: FocusEvent<HTMLUListElement>) => {
    listHadFocus.current = true;
    const id = (e.target as HTMLElement).closest('li[data-chat-id]')?.getAttribute('data-chat-id');
    if (id) setFocusId(id);
  };
  const onListBlur = (e: FocusEvent<HTMLUListElement>) => {
    // relatedTarget is null when the focused row was removed: that is not leaving.
    if (e.relatedTarget && !e.currentTarget.contains(e.relatedTarget as Node)) listHadFocus.current = false;
  };
  const onListKey = (e: KeyboardEvent<HTMLUListElement>) => {
    const target = e.target as HTMLElement;
    if (target.tagName === 'INPUT') return; // renaming
    const li = target.closest('li[data-chat-id]');
    const id = li?.getAttribute('data-chat-id') ?? null;
    const to = rovingTarget(shownIds, id, e.key);
    if (to !== undefined) {
      e.preventDefault();
      if (to) rowButton(to)?.focus();
      return;
    }
    if (!li || !id) return;
    // Left and right walk the row's own buttons: open, rename, delete.
    if (e.key === 'ArrowRight' || e.key === 'ArrowLeft') {
      const buttons = Array.from(li.querySelectorAll<HTMLElement>('button'));
      const i = buttons.indexOf(target);
      const j = e.key === 'ArrowRight' ? Math.min(i + 1, buttons.length - 1) : Math.max(i - 1, 0);
      if (i >= 0 && j !== i) {
        e.preventDefault();
        buttons[j]!.focus();
      }
    } else if (e.key === 'Delete') {
      e.preventDefault();
      client.deleteChat(id);
    } else if (e.key === 'F2') {
      e.preventDefault();
      li.querySelector<HTMLElement>('.rename-btn')?.click();
    }
  };

  return (
    <aside className={`sidebar ${open ? 'open' : ''}`} aria-label="Chats">
      <div className="side-head">
        <span className="brand" aria-hidden="true">
          <span className="brand-mark" /> Hearth
        </span>
        <button ref={newChatRef} type="button" className="btn new-chat" onClick={onNewChat} aria-label="New chat" title="New chat (Ctrl+N)">
          <IconPlus />
          <span>New chat</span>
        </button>
        <TemporaryChatButton onStart={onClose} />
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
          <ul
            ref={listRef}
            className="chat-list"
            aria-label="Chats (arrow keys move, Enter opens, F2 renames, Delete deletes)"
            onKeyDown={onListKey}
            onFocus={onListFocus}
            onBlur={onListBlur}
          >
            {q
              ? shown.map((c) => (
                  <ChatRow key={c.id} chat={c} active={c.id === active} tabbable={c.id === stop} onOpen={() => open_(c.id)} />
                ))
              : groups.map((g) => (
                  <Fragment key={g.key}>
                    <li className="chat-group" role="presentation" data-group={g.key}>
                      {g.label}
                    </li>
                    {g.chats.map((c) => (
                      <ChatRow key={c.id} chat={c} active={c.id === active} tabbable={c.id === stop} onOpen={() => open_(c.id)} />
                    ))}
                  </Fragment>
                ))}
            {q && shown.length === 0 && <li className="side-note">No chat titles match.</li>}
          </ul>
        )}
        {loaded && <MoreChats count={chats.length} />}
        {loaded && !q && <ArchivedChats active={active} onOpen={open_} />}
        {hits.length > 0 && (
          <section aria-label="Messages matching the search" className="hits">
            <h2 className="side-sub">In messages</h2>
            <ul className="chat-list">
              {hits.map((h) => (
                <li key={`${h.chat_id}:${h.message_id}`}>
                  <button
                    type="button"
                    className="hit"
                    onClick={() => {
                      void client.openHit(h);
                      onClose();
                    }}
                  >
                    <span className="hit-title">{chatTitle(h.chat_title)}</span>
                    <span className="hit-snippet">
                      {snippetParts(h).map((p, i) => (p.match ? <mark key={i}>{p.text}</mark> : <span key={i}>{p.text}</span>))}
                    </span>
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

/**
 * The end of the loaded list: while older chats exist it loads the next page
 * as soon as it scrolls into view (and is a button for those who would
 * rather ask), so every chat can be reached by scrolling.
 */
function MoreChats({ count }: { count: number }) {
  const client = useClient();
  const more = useHearth((s) => s.chatsMore);
  const loading = useHearth((s) => s.chatsLoadingMore);
  const online = useHearth((s) => s.conn.status === 'open');
  const ref = useRef<HTMLButtonElement>(null);
  // A new observer per page: it reports at once whether the end is still in
  // view, so a page that does not fill the list is followed by the next.
  useEffect(() => {
    const el = ref.current;
    if (!el || !more || loading || !online || typeof IntersectionObserver === 'undefined') return;
    const io = new IntersectionObserver((entries) => {
      if (entries.some((e) => e.isIntersecting)) void client.loadMoreChats();
    });
    io.observe(el);
    return () => io.disconnect();
  }, [client, more, loading, online, count]);
  if (!more) return null;
  return (
    <button ref={ref} type="button" className="btn more-chats" disabled={loading} onClick={() => void client.loadMoreChats()}>
      {loading ? 'Loading older chats…' : 'Show older chats'}
    </button>
  );
}

/** Left and right walk a row's own buttons (open, rename, archive or restore, delete). */
function rowButtonsKey(e: KeyboardEvent<HTMLElement>) {
  if (e.key !== 'ArrowRight' && e.key !== 'ArrowLeft') return;
  const target = e.target as HTMLElement;
  const li = target.closest('li[data-chat-id]');
  if (!li || target.tagName === 'INPUT') return;
  const buttons = Array.from(li.querySelectorAll<HTMLElement>('button'));
  const i = buttons.indexOf(target);
  const j = e.key === 'ArrowRight' ? Math.min(i + 1, buttons.length - 1) : Math.max(i - 1, 0);
  if (i >= 0 && j !== i) {
    e.preventDefault();
    buttons[j]!.focus();
  }
}

/** Re-renders once a minute, so that the day groups move on at midnight. */
function useMinute(): number {
  const [now, setNow] = useState(() => Date.now());
  useEffect(() => {
    const t = setInterval(() => setNow(Date.now()), 60_000);
    return () => clearInterval(t);
  }, []);
  return now;
}

/**
 * The Archived view at the end of the list: a toggle that lists the archived
 * chats (list_chats {archived}) with their own rows, each restorable. What
 * this window hears since (archive or restore here or elsewhere) updates it
 * at once.
 */
function ArchivedChats({ active, onOpen }: { active: string | null; onOpen: (id: string) => void }) {
  const client = useClient();
  const known = useHearth((s) => s.chats);
  const pendingDeletes = useHearth((s) => s.pendingDeletes);
  const online = useHearth((s) => s.conn.status === 'open');
  const [open, setOpen] = useState(false);
  const [listed, setListed] = useState<Chat[] | null>(null);
  useEffect(() => {
    if (!open || !online) return;
    let live = true;
    void client.listArchived().then((items) => {
      if (live && items) setListed(items);
    });
    return () => {
      live = false;
    };
  }, [client, open, online]);
  const items = useMemo(
    () => archivedChats(listed ?? [], known).filter((c) => !pendingDeletes[c.id]),
    [listed, known, pendingDeletes],
  );
  return (
    <section aria-label="Archived chats">
      <button type="button" className="archived-toggle" aria-expanded={open} onClick={() => setOpen(!open)}>
        <IconArchive width={14} height={14} />
        <span>{open ? 'Hide archived' : 'Archived'}</span>
      </button>
      {open && (
        <ul className="chat-list archived-list" aria-label="Archived chats (left and right reach a chat's actions)" onKeyDown={rowButtonsKey}>
          {listed === null ? (
            <li className="side-note">Loading archived chats…</li>
          ) : items.length === 0 ? (
            <li className="side-note">No archived chats.</li>
          ) : (
            items.map((c) => <ChatRow key={c.id} chat={c} active={c.id === active} tabbable onOpen={() => onOpen(c.id)} />)
          )}
        </ul>
      )}
    </section>
  );
}

function ChatRow({ chat, active, tabbable, onOpen }: { chat: Chat; active: boolean; tabbable: boolean; onOpen: () => void }) {
  const client = useClient();
  const [editing, setEditing] = useState(false);
  const [title, setTitle] = useState(chat.title);
  const input = useRef<HTMLInputElement>(null);
  const openBtn = useRef<HTMLButtonElement>(null);
  // A rename ended from the keyboard gives focus back to the row.
  const refocus = useRef(false);
  const name = chatTitle(chat.title);
  const temporary = isTemporaryChat(chat);

  useEffect(() => {
    if (editing) input.current?.select();
    else if (refocus.current) {
      refocus.current = false;
      openBtn.current?.focus();
    }
  }, [editing]);

  const commit = () => {
    setEditing(false);
    const t = title.trim();
    if (t && t !== chat.title) void client.rename(chat.id, t);
  };

  const onKey = (e: KeyboardEvent<HTMLInputElement>) => {
    if (e.key === 'Enter') {
      refocus.current = true;
      commit();
    }
    if (e.key === 'Escape') {
      e.stopPropagation();
      refocus.current = true;
      setEditing(false);
      setTitle(chat.title);
    }
  };

  return (
    <li className={`chat-row ${active ? 'active' : ''}`} data-chat-id={chat.id} data-pinned={chat.pinned || undefined} data-temporary={temporary || undefined}>
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
        <button
          ref={openBtn}
          type="button"
          className="chat-open"
          tabIndex={tabbable ? 0 : -1}
          onClick={onOpen}
          aria-current={active ? 'page' : undefined}
          title={name}
        >
          <span className="chat-name">{name}</span>
          <span className="chat-sub">
            {chat.awaiting_approval && <ApprovalMark />}
            {chat.running && <span className="live-dot" role="img" aria-label="replying" />}
            {temporary && <TemporaryBadge />}
            {relativeTime(chat.updated_at)}
          </span>
        </button>
      )}
      {!editing && (
        <span className="row-actions">
          <button
            type="button"
            className="icon-btn small rename-btn"
            tabIndex={-1}
            aria-label={`Rename ${name}`}
            title="Rename"
            onClick={() => {
              setTitle(chat.title);
              setEditing(true);
            }}
          >
            <IconPencil width={14} height={14} />
          </button>
          {!chat.archived && !temporary && (
            <button
              type="button"
              className="icon-btn small pin-btn"
              tabIndex={-1}
              aria-label={`${chat.pinned ? 'Unpin' : 'Pin'} ${name}`}
              aria-pressed={chat.pinned}
              title={chat.pinned ? 'Unpin' : 'Pin to the top'}
              onClick={() => void client.setPinned(chat.id, !chat.pinned)}
            >
              <IconPin width={14} height={14} />
            </button>
          )}
          {temporary ? (
            // Nothing to pin or archive: say why where the buttons would be.
            <span className="icon-btn small temp-no-organise" role="img" aria-label={TEMPORARY_NOT_ORGANISED} title={TEMPORARY_NOT_ORGANISED}>
              <IconArchive width={14} height={14} />
            </span>
          ) : (
            <button
              type="button"
              className="icon-btn small archive-btn"
              tabIndex={-1}
              aria-label={`${chat.archived ? 'Restore' : 'Archive'} ${name}`}
              title={chat.archived ? 'Restore to the chat list' : 'Archive (hide from the list, keep it)'}
              onClick={() => void client.setArchived(chat.id, !chat.archived)}
            >
              {chat.archived ? <IconRestore width={14} height={14} /> : <IconArchive width={14} height={14} />}
            </button>
          )}
          <button
            type="button"
            className="icon-btn small"
            tabIndex={-1}
            aria-label={`Delete ${name}`}
            title="Delete (Delete key)"
            onClick={() => client.deleteChat(chat.id)}
          >
            <IconTrash width={14} height={14} />
          </button>
        </span>
      )}
    </li>
  );
}
