package protocol

// Event names: the "event" field of every frame the server sends.
const (
	EvAttached        = "attached"
	EvBranchSwitched  = "branch_switched"
	EvPresets         = "presets"
	EvTurnAccepted    = "turn_accepted"
	EvCancelAccepted  = "cancel_accepted"
	EvChatCreated     = "chat_created"
	EvChatDeleted     = "chat_deleted"
	EvChatUpdated     = "chat_updated"
	EvChats           = "chats"
	EvDelta           = "delta"
	EvDetached        = "detached"
	EvError           = "error"
	EvHistory         = "history"
	EvMessageAccepted = "message_accepted"
	EvModels          = "models"
	EvPong            = "pong"
	EvPullDone        = "pull_done"
	EvPullProgress    = "pull_progress"
	EvPulls           = "pulls"
	EvProviderStatus  = "provider_status"
	EvReady           = "ready"
	EvReasoningDelta  = "reasoning_delta"
	EvReasoningEnd    = "reasoning_end"
	EvSearchResults   = "search_results"
	EvSettings        = "settings"
	EvStreamEnd       = "stream_end"
	EvTurnEnd         = "turn_end"
	EvTurnStart       = "turn_start"
	EvUserMessage     = "user_message"
)

// EventNames lists every event the server sends (the UI's list is generated from it).
func EventNames() []string {
	return []string{
		EvAttached,
		EvBranchSwitched,
		EvPresets,
		EvTurnAccepted,
		EvCancelAccepted,
		EvChatCreated,
		EvChatDeleted,
		EvChatUpdated,
		EvChats,
		EvDelta,
		EvDetached,
		EvError,
		EvHistory,
		EvMessageAccepted,
		EvModels,
		EvPong,
		EvPullDone,
		EvPullProgress,
		EvPulls,
		EvProviderStatus,
		EvReady,
		EvReasoningDelta,
		EvReasoningEnd,
		EvSearchResults,
		EvSettings,
		EvStreamEnd,
		EvTurnEnd,
		EvTurnStart,
		EvUserMessage,
		EvToolCall,
		EvApprovalRequest,
		EvApprovalResolved,
		EvToolResult,
		EvToolGrants,
		EvApproveAccepted,
		EvAgentRegistered,
		EvAgents,
		EvAgentOnline,
		EvAgentOffline,
		EvTurnRequest,
		EvTurnCancel,
		EvFrameAccepted,
		EvMCPServers,
	}
}

// Command names: the "type" field of every frame a client sends.
const (
	CmdPing        = "ping"
	CmdNewChat     = "new_chat"
	CmdAttach      = "attach"
	CmdDetach      = "detach"
	CmdMessage     = "message"
	CmdCancel      = "cancel"
	CmdListChats   = "list_chats"
	CmdHistory     = "history"
	CmdRenameChat  = "rename_chat"
	CmdUpdateChat  = "update_chat"
	CmdDeleteChat  = "delete_chat"
	CmdListModels  = "list_models"
	CmdGetSettings = "get_settings"
	CmdSetSettings = "set_settings"
	CmdSearch      = "search"
	CmdPullModel   = "pull_model"
	CmdCancelPull  = "cancel_pull"
	CmdListPulls   = "list_pulls"

	CmdEditMessage  = "edit_message"
	CmdRegenerate   = "regenerate"
	CmdContinue     = "continue"
	CmdSwitchBranch = "switch_branch"
	CmdForkChat     = "fork_chat"
	CmdListPresets  = "list_presets"
	CmdSavePreset   = "save_preset"
	CmdDeletePreset = "delete_preset"
)

// CommandNames lists every command the router accepts.
func CommandNames() []string {
	return []string{
		CmdPing,
		CmdNewChat,
		CmdAttach,
		CmdDetach,
		CmdMessage,
		CmdCancel,
		CmdListChats,
		CmdHistory,
		CmdRenameChat,
		CmdUpdateChat,
		CmdDeleteChat,
		CmdListModels,
		CmdGetSettings,
		CmdSetSettings,
		CmdSearch,
		CmdPullModel,
		CmdCancelPull,
		CmdListPulls,
		CmdEditMessage,
		CmdRegenerate,
		CmdContinue,
		CmdSwitchBranch,
		CmdForkChat,
		CmdListPresets,
		CmdSavePreset,
		CmdDeletePreset,
		CmdApprove,
		CmdListToolGrants,
		CmdRevokeToolGrant,
		CmdListMCPServers,
		CmdRegisterAgent,
		CmdListAgents,
		AgentReasoningDelta,
		AgentReasoningEnd,
		AgentDelta,
		AgentToolCall,
		AgentToolResult,
		AgentApprovalRequest,
		AgentTurnEnd,
	}
}

// A turn's status: how it ended (turn_end, a stored answer), or streaming
// while it runs.
const (
	StatusStreaming   = "streaming"
	StatusDone        = "done"
	StatusCancelled   = "cancelled"
	StatusError       = "error"
	StatusInterrupted = "interrupted"
)

// A chat's state in attached: a turn running in it, or none.
const (
	ChatRunning = "running"
	ChatIdle    = "idle"
)

// The model server's state in provider_status.
const (
	ProviderOK          = "ok"
	ProviderUnreachable = "unreachable"
	ProviderError       = "error"
)

// How a pull ended, in pull_done.
const (
	PullDone      = "done"
	PullError     = "error"
	PullCancelled = "cancelled"
)

// A message's role.
const (
	RoleUser      = "user"
	RoleAssistant = "assistant"
	RoleSystem    = "system"
)
