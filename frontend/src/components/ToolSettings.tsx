// Tools in the settings: a chat's switches for its MCP servers (chat
// settings), and the MCP servers with their state and tools and the
// "always" grants (app settings).

import { useId, useState } from 'react';
import { useClient, useHearth } from '../app/hooks';
import { relativeTime } from '../app/format';
import type { McpServer } from '../protocol';
import { toggleToolsOff } from '../state/tools';
import './tools.css';

const EMPTY: string[] = [];

const STATE_WORDS: Record<McpServer['state'], string> = {
  starting: 'starting…',
  ready: 'ready',
  failed: 'failed',
  disabled: 'disabled in the config file',
};

/** In a chat's settings: each MCP server with a switch; off means its tools are not offered in this chat. */
export function ChatToolsSection({ chatId }: { chatId: string }) {
  const client = useClient();
  const servers = useHearth((s) => s.tools.servers);
  const off = useHearth((s) => s.chats[chatId]?.tools_off ?? EMPTY);
  const [status, setStatus] = useState<{ err: boolean; text: string } | null>(null);
  const titleId = useId();

  const set = async (name: string, on: boolean) => {
    const err = await client.setToolsOff(chatId, toggleToolsOff(off, name, on));
    setStatus(err ? { err: true, text: err } : { err: false, text: on ? `${name}'s tools are on in this chat.` : `${name}'s tools are off in this chat.` });
  };

  return (
    <section aria-labelledby={titleId}>
      <h3 className="settings-sub" id={titleId}>
        Tools
      </h3>
      {!servers ? (
        <p className="field-note">This Hearth does not report MCP servers.</p>
      ) : servers.items.length === 0 ? (
        <p className="field-note">
          No MCP servers are configured. Add them to <code>{servers.config_path || 'mcp.json'}</code> (see docs/tools.md).
        </p>
      ) : (
        <>
          <p className="field-note">The model may call the tools of the servers switched on here; each call still asks you unless you allowed it.</p>
          <ul className="tools-list" aria-label="MCP servers for this chat">
            {servers.items.map((s) => {
              const on = !off.includes(s.name);
              const n = s.tools?.length ?? 0;
              return (
                <li key={s.name}>
                  <label className="tool-switch">
                    <input type="checkbox" role="switch" checked={on} aria-label={`Tools of ${s.name}`} onChange={(e) => void set(s.name, e.target.checked)} />
                    <span className="mcp-server-name">{s.name}</span>
                    <span className="field-note">
                      {s.state === 'ready' ? (n === 1 ? '1 tool' : `${n} tools`) : STATE_WORDS[s.state]}
                    </span>
                  </label>
                </li>
              );
            })}
          </ul>
        </>
      )}
      <p className="status-line" role="status">
        {status && (status.err ? <span className="err">{status.text}</span> : status.text)}
      </p>
    </section>
  );
}

/** In the app's settings: the MCP servers, where they are configured, and the tools allowed everywhere. */
export function McpSettingsSection() {
  const servers = useHearth((s) => s.tools.servers);
  return (
    <section aria-labelledby="mcp-settings-title">
      <h3 className="settings-sub" id="mcp-settings-title">
        MCP servers
      </h3>
      {!servers ? (
        <p className="field-note">This Hearth does not report MCP servers.</p>
      ) : (
        <>
          {servers.items.length === 0 ? (
            <p className="field-note">No MCP servers are configured.</p>
          ) : (
            <ul className="tools-list" aria-label="MCP servers">
              {servers.items.map((s) => (
                <ServerItem key={s.name} s={s} />
              ))}
            </ul>
          )}
          {servers.error && <p className="mcp-error">The config file has a problem: {servers.error}</p>}
          <p className="field-note">
            Configured in <code>{servers.config_path || 'mcp.json'}</code>. To add a server, name it under <code>"mcpServers"</code> there, in the format
            Claude Desktop, Cursor and LM Studio use (you can paste their file); Hearth picks up the change by itself. See docs/tools.md.
          </p>
        </>
      )}
      <GrantsSection />
    </section>
  );
}

function ServerItem({ s }: { s: McpServer }) {
  const tools = s.tools ?? [];
  return (
    <li data-server={s.name}>
      <div className="mcp-server-head">
        <span className="mcp-server-name">{s.name}</span>
        <span className="field-note">{s.transport}</span>
        <span className={`mcp-state ${s.state}`}>{STATE_WORDS[s.state]}</span>
        {s.restarts > 0 && <span className="field-note">restarted {s.restarts === 1 ? 'once' : `${s.restarts} times`}</span>}
      </div>
      {s.state === 'failed' && (
        <>
          {s.error && <p className="mcp-error">{s.error}</p>}
          {s.stderr_tail && (
            <pre className="tool-pre" aria-label={`The end of ${s.name}'s error output`}>
              {s.stderr_tail}
            </pre>
          )}
        </>
      )}
      {tools.length > 0 && (
        <ul className="mcp-tools" aria-label={`Tools of ${s.name}`}>
          {tools.map((t) => (
            <li key={t.name}>
              <code>{t.name}</code>
              {t.read_only && <span className="tool-mark">read-only</span>}
              {t.destructive && !t.read_only && <span className="tool-mark destructive">can change or delete</span>}
              {t.auto_approve && (
                <span className="tool-mark auto" title="Listed in autoApprove in the config file: runs without asking">
                  auto-approved
                </span>
              )}
              {t.description && <span className="tool-desc">{firstSentence(t.description)}</span>}
            </li>
          ))}
        </ul>
      )}
    </li>
  );
}

function firstSentence(s: string): string {
  const line = s.trim().split('\n', 1)[0] ?? '';
  return line.length > 140 ? `${line.slice(0, 140)}…` : line;
}

function GrantsSection() {
  const client = useClient();
  const grants = useHearth((s) => s.tools.grants);
  const [err, setErr] = useState<string | null>(null);
  return (
    <>
      <h3 className="settings-sub">Always allowed tools</h3>
      {!grants?.length ? (
        <p className="field-note">None. A call you answer with “Always allow” adds its tool here.</p>
      ) : (
        <ul className="tools-list grant-list" aria-label="Always allowed tools">
          {grants.map((g) => (
            <li key={`${g.server}\u0000${g.tool}`}>
              <span className="grant-name">
                <span className="mcp-server-name">{g.server}</span> · <code>{g.tool}</code>{' '}
                <span className="field-note">{relativeTime(g.created_at)}</span>
              </span>
              <button
                type="button"
                className="btn small"
                aria-label={`Revoke ${g.server} · ${g.tool}`}
                onClick={async () => setErr(await client.revokeToolGrant(g.server, g.tool))}
              >
                Revoke
              </button>
            </li>
          ))}
        </ul>
      )}
      {err && <p className="mcp-error">{err}</p>}
    </>
  );
}
