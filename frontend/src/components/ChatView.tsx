import { useCallback, useEffect, useState, type DragEvent } from 'react';
import { chatTitle } from '../app/format';
import { useClient, useHearth } from '../app/hooks';
import { useAttachments } from './attachments';
import { ChatExportMenu } from './ChatExportMenu';
import { ChatSettingsButton, PresetChooser } from './ChatSettings';
import { Composer } from './Composer';
import { IconGear, IconMenu } from './Icons';
import { MessageList } from './MessageList';
import { ModelPicker } from './ModelPicker';
import { ProviderHelp } from './ProviderHelp';
import { OpenSettings } from './settingsLink';
import { ProviderStatus } from './StatusBar';
import { isTemporaryChat, isTemporaryId, TEMPORARY_DETAIL, TEMPORARY_NO_ATTACHMENTS } from '../state/temporary';
import { DraftTemporaryToggle, TemporaryBadge, TemporaryNote } from './Temporary';
import { AgentHeader, DraftAgentPicker, useAgentChat } from './Agents';

interface Props {
  onOpenSidebar: () => void;
  onSettings: () => void;
  focusKey: number;
}

export function ChatView({ onOpenSidebar, onSettings, focusKey }: Props) {
  const client = useClient();
  const chatId = useHearth((s) => s.activeChatId);
  const chat = useHearth((s) => (chatId ? s.chats[chatId] : undefined));
  const view = useHearth((s) => (chatId ? s.views[chatId] : undefined));
  const online = useHearth((s) => s.conn.status === 'open');
  const draftTemporary = useHearth((s) => s.draftTemporary);
  const temporary = chatId ? isTemporaryChat(chat) || isTemporaryId(chatId) : draftTemporary;
  const allAttachments = useAttachments();
  // The server refuses a temporary chat's attachments (their files would be
  // written to disk), so none is taken: not picked, pasted or dropped.
  const attachments = temporary ? { ...allAttachments, add: () => client.notify('info', TEMPORARY_NO_ATTACHMENTS) } : allAttachments;
  const [dragging, setDragging] = useState(false);
  // An agent answers with its own model: the model server's state and picker have no say here.
  const agentChat = useAgentChat(chatId) && !view?.deleted;

  const running = Boolean(view?.runningTurnId);
  const title = chatId ? chatTitle(chat?.title ?? view?.deletedTitle) : '';

  useEffect(() => {
    document.title = title ? `${title} — Hearth` : 'Hearth';
  }, [title]);
  const deleted = Boolean(view?.deleted);
  const hasChats = useHearth((s) => Object.keys(s.chats).length > 0);

  const send = useCallback(
    async (text: string) => {
      const media = attachments.take();
      // A draft (New chat) is stored by its first message.
      if (!chatId || deleted) return client.sendToDraft(text, media);
      void client.send(chatId, text, media, running);
    },
    [attachments, chatId, client, deleted, running],
  );

  const onDrop = (e: DragEvent) => {
    e.preventDefault();
    setDragging(false);
    if (e.dataTransfer.files.length) attachments.add(Array.from(e.dataTransfer.files));
  };

  const empty = view && view.loaded && view.messages.length === 0 && view.pending.length === 0;

  return (
    <main
      className={`chat ${dragging ? 'dragging' : ''}`}
      aria-label="Chat"
      onDragOver={(e) => {
        if (e.dataTransfer.types.includes('Files')) {
          e.preventDefault();
          setDragging(true);
        }
      }}
      onDragLeave={(e) => {
        if (e.currentTarget === e.target) setDragging(false);
      }}
      onDrop={onDrop}
    >
      <header className="chat-head">
        <button type="button" className="icon-btn only-narrow" aria-label="Show chats" onClick={onOpenSidebar}>
          <IconMenu />
        </button>
        <h1 className="chat-title">{title || 'Hearth'}</h1>
        {temporary && chatId && !deleted && <TemporaryBadge />}
        {!chatId && <DraftTemporaryToggle />}
        {!chatId && <DraftAgentPicker />}
        {agentChat && <AgentHeader chatId={chatId} />}
        {!agentChat && <ProviderStatus onSettings={onSettings} />}
        {!agentChat && <ModelPicker chatId={deleted ? null : chatId} />}
        {chatId && !deleted && <ChatSettingsButton chatId={chatId} />}
        {chatId && !deleted && (
          <ChatExportMenu chatId={chatId} title={title} />
        )}
        <button type="button" className="icon-btn" aria-label="Settings" title="Settings" onClick={onSettings}>
          <IconGear />
        </button>
      </header>

      {!agentChat && <ProviderHelp onSettings={onSettings} />}

      {deleted ? (
        <div className="center-note" role="status">
          <h2>This chat was deleted</h2>
          <p>
            {view?.deletedTitle ? <>“{view.deletedTitle}” was deleted</> : 'It was deleted'}, perhaps in another window. Its
            messages are gone.
          </p>
          <button type="button" className="btn" onClick={() => void client.newChat()}>
            Start a new chat
          </button>
        </div>
      ) : chatId && view?.loaded ? (
        empty ? (
          <div className="center-note empty" role="status">
            <h2>Start the conversation</h2>
            <p>Ask anything. Attach images, a video, PDFs or text files with the clip, by pasting, or by dropping files here.</p>
            <PresetChooser chatId={chatId} />
          </div>
        ) : (
          <OpenSettings.Provider value={onSettings}>
            <MessageList chatId={chatId} />
          </OpenSettings.Provider>
        )
      ) : chatId ? (
        <div className="center-note" role="status">
          <p>Loading…</p>
        </div>
      ) : draftTemporary ? (
        <div className="center-note empty" role="status">
          <h2>Temporary chat</h2>
          <p>{TEMPORARY_DETAIL} It takes no attachments.</p>
          <PresetChooser chatId={null} />
        </div>
      ) : hasChats ? (
        // A draft: New chat stores nothing until its first message.
        <div className="center-note empty" role="status">
          <h2>Start the conversation</h2>
          <p>Your first message starts a new chat. Until then nothing is saved.</p>
          <PresetChooser chatId={null} />
        </div>
      ) : (
        <div className="center-note empty" role="status">
          <h2>Welcome to Hearth</h2>
          <p>Your chats stay on this machine. Write a message below to start one.</p>
          <PresetChooser chatId={null} />
        </div>
      )}

      {dragging && (
        <div className="drop-overlay" aria-hidden="true">
          {temporary ? TEMPORARY_NO_ATTACHMENTS : 'Drop images or a video to attach'}
        </div>
      )}

      {temporary && !deleted && <TemporaryNote />}

      <Composer
        chatId={chatId}
        running={running && !deleted}
        stopping={Boolean(view?.stopping)}
        online={online}
        attachments={attachments}
        attachBlocked={temporary ? TEMPORARY_NO_ATTACHMENTS : null}
        onSend={(t) => void send(t)}
        onStop={() => chatId && void client.cancel(chatId)}
        focusKey={focusKey}
      />
    </main>
  );
}
