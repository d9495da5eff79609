package model

import (
	"errors"
	"fmt"
	"strings"
	"testing"
)

func TestErrorCodeAndMessage(t *testing.T) {
	cause := errors.New("disk on fire")
	tests := []struct {
		name     string
		err      error
		wantCode ErrorCode
		wantMsg  string // part of the message
	}{
		{name: "nil", err: nil, wantCode: "", wantMsg: ""},
		{name: "domain", err: Errorf(CodeNotFound, "No template named %q.", "x"), wantCode: CodeNotFound, wantMsg: `No template named "x".`},
		{name: "wrapped domain", err: fmt.Errorf("load: %w", Errorf(CodeForbidden, "Admins only.")), wantCode: CodeForbidden, wantMsg: "Admins only."},
		{name: "domain with cause", err: &Error{Code: CodeUnavailable, Message: "ComfyUI is offline.", Err: cause}, wantCode: CodeUnavailable, wantMsg: "ComfyUI is offline."},
		{name: "queue full", err: fmt.Errorf("enqueue: %w", &QueueFullError{Limit: 3, Active: 3}), wantCode: CodeQueueFull, wantMsg: "(3/3)"},
		{name: "plain error", err: cause, wantCode: CodeInternal, wantMsg: "went wrong"},
		{name: "domain without message", err: &Error{Code: CodeInternal, Err: cause}, wantCode: CodeInternal, wantMsg: "went wrong"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := ErrorCodeOf(tt.err); got != tt.wantCode {
				t.Errorf("ErrorCodeOf = %q, want %q", got, tt.wantCode)
			}
			msg := ErrorMessageOf(tt.err)
			if !strings.Contains(msg, tt.wantMsg) || (tt.wantMsg == "" && msg != "") {
				t.Errorf("ErrorMessageOf = %q, want it to contain %q", msg, tt.wantMsg)
			}
			if strings.Contains(msg, "disk on fire") {
				t.Errorf("ErrorMessageOf leaks the cause: %q", msg)
			}
		})
	}
}

func TestErrorText(t *testing.T) {
	cause := errors.New("disk on fire")
	e := &Error{Code: CodeInternal, Message: "could not save", Err: cause}
	if e.Error() != "could not save: disk on fire" || !errors.Is(e, cause) {
		t.Errorf("Error() = %q, Is(cause) = %v", e.Error(), errors.Is(e, cause))
	}
	if got := (&QueueFullError{Limit: 3, Active: 4}).Error(); got != "queue full (4/3)" {
		t.Errorf("QueueFullError = %q", got)
	}
}
