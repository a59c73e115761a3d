package protocol

// Stable, machine-readable error reasons. Clients branch on these; never rename one.
const (
	ReasonInvalidJSON    = "invalid_json"
	ReasonInvalidUTF8    = "invalid_utf8"
	ReasonUnknownType    = "unknown_type"
	ReasonMissingField   = "missing_field"
	ReasonInvalidField   = "invalid_field"
	ReasonInvalidChatID  = "invalid_chat_id"
	ReasonNotFound       = "not_found"
	ReasonBusy           = "busy"
	ReasonQueueFull      = "queue_full"
	ReasonNotRunning     = "not_running"
	ReasonNotAttached    = "not_attached"
	ReasonEmptyMessage   = "empty_message"
	ReasonTooLarge       = "too_large"
	ReasonInvalidMedia   = "invalid_media"
	ReasonProviderError  = "provider_error"
	ReasonUnreachable    = "provider_unreachable"
	ReasonInternal       = "internal"
	ReasonShuttingDown   = "shutting_down"
	ReasonInvalidSetting = "invalid_setting"
)

// Limits on inbound frames that the router enforces before anything touches the store.
const (
	MaxContentBytes = 1 << 20
	MaxTitleBytes   = 200
	MaxModelBytes   = 200
	MaxSystemBytes  = 64 << 10
	MaxMediaItems   = 16
	MaxQueryBytes   = 1000
	MaxLimit        = 500
)
