package messages

import (
	"errors"
	"fmt"
)

// Code classifies an Error. The codes are those of the protocol; gateways map them to HTTP
// statuses and WebSocket error frames.
type Code string

// The error codes of the protocol.
const (
	CodeBadRequest         Code = "bad_request"
	CodeValidation         Code = "validation"
	CodeUnauthorized       Code = "unauthorized"
	CodeForbidden          Code = "forbidden"
	CodeNotFound           Code = "not_found"
	CodeConflict           Code = "conflict"
	CodePreconditionFailed Code = "precondition_failed"
	CodeTooLarge           Code = "too_large"
	CodeRateLimited        Code = "rate_limited"
	CodeUnavailable        Code = "unavailable"
	CodeInternal           Code = "internal"
)

// Error is an error meant for end users: a code, a message without internal detail, and for
// validation errors the offending fields. Current carries the task as it is now when a
// precondition failed.
type Error struct {
	Code    Code              `json:"code"`
	Message string            `json:"message"`
	Fields  map[string]string `json:"fields,omitempty"`
	Current *Task             `json:"-"`
	// Cause is the failure behind an unavailable error, for the log; never shown.
	Cause error `json:"-"`
}

// Unavailable returns the unavailable error of a dependency that failed in a way that may
// pass (a full disk, a read-only or locked database); the cause stays for the log.
func Unavailable(cause error) *Error {
	return &Error{Code: CodeUnavailable, Message: "the database cannot be used right now, try again", Cause: cause}
}

// Unwrap returns the cause of an unavailable error, if any.
func (e *Error) Unwrap() error { return e.Cause }

// Errorf returns an Error with the given code and formatted message.
func Errorf(code Code, format string, args ...any) *Error {
	return &Error{Code: code, Message: fmt.Sprintf(format, args...)}
}

// Error implements error.
func (e *Error) Error() string {
	if e.Cause != nil {
		return string(e.Code) + ": " + e.Message + ": " + e.Cause.Error()
	}
	return string(e.Code) + ": " + e.Message
}

// Field records that field failed for reason and returns e for chaining.
func (e *Error) Field(field, reason string) *Error {
	if e.Fields == nil {
		e.Fields = map[string]string{}
	}
	e.Fields[field] = reason
	return e
}

// ErrorCode returns the code of the first *Error in err's chain, CodeInternal for any other
// error, and "" for nil.
func ErrorCode(err error) Code {
	if err == nil {
		return ""
	}
	var e *Error
	if errors.As(err, &e) {
		return e.Code
	}
	return CodeInternal
}

// AsError returns err as an *Error, turning anything that is not one into an internal error
// whose message reveals nothing.
func AsError(err error) *Error {
	var e *Error
	if errors.As(err, &e) {
		return e
	}
	return &Error{Code: CodeInternal, Message: "internal error"}
}

// NotFound returns the not_found error for a kind of resource ("board", "task"...).
func NotFound(kind string) *Error { return Errorf(CodeNotFound, "%s not found", kind) }
