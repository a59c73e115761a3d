package dispatch

import (
	"context"

	"github.com/hearth-app/hearth/backend/protocol"
)

// of adapts a handler of one command type to the table's signature.
func of[C protocol.Command](fn func(ctx context.Context, s Session, cmd C) ([]protocol.Event, error)) func(context.Context, Session, protocol.Command) ([]protocol.Event, error) {
	return func(ctx context.Context, s Session, cmd protocol.Command) ([]protocol.Event, error) {
		return fn(ctx, s, cmd.(C))
	}
}

func reply(e protocol.Event) []protocol.Event { return []protocol.Event{e} }

// handlers is the table: every command the router accepts, and what answers it.
func handlers(d Deps) Table {
	return Table{
		protocol.CmdPing: {Run: of(func(_ context.Context, _ Session, c protocol.Ping) ([]protocol.Event, error) {
			return reply(protocol.Pong(c.ReqID)), nil
		})},
		// new_chat's reply is the attach replay, sent by the engine.
		protocol.CmdNewChat: {Run: of(func(ctx context.Context, s Session, c protocol.NewChat) ([]protocol.Event, error) {
			_, err := d.Chats.NewChat(ctx, c, s.Sink)
			return nil, err
		})},
		protocol.CmdAttach: {Run: of(func(ctx context.Context, s Session, c protocol.Attach) ([]protocol.Event, error) {
			return nil, d.Turns.Attach(ctx, c.ChatID, c.Since, s.Sink, c.ReqID)
		})},
		protocol.CmdDetach: {Run: of(func(_ context.Context, s Session, c protocol.Detach) ([]protocol.Event, error) {
			d.Turns.Detach(c.ChatID, s.Sink)
			return reply(protocol.Detached(c.ReqID, c.ChatID)), nil
		})},
		// message_accepted is sent by the engine, before the turn's events.
		protocol.CmdMessage: {Run: of(func(ctx context.Context, s Session, c protocol.SendMessage) ([]protocol.Event, error) {
			if c.ToDefault {
				c.ChatID = s.DefaultChat
				if err := d.Chats.EnsureChat(ctx, c.ChatID); err != nil {
					return nil, err
				}
			}
			return nil, d.Turns.Send(ctx, c, s.Sink)
		})},
		// cancel_accepted comes back at once; the turn's turn_end follows on
		// the chat's stream, in either order relative to it.
		protocol.CmdCancel: {Run: of(func(ctx context.Context, _ Session, c protocol.Cancel) ([]protocol.Event, error) {
			turnID, err := d.Turns.Cancel(ctx, c.ChatID, c.TurnID)
			if err != nil {
				return nil, err
			}
			return reply(protocol.CancelAccepted(c.ReqID, c.ChatID, turnID)), nil
		})},
		protocol.CmdListChats: {Run: of(func(ctx context.Context, _ Session, c protocol.ListChats) ([]protocol.Event, error) {
			items, more, next, err := d.Chats.ListChats(ctx, c.Limit, c.Before, c.Archived)
			if err != nil {
				return nil, err
			}
			return reply(protocol.Chats(c.ReqID, items, more, next)), nil
		})},
		protocol.CmdHistory: {Run: of(func(ctx context.Context, _ Session, c protocol.GetHistory) ([]protocol.Event, error) {
			if c.AroundSeq > 0 || c.AfterSeq != nil {
				items, older, newer, last, err := d.Turns.HistoryWindow(ctx, c.ChatID, c.AfterSeq, c.AroundSeq, c.Limit)
				if err != nil {
					return nil, err
				}
				return reply(protocol.HistoryPage(c.ReqID, c.ChatID, items, older, newer, last)), nil
			}
			items, more, last, err := d.Turns.History(ctx, c.ChatID, c.BeforeSeq, c.LeafID, c.Limit)
			if err != nil {
				return nil, err
			}
			return reply(protocol.History(c.ReqID, c.ChatID, items, more, last)), nil
		})},
		// chat_updated goes to every connection without a req_id; the caller
		// also gets it as its reply, with one.
		protocol.CmdUpdateChat: {Run: of(func(ctx context.Context, _ Session, c protocol.UpdateChat) ([]protocol.Event, error) {
			pc, err := d.Chats.UpdateChat(ctx, c)
			if err != nil {
				return nil, err
			}
			return reply(protocol.ChatUpdated(c.ReqID, pc)), nil
		})},
		protocol.CmdDeleteChat: {Run: of(func(ctx context.Context, _ Session, c protocol.DeleteChat) ([]protocol.Event, error) {
			if err := d.Chats.DeleteChat(ctx, c.ChatID); err != nil {
				return nil, err
			}
			return reply(protocol.ChatDeleted(c.ReqID, c.ChatID)), nil
		})},
		protocol.CmdSearch: {Async: true, Run: of(func(ctx context.Context, _ Session, c protocol.Search) ([]protocol.Event, error) {
			items, err := d.Chats.Search(ctx, c.Query, c.Limit)
			if err != nil {
				return nil, err
			}
			return reply(protocol.SearchResults(c.ReqID, c.Query, items)), nil
		})},
		protocol.CmdListModels: {Async: true, Run: of(func(ctx context.Context, _ Session, c protocol.ListModels) ([]protocol.Event, error) {
			items, prov, url, err := d.Chats.Models(ctx)
			if err != nil {
				return nil, err
			}
			return reply(protocol.Models(c.ReqID, items, prov, url)), nil
		})},
		protocol.CmdGetSettings: {Run: of(func(_ context.Context, _ Session, c protocol.GetSettings) ([]protocol.Event, error) {
			return reply(protocol.SettingsEvent(c.ReqID, d.Settings.Get())), nil
		})},
		protocol.CmdSetSettings: {Run: of(func(ctx context.Context, _ Session, c protocol.SetSettings) ([]protocol.Event, error) {
			set, err := d.Settings.Set(ctx, c)
			if err != nil {
				return nil, err
			}
			return reply(protocol.SettingsEvent(c.ReqID, set)), nil
		})},
		// pull_model answers with the download as it stands (a second
		// request for the same name joins the first); its progress and end
		// are broadcast to every connection.
		protocol.CmdPullModel: {Run: of(func(_ context.Context, _ Session, c protocol.PullModel) ([]protocol.Event, error) {
			if d.Pulls == nil {
				return nil, protocol.Refuse(protocol.ReasonNotSupported, "this server does not download models")
			}
			p, err := d.Pulls.Start(c.Model)
			if err != nil {
				return nil, err
			}
			return reply(protocol.PullProgress(c.ReqID, p)), nil
		})},
		// cancel_pull waits for the download to stop, so its pull_done
		// reply means the model server was told.
		protocol.CmdCancelPull: {Async: true, Run: of(func(ctx context.Context, _ Session, c protocol.CancelPull) ([]protocol.Event, error) {
			if d.Pulls == nil {
				return nil, protocol.Refuse(protocol.ReasonNotFound, "no download is running")
			}
			end, err := d.Pulls.Cancel(ctx, c.PullID, c.Model)
			if err != nil {
				return nil, err
			}
			end.ReqID = c.ReqID
			return reply(end), nil
		})},
		protocol.CmdListPulls: {Run: of(func(_ context.Context, _ Session, c protocol.ListPulls) ([]protocol.Event, error) {
			var items []protocol.Pull
			if d.Pulls != nil {
				items = d.Pulls.List()
			}
			return reply(protocol.Pulls(c.ReqID, items)), nil
		})},
	}
}
