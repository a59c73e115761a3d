package client

import (
	"fmt"

	"github.com/hearth-app/hearth/backend/protocol"
)

// frameOf is the router's inverse: the wire frame that protocol.Route decodes
// back into cmd. Callers speak in the router's own command types, so a field
// the router does not know cannot be sent by mistake, and the round-trip test
// keeps both directions in step. The request id is left to Send.
func frameOf(cmd protocol.Command) (protocol.Frame, error) {
	var f protocol.Frame
	var typ string
	switch c := cmd.(type) {
	case protocol.Ping:
		typ = protocol.CmdPing
	case protocol.NewChat:
		typ = protocol.CmdNewChat
		f.Title, f.Model, f.System = opt(c.Title), opt(c.Model), opt(c.System)
		f.Preset, f.Params = opt(c.Preset), (*protocol.ParamsInput)(c.Params)
		f.ToolsOff, f.Agent = c.ToolsOff, opt(c.Agent)
		if c.Temporary {
			f.Temporary = &c.Temporary
		}
	case protocol.Attach:
		typ = protocol.CmdAttach
		f.ChatID, f.Since = &c.ChatID, c.Since
	case protocol.Detach:
		typ = protocol.CmdDetach
		f.ChatID = &c.ChatID
	case protocol.SendMessage:
		typ = protocol.CmdMessage
		if !c.ToDefault {
			f.ChatID = &c.ChatID
		}
		f.Content, f.Media = &c.Content, c.Media
		f.Model, f.ReasoningEffort = opt(c.Model), opt(c.ReasoningEffort)
		if c.Queue {
			f.Queue = &c.Queue
		}
	case protocol.Cancel:
		typ = protocol.CmdCancel
		f.ChatID, f.TurnID = &c.ChatID, opt(c.TurnID)
	case protocol.ListChats:
		typ = protocol.CmdListChats
		f.Limit, f.Before = optInt(c.Limit), opt(c.Before)
		if c.Archived {
			f.Archived = &c.Archived
		}
	case protocol.GetHistory:
		typ = protocol.CmdHistory
		f.ChatID, f.Limit = &c.ChatID, optInt(c.Limit)
		if c.BeforeSeq > 0 {
			f.BeforeSeq = &c.BeforeSeq
		}
	case protocol.UpdateChat:
		typ = protocol.CmdUpdateChat
		f.ChatID = &c.ChatID
		f.Title, f.Model, f.System, f.Pinned = c.Title, c.Model, c.System, c.Pinned
		f.Archived = c.Archived
		f.Params, f.Preset = (*protocol.ParamsInput)(c.Params), c.Preset
		f.ToolsOff, f.Agent = c.ToolsOff, c.Agent
	case protocol.DeleteChat:
		typ = protocol.CmdDeleteChat
		f.ChatID = &c.ChatID
	case protocol.ListModels:
		typ = protocol.CmdListModels
	case protocol.GetSettings:
		typ = protocol.CmdGetSettings
	case protocol.SetSettings:
		typ = protocol.CmdSetSettings
		f.Provider, f.ProviderURL, f.Model, f.APIKey = c.Provider, c.ProviderURL, c.Model, c.APIKey
	case protocol.Search:
		typ = protocol.CmdSearch
		f.Query, f.Limit = &c.Query, optInt(c.Limit)
	case protocol.PullModel:
		typ = protocol.CmdPullModel
		f.Name = &c.Model
	case protocol.CancelPull:
		typ = protocol.CmdCancelPull
		f.PullID, f.Name = opt(c.PullID), opt(c.Model)
	case protocol.ListPulls:
		typ = protocol.CmdListPulls
	case protocol.EditMessage:
		typ = protocol.CmdEditMessage
		f.ChatID, f.MessageID = &c.ChatID, &c.MessageID
		f.Content, f.Media = &c.Content, c.Media
		f.Model, f.ReasoningEffort = opt(c.Model), opt(c.ReasoningEffort)
	case protocol.Regenerate:
		typ = protocol.CmdRegenerate
		f.ChatID, f.MessageID = &c.ChatID, optID(c.MessageID)
		f.Model, f.ReasoningEffort = opt(c.Model), opt(c.ReasoningEffort)
	case protocol.Continue:
		typ = protocol.CmdContinue
		f.ChatID, f.MessageID = &c.ChatID, &c.MessageID
	case protocol.SwitchBranch:
		typ = protocol.CmdSwitchBranch
		f.ChatID, f.MessageID = &c.ChatID, &c.MessageID
	case protocol.ForkChat:
		typ = protocol.CmdForkChat
		f.ChatID, f.MessageID = &c.ChatID, &c.MessageID
	case protocol.ListPresets:
		typ = protocol.CmdListPresets
	case protocol.SavePreset:
		typ = protocol.CmdSavePreset
		f.Name, f.System, f.Model = &c.Preset.Name, opt(c.Preset.System), opt(c.Preset.Model)
		if c.Preset.Params != (protocol.Params{}) {
			f.Params = (*protocol.ParamsInput)(&c.Preset.Params)
		}
	case protocol.DeletePreset:
		typ = protocol.CmdDeletePreset
		f.Name = &c.PresetName
	case protocol.ListMCPServers:
		typ = protocol.CmdListMCPServers
	case protocol.Approve:
		typ = protocol.CmdApprove
		f.ChatID, f.CallID, f.Decision = &c.ChatID, &c.CallID, &c.Decision
	case protocol.ListToolGrants:
		typ = protocol.CmdListToolGrants
	case protocol.RevokeToolGrant:
		typ = protocol.CmdRevokeToolGrant
		f.Server, f.Tool = &c.Server, &c.Tool
	case protocol.ListAgents:
		typ = protocol.CmdListAgents
	case protocol.RegisterAgent:
		typ = protocol.CmdRegisterAgent
		f.Name, f.Description = &c.AgentName, opt(c.Description)
	case protocol.AgentFrame:
		typ = c.Kind
		f.TurnID, f.CallID, f.Name = &c.TurnID, opt(c.CallID), opt(c.Tool)
		f.Arguments, f.Usage = c.Arguments, (*protocol.UsageInput)(c.Usage)
		if c.Kind == protocol.AgentDelta || c.Kind == protocol.AgentReasoningDelta {
			f.Text = &c.Text
		}
		f.Status, f.Content, f.Error = opt(c.Status), opt(c.Content), opt(c.Error)
	default:
		return protocol.Frame{}, fmt.Errorf("the client cannot send a %T", cmd)
	}
	f.Type = &typ
	return f, nil
}

// opt leaves an empty string out of the frame: for every optional string the
// router reads, absent and empty mean the same.
func opt(s string) *string {
	if s == "" {
		return nil
	}
	return &s
}

// optInt leaves a zero limit out, so that the server applies its default.
func optInt(n int) *int {
	if n == 0 {
		return nil
	}
	return &n
}

// optID leaves a zero message id out: regenerate then answers the last
// message of the active path.
func optID(id int64) *int64 {
	if id == 0 {
		return nil
	}
	return &id
}
