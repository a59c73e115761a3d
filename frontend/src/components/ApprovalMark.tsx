import './tools.css';

/** The chat list's mark of a chat whose running reply waits for the user to allow or deny a tool call. */
export function ApprovalMark() {
  return (
    <span className="approval-mark" role="img" aria-label="waits for your approval" title="Waits for your approval of a tool call">
      <svg width={13} height={13} viewBox="0 0 24 24" fill="none" stroke="currentColor" strokeWidth={2.2} strokeLinecap="round" strokeLinejoin="round" aria-hidden>
        <path d="M12 3l8 3v6c0 4.5-3.4 8.2-8 9-4.6-.8-8-4.5-8-9V6z" />
        <path d="M12 8v5M12 16.5v.01" />
      </svg>
    </span>
  );
}
