package model

import (
	"errors"
	"fmt"
)

// ErrorCode classifies an error for the one place that turns errors into
// replies: it picks the wording and decides whether the detail is logged.
type ErrorCode string

// Error codes.
const (
	CodeNotFound    ErrorCode = "not_found"
	CodeConflict    ErrorCode = "conflict"
	CodeQueueFull   ErrorCode = "queue_full"
	CodeInvalid     ErrorCode = "invalid"
	CodeForbidden   ErrorCode = "forbidden"
	CodeUnavailable ErrorCode = "unavailable"
	CodeInternal    ErrorCode = "internal"
)

// Error is a domain error: a machine-readable code, a message that is safe to
// show a Discord user, and optionally the underlying cause for the logs.
type Error struct {
	Code    ErrorCode
	Message string
	Err     error
}

// Errorf returns an *Error whose user-safe message is formatted from format.
func Errorf(code ErrorCode, format string, args ...any) *Error {
	return &Error{Code: code, Message: fmt.Sprintf(format, args...)}
}

func (e *Error) Error() string {
	if e.Err == nil {
		return e.Message
	}
	return e.Message + ": " + e.Err.Error()
}

func (e *Error) Unwrap() error { return e.Err }

// QueueFullError says a user already has as many active jobs as allowed.
type QueueFullError struct {
	Limit  int
	Active int
}

func (e *QueueFullError) Error() string {
	return fmt.Sprintf("queue full (%d/%d)", e.Active, e.Limit)
}

// ErrorCodeOf returns the code of the first domain error in err's chain,
// CodeInternal for any other error, and "" for nil.
func ErrorCodeOf(err error) ErrorCode {
	if err == nil {
		return ""
	}
	if e, ok := errors.AsType[*Error](err); ok {
		return e.Code
	}
	if _, ok := errors.AsType[*QueueFullError](err); ok {
		return CodeQueueFull
	}
	return CodeInternal
}

// ErrorMessageOf returns the user-safe message of the first domain error in
// err's chain; anything else gets a generic message, so internal detail never
// reaches a user. It returns "" for nil.
func ErrorMessageOf(err error) string {
	if err == nil {
		return ""
	}
	if e, ok := errors.AsType[*Error](err); ok && e.Message != "" {
		return e.Message
	}
	if q, ok := errors.AsType[*QueueFullError](err); ok {
		return fmt.Sprintf("Your queue is full (%d/%d): wait for a job to finish or cancel one.", q.Active, q.Limit)
	}
	return "Something went wrong on our side; the error was logged."
}
