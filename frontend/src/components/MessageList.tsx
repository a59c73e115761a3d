import { useCallback, useEffect, useMemo, useRef, useState } from 'react';
import { Virtuoso, type VirtuosoHandle } from 'react-virtuoso';
import { useClient, useHearth } from '../app/hooks';
import { shownMessages, type PendingMessage, type ViewMessage } from '../state/store';
import { IconArrowDown } from './Icons';
import { MessageItem, PendingItem } from './MessageItem';
import { SearchTarget } from './SearchTarget';

type Row = { kind: 'msg'; m: ViewMessage } | { kind: 'pending'; p: PendingMessage };

const EMPTY: never[] = [];

/**
 * The transcript: a virtual list that grows upward as older pages load and
 * follows the newest text only while the reader is at the bottom.
 */
export function MessageList({ chatId }: { chatId: string }) {
  const client = useClient();
  const allMessages = useHearth((s) => s.views[chatId]?.messages ?? EMPTY);
  // A window opened around a search hit shows nothing past its end until paging down reaches it.
  const hasNewer = useHearth((s) => s.views[chatId]?.hasNewer ?? false);
  const windowEnd = useHearth((s) => s.views[chatId]?.windowEnd ?? 0);
  const loadingNewer = useHearth((s) => s.views[chatId]?.loadingNewer ?? false);
  const focus = useHearth((s) => s.views[chatId]?.focus ?? null);
  const epoch = useHearth((s) => s.views[chatId]?.epoch ?? 0);
  const messages = useMemo(() => shownMessages({ messages: allMessages, hasNewer, windowEnd }), [allMessages, hasNewer, windowEnd]);
  const pending = useHearth((s) => s.views[chatId]?.pending ?? EMPTY);
  const firstItemIndex = useHearth((s) => s.views[chatId]?.firstItemIndex ?? 0);
  const hasMore = useHearth((s) => s.views[chatId]?.hasMore ?? false);
  const loadingOlder = useHearth((s) => s.views[chatId]?.loadingOlder ?? false);
  const ref = useRef<VirtuosoHandle>(null);
  const [atBottom, setAtBottom] = useState(true);

  // Stick to the bottom while the reader is there; a scroll upward by the
  // reader lets go, reaching the bottom again takes hold. The streaming
  // message grows in place, which Virtuoso's followOutput (new items only)
  // does not cover, so growth is followed here.
  const scroller = useRef<HTMLElement | null>(null);
  const stick = useRef(!focus);
  // A new window (a search hit, back to the latest) is laid out afresh: it
  // holds to the bottom only when it opens there.
  const epochSeen = useRef(epoch);
  if (epochSeen.current !== epoch) {
    epochSeen.current = epoch;
    stick.current = !focus;
  }
  // The bottom of a window that stops short of the newest is no place to hold to.
  const newerRef = useRef(hasNewer);
  newerRef.current = hasNewer;
  const lastPos = useRef({ top: 0, height: 0 });
  const onScroll = useCallback(() => {
    const el = scroller.current;
    if (!el) return;
    const gap = el.scrollHeight - el.scrollTop - el.clientHeight;
    // Upward movement while the content did not shrink is the reader's doing.
    if (el.scrollTop < lastPos.current.top - 1 && el.scrollHeight >= lastPos.current.height) stick.current = false;
    if (gap <= 4 && !newerRef.current) stick.current = true;
    lastPos.current = { top: el.scrollTop, height: el.scrollHeight };
  }, []);
  const followGrowth = useCallback(() => {
    const el = scroller.current;
    if (el && stick.current && el.scrollHeight - el.scrollTop - el.clientHeight > 0) {
      el.scrollTop = el.scrollHeight;
      lastPos.current = { top: el.scrollTop, height: el.scrollHeight };
    }
  }, []);
  // A ResizeObserver runs after layout and before paint: following there means
  // the grown text is never painted below the fold first.
  const resizeObs = useRef<ResizeObserver | null>(null);
  const setScroller = useCallback(
    (el: HTMLElement | Window | null) => {
      scroller.current?.removeEventListener('scroll', onScroll);
      resizeObs.current?.disconnect();
      scroller.current = el instanceof HTMLElement ? el : null;
      if (!scroller.current) return;
      scroller.current.addEventListener('scroll', onScroll, { passive: true });
      if (typeof ResizeObserver !== 'undefined') {
        resizeObs.current = new ResizeObserver(followGrowth);
        // The scroller's only child is Virtuoso's viewport; observe what grows inside it.
        const watch = () => {
          const list = scroller.current?.querySelector('[data-testid="virtuoso-item-list"]');
          if (list) resizeObs.current?.observe(list);
          else requestAnimationFrame(watch);
        };
        watch();
      }
    },
    [onScroll, followGrowth],
  );

  // Sending a message brings the reader to the bottom.
  const pendingCount = pending.length;
  const prevPending = useRef(pendingCount);
  useEffect(() => {
    if (pendingCount > prevPending.current) {
      if (newerRef.current) client.loadLatest(chatId);
      stick.current = true;
      ref.current?.scrollToIndex({ index: 'LAST', align: 'end', behavior: 'auto' });
    }
    prevPending.current = pendingCount;
  }, [pendingCount, client, chatId]);

  const rows = useMemo<Row[]>(() => {
    const r: Row[] = messages.map((m) => ({ kind: 'msg', m }));
    for (const p of pending) r.push({ kind: 'pending', p });
    return r;
  }, [messages, pending]);

  const queueIt = useCallback(
    (p: PendingMessage) => {
      client.dismissPending(chatId, p.reqId);
      void client.send(chatId, p.content, p.media, true);
    },
    [client, chatId],
  );

  const focusIndex = focus ? rows.findIndex((r) => r.kind === 'msg' && r.m.id === focus.messageId) : -1;

  const Footer = useCallback(
    () => <div className="list-footer">{hasNewer ? <div className="list-edge">{loadingNewer ? 'Loading later messages…' : ''}</div> : null}</div>,
    [hasNewer, loadingNewer],
  );

  const Header = useCallback(
    () => (
      <div className="list-edge" aria-live="polite">
        {loadingOlder ? 'Loading earlier messages…' : hasMore ? '' : messages.length > 0 ? 'Beginning of the chat' : ''}
      </div>
    ),
    [loadingOlder, hasMore, messages.length],
  );

  return (
    <div className="message-list" role="log" aria-label="Messages" aria-live="off">
      <Virtuoso
        key={`${chatId}:${epoch}`}
        ref={ref}
        className="virtuoso"
        data={rows}
        firstItemIndex={firstItemIndex}
        initialTopMostItemIndex={focusIndex >= 0 ? { index: focusIndex, align: 'center' } : Math.max(0, rows.length - 1)}
        alignToBottom
        computeItemKey={(_, row) => (row.kind === 'msg' ? row.m.id : `pending:${row.p.reqId}`)}
        scrollerRef={setScroller}
        followOutput={() => (stick.current ? 'auto' : false)}
        totalListHeightChanged={followGrowth}
        atBottomStateChange={setAtBottom}
        atBottomThreshold={40}
        startReached={() => client.loadOlder(chatId)}
        endReached={() => client.loadNewer(chatId)}
        increaseViewportBy={{ top: 600, bottom: 400 }}
        components={{ Header, Footer }}
        itemContent={(_, row) =>
          row.kind === 'msg' ? (
            focus && row.m.id === focus.messageId ? (
              <SearchTarget terms={focus.terms}>
                <MessageItem m={row.m} />
              </SearchTarget>
            ) : (
              <MessageItem m={row.m} />
            )
          ) : (
            <PendingItem p={row.p} onDismiss={() => client.dismissPending(chatId, row.p.reqId)} onQueue={() => queueIt(row.p)} />
          )
        }
      />
      {(!atBottom || hasNewer) && rows.length > 0 && (
        <button
          type="button"
          className="jump-latest"
          aria-label="Jump to latest"
          onClick={() => {
            if (hasNewer) {
              client.loadLatest(chatId);
              return;
            }
            stick.current = true;
            ref.current?.scrollToIndex({ index: 'LAST', align: 'end', behavior: 'auto' });
            requestAnimationFrame(followGrowth);
          }}
        >
          <IconArrowDown />
        </button>
      )}
    </div>
  );
}
