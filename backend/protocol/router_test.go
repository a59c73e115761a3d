package protocol

import (
	"fmt"
	"reflect"
	"strings"
	"testing"

	"github.com/hearth-app/hearth/backend/ids"
)

func sp(s string) *string { return &s }
func i64p(v int64) *int64 { return &v }
func bp(v bool) *bool     { return &v }

// sha is a well-formed upload id (64 lowercase hex digits).
var sha = strings.Repeat("0123456789abcdef", 4)

// routeCase is one row of the router table. Exactly one of want / reason is set.
type routeCase struct {
	name     string
	in       string
	binary   bool
	attached []string
	want     Command // the exact command, with its concrete type
	reason   string  // the exact error reason
	reqID    string  // the req_id the decision must echo
	detail   string  // a substring the error detail must contain
}

func mediaJSON(n int) string {
	items := make([]string, n)
	for i := range items {
		items[i] = fmt.Sprintf(`{"id":%q}`, sha)
	}
	return "[" + strings.Join(items, ",") + "]"
}

func mediaItems(n int) []MediaItem {
	items := make([]MediaItem, n)
	for i := range items {
		items[i] = MediaItem{ID: sha}
	}
	return items
}

var (
	id64         = strings.Repeat("a", 64)
	id65         = strings.Repeat("a", 65)
	title200     = strings.Repeat("t", MaxTitleBytes)
	title201     = strings.Repeat("t", MaxTitleBytes+1)
	model201     = strings.Repeat("m", MaxModelBytes+1)
	system65k    = strings.Repeat("s", MaxSystemBytes+1)
	contentMax   = strings.Repeat("c", MaxContentBytes)
	contentOver  = strings.Repeat("c", MaxContentBytes+1)
	query1000    = strings.Repeat("q", MaxQueryBytes)
	query1001    = strings.Repeat("q", MaxQueryBytes+1)
	reqID200     = strings.Repeat("r", 200)
	reqID201     = strings.Repeat("r", 201)
	reqIDDigits  = strings.Repeat("9", 201)
	plainTooLong = strings.Repeat("p", MaxContentBytes+1)
)

