package bot

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strings"

	"github.com/disgoorg/disgo/gateway"
	"github.com/disgoorg/disgo/rest"
	"github.com/gorilla/websocket"
)

// TokenRefusedError is Discord refusing the bot token: HTTP 401 from the
// REST API, or close code 4004 from the gateway. It never holds the token.
type TokenRefusedError struct {
	Code int // 401, or the gateway's close code 4004
}

func (e *TokenRefusedError) Error() string {
	return fmt.Sprintf("Discord refused the token (%d)", e.Code)
}

// tokenRefused wraps err as a *TokenRefusedError when it is Discord refusing
// the token, and returns it unchanged otherwise.
func tokenRefused(err error) error {
	if ce, ok := errors.AsType[*websocket.CloseError](err); ok && ce.Code == gateway.CloseEventCodeAuthenticationFailed.Code {
		return fmt.Errorf("%w: %v", &TokenRefusedError{Code: ce.Code}, err)
	}
	if re, ok := errors.AsType[*rest.Error](err); ok && re.Response != nil && re.Response.StatusCode == http.StatusUnauthorized {
		return fmt.Errorf("%w: %v", &TokenRefusedError{Code: http.StatusUnauthorized}, err)
	}
	return err
}

// Identity is who a token logs in as.
type Identity struct {
	ID       string `json:"id"`
	Username string `json:"username"`
}

// VerifyToken asks the REST API at apiURL who the token belongs to
// (GET /users/@me), without opening the gateway. A refused token is a
// *TokenRefusedError.
func VerifyToken(ctx context.Context, client *http.Client, apiURL, token string) (Identity, error) {
	rq, err := http.NewRequestWithContext(ctx, http.MethodGet, strings.TrimRight(apiURL, "/")+"/users/@me", nil)
	if err != nil {
		return Identity{}, fmt.Errorf("ask Discord at %s: %w", apiURL, err)
	}
	rq.Header.Set("Authorization", "Bot "+token)
	rs, err := client.Do(rq)
	if err != nil {
		return Identity{}, fmt.Errorf("ask Discord at %s: %w", apiURL, err)
	}
	defer rs.Body.Close()
	body, err := io.ReadAll(io.LimitReader(rs.Body, 1<<20))
	switch {
	case rs.StatusCode == http.StatusUnauthorized:
		return Identity{}, &TokenRefusedError{Code: rs.StatusCode}
	case err != nil:
		return Identity{}, fmt.Errorf("ask Discord at %s: %w", apiURL, err)
	case rs.StatusCode != http.StatusOK:
		return Identity{}, fmt.Errorf("ask Discord at %s: %s", apiURL, rs.Status)
	}
	var id Identity
	if err := json.Unmarshal(body, &id); err != nil {
		return Identity{}, fmt.Errorf("ask Discord at %s: unreadable answer: %w", apiURL, err)
	}
	return id, nil
}
