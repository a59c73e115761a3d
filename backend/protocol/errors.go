package protocol

import (
	"context"
	"errors"
	"fmt"
)

// Error is a refusal: a stable Reason from Reasons, a Detail sentence a person
// can act on, and the cause (logged, never sent). It is the one error type
// every package returns when a client asked for something it cannot have; the
// WebSocket and HTTP shells both turn it into a reply with Classify.
type Error struct {
	Reason string
	Detail string
	cause  error
}

func (e *Error) Error() string { return e.Detail }
func (e *Error) Unwrap() error { return e.cause }

// Status is the HTTP status the refusal is sent with.
func (e *Error) Status() int { return StatusOf(e.Reason) }

// Refuse makes a refusal whose detail is formatted like fmt.Sprintf.
func Refuse(reason, format string, args ...any) *Error {
	return &Error{Reason: reason, Detail: fmt.Sprintf(format, args...)}
}

// RefuseCause is Refuse that keeps the underlying error for errors.Is/As and logs.
func RefuseCause(reason string, cause error, format string, args ...any) *Error {
	return &Error{Reason: reason, Detail: fmt.Sprintf(format, args...), cause: cause}
}

// Refuser is an error from another domain (a model server's failure) that
// knows which refusal it is.
type Refuser interface {
	Refusal() *Error
}

// ReasonOf is the reason of the refusal in err's chain, or "" when there is none.
func ReasonOf(err error) string {
	if r, ok := refusalOf(err); ok {
		return r.Reason
	}
	return ""
}

func refusalOf(err error) (*Error, bool) {
	var pe *Error
	if errors.As(err, &pe) {
		return pe, true
	}
	var r Refuser
	if errors.As(err, &r) {
		if pe := r.Refusal(); pe != nil {
			return pe, true
		}
	}
	return nil, false
}

// Classify turns any error into what a client is told. A refusal is sent as
// it is; a cancelled context means the server is stopping; anything else is an
// internal error whose text stays in the log: the client gets only the id the
// caller logged it under (internal reports whether the caller must log err).
func Classify(err error, id string) (out *Error, internal bool) {
	if r, ok := refusalOf(err); ok {
		return r, false
	}
	if errors.Is(err, context.Canceled) {
		return Refuse(ReasonShuttingDown, "the server is shutting down"), false
	}
	return Refuse(ReasonInternal, "something went wrong inside Hearth (error %s); its log has the details", id), true
}
