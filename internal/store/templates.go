package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"

	"github.com/AEmotionStudio/ComfyUI-DiscordSend/bot/internal/model"
)

// TemplateScope selects which of the templates a user can see are listed.
type TemplateScope string

// Template scopes. Every scope is limited to what the user can see: their own
// private templates and the shared ones of the server they are in.
const (
	ScopeAll    TemplateScope = "all"    // everything the user can see (also the empty scope)
	ScopeMine   TemplateScope = "mine"   // those the user owns
	ScopeShared TemplateScope = "shared" // the server's shared ones
)

// TemplateFilter selects templates for ListTemplates.
type TemplateFilter struct {
	UserID  string // whose private templates are visible
	GuildID string // whose shared templates are visible; empty in DMs
	Scope   TemplateScope
	Prefix  string // name prefix, compared ignoring case
	Limit   int    // at most this many; 0 means no limit
}

const templateSelect = `
	SELECT t.id, u.discord_id, s.discord_id, t.shared, t.name, t.positive_prompt, t.negative_prompt,
		t.parameters, t.created_at, t.updated_at
	FROM templates t
	JOIN users u ON u.id = t.user_id
	LEFT JOIN servers s ON s.id = t.server_id`

// CreateTemplate saves a new template and returns it with its id. A name
// already taken among the owner's private templates, or among the server's
// shared ones, is a conflict error that says which.
func (s *Store) CreateTemplate(ctx context.Context, t model.Template) (model.Template, error) {
	if err := validateTemplate(t); err != nil {
		return model.Template{}, err
	}
	var out model.Template
	err := s.write(ctx, func(tx *tx) error {
		userRow, err := upsertUser(ctx, tx, t.OwnerID, "")
		if err != nil {
			return err
		}
		serverRow, err := optionalServer(ctx, tx, t.GuildID)
		if err != nil {
			return err
		}
		if err := checkTemplateName(ctx, tx, t, userRow, serverRow); err != nil {
			return err
		}
		params, err := paramsJSON(t.Params)
		if err != nil {
			return err
		}
		var id int64
		err = tx.queryRow(ctx, `
			INSERT INTO templates (user_id, server_id, name, name_key, shared, positive_prompt,
				negative_prompt, parameters, created_at, updated_at)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
			ON CONFLICT DO NOTHING
			RETURNING id`,
			userRow, serverRow, t.Name, model.TemplateKey(t.Name), boolInt(t.Shared), stripNUL(t.Prompt), stripNUL(t.Negative),
			params, tx.now.UnixMilli(), tx.now.UnixMilli()).Scan(&id)
		if errors.Is(err, sql.ErrNoRows) {
			return nameTaken(t)
		}
		if err != nil {
			return fmt.Errorf("create template: %w", err)
		}
		out, err = findTemplate(ctx, tx, id)
		return err
	})
	return out, err
}

// UpdateTemplate replaces the name, prompts, parameters, server and sharing
// of the template with t.ID; its owner stays. Name rules are those of
// CreateTemplate.
func (s *Store) UpdateTemplate(ctx context.Context, t model.Template) (model.Template, error) {
	if err := validateTemplate(t); err != nil {
		return model.Template{}, err
	}
	var out model.Template
	err := s.write(ctx, func(tx *tx) error {
		var userRow int64
		err := tx.queryRow(ctx, `SELECT user_id FROM templates WHERE id = ?`, t.ID).Scan(&userRow)
		if errors.Is(err, sql.ErrNoRows) {
			return templateNotFound(t.Name)
		}
		if err != nil {
			return fmt.Errorf("update template: %w", err)
		}
		serverRow, err := optionalServer(ctx, tx, t.GuildID)
		if err != nil {
			return err
		}
		if err := checkTemplateName(ctx, tx, t, userRow, serverRow); err != nil {
			return err
		}
		params, err := paramsJSON(t.Params)
		if err != nil {
			return err
		}
		_, err = tx.exec(ctx, `
			UPDATE templates SET server_id = ?, name = ?, name_key = ?, shared = ?, positive_prompt = ?,
				negative_prompt = ?, parameters = ?, updated_at = ?
			WHERE id = ?`,
			serverRow, t.Name, model.TemplateKey(t.Name), boolInt(t.Shared), stripNUL(t.Prompt), stripNUL(t.Negative), params,
			tx.now.UnixMilli(), t.ID)
		if err != nil {
			return fmt.Errorf("update template: %w", err)
		}
		out, err = findTemplate(ctx, tx, t.ID)
		return err
	})
	return out, err
}