var routeCases = []routeCase{
	// --- empty frames and encoding ---
	{name: "empty frame", in: "", reason: ReasonEmptyMessage, detail: "empty"},
	{name: "empty binary frame", in: "", binary: true, reason: ReasonEmptyMessage, detail: "empty"},
	{name: "whitespace only", in: " \t\r\n ", reason: ReasonEmptyMessage, detail: "empty"},
	{name: "invalid utf8 text", in: "\xff\xfe", reason: ReasonInvalidUTF8, detail: "UTF-8"},
	{name: "invalid utf8 binary", in: "\xff\xfe\x00", binary: true, reason: ReasonInvalidUTF8, detail: "UTF-8"},
	{name: "invalid utf8 in plain text", in: "hi \xe2\x82", reason: ReasonInvalidUTF8, detail: "UTF-8"},
	{name: "invalid utf8 inside json string", in: "{\"type\":\"message\",\"content\":\"\xc3\",\"req_id\":\"r\"}", reason: ReasonInvalidUTF8, detail: "UTF-8"},
	{name: "invalid utf8 binary json", in: "{\"type\":\"ping\",\"x\":\"\xc0\xaf\"}", binary: true, reason: ReasonInvalidUTF8, detail: "UTF-8"},

	// --- not JSON objects ---
	{name: "truncated json", in: `{"type":"ping"`, reason: ReasonInvalidJSON, detail: "not a JSON object"},
	{name: "brace bracket", in: `{]`, reason: ReasonInvalidJSON, detail: "not a JSON object"},
	{name: "lone brace", in: `{`, reason: ReasonInvalidJSON},
	{name: "brace then text", in: `{hello} there`, reason: ReasonInvalidJSON},
	{name: "object with trailing garbage", in: `{"type":"ping"} x`, reason: ReasonInvalidJSON},
	{name: "two objects", in: `{"type":"ping"}{"type":"ping"}`, reason: ReasonInvalidJSON},
	{name: "leading space before bad object", in: "  {\"type\":", reason: ReasonInvalidJSON},
	{name: "json array", in: `[{"type":"ping"}]`, reason: ReasonInvalidJSON, detail: "array"},
	{name: "empty json array", in: `[]`, reason: ReasonInvalidJSON, detail: "array"},
	{name: "json array with spaces", in: " [1, 2] \n", reason: ReasonInvalidJSON, detail: "array"},
	{name: "json array binary", in: `["a"]`, binary: true, reason: ReasonInvalidJSON, detail: "array"},

	// --- type ---
	{name: "type number", in: `{"type":5}`, reason: ReasonInvalidField, detail: `"type"`},
	{name: "type number echoes req_id", in: `{"type":5,"req_id":"r9"}`, reason: ReasonInvalidField, reqID: "r9", detail: `"type"`},
	{name: "type null", in: `{"type":null,"req_id":"tn"}`, reason: ReasonInvalidField, reqID: "tn", detail: "type"},
	{name: "type array", in: `{"type":["ping"]}`, reason: ReasonInvalidField, detail: `"type"`},
	{name: "type object", in: `{"type":{}}`, reason: ReasonInvalidField, detail: `"type"`},
	{name: "unknown type", in: `{"type":"nope","req_id":"u1"}`, reason: ReasonUnknownType, reqID: "u1", detail: `"nope"`},
	{name: "empty type", in: `{"type":""}`, reason: ReasonUnknownType, detail: `""`},
	{name: "type is case sensitive", in: `{"type":"PING"}`, reason: ReasonUnknownType, detail: `"PING"`},

	// --- req_id ---
	{name: "ping", in: `{"type":"ping"}`, want: Ping{}},
	{name: "ping surrounded by whitespace", in: " \n{\"type\":\"ping\"}\r\n", want: Ping{}},
	{name: "req_id string", in: `{"type":"ping","req_id":"abc-1"}`, want: Ping{Base{"abc-1"}}, reqID: "abc-1"},
	{name: "req_id number", in: `{"type":"ping","req_id":42}`, want: Ping{Base{"42"}}, reqID: "42"},
	{name: "req_id number keeps its literal", in: `{"type":"ping","req_id":-1.5e3}`, want: Ping{Base{"-1.5e3"}}, reqID: "-1.5e3"},
	{name: "req_id null", in: `{"type":"ping","req_id":null}`, want: Ping{}},
	{name: "req_id empty string", in: `{"type":"ping","req_id":""}`, want: Ping{}},
	{name: "req_id 200 bytes", in: `{"type":"ping","req_id":"` + reqID200 + `"}`, want: Ping{Base{reqID200}}, reqID: reqID200},
	{name: "req_id 201 bytes", in: `{"type":"ping","req_id":"` + reqID201 + `"}`, reason: ReasonInvalidField, detail: "req_id"},
	{name: "req_id number 201 digits", in: `{"type":"ping","req_id":` + reqIDDigits + `}`, reason: ReasonInvalidField, detail: "req_id"},
	{name: "req_id bool", in: `{"type":"ping","req_id":true}`, reason: ReasonInvalidField, detail: "req_id"},
	{name: "req_id object", in: `{"type":"ping","req_id":{"a":1}}`, reason: ReasonInvalidField, detail: "req_id"},
	{name: "req_id array", in: `{"type":"ping","req_id":["x"]}`, reason: ReasonInvalidField, detail: "req_id"},
	{name: "req_id echoed on missing field", in: `{"type":"attach","req_id":"r2"}`, reason: ReasonMissingField, reqID: "r2", detail: "chat_id"},
	{name: "req_id number echoed on error", in: `{"type":"history","req_id":7,"chat_id":"a b"}`, reason: ReasonInvalidChatID, reqID: "7", detail: "chat_id"},

	// --- new_chat ---
	{name: "new_chat bare", in: `{"type":"new_chat"}`, want: NewChat{}},
	{name: "new_chat fields", in: `{"type":"new_chat","req_id":"n","title":"T","model":"m:7b","system":"be brief"}`,
		want: NewChat{Base: Base{"n"}, Title: "T", Model: "m:7b", System: "be brief"}, reqID: "n"},
	{name: "new_chat title 200", in: `{"type":"new_chat","title":"` + title200 + `"}`, want: NewChat{Title: title200}},
	{name: "new_chat title too long", in: `{"type":"new_chat","title":"` + title201 + `"}`, reason: ReasonTooLarge, detail: "title"},
	{name: "new_chat model too long", in: `{"type":"new_chat","model":"` + model201 + `"}`, reason: ReasonTooLarge, detail: "model"},
	{name: "new_chat system too long", in: `{"type":"new_chat","system":"` + system65k + `"}`, reason: ReasonTooLarge, detail: "system"},
	{name: "new_chat title number", in: `{"type":"new_chat","title":5}`, reason: ReasonInvalidField, detail: `"title"`},

	// --- attach ---
	{name: "attach without since", in: `{"type":"attach","chat_id":"c1"}`, want: Attach{ChatID: "c1"}},
	{name: "attach since 0", in: `{"type":"attach","chat_id":"c1","since":0}`, want: Attach{ChatID: "c1", Since: i64p(0)}},
	{name: "attach since 17", in: `{"type":"attach","chat_id":"c1","since":17,"req_id":"a"}`, want: Attach{Base: Base{"a"}, ChatID: "c1", Since: i64p(17)}, reqID: "a"},
	{name: "attach since null", in: `{"type":"attach","chat_id":"c1","since":null}`, want: Attach{ChatID: "c1"}},
	{name: "attach since negative", in: `{"type":"attach","chat_id":"c1","since":-1}`, reason: ReasonInvalidField, detail: "since"},
	{name: "attach since string", in: `{"type":"attach","chat_id":"c1","since":"5"}`, reason: ReasonInvalidField, detail: `"since"`},
	{name: "attach since fraction", in: `{"type":"attach","chat_id":"c1","since":1.5}`, reason: ReasonInvalidField, detail: `"since"`},
	{name: "attach chat_id number", in: `{"type":"attach","chat_id":5}`, reason: ReasonInvalidField, detail: `"chat_id"`},
	{name: "attach chat_id number echoes req_id", in: `{"type":"attach","chat_id":5,"req_id":"x"}`, reason: ReasonInvalidField, reqID: "x", detail: `"chat_id"`},
	{name: "attach no chat_id", in: `{"type":"attach"}`, reason: ReasonMissingField, detail: "chat_id"},
	{name: "attach empty chat_id", in: `{"type":"attach","chat_id":""}`, reason: ReasonMissingField, detail: "chat_id"},
	{name: "attach null chat_id", in: `{"type":"attach","chat_id":null}`, reason: ReasonMissingField, detail: "chat_id"},
	{name: "attach chat_id 64", in: `{"type":"attach","chat_id":"` + id64 + `"}`, want: Attach{ChatID: id64}},
	{name: "attach chat_id all classes", in: `{"type":"attach","chat_id":"Az09_:-"}`, want: Attach{ChatID: "Az09_:-"}},
	{name: "attach chat_id 65", in: `{"type":"attach","chat_id":"` + id65 + `"}`, reason: ReasonInvalidChatID, detail: "chat_id"},
	{name: "attach chat_id space", in: `{"type":"attach","chat_id":"a b"}`, reason: ReasonInvalidChatID, detail: "chat_id"},
	{name: "attach chat_id leading space", in: `{"type":"attach","chat_id":" a"}`, reason: ReasonInvalidChatID},
	{name: "attach chat_id slash", in: `{"type":"attach","chat_id":"a/b"}`, reason: ReasonInvalidChatID},
	{name: "attach chat_id dotdot", in: `{"type":"attach","chat_id":"../etc"}`, reason: ReasonInvalidChatID},
	{name: "attach chat_id dot", in: `{"type":"attach","chat_id":"a.b"}`, reason: ReasonInvalidChatID},
	{name: "attach chat_id unicode", in: `{"type":"attach","chat_id":"héllo"}`, reason: ReasonInvalidChatID},
	{name: "attach chat_id emoji", in: `{"type":"attach","chat_id":"chat😀"}`, reason: ReasonInvalidChatID},
	{name: "attach chat_id newline", in: `{"type":"attach","chat_id":"a\nb"}`, reason: ReasonInvalidChatID},
	{name: "attach chat_id trailing newline", in: `{"type":"attach","chat_id":"ab\n"}`, reason: ReasonInvalidChatID},
	{name: "attach chat_id NUL", in: `{"type":"attach","chat_id":"a\u0000"}`, reason: ReasonInvalidChatID},

	// --- detach ---
	{name: "detach attached", in: `{"type":"detach","chat_id":"c1","req_id":"d"}`, attached: []string{"c0", "c1"}, want: Detach{Base: Base{"d"}, ChatID: "c1"}, reqID: "d"},
	{name: "detach not attached", in: `{"type":"detach","chat_id":"c2","req_id":"d"}`, attached: []string{"c1"}, reason: ReasonNotAttached, reqID: "d", detail: "c2"},
	{name: "detach with no attachments", in: `{"type":"detach","chat_id":"c1"}`, reason: ReasonNotAttached, detail: "c1"},
	{name: "detach invalid id", in: `{"type":"detach","chat_id":"a b"}`, attached: []string{"a b"}, reason: ReasonInvalidChatID},
	{name: "detach missing id", in: `{"type":"detach"}`, attached: []string{""}, reason: ReasonMissingField, detail: "chat_id"},

	// --- message ---
	{name: "message to chat", in: `{"type":"message","chat_id":"c1","content":"hi","req_id":"m"}`,
		want: SendMessage{Base: Base{"m"}, ChatID: "c1", Content: "hi"}, reqID: "m"},
	{name: "message without chat_id", in: `{"type":"message","content":"hi"}`, want: SendMessage{Content: "hi", ToDefault: true}},
	{name: "message empty chat_id", in: `{"type":"message","chat_id":"","content":"hi"}`, want: SendMessage{Content: "hi", ToDefault: true}},
	{name: "message null chat_id", in: `{"type":"message","chat_id":null,"content":"hi"}`, want: SendMessage{Content: "hi", ToDefault: true}},
	{name: "message bad chat_id", in: `{"type":"message","chat_id":"a/b","content":"hi","req_id":"m"}`, reason: ReasonInvalidChatID, reqID: "m"},
	{name: "message chat_id number", in: `{"type":"message","chat_id":1,"content":"hi"}`, reason: ReasonInvalidField, detail: `"chat_id"`},
	{name: "message content keeps whitespace", in: `{"type":"message","chat_id":"c1","content":"  two\nlines  "}`, want: SendMessage{ChatID: "c1", Content: "  two\nlines  "}},
	{name: "message all options", in: `{"type":"message","chat_id":"c1","content":"hi","model":"llama3","reasoning_effort":"high","queue":true}`,
		want: SendMessage{ChatID: "c1", Content: "hi", Model: "llama3", ReasoningEffort: "high", Queue: true}},
	{name: "message queue false", in: `{"type":"message","chat_id":"c1","content":"hi","queue":false}`, want: SendMessage{ChatID: "c1", Content: "hi"}},
	{name: "message queue string", in: `{"type":"message","chat_id":"c1","content":"hi","queue":"yes"}`, reason: ReasonInvalidField, detail: `"queue"`},
	{name: "message effort low", in: `{"type":"message","content":"hi","reasoning_effort":"low"}`, want: SendMessage{Content: "hi", ReasoningEffort: "low", ToDefault: true}},
	{name: "message effort medium", in: `{"type":"message","content":"hi","reasoning_effort":"medium"}`, want: SendMessage{Content: "hi", ReasoningEffort: "medium", ToDefault: true}},
	{name: "message effort empty", in: `{"type":"message","content":"hi","reasoning_effort":""}`, want: SendMessage{Content: "hi", ToDefault: true}},
	{name: "message effort bad", in: `{"type":"message","content":"hi","reasoning_effort":"extreme","req_id":"e"}`, reason: ReasonInvalidField, reqID: "e", detail: "reasoning_effort"},
	{name: "message effort number", in: `{"type":"message","content":"hi","reasoning_effort":3}`, reason: ReasonInvalidField, detail: `"reasoning_effort"`},
	{name: "message model too long", in: `{"type":"message","content":"hi","model":"` + model201 + `"}`, reason: ReasonTooLarge, detail: "model"},
	{name: "message content max", in: `{"type":"message","chat_id":"c1","content":"` + contentMax + `"}`, want: SendMessage{ChatID: "c1", Content: contentMax}},
	{name: "message content too long", in: `{"type":"message","chat_id":"c1","content":"` + contentOver + `","req_id":"big"}`, reason: ReasonTooLarge, reqID: "big", detail: "content"},
	{name: "message empty content", in: `{"type":"message","chat_id":"c1","content":""}`, reason: ReasonEmptyMessage},
	{name: "message blank content", in: `{"type":"message","chat_id":"c1","content":" \n\t "}`, reason: ReasonEmptyMessage},
	{name: "message no content", in: `{"type":"message","chat_id":"c1"}`, reason: ReasonEmptyMessage},
	{name: "message empty media no content", in: `{"type":"message","chat_id":"c1","media":[]}`, reason: ReasonEmptyMessage},
	{name: "message content number", in: `{"type":"message","content":5}`, reason: ReasonInvalidField, detail: `"content"`},
	{name: "message media id", in: `{"type":"message","chat_id":"c1","media":[{"id":"` + sha + `"}]}`,
		want: SendMessage{ChatID: "c1", Media: []MediaItem{{ID: sha}}}},
	{name: "message media data_url", in: `{"type":"message","content":"look","media":[{"data_url":"data:image/png;base64,iVBORw0KGgo=","name":"a.png"}]}`,
		want: SendMessage{Content: "look", ToDefault: true, Media: []MediaItem{{DataURL: "data:image/png;base64,iVBORw0KGgo=", Name: "a.png"}}}},
	{name: "message media id and data_url", in: `{"type":"message","content":"x","media":[{"id":"` + sha + `","data_url":"data:image/png;base64,AA=="}]}`, reason: ReasonInvalidMedia, detail: "media[0]"},
	{name: "message media neither", in: `{"type":"message","content":"x","media":[{"name":"a.png"}]}`, reason: ReasonInvalidMedia, detail: "media[0]"},
	{name: "message media empty object", in: `{"type":"message","media":[{}]}`, reason: ReasonInvalidMedia, detail: "media[0]"},
	{name: "message media short id", in: `{"type":"message","content":"x","media":[{"id":"abc"}]}`, reason: ReasonInvalidMedia, detail: "id"},
	{name: "message media uppercase id", in: `{"type":"message","content":"x","media":[{"id":"` + strings.ToUpper(sha) + `"}]}`, reason: ReasonInvalidMedia, detail: "id"},
	{name: "message media non-hex id", in: `{"type":"message","content":"x","media":[{"id":"` + strings.Repeat("g", 64) + `"}]}`, reason: ReasonInvalidMedia, detail: "id"},
	{name: "message media path id", in: `{"type":"message","content":"x","media":[{"id":"../../etc/passwd"}]}`, reason: ReasonInvalidMedia, detail: "id"},
	{name: "message media second bad", in: `{"type":"message","content":"x","media":[{"id":"` + sha + `"},{"id":"nope"}]}`, reason: ReasonInvalidMedia, detail: "media[1]"},
	{name: "message media bad data_url", in: `{"type":"message","content":"x","media":[{"data_url":"http://evil.example/a.png"}]}`, reason: ReasonInvalidMedia, detail: "data_url"},
	{name: "message media id number", in: `{"type":"message","content":"x","media":[{"id":5}]}`, reason: ReasonInvalidField, detail: "media"},
	{name: "message media not array", in: `{"type":"message","content":"x","media":{"id":"x"}}`, reason: ReasonInvalidField, detail: `"media"`},
	{name: "message media item string", in: `{"type":"message","content":"x","media":["x"]}`, reason: ReasonInvalidField, detail: `"media"`},
	{name: "message 16 media", in: `{"type":"message","chat_id":"c1","media":` + mediaJSON(MaxMediaItems) + `}`, want: SendMessage{ChatID: "c1", Media: mediaItems(MaxMediaItems)}},
	{name: "message 17 media", in: `{"type":"message","chat_id":"c1","media":` + mediaJSON(MaxMediaItems+1) + `}`, reason: ReasonInvalidMedia, detail: "media"},

	// --- cancel ---
	{name: "cancel", in: `{"type":"cancel","chat_id":"c1","req_id":"k"}`, want: Cancel{Base: Base{"k"}, ChatID: "c1"}, reqID: "k"},
	{name: "cancel turn", in: `{"type":"cancel","chat_id":"c1","turn_id":"t1"}`, want: Cancel{ChatID: "c1", TurnID: "t1"}},
	{name: "cancel no chat", in: `{"type":"cancel"}`, reason: ReasonMissingField, detail: "chat_id"},
	{name: "cancel bad chat", in: `{"type":"cancel","chat_id":"x y"}`, reason: ReasonInvalidChatID},
	{name: "cancel turn number", in: `{"type":"cancel","chat_id":"c1","turn_id":1}`, reason: ReasonInvalidField, detail: `"turn_id"`},

	// --- list_chats ---
	{name: "list_chats default", in: `{"type":"list_chats"}`, want: ListChats{Limit: 100}},
	{name: "list_chats limit 1", in: `{"type":"list_chats","limit":1,"req_id":"l"}`, want: ListChats{Base: Base{"l"}, Limit: 1}, reqID: "l"},
	{name: "list_chats limit max", in: `{"type":"list_chats","limit":500}`, want: ListChats{Limit: MaxLimit}},
	{name: "list_chats before", in: `{"type":"list_chats","limit":20,"before":"2025-01-02T03:04:05.000Z|c9"}`, want: ListChats{Limit: 20, Before: "2025-01-02T03:04:05.000Z|c9"}},
	{name: "list_chats limit 0", in: `{"type":"list_chats","limit":0,"req_id":"l"}`, reason: ReasonInvalidField, reqID: "l", detail: "limit"},
	{name: "list_chats limit negative", in: `{"type":"list_chats","limit":-5}`, reason: ReasonInvalidField, detail: "limit"},
	{name: "list_chats limit over max", in: `{"type":"list_chats","limit":501}`, reason: ReasonInvalidField, detail: "limit"},
	{name: "list_chats limit huge", in: `{"type":"list_chats","limit":99999999999999999999999}`, reason: ReasonInvalidField, detail: `"limit"`},
	{name: "list_chats limit string", in: `{"type":"list_chats","limit":"10"}`, reason: ReasonInvalidField, detail: `"limit"`},
	{name: "list_chats before number", in: `{"type":"list_chats","before":5}`, reason: ReasonInvalidField, detail: `"before"`},
	{name: "list_chats archived", in: `{"type":"list_chats","archived":true,"before":"p:1:c9"}`, want: ListChats{Limit: 100, Before: "p:1:c9", Archived: true}},
	{name: "list_chats archived false", in: `{"type":"list_chats","archived":false}`, want: ListChats{Limit: 100}},
	{name: "list_chats archived string", in: `{"type":"list_chats","archived":"yes"}`, reason: ReasonInvalidField, detail: `"archived"`},

	// --- history ---
	{name: "history default", in: `{"type":"history","chat_id":"c1"}`, want: GetHistory{ChatID: "c1", Limit: 50}},
	{name: "history before_seq", in: `{"type":"history","chat_id":"c1","before_seq":42,"limit":10,"req_id":"h"}`,
		want: GetHistory{Base: Base{"h"}, ChatID: "c1", BeforeSeq: 42, Limit: 10}, reqID: "h"},
	{name: "history before_seq 0", in: `{"type":"history","chat_id":"c1","before_seq":0}`, want: GetHistory{ChatID: "c1", Limit: 50}},
	{name: "history before_seq negative", in: `{"type":"history","chat_id":"c1","before_seq":-1}`, reason: ReasonInvalidField, detail: "before_seq"},
	{name: "history before_seq string", in: `{"type":"history","chat_id":"c1","before_seq":"9"}`, reason: ReasonInvalidField, detail: `"before_seq"`},
	{name: "history after_seq", in: `{"type":"history","chat_id":"c1","after_seq":42,"limit":10}`,
		want: GetHistory{ChatID: "c1", AfterSeq: i64p(42), Limit: 10}},
	{name: "history after_seq 0", in: `{"type":"history","chat_id":"c1","after_seq":0}`, want: GetHistory{ChatID: "c1", AfterSeq: i64p(0), Limit: 50}},
	{name: "history after_seq negative", in: `{"type":"history","chat_id":"c1","after_seq":-1}`, reason: ReasonInvalidField, detail: "after_seq"},
	{name: "history around_seq", in: `{"type":"history","chat_id":"c1","around_seq":12,"limit":20,"req_id":"a"}`,
		want: GetHistory{Base: Base{"a"}, ChatID: "c1", AroundSeq: 12, Limit: 20}, reqID: "a"},
	{name: "history around_seq 0", in: `{"type":"history","chat_id":"c1","around_seq":0}`, reason: ReasonInvalidField, detail: "around_seq"},
	{name: "history around_seq and before_seq", in: `{"type":"history","chat_id":"c1","around_seq":5,"before_seq":9}`, reason: ReasonInvalidField, detail: "at most one"},
	{name: "history after_seq and around_seq", in: `{"type":"history","chat_id":"c1","after_seq":5,"around_seq":9}`, reason: ReasonInvalidField, detail: "at most one"},
	{name: "history limit 0", in: `{"type":"history","chat_id":"c1","limit":0}`, reason: ReasonInvalidField, detail: "limit"},
	{name: "history limit over max", in: `{"type":"history","chat_id":"c1","limit":501}`, reason: ReasonInvalidField, detail: "limit"},
	{name: "history no chat", in: `{"type":"history"}`, reason: ReasonMissingField, detail: "chat_id"},

	// --- rename_chat ---
	{name: "rename", in: `{"type":"rename_chat","chat_id":"c1","title":"New","req_id":"rn"}`,
		want: UpdateChat{Base: Base{"rn"}, ChatID: "c1", Title: sp("New")}, reqID: "rn"},
	{name: "rename trims", in: `{"type":"rename_chat","chat_id":"c1","title":"  New title \n"}`, want: UpdateChat{ChatID: "c1", Title: sp("New title")}},
	{name: "rename trims before length check", in: `{"type":"rename_chat","chat_id":"c1","title":"  ` + title200 + `  "}`, want: UpdateChat{ChatID: "c1", Title: sp(title200)}},
	{name: "rename title too long", in: `{"type":"rename_chat","chat_id":"c1","title":"` + title201 + `"}`, reason: ReasonTooLarge, detail: "title"},
	{name: "rename missing title", in: `{"type":"rename_chat","chat_id":"c1","req_id":"rn"}`, reason: ReasonMissingField, reqID: "rn", detail: "title"},
	{name: "rename without title but other fields", in: `{"type":"rename_chat","chat_id":"c1","pinned":true,"model":"m"}`, reason: ReasonMissingField, detail: "title"},
	{name: "rename null title", in: `{"type":"rename_chat","chat_id":"c1","title":null}`, reason: ReasonMissingField, detail: "title"},
	{name: "rename empty title", in: `{"type":"rename_chat","chat_id":"c1","title":""}`, reason: ReasonInvalidField, detail: "title"},
	{name: "rename blank title", in: `{"type":"rename_chat","chat_id":"c1","title":"  \t "}`, reason: ReasonInvalidField, detail: "title"},
	{name: "rename title number", in: `{"type":"rename_chat","chat_id":"c1","title":7}`, reason: ReasonInvalidField, detail: `"title"`},
	{name: "rename no chat", in: `{"type":"rename_chat","title":"x"}`, reason: ReasonMissingField, detail: "chat_id"},
	{name: "rename bad chat", in: `{"type":"rename_chat","chat_id":"a/b","title":"x"}`, reason: ReasonInvalidChatID},

	// --- update_chat ---
	{name: "update nothing", in: `{"type":"update_chat","chat_id":"c1","req_id":"up"}`, reason: ReasonMissingField, reqID: "up", detail: "nothing to update"},
	{name: "update pinned false", in: `{"type":"update_chat","chat_id":"c1","pinned":false}`, want: UpdateChat{ChatID: "c1", Pinned: bp(false)}},
	{name: "update all", in: `{"type":"update_chat","chat_id":"c1","title":" T ","model":"m","system":"s","pinned":true}`,
		want: UpdateChat{ChatID: "c1", Title: sp("T"), Model: sp("m"), System: sp("s"), Pinned: bp(true)}},
	{name: "update clears system", in: `{"type":"update_chat","chat_id":"c1","system":""}`, want: UpdateChat{ChatID: "c1", System: sp("")}},
	{name: "update empty title", in: `{"type":"update_chat","chat_id":"c1","title":" "}`, reason: ReasonInvalidField, detail: "title"},
	{name: "update model too long", in: `{"type":"update_chat","chat_id":"c1","model":"` + model201 + `"}`, reason: ReasonTooLarge, detail: "model"},
	{name: "update system too long", in: `{"type":"update_chat","chat_id":"c1","system":"` + system65k + `"}`, reason: ReasonTooLarge, detail: "system"},
	{name: "update pinned string", in: `{"type":"update_chat","chat_id":"c1","pinned":"yes"}`, reason: ReasonInvalidField, detail: `"pinned"`},
	{name: "update archived", in: `{"type":"update_chat","chat_id":"c1","archived":true}`, want: UpdateChat{ChatID: "c1", Archived: bp(true)}},
	{name: "update tools_off", in: `{"type":"update_chat","chat_id":"c1","tools_off":["fs"]}`, want: UpdateChat{ChatID: "c1", ToolsOff: &[]string{"fs"}}},
	{name: "update tools_off empty name", in: `{"type":"update_chat","chat_id":"c1","tools_off":[" "]}`, reason: ReasonInvalidField, detail: "tools_off"},
	{name: "new chat tools_off", in: `{"type":"new_chat","tools_off":[]}`, want: NewChat{ToolsOff: &[]string{}}},

	// --- agents ---
	{name: "register agent", in: `{"type":"register_agent","name":" echo-bot ","description":"says it back"}`, want: RegisterAgent{AgentName: "echo-bot", Description: "says it back"}},
	{name: "register agent bad name", in: `{"type":"register_agent","name":"two words"}`, reason: ReasonInvalidField, detail: "name"},
	{name: "register agent no name", in: `{"type":"register_agent"}`, reason: ReasonMissingField, detail: "name"},
	{name: "list agents", in: `{"type":"list_agents"}`, want: ListAgents{}},
	{name: "agent delta", in: `{"type":"delta","turn_id":"t1","text":"hi"}`, want: AgentFrame{Kind: AgentDelta, TurnID: "t1", Text: "hi"}},
	{name: "agent delta without text", in: `{"type":"delta","turn_id":"t1"}`, reason: ReasonMissingField, detail: "text"},
	{name: "agent frame without turn", in: `{"type":"reasoning_end"}`, reason: ReasonMissingField, detail: "turn_id"},
	{name: "agent tool call", in: `{"type":"tool_call","turn_id":"t1","call_id":"c","name":"grep","arguments":{"q":1}}`,
		want: AgentFrame{Kind: AgentToolCall, TurnID: "t1", CallID: "c", Tool: "grep", Arguments: []byte(`{"q":1}`)}},
	{name: "agent tool result default ok", in: `{"type":"tool_result","turn_id":"t1","call_id":"c","content":"x"}`,
		want: AgentFrame{Kind: AgentToolResult, TurnID: "t1", CallID: "c", Content: "x", Status: ToolOK}},
	{name: "agent tool result odd status", in: `{"type":"tool_result","turn_id":"t1","call_id":"c","status":"meh"}`, reason: ReasonInvalidField, detail: "status"},
	{name: "agent turn end error", in: `{"type":"turn_end","turn_id":"t1","status":"error","error":"boom"}`,
		want: AgentFrame{Kind: AgentTurnEnd, TurnID: "t1", Status: StatusError, Error: "boom"}},
	{name: "agent turn end cancelled refused", in: `{"type":"turn_end","turn_id":"t1","status":"cancelled"}`, reason: ReasonInvalidField, detail: "status"},
	{name: "new chat with agent", in: `{"type":"new_chat","agent":"echo-bot"}`, want: NewChat{Agent: "echo-bot"}},
	{name: "new chat bad agent", in: `{"type":"new_chat","agent":"no such/agent"}`, reason: ReasonInvalidField, detail: "agent"},
	{name: "update chat agent off", in: `{"type":"update_chat","chat_id":"c1","agent":""}`, want: UpdateChat{ChatID: "c1", Agent: sp("")}},

	// --- tools ---
	{name: "approve", in: `{"type":"approve","chat_id":"c1","call_id":"call_1","decision":"always","req_id":"a"}`, reqID: "a",
		want: Approve{Base: Base{"a"}, ChatID: "c1", CallID: "call_1", Decision: DecisionAlways}},
	{name: "approve without call", in: `{"type":"approve","chat_id":"c1","decision":"once"}`, reason: ReasonMissingField, detail: "call_id"},
	{name: "approve without decision", in: `{"type":"approve","chat_id":"c1","call_id":"x"}`, reason: ReasonMissingField, detail: "decision"},
	{name: "approve odd decision", in: `{"type":"approve","chat_id":"c1","call_id":"x","decision":"maybe"}`, reason: ReasonInvalidField, detail: "decision"},
	{name: "approve without chat", in: `{"type":"approve","call_id":"x","decision":"deny"}`, reason: ReasonMissingField, detail: "chat_id"},
	{name: "list grants", in: `{"type":"list_tool_grants"}`, want: ListToolGrants{}},
	{name: "revoke grant", in: `{"type":"revoke_tool_grant","server":"fs","tool":"write_file"}`, want: RevokeToolGrant{Server: "fs", Tool: "write_file"}},
	{name: "revoke grant without tool", in: `{"type":"revoke_tool_grant","server":"fs"}`, reason: ReasonMissingField, detail: "tool"},
	{name: "update unarchive and pin", in: `{"type":"update_chat","chat_id":"c1","archived":false,"pinned":true}`, want: UpdateChat{ChatID: "c1", Pinned: bp(true), Archived: bp(false)}},
	{name: "update no chat", in: `{"type":"update_chat","pinned":true}`, reason: ReasonMissingField, detail: "chat_id"},

	// --- delete_chat ---
	{name: "delete", in: `{"type":"delete_chat","chat_id":"c1","req_id":"del"}`, want: DeleteChat{Base: Base{"del"}, ChatID: "c1"}, reqID: "del"},
	{name: "delete no chat", in: `{"type":"delete_chat"}`, reason: ReasonMissingField, detail: "chat_id"},
	{name: "delete bad chat", in: `{"type":"delete_chat","chat_id":"` + id65 + `"}`, reason: ReasonInvalidChatID},

	// --- list_models, get_settings ---
	{name: "list_models", in: `{"type":"list_models","req_id":"lm"}`, want: ListModels{Base{"lm"}}, reqID: "lm"},
	{name: "get_settings", in: `{"type":"get_settings","req_id":3}`, want: GetSettings{Base{"3"}}, reqID: "3"},

	// --- set_settings ---
	{name: "set_settings empty", in: `{"type":"set_settings"}`, want: SetSettings{}},
	{name: "set_settings all", in: `{"type":"set_settings","req_id":"s","provider":"ollama","provider_url":" http://127.0.0.1:11434 ","model":"qwen3","api_key":"sk-1"}`,
		want: SetSettings{Base: Base{"s"}, Provider: sp("ollama"), ProviderURL: sp("http://127.0.0.1:11434"), Model: sp("qwen3"), APIKey: sp("sk-1")}, reqID: "s"},
	{name: "set_settings openai https", in: `{"type":"set_settings","provider":"openai","provider_url":"https://api.example/v1"}`,
		want: SetSettings{Provider: sp("openai"), ProviderURL: sp("https://api.example/v1")}},
	{name: "set_settings bad provider", in: `{"type":"set_settings","provider":"anthropic","req_id":"s"}`, reason: ReasonInvalidSetting, reqID: "s", detail: "provider"},
	{name: "set_settings empty provider", in: `{"type":"set_settings","provider":""}`, reason: ReasonInvalidSetting, detail: "provider"},
	{name: "set_settings provider case", in: `{"type":"set_settings","provider":"OpenAI"}`, reason: ReasonInvalidSetting, detail: "provider"},
	{name: "set_settings provider number", in: `{"type":"set_settings","provider":1}`, reason: ReasonInvalidField, detail: `"provider"`},
	{name: "set_settings ftp url", in: `{"type":"set_settings","provider_url":"ftp://x"}`, reason: ReasonInvalidSetting, detail: "provider_url"},
	{name: "set_settings schemeless url", in: `{"type":"set_settings","provider_url":"localhost:11434"}`, reason: ReasonInvalidSetting, detail: "provider_url"},
	{name: "set_settings javascript url", in: `{"type":"set_settings","provider_url":"javascript:alert(1)"}`, reason: ReasonInvalidSetting, detail: "provider_url"},
	{name: "set_settings empty url", in: `{"type":"set_settings","provider_url":""}`, reason: ReasonInvalidSetting, detail: "provider_url"},
	{name: "set_settings model too long", in: `{"type":"set_settings","model":"` + model201 + `"}`, reason: ReasonTooLarge, detail: "model"},

	// --- MCP servers ---
	{name: "list_mcp_servers", in: `{"type":"list_mcp_servers","req_id":"m"}`, want: ListMCPServers{Base{"m"}}, reqID: "m"},
	{name: "list_mcp_servers extra fields", in: `{"type":"list_mcp_servers","chat_id":"c1"}`, want: ListMCPServers{}},

	// --- pulls ---
	{name: "pull_model", in: `{"type":"pull_model","name":" qwen3:8b ","req_id":"p"}`, want: PullModel{Base: Base{"p"}, Model: "qwen3:8b"}, reqID: "p"},
	{name: "pull_model namespaced", in: `{"type":"pull_model","name":"hf.co/org/m:Q4_K_M"}`, want: PullModel{Model: "hf.co/org/m:Q4_K_M"}},
	{name: "pull_model no name", in: `{"type":"pull_model","req_id":"p"}`, reason: ReasonMissingField, reqID: "p", detail: "name"},
	{name: "pull_model blank", in: `{"type":"pull_model","name":"  "}`, reason: ReasonMissingField, detail: "name"},
	{name: "pull_model two words", in: `{"type":"pull_model","name":"llama 3"}`, reason: ReasonInvalidField, detail: "one word"},
	{name: "pull_model too long", in: `{"type":"pull_model","name":"` + model201 + `"}`, reason: ReasonTooLarge, detail: "name"},
	{name: "pull_model name number", in: `{"type":"pull_model","name":3}`, reason: ReasonInvalidField, detail: `"name"`},
	{name: "cancel_pull by id", in: `{"type":"cancel_pull","pull_id":"p_1","req_id":"c"}`, want: CancelPull{Base: Base{"c"}, PullID: "p_1"}, reqID: "c"},
	{name: "cancel_pull by name", in: `{"type":"cancel_pull","name":"llama3.2"}`, want: CancelPull{Model: "llama3.2"}},
	{name: "cancel_pull neither", in: `{"type":"cancel_pull"}`, reason: ReasonMissingField, detail: "pull_id"},
	{name: "cancel_pull long id", in: `{"type":"cancel_pull","pull_id":"` + id65 + `"}`, reason: ReasonTooLarge, detail: "pull_id"},
	{name: "list_pulls", in: `{"type":"list_pulls","req_id":"l"}`, want: ListPulls{Base{"l"}}, reqID: "l"},

	// --- search ---
	{name: "search", in: `{"type":"search","query":"cats","req_id":"q"}`, want: Search{Base: Base{"q"}, Query: "cats", Limit: 50}, reqID: "q"},
	{name: "search trims", in: `{"type":"search","query":"  cats  ","limit":5}`, want: Search{Query: "cats", Limit: 5}},
	{name: "search 1000 bytes", in: `{"type":"search","query":"` + query1000 + `"}`, want: Search{Query: query1000, Limit: 50}},
	{name: "search too long", in: `{"type":"search","query":"` + query1001 + `","req_id":"q"}`, reason: ReasonTooLarge, reqID: "q", detail: "query"},
	{name: "search empty", in: `{"type":"search","query":""}`, reason: ReasonMissingField, detail: "query"},
	{name: "search blank", in: `{"type":"search","query":"   "}`, reason: ReasonMissingField, detail: "query"},
	{name: "search absent", in: `{"type":"search"}`, reason: ReasonMissingField, detail: "query"},
	{name: "search limit 0", in: `{"type":"search","query":"x","limit":0}`, reason: ReasonInvalidField, detail: "limit"},
	{name: "search query number", in: `{"type":"search","query":1}`, reason: ReasonInvalidField, detail: `"query"`},

	// --- nanobot compatibility: plain text ---
	{name: "plain text", in: "hello there", want: SendMessage{Content: "hello there", ToDefault: true}},
	{name: "plain text verbatim", in: " two\nlines ", want: SendMessage{Content: " two\nlines ", ToDefault: true}},
	{name: "plain text binary", in: "hello there", binary: true, want: SendMessage{Content: "hello there", ToDefault: true}},
	{name: "plain text unicode", in: "héllo 😀", want: SendMessage{Content: "héllo 😀", ToDefault: true}},
	{name: "plain text bracket not json", in: "[draft] hi", want: SendMessage{Content: "[draft] hi", ToDefault: true}},
	{name: "plain text json string", in: `"quoted"`, want: SendMessage{Content: `"quoted"`, ToDefault: true}},
	{name: "plain text number", in: "42", want: SendMessage{Content: "42", ToDefault: true}},
	{name: "plain text too long", in: plainTooLong, reason: ReasonTooLarge, detail: "content"},

	// --- nanobot compatibility: legacy object without type ---
	{name: "legacy content", in: `{"content":"hi"}`, want: SendMessage{Content: "hi", ToDefault: true}},
	{name: "legacy text", in: `{"text":"hi"}`, want: SendMessage{Content: "hi", ToDefault: true}},
	{name: "legacy message", in: `{"message":"hi"}`, want: SendMessage{Content: "hi", ToDefault: true}},
	{name: "legacy content wins", in: `{"message":"m","text":"t","content":"c"}`, want: SendMessage{Content: "c", ToDefault: true}},
	{name: "legacy req_id", in: `{"content":"hi","req_id":"lg"}`, want: SendMessage{Base: Base{"lg"}, Content: "hi", ToDefault: true}, reqID: "lg"},
	{name: "legacy chat_id", in: `{"content":"hi","chat_id":"c1"}`, want: SendMessage{ChatID: "c1", Content: "hi"}},
	{name: "legacy bad chat_id", in: `{"content":"hi","chat_id":"a b"}`, reason: ReasonInvalidChatID},
	{name: "legacy content number", in: `{"content":5,"req_id":"lg"}`, reason: ReasonInvalidField, reqID: "lg", detail: "content"},
	{name: "legacy text number", in: `{"text":5}`, reason: ReasonInvalidField, detail: "text"},
	{name: "legacy message object", in: `{"message":{"a":1}}`, reason: ReasonInvalidField, detail: "message"},
	{name: "legacy text array", in: `{"text":["hi"]}`, reason: ReasonInvalidField, detail: "text"},
	{name: "legacy empty content", in: `{"content":""}`, reason: ReasonEmptyMessage},
	{name: "legacy content too long", in: `{"content":"` + contentOver + `"}`, reason: ReasonTooLarge, detail: "content"},
	{name: "object without type or content", in: `{"foo":"bar","req_id":"nt"}`, reason: ReasonMissingField, reqID: "nt", detail: "type"},
	{name: "empty object", in: `{}`, reason: ReasonMissingField, detail: "type"},
}

