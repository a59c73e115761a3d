package protocol

import "net/http"

// Stable, machine-readable error reasons. Clients branch on these; never rename
// one. Every reason the server sends, over WebSocket or HTTP, is listed here and
// in Reasons, which is where the UI's list is generated from.
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
	ReasonNotSupported   = "not_supported"
	// An approve named a call someone already answered (or whose wait ended).
	ReasonAlreadyResolved = "already_resolved"
	// register_agent named an agent a live connection already is.
	ReasonNameTaken = "name_taken"
	// A chat's agent is not connected.
	ReasonAgentOffline = "agent_offline"
	// A turn frame from a connection that is not the agent of that turn.
	ReasonNotYourTurn = "not_your_turn"

	// Media: what an attachment was refused for.
	ReasonUnsupportedType = "unsupported_type"
	ReasonSVGRefused      = "svg_refused"
	ReasonTooManyImages   = "too_many_images"
	ReasonTooManyVideos   = "too_many_videos"
	ReasonTooManyDocs     = "too_many_documents"
	ReasonNoText          = "no_text"
	ReasonEmpty           = "empty"
	ReasonBadDataURL      = "bad_data_url"

	// HTTP only: the guard, uploads and the desktop's focus call.
	ReasonUnauthorized    = "unauthorized"
	ReasonForbiddenHost   = "forbidden_host"
	ReasonForbiddenOrigin = "forbidden_origin"
	ReasonMediaDisabled   = "media_disabled"
	ReasonBadMultipart    = "bad_multipart"
	ReasonMissingFile     = "missing_file"
	ReasonNoWindow        = "no_window"
)

// ReasonSpec describes one reason: the HTTP status it is sent with and words a
// person can act on when the server's own detail is missing.
type ReasonSpec struct {
	Name   string
	Status int
	Text   string
}

// Reasons is every reason the server sends, in one list. A fresh slice each
// call: nobody can change the table by accident.
func Reasons() []ReasonSpec {
	return []ReasonSpec{
		{ReasonInvalidJSON, http.StatusBadRequest, "The request was not valid JSON."},
		{ReasonInvalidUTF8, http.StatusBadRequest, "The request was not valid UTF-8 text."},
		{ReasonUnknownType, http.StatusBadRequest, "The server does not know this request."},
		{ReasonMissingField, http.StatusBadRequest, "The request lacks a field it needs."},
		{ReasonInvalidField, http.StatusBadRequest, "The request has a field the server cannot accept."},
		{ReasonInvalidChatID, http.StatusBadRequest, "That is not a chat id."},
		{ReasonNotFound, http.StatusNotFound, "It no longer exists."},
		{ReasonBusy, http.StatusConflict, "A reply is still being written in this chat."},
		{ReasonQueueFull, http.StatusTooManyRequests, "Too many messages are already waiting in this chat. Wait for them, or cancel some."},
		{ReasonNotRunning, http.StatusConflict, "Nothing is running in this chat."},
		{ReasonNotAttached, http.StatusConflict, "This connection does not follow that chat."},
		{ReasonEmptyMessage, http.StatusBadRequest, "The message is empty."},
		{ReasonTooLarge, http.StatusRequestEntityTooLarge, "The file is too large."},
		{ReasonInvalidMedia, http.StatusBadRequest, "An attachment could not be used."},
		{ReasonProviderError, http.StatusBadGateway, "The model server reported an error."},
		{ReasonUnreachable, http.StatusBadGateway, "The model server cannot be reached."},
		{ReasonInternal, http.StatusInternalServerError, "Something went wrong inside Hearth; its log has the details."},
		{ReasonShuttingDown, http.StatusServiceUnavailable, "Hearth is shutting down."},
		{ReasonInvalidSetting, http.StatusBadRequest, "That setting cannot be used."},
		{ReasonNotSupported, http.StatusNotImplemented, "The model server cannot do this."},
		{ReasonAlreadyResolved, http.StatusConflict, "This tool call was already answered."},
		{ReasonNameTaken, http.StatusConflict, "Another connection is already that agent."},
		{ReasonAgentOffline, http.StatusServiceUnavailable, "The chat's agent is not connected."},
		{ReasonNotYourTurn, http.StatusForbidden, "That turn is not this agent's, or it has ended."},
		{ReasonUnsupportedType, http.StatusUnsupportedMediaType, "This kind of file is not accepted (allowed: PNG, JPEG, WebP, GIF, MP4, WebM, QuickTime, PDF and text files)."},
		{ReasonSVGRefused, http.StatusUnsupportedMediaType, "SVG images are refused, as they can carry scripts."},
		{ReasonTooManyImages, http.StatusBadRequest, "Too many images for one message."},
		{ReasonTooManyVideos, http.StatusBadRequest, "Too many videos for one message."},
		{ReasonTooManyDocs, http.StatusBadRequest, "Too many documents for one message."},
		{ReasonNoText, http.StatusUnprocessableEntity, "No text could be read from this file."},
		{ReasonEmpty, http.StatusBadRequest, "The file is empty."},
		{ReasonBadDataURL, http.StatusBadRequest, "An attachment's data URL could not be read."},
		{ReasonUnauthorized, http.StatusUnauthorized, "The Hearth server refused the access token. Open the link that `hearth serve` printed."},
		{ReasonForbiddenHost, http.StatusForbidden, "Open Hearth through 127.0.0.1 or localhost."},
		{ReasonForbiddenOrigin, http.StatusForbidden, "Requests from this page are not allowed."},
		{ReasonMediaDisabled, http.StatusNotFound, "Attachments are turned off on this server."},
		{ReasonBadMultipart, http.StatusBadRequest, "The upload could not be read."},
		{ReasonMissingFile, http.StatusBadRequest, "The upload carried no file."},
		{ReasonNoWindow, http.StatusNotFound, "This Hearth has no window."},
	}
}

// StatusOf is the HTTP status a reason is sent with; unknown reasons are 500.
func StatusOf(reason string) int {
	for _, r := range Reasons() {
		if r.Name == reason {
			return r.Status
		}
	}
	return http.StatusInternalServerError
}

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
