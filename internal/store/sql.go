package store

import (
	"database/sql"
	"encoding/json"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/AEmotionStudio/ComfyUI-DiscordSend/bot/internal/model"
)

// dialect is the SQL flavour queries are rebound for.
type dialect int

const (
	dialectSQLite dialect = iota
	dialectPostgres
)

// rebind rewrites the '?' placeholders queries are written with into the
// dialect's form ($1, $2, … for PostgreSQL). Question marks inside quoted
// literals or identifiers are left alone.
func (d dialect) rebind(query string) string {
	if d != dialectPostgres || !strings.Contains(query, "?") {
		return query
	}
	var b strings.Builder
	b.Grow(len(query) + 8)
	n := 0
	var quote rune
	for _, r := range query {
		switch {
		case quote != 0:
			if r == quote {
				quote = 0
			}
		case r == '\'' || r == '"':
			quote = r
		case r == '?':
			n++
			b.WriteString("$" + strconv.Itoa(n))
			continue
		}
		b.WriteRune(r)
	}
	return b.String()
}

// placeholders returns "?, ?, ?" for n values, for IN lists.
func placeholders(n int) string {
	return strings.TrimSuffix(strings.Repeat("?, ", n), ", ")
}

// fromMillis converts a stored time back; NULL becomes the zero time.
func fromMillis(v sql.NullInt64) time.Time {
	if !v.Valid {
		return time.Time{}
	}
	return time.UnixMilli(v.Int64).UTC()
}

// nullString stores the empty string as NULL.
func nullString(s string) any {
	if s == "" {
		return nil
	}
	return s
}

// stripNUL is how free text (prompts, descriptions, the names Discord
// gives users and servers, messages from ComfyUI) is stored: without NUL
// characters. PostgreSQL's TEXT cannot hold them, and they carry nothing a
// reader could see; dropping them on both dialects stores the same text
// either way, where refusing would fail a prompt over a character nobody
// means to type. Names that identify something are refused instead (see
// hasNUL), as a name that changed on the way in could not be found again.
func stripNUL(s string) string {
	return strings.ReplaceAll(s, "\x00", "")
}

// hasNUL reports whether s holds a NUL character. No stored name does: a
// lookup of such a name finds nothing, and saving one is refused.
func hasNUL(s string) bool {
	return strings.IndexByte(s, 0) >= 0
}

// boolInt stores a bool as INTEGER 0/1.
func boolInt(b bool) int {
	if b {
		return 1
	}
	return 0
}

// jsonText encodes v for a TEXT column.
func jsonText(v any) (string, error) {
	b, err := json.Marshal(v)
	if err != nil {
		return "", fmt.Errorf("encode json: %w", err)
	}
	return string(b), nil
}

// paramsJSON encodes the parameters column of templates and jobs: everything
// but the prompts, which have columns of their own. No parameters is NULL.
func paramsJSON(p model.Params) (any, error) {
	p.Prompt, p.Negative = "", ""
	if p.IsZero() {
		return nil, nil
	}
	return jsonText(p)
}

// scanJSON decodes a TEXT column into v; NULL and "" leave v unchanged.
func scanJSON(s sql.NullString, v any) error {
	if !s.Valid || s.String == "" {
		return nil
	}
	if err := json.Unmarshal([]byte(s.String), v); err != nil {
		return fmt.Errorf("decode json: %w", err)
	}
	return nil
}