func abbreviate(s string) string {
	if len(s) > 120 {
		return fmt.Sprintf("%q…(%d bytes)", s[:120], len(s))
	}
	return fmt.Sprintf("%q", s)
}

func stateOf(attached []string) ConnState {
	if attached == nil {
		return ConnState{}
	}
	set := map[string]bool{}
	for _, id := range attached {
		set[id] = true
	}
	return ConnState{Attached: func(id string) bool { return set[id] }}
}

func TestRoute(t *testing.T) {
	seen := map[string]bool{}
	for _, tc := range routeCases {
		if seen[tc.name] {
			t.Fatalf("duplicate case name %q", tc.name)
		}
		seen[tc.name] = true
		if (tc.want == nil) == (tc.reason == "") {
			t.Fatalf("case %q: set exactly one of want and reason", tc.name)
		}
		t.Run(tc.name, func(t *testing.T) {
			d := Route([]byte(tc.in), tc.binary, stateOf(tc.attached))
			if tc.want != nil {
				if d.Err != nil {
					t.Fatalf("Route(%s) = error %s (%s), want %T %+v", abbreviate(tc.in), d.Err.Reason, d.Err.Detail, tc.want, tc.want)
				}
				if d.Cmd == nil {
					t.Fatalf("Route(%s): neither Cmd nor Err", abbreviate(tc.in))
				}
				if reflect.TypeOf(d.Cmd) != reflect.TypeOf(tc.want) {
					t.Fatalf("Route(%s) = %T, want %T", abbreviate(tc.in), d.Cmd, tc.want)
				}
				if !reflect.DeepEqual(d.Cmd, tc.want) {
					t.Fatalf("Route(%s) =\n  %s\nwant\n  %s", abbreviate(tc.in), abbreviate(fmt.Sprintf("%+v", d.Cmd)), abbreviate(fmt.Sprintf("%+v", tc.want)))
				}
				if got := d.Cmd.RequestID(); got != tc.reqID {
					t.Fatalf("RequestID() = %q, want %q", got, tc.reqID)
				}
				return
			}
			if d.Cmd != nil {
				t.Fatalf("Route(%s) = %T %s, want error %s", abbreviate(tc.in), d.Cmd, abbreviate(fmt.Sprintf("%+v", d.Cmd)), tc.reason)
			}
			if d.Err == nil {
				t.Fatalf("Route(%s): neither Cmd nor Err", abbreviate(tc.in))
			}
			e := d.Err
			if e.Event != "error" {
				t.Errorf("Event = %q, want error", e.Event)
			}
			if e.Reason != tc.reason {
				t.Errorf("Reason = %q (detail %q), want %q", e.Reason, e.Detail, tc.reason)
			}
			if e.ReqID != tc.reqID {
				t.Errorf("ReqID = %q, want %q", e.ReqID, tc.reqID)
			}
			if e.Detail == "" {
				t.Errorf("empty Detail")
			}
			if !strings.Contains(e.Detail, tc.detail) {
				t.Errorf("Detail = %q, want it to contain %q", e.Detail, tc.detail)
			}
		})
	}
}

