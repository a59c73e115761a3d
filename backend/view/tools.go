package view

import (
	"encoding/json"
	"time"

	"github.com/hearth-app/hearth/backend/protocol"
	"github.com/hearth-app/hearth/backend/store"
)

// Tools folds an answer's stored tool events (their frames, in seq order)
// into one record per call, in the order the calls were made. A frame that
// does not decode is skipped: one bad row must not hide the answer.
func Tools(events []store.Event) []protocol.ToolCall {
	var out []protocol.ToolCall
	at := map[string]int{}
	for _, ev := range events {
		var f protocol.Event
		if json.Unmarshal(ev.Data, &f) != nil {
			continue
		}
		i, seen := at[f.CallID]
		if !seen && f.Event != protocol.EvToolCall {
			continue
		}
		switch f.Event {
		case protocol.EvToolCall:
			c := protocol.ToolCall{CallID: f.CallID, Seq: f.Seq, Server: f.Server, Name: f.Name, Arguments: f.Arguments, AllowedBy: f.AllowedBy}
			if f.Offset != nil {
				c.Offset = *f.Offset
			}
			at[f.CallID] = len(out)
			out = append(out, c)
		case protocol.EvApprovalRequest:
			a := &protocol.Approval{}
			if f.Hints != nil {
				a.Hints = *f.Hints
			}
			a.ExpiresAt, _ = time.Parse(time.RFC3339Nano, f.ExpiresAt)
			out[i].Approval = a
		case protocol.EvApprovalResolved:
			if out[i].Approval == nil {
				out[i].Approval = &protocol.Approval{}
			}
			out[i].Approval.Decision, out[i].Approval.By = f.Decision, f.By
		case protocol.EvToolResult:
			out[i].Status, out[i].Images = f.Status, f.Images
			if f.Content != nil {
				out[i].Content = *f.Content
			}
			if f.DurationMS != nil {
				out[i].DurationMS = *f.DurationMS
			}
		}
	}
	return out
}
