package turns

import (
	"github.com/hearth-app/hearth/backend/protocol"
)

// A running turn keeps its text and, per delta, only the end offset of its
// text: about four bytes a delta instead of an encoded frame. A late joiner
// gets the deltas it lacks merged into a few frames (see replayLive).

type deltaKind uint8

const (
	kindReasoning deltaKind = iota
	kindContent
)

// deltaRun is a run of deltas of one kind with consecutive seqs; the text of
// delta i is text[start or ends[i-1] : ends[i]] of that kind.
type deltaRun struct {
	kind  deltaKind
	first int64
	start uint32
	ends  []uint32
}

// liveText is what a running turn has streamed so far.
type liveText struct {
	reasoning, content []byte
	runs               []deltaRun
}

func (l *liveText) text(k deltaKind) []byte {
	if k == kindReasoning {
		return l.reasoning
	}
	return l.content
}

// add records a delta of kind k sent with seq.
func (l *liveText) add(k deltaKind, seq int64, s string) {
	start := uint32(len(l.text(k)))
	if k == kindReasoning {
		l.reasoning = append(l.reasoning, s...)
	} else {
		l.content = append(l.content, s...)
	}
	end := uint32(len(l.text(k)))
	if n := len(l.runs); n > 0 {
		r := &l.runs[n-1]
		if r.kind == k && r.first+int64(len(r.ends)) == seq {
			r.ends = append(r.ends, end)
			return
		}
	}
	l.runs = append(l.runs, deltaRun{kind: k, first: seq, start: start, ends: []uint32{end}})
}

// liveTurn is what replayLive needs of a running turn.
type liveTurn struct {
	chatID, turnID, model string
	msgID, startSeq       int64
	// reasoningEndSeq is 0 until the reasoning ended; reasoningMS is its
	// duration then.
	reasoningEndSeq, reasoningMS int64
	text                         *liveText
	parentID                     *int64
	siblings                     protocol.Siblings
	// events are the tool events, each a frame with its seq.
	events []frame
}

// maxReplayText caps the text merged into one replayed delta frame.
const maxReplayText = 64 << 10

// replayLive returns the running turn's events above since, in seq order:
// turn_start, then its deltas with consecutive deltas of a kind merged into
// frames of up to maxText bytes, each carrying the seq of the last delta it
// holds, and reasoning_end where it fell. Pure, so the rules are table-tested.
func replayLive(t liveTurn, since int64, maxText int) []frame {
	var out []frame
	if t.startSeq > since {
		out = append(out, frame{seq: t.startSeq, data: encode(protocol.Placed(protocol.TurnStart(t.chatID, t.startSeq, t.turnID, t.model, t.msgID), t.parentID, t.siblings))})
	}
	endDone := t.reasoningEndSeq == 0 || t.reasoningEndSeq <= since
	emitEnd := func(before int64) {
		if !endDone && t.reasoningEndSeq < before {
			endDone = true
			out = append(out, frame{seq: t.reasoningEndSeq, data: encode(protocol.ReasoningEnd(t.chatID, t.reasoningEndSeq, t.turnID, t.reasoningMS, string(t.text.reasoning)))})
		}
	}
	for _, r := range t.text.runs {
		last := r.first + int64(len(r.ends)) - 1
		if last <= since {
			continue
		}
		emitEnd(r.first)
		i := 0
		if since >= r.first {
			i = int(since - r.first + 1)
		}
		text := t.text.text(r.kind)
		for i < len(r.ends) {
			from := r.start
			if i > 0 {
				from = r.ends[i-1]
			}
			j := i
			for j+1 < len(r.ends) && int(r.ends[j+1]-from) <= maxText {
				j++
			}
			seq := r.first + int64(j)
			s := string(text[from:r.ends[j]])
			if r.kind == kindReasoning {
				out = append(out, frame{seq: seq, data: encode(protocol.ReasoningDelta(t.chatID, seq, t.turnID, s))})
			} else {
				out = append(out, frame{seq: seq, data: encode(protocol.Delta(t.chatID, seq, t.turnID, s))})
			}
			i = j + 1
		}
	}
	emitEnd(1<<63 - 1)
	for _, f := range t.events {
		if f.seq > since {
			out = append(out, f)
		}
	}
	return out
}