// TestRouteDetachNilState: a zero ConnState (nil map) must not panic and means
// "attached to nothing".
func TestRouteDetachNilState(t *testing.T) {
	d := Route([]byte(`{"type":"detach","chat_id":"c1"}`), false, ConnState{Attached: nil})
	if d.Err == nil || d.Err.Reason != ReasonNotAttached {
		t.Fatalf("got %+v, want not_attached", d)
	}
}

// TestRouteDoesNotAliasInput: commands must not alias the caller's bytes (a
// WebSocket library may reuse its read buffer for the next frame).
func TestRouteDoesNotAliasInput(t *testing.T) {
	buf := []byte(`{"type":"rename_chat","chat_id":"c1","title":" abc "}`)
	d := Route(buf, false, ConnState{})
	for i := range buf {
		buf[i] = 'x'
	}
	u, ok := d.Cmd.(UpdateChat)
	if !ok || u.Title == nil || *u.Title != "abc" || u.ChatID != "c1" {
		t.Fatalf("after overwriting the input, got %+v", d.Cmd)
	}
	buf = []byte("plain words")
	d = Route(buf, false, ConnState{})
	copy(buf, "XXXXXXXXXXX")
	if m, ok := d.Cmd.(SendMessage); !ok || m.Content != "plain words" {
		t.Fatalf("plain text aliased its input: %+v", d.Cmd)
	}
}

func TestValidChatID(t *testing.T) {
	for id, want := range map[string]bool{
		"c1": true, "Az09_:-": true, id64: true, "k_01HZX": true,
		"": false, id65: false, "a b": false, "a/b": false, "a.b": false, "é": false,
		"a\n": false, "a\x00": false, "\u0661": false, // Arabic-Indic digit one
	} {
		if got := ids.ValidChat(id); got != want {
			t.Errorf("ids.ValidChat(%q) = %v, want %v", id, got, want)
		}
	}
}
