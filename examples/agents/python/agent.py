#!/usr/bin/env python3
"""echo-py: a small Hearth agent (docs/agents.md).

It answers each turn of the chats bound to it by echoing the user's last
message back, word by word. Put a real model where answer() streams the echo
and it is a real agent. Needs only the standard library and `websockets`
(Debian: python3-websockets; elsewhere: pip install websockets).

    python3 examples/agents/python/agent.py    # then bind a chat to "echo-py"
"""
import asyncio
import json
import os
import re
import sys

import websockets


def socket_path():
    """Finds Hearth as the hearth command does: HEARTH_SOCKET, else the
    default socket in the runtime dir, or in the state dir without one."""
    if os.environ.get("HEARTH_SOCKET"):
        return os.environ["HEARTH_SOCKET"]
    if os.environ.get("XDG_RUNTIME_DIR"):
        return os.path.join(os.environ["XDG_RUNTIME_DIR"], "hearth", "hearth.sock")
    return os.path.expanduser("~/.local/state/hearth/run/hearth.sock")


def log(*args):
    print(*args, file=sys.stderr, flush=True)


async def answer(ws, req, delay):
    """Streams one turn. A turn_cancel cancels this task (see main)."""
    turn = req["turn_id"]

    async def send(type_, **fields):
        await ws.send(json.dumps({"type": type_, "turn_id": turn, **fields}))

    # messages is the chat's history; the last user message is the question.
    said = next((m["content"] for m in reversed(req["messages"]) if m["role"] == "user"), "")
    try:
        if "think" in said:
            # Reasoning is shown apart from the answer, folded once it ends.
            await send("reasoning_delta", text="They want their words back.")
            await send("reasoning_end")
        if "tool" in said:
            # A tool the agent runs itself; Hearth shows the call as a card in
            # the answer. (approval_request would ask the user first.)
            call = turn + "-wc"
            await send("tool_call", call_id=call, name="word_count", arguments={"text": said})
            await send("tool_result", call_id=call, status="ok", content=f"{len(said.split())} words")
        for word in re.findall(r"\S+\s*", "You said: " + said):
            await asyncio.sleep(delay)
            await send("delta", text=word)
    except asyncio.CancelledError:
        # Cancelled by turn_cancel: stop streaming, but still end the turn
        # below (Hearth waits 5 s for it), so the error is not re-raised.
        log(f"turn {turn} cancelled")
    await send("turn_end", status="done")


async def main():
    # HEARTH_AGENT_NAME is the name Hearth gives an agent it starts ([[agents]]).
    name = os.environ.get("AGENT_NAME") or os.environ.get("HEARTH_AGENT_NAME") or "echo-py"
    # A pause before each word, so that an answer streams visibly.
    delay = int(os.environ.get("AGENT_DELAY_MS", "0")) / 1000
    path = socket_path()
    # The unix socket is the user's own (mode 0600), so no token is needed.
    # max_size=None: a long chat's history comes as one turn_request.
    async with websockets.unix_connect(path, "ws://hearth/ws", max_size=None) as ws:
        await ws.send(json.dumps({"type": "register_agent", "req_id": "register", "name": name,
                                  "description": "Echoes your words back, one at a time."}))
        turns = {}  # turn_id -> the task answering it
        async for raw in ws:
            ev = json.loads(raw)
            kind = ev.get("event")
            if kind == "agent_registered":
                log(f"registered as {name} on {path}")
            elif kind == "turn_request":
                # One task per turn: chats bound to this agent run at once.
                task = asyncio.create_task(answer(ws, ev, delay))
                turns[ev["turn_id"]] = task
                task.add_done_callback(lambda _, t=ev["turn_id"]: turns.pop(t, None))
            elif kind == "turn_cancel" and ev["turn_id"] in turns:
                turns[ev["turn_id"]].cancel()
            elif kind == "error":  # e.g. name_taken, or a frame that raced a cancel
                log(f"{ev.get('req_id', 'a frame')} refused: {ev.get('reason')}: {ev.get('detail')}")
                if ev.get("req_id") == "register":
                    sys.exit(1)
            # The rest (ready, agent_online, chat updates…) is for clients that
            # show Hearth; an agent may ignore it.
    sys.exit("Hearth closed the connection")


if __name__ == "__main__":
    asyncio.run(main())