// Template returns the template with the given id, or a not-found error.
func (s *Store) Template(ctx context.Context, id int64) (model.Template, error) {
	var t model.Template
	err := s.read(ctx, func(tx *tx) error {
		var err error
		t, err = findTemplate(ctx, tx, id)
		return err
	})
	return t, err
}

// FindTemplate looks a name up the way /generate template:NAME does: the
// user's own private template first, then the server's shared one. Case is
// ignored.
func (s *Store) FindTemplate(ctx context.Context, userID, guildID, name string) (model.Template, error) {
	if hasNUL(name) {
		return model.Template{}, templateNotFound(name)
	}
	var t model.Template
	err := s.read(ctx, func(tx *tx) error {
		rows, err := tx.query(ctx, templateSelect+`
			WHERE t.name_key = ?
				AND ((t.shared = 0 AND u.discord_id = ?) OR (t.shared = 1 AND s.discord_id = ?))
			ORDER BY t.shared
			LIMIT 1`, model.TemplateKey(name), userID, guildID)
		if err != nil {
			return fmt.Errorf("find template: %w", err)
		}
		ts, err := scanTemplates(rows)
		if err != nil {
			return err
		}
		if len(ts) == 0 {
			return templateNotFound(name)
		}
		t = ts[0]
		return nil
	})
	return t, err
}

// ListTemplates returns the templates f selects, by name. Another user's
// private templates are never listed.
func (s *Store) ListTemplates(ctx context.Context, f TemplateFilter) ([]model.Template, error) {
	where := []string{`((t.shared = 0 AND u.discord_id = ?) OR (t.shared = 1 AND s.discord_id = ?))`}
	args := []any{f.UserID, f.GuildID}
	switch f.Scope {
	case ScopeAll, "":
	case ScopeMine:
		where = append(where, `u.discord_id = ?`)
		args = append(args, f.UserID)
	case ScopeShared:
		where = append(where, `t.shared = 1`)
	default:
		return nil, model.Errorf(model.CodeInvalid, "unknown template scope %q: use mine, shared or all", f.Scope)
	}
	if hasNUL(f.Prefix) {
		return nil, nil
	}
	if f.Prefix != "" {
		where = append(where, `t.name_key LIKE ? ESCAPE '\'`)
		args = append(args, likePrefix(model.TemplateKey(f.Prefix)))
	}
	query := templateSelect + ` WHERE ` + strings.Join(where, ` AND `) + ` ORDER BY t.name_key, t.shared, t.id`
	if f.Limit > 0 {
		query += ` LIMIT ?`
		args = append(args, f.Limit)
	}
	var ts []model.Template
	err := s.read(ctx, func(tx *tx) error {
		rows, err := tx.query(ctx, query, args...)
		if err != nil {
			return fmt.Errorf("list templates: %w", err)
		}
		ts, err = scanTemplates(rows)
		return err
	})
	return ts, err
}

// DeleteTemplate deletes the template with the given id, or returns a
// not-found error.
func (s *Store) DeleteTemplate(ctx context.Context, id int64) error {
	return s.write(ctx, func(tx *tx) error {
		res, err := tx.exec(ctx, `DELETE FROM templates WHERE id = ?`, id)
		if err != nil {
			return fmt.Errorf("delete template: %w", err)
		}
		if n, err := res.RowsAffected(); err != nil {
			return fmt.Errorf("delete template: %w", err)
		} else if n == 0 {
			return model.Errorf(model.CodeNotFound, "That template does not exist (any more).")
		}
		return nil
	})
}

