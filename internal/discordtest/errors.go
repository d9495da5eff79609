package discordtest

import (
	"errors"
	"fmt"
	"strings"
)

// Errors an Interaction can end with.
var (
	// ErrNoResponse: the bot did not acknowledge within the deadline.
	ErrNoResponse = errors.New("discordtest: the application did not respond")
	// ErrInvalidInteraction: the test asked for something Discord's client
	// would not let a user do (unknown command, missing option, hidden
	// button, a post without permission…).
	ErrInvalidInteraction = errors.New("discordtest: invalid interaction")
)

// apiError is a Discord JSON error response.
type apiError struct {
	status  int
	code    int
	message string
	errors  formErrors
	// violation marks requests a correct bot never sends (limits, schema,
	// auth), which fail the test.
	violation bool
}

func (e *apiError) Error() string {
	s := fmt.Sprintf("%d %d: %s", e.status, e.code, e.message)
	if len(e.errors) > 0 {
		s += " " + strings.Join(e.errors.lines(""), "; ")
	}
	return s
}

func (e *apiError) body() obj {
	b := obj{"code": e.code, "message": e.message}
	if len(e.errors) > 0 {
		b["errors"] = map[string]any(e.errors)
	}
	return b
}

// formErrors is Discord's nested "errors" object: keys down to a field, then
// "_errors": [{code, message}].
type formErrors map[string]any

// add records an error at a dot-separated path ("embeds.0.fields.1.value");
// the empty path is the object itself.
func (f formErrors) add(path, code, message string) {
	m := map[string]any(f)
	if path != "" {
		for _, k := range strings.Split(path, ".") {
			next, ok := m[k].(map[string]any)
			if !ok {
				next = map[string]any{}
				m[k] = next
			}
			m = next
		}
	}
	errs, _ := m["_errors"].([]any)
	m["_errors"] = append(errs, map[string]any{"code": code, "message": message})
}

func (f formErrors) lines(prefix string) []string {
	var out []string
	for k, v := range f {
		m, _ := v.(map[string]any)
		if k == "_errors" {
			for _, e := range v.([]any) {
				em := e.(map[string]any)
				out = append(out, fmt.Sprintf("%s: %s", prefix, em["message"]))
			}
			continue
		}
		out = append(out, formErrors(m).lines(join(prefix, k))...)
	}
	return out
}

func (f formErrors) err() *apiError {
	if len(f) == 0 {
		return nil
	}
	return invalidForm(f)
}

func invalidForm(f formErrors) *apiError {
	return &apiError{status: 400, code: 50035, message: "Invalid Form Body", errors: f, violation: true}
}

func errInvalidJSON() *apiError {
	return &apiError{status: 400, code: 50109, message: "The request body contains invalid JSON.", violation: true}
}

func errUnauthorized() *apiError {
	return &apiError{status: 401, code: 0, message: "401: Unauthorized", violation: true}
}

func errNotFound() *apiError {
	return &apiError{status: 404, code: 0, message: "404: Not Found", violation: true}
}

func errUnknownInteraction() *apiError {
	return &apiError{status: 404, code: 10062, message: "Unknown interaction"}
}

func errAlreadyAcknowledged() *apiError {
	return &apiError{status: 400, code: 40060, message: "Interaction has already been acknowledged."}
}

func errUnknownMessage() *apiError {
	return &apiError{status: 404, code: 10008, message: "Unknown Message"}
}

func errUnknownChannel() *apiError {
	return &apiError{status: 404, code: 10003, message: "Unknown Channel"}
}

func errUnknownGuild() *apiError {
	return &apiError{status: 404, code: 10004, message: "Unknown Guild"}
}

func errUnknownMember() *apiError {
	return &apiError{status: 404, code: 10007, message: "Unknown Member"}
}

func errUnknownUser() *apiError {
	return &apiError{status: 404, code: 10013, message: "Unknown User"}
}

func errUnknownApplication() *apiError {
	return &apiError{status: 404, code: 10002, message: "Unknown Application"}
}

func errUnknownWebhook() *apiError {
	return &apiError{status: 404, code: 10015, message: "Unknown Webhook"}
}

func errInvalidWebhookToken() *apiError {
	return &apiError{status: 401, code: 50027, message: "Invalid Webhook Token"}
}

func errCannotDM() *apiError {
	return &apiError{status: 403, code: 50007, message: "Cannot send messages to this user"}
}

func errMissingAccess() *apiError {
	return &apiError{status: 403, code: 50001, message: "Missing Access"}
}

func errMissingPermissions() *apiError {
	return &apiError{status: 403, code: 50013, message: "Missing Permissions"}
}

func errNotAuthor() *apiError {
	return &apiError{status: 403, code: 50005, message: "Cannot edit a message authored by another user"}
}

func errEmptyMessage() *apiError {
	return &apiError{status: 400, code: 50006, message: "Cannot send an empty message", violation: true}
}

func errTooManyAttachments() *apiError {
	return &apiError{status: 400, code: 30015, message: "Maximum number of attachments in a message reached (10)", violation: true}
}

func errTooLarge() *apiError {
	return &apiError{status: 413, code: 40005, message: "Request entity too large", violation: true}
}

func errMaxCommands(limit int) *apiError {
	return &apiError{status: 400, code: 30032, message: fmt.Sprintf("Maximum number of application commands reached (%d)", limit), violation: true}
}