func validateTemplate(t model.Template) error {
	if err := model.ValidateTemplateName(t.Name); err != nil {
		return err
	}
	if t.OwnerID == "" {
		return model.Errorf(model.CodeInvalid, "template has no owner")
	}
	if t.Shared && t.GuildID == "" {
		return model.Errorf(model.CodeInvalid, "a shared template belongs to a server: share it from one")
	}
	return nil
}

// optionalServer returns the row id of the guild's server row, creating it,
// or NULL for the empty guild.
func optionalServer(ctx context.Context, tx *tx, guildID string) (any, error) {
	if guildID == "" {
		return nil, nil
	}
	return upsertServer(ctx, tx, guildID, "")
}

// checkTemplateName reports a conflict when t's name is taken in its scope by
// a template other than t itself.
func checkTemplateName(ctx context.Context, tx *tx, t model.Template, userRow int64, serverRow any) error {
	query := `SELECT COUNT(*) FROM templates WHERE user_id = ? AND shared = 0 AND name_key = ? AND id <> ?`
	owner := any(userRow)
	if t.Shared {
		query = `SELECT COUNT(*) FROM templates WHERE server_id = ? AND shared = 1 AND name_key = ? AND id <> ?`
		owner = serverRow
	}
	var n int
	if err := tx.queryRow(ctx, query, owner, model.TemplateKey(t.Name), t.ID).Scan(&n); err != nil {
		return fmt.Errorf("check template name: %w", err)
	}
	if n > 0 {
		return nameTaken(t)
	}
	return nil
}

func nameTaken(t model.Template) error {
	if t.Shared {
		return model.Errorf(model.CodeConflict, "This server already has a shared template named %s (names ignore case).", model.Quote(t.Name))
	}
	return model.Errorf(model.CodeConflict, "You already have a template named %s (names ignore case).", model.Quote(t.Name))
}

func templateNotFound(name string) error {
	return model.Errorf(model.CodeNotFound, "No template named %s.", model.Quote(name))
}

// likePrefix makes a LIKE pattern matching values that start with prefix.
func likePrefix(prefix string) string {
	r := strings.NewReplacer(`\`, `\\`, `%`, `\%`, `_`, `\_`)
	return r.Replace(prefix) + "%"
}

func findTemplate(ctx context.Context, tx *tx, id int64) (model.Template, error) {
	rows, err := tx.query(ctx, templateSelect+` WHERE t.id = ?`, id)
	if err != nil {
		return model.Template{}, fmt.Errorf("find template: %w", err)
	}
	ts, err := scanTemplates(rows)
	if err != nil {
		return model.Template{}, err
	}
	if len(ts) == 0 {
		return model.Template{}, model.Errorf(model.CodeNotFound, "Template %d does not exist.", id)
	}
	return ts[0], nil
}

// scanTemplates reads every row of a templateSelect query and closes rows.
func scanTemplates(rows *sql.Rows) ([]model.Template, error) {
	defer rows.Close()
	var ts []model.Template
	for rows.Next() {
		var (
			t                model.Template
			guild, params    sql.NullString
			shared           int
			created, updated sql.NullInt64
		)
		err := rows.Scan(&t.ID, &t.OwnerID, &guild, &shared, &t.Name, &t.Prompt, &t.Negative, &params, &created, &updated)
		if err != nil {
			return nil, fmt.Errorf("read template: %w", err)
		}
		if err := scanJSON(params, &t.Params); err != nil {
			return nil, fmt.Errorf("read template %d parameters: %w", t.ID, err)
		}
		t.GuildID, t.Shared = guild.String, shared == 1
		t.CreatedAt, t.UpdatedAt = fromMillis(created), fromMillis(updated)
		ts = append(ts, t)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("read template: %w", err)
	}
	return ts, nil
}
