package store

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"unicode/utf8"

	"github.com/AEmotionStudio/ComfyUI-DiscordSend/bot/internal/model"
)

// Workflows belong to one Discord server (guild): a name is unique within
// its server, and every method takes the server's Discord id so one
// server's admins cannot see, replace or remove another's.

const workflowSelect = `
	SELECT w.id, s.discord_id, w.name, w.description, w.workflow, w.sidecar, w.created_at, w.updated_at
	FROM workflows w JOIN servers s ON s.id = w.server_id`

// SaveWorkflow stores a server's workflow under its name, replacing the
// server's workflow of that name if there is one, and returns it as stored
// and whether it replaced one. The graph must be JSON; the caller
// sanitizes it first. The server is recorded if new.
func (s *Store) SaveWorkflow(ctx context.Context, guildID string, w model.Workflow) (saved model.Workflow, replaced bool, err error) {
	switch {
	case w.Name == "":
		return model.Workflow{}, false, model.Errorf(model.CodeInvalid, "workflow name is empty")
	case hasNUL(w.Name):
		return model.Workflow{}, false, model.Errorf(model.CodeInvalid, "workflow name contains a NUL character")
	case !json.Valid(w.Graph):
		return model.Workflow{}, false, model.Errorf(model.CodeInvalid, "workflow %q is not valid JSON", w.Name)
	case !utf8.Valid(w.Graph):
		// json.Valid lets other bytes pass inside strings; PostgreSQL's
		// TEXT would refuse them.
		return model.Workflow{}, false, model.Errorf(model.CodeInvalid, "workflow %q is not valid UTF-8", w.Name)
	}
	err = s.write(ctx, func(tx *tx) error {
		serverID, err := upsertServer(ctx, tx, guildID, "")
		if err != nil {
			return err
		}
		var sidecar any
		if w.Sidecar != nil {
			sidecar = stripNUL(string(w.Sidecar))
		}
		var existing int
		if err := tx.queryRow(ctx, `SELECT COUNT(*) FROM workflows WHERE server_id = ? AND name = ?`,
			serverID, w.Name).Scan(&existing); err != nil {
			return fmt.Errorf("save workflow %q: %w", w.Name, err)
		}
		replaced = existing > 0
		now := tx.now.UnixMilli()
		_, err = tx.exec(ctx, `
			INSERT INTO workflows (server_id, name, description, workflow, sidecar, created_at, updated_at)
			VALUES (?, ?, ?, ?, ?, ?, ?)
			ON CONFLICT (server_id, name) DO UPDATE SET description = excluded.description,
				workflow = excluded.workflow, sidecar = excluded.sidecar, updated_at = excluded.updated_at`,
			serverID, w.Name, stripNUL(w.Description), string(w.Graph), sidecar, now, now)
		if err != nil {
			return fmt.Errorf("save workflow %q: %w", w.Name, err)
		}
		saved, err = findWorkflow(ctx, tx, guildID, w.Name)
		if err != nil {
			return err
		}
		return nil
	})
	return saved, replaced, err
}

// Workflow returns a server's workflow by name, or a not-found error.
func (s *Store) Workflow(ctx context.Context, guildID, name string) (model.Workflow, error) {
	if hasNUL(name) {
		return model.Workflow{}, workflowNotFound(name)
	}
	var w model.Workflow
	err := s.read(ctx, func(tx *tx) error {
		var err error
		w, err = findWorkflow(ctx, tx, guildID, name)
		return err
	})
	return w, err
}

// ServerWorkflows returns a server's workflows, by name.
func (s *Store) ServerWorkflows(ctx context.Context, guildID string) ([]model.Workflow, error) {
	var ws []model.Workflow
	err := s.read(ctx, func(tx *tx) error {
		rows, err := tx.query(ctx, workflowSelect+` WHERE s.discord_id = ? ORDER BY w.name`, guildID)
		if err != nil {
			return fmt.Errorf("list workflows: %w", err)
		}
		ws, err = scanWorkflows(rows)
		return err
	})
	return ws, err
}

// AllWorkflows returns every server's workflows, by server and name: what
// the bot loads at start.
func (s *Store) AllWorkflows(ctx context.Context) ([]model.Workflow, error) {
	var ws []model.Workflow
	err := s.read(ctx, func(tx *tx) error {
		rows, err := tx.query(ctx, workflowSelect+` ORDER BY s.discord_id, w.name`)
		if err != nil {
			return fmt.Errorf("list workflows: %w", err)
		}
		ws, err = scanWorkflows(rows)
		return err
	})
	return ws, err
}

// DeleteWorkflow deletes a server's workflow, or returns a not-found error.
// When it was the server's default workflow, that setting is cleared in the
// same transaction and wasDefault is true.
func (s *Store) DeleteWorkflow(ctx context.Context, guildID, name string) (wasDefault bool, err error) {
	if hasNUL(name) {
		return false, workflowNotFound(name)
	}
	err = s.write(ctx, func(tx *tx) error {
		var id int64
		err := tx.queryRow(ctx, `
			DELETE FROM workflows
			WHERE name = ? AND server_id = (SELECT id FROM servers WHERE discord_id = ?)
			RETURNING id`, name, guildID).Scan(&id)
		if errors.Is(err, sql.ErrNoRows) {
			return workflowNotFound(name)
		}
		if err != nil {
			return fmt.Errorf("delete workflow %q: %w", name, err)
		}
		res, err := tx.exec(ctx, `
			UPDATE servers SET default_workflow = NULL, updated_at = ?
			WHERE discord_id = ? AND default_workflow = ?`, tx.now.UnixMilli(), guildID, name)
		if err != nil {
			return fmt.Errorf("clear default workflow: %w", err)
		}
		n, err := res.RowsAffected()
		if err != nil {
			return fmt.Errorf("clear default workflow: %w", err)
		}
		wasDefault = n > 0
		return nil
	})
	return wasDefault, err
}

func workflowNotFound(name string) error {
	return model.Errorf(model.CodeNotFound, "This server has no workflow named %s.", model.Quote(name))
}

func findWorkflow(ctx context.Context, tx *tx, guildID, name string) (model.Workflow, error) {
	rows, err := tx.query(ctx, workflowSelect+` WHERE s.discord_id = ? AND w.name = ?`, guildID, name)
	if err != nil {
		return model.Workflow{}, fmt.Errorf("find workflow %q: %w", name, err)
	}
	ws, err := scanWorkflows(rows)
	if err != nil {
		return model.Workflow{}, err
	}
	if len(ws) == 0 {
		return model.Workflow{}, workflowNotFound(name)
	}
	return ws[0], nil
}

// scanWorkflows reads every row of a workflowSelect query and closes rows.
func scanWorkflows(rows *sql.Rows) ([]model.Workflow, error) {
	defer rows.Close()
	var ws []model.Workflow
	for rows.Next() {
		var (
			w                model.Workflow
			graph            string
			sidecar          sql.NullString
			created, updated sql.NullInt64
		)
		if err := rows.Scan(&w.ID, &w.GuildID, &w.Name, &w.Description, &graph, &sidecar, &created, &updated); err != nil {
			return nil, fmt.Errorf("read workflow: %w", err)
		}
		w.Graph = []byte(graph)
		if sidecar.Valid {
			w.Sidecar = []byte(sidecar.String)
		}
		w.CreatedAt, w.UpdatedAt = fromMillis(created), fromMillis(updated)
		ws = append(ws, w)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("read workflow: %w", err)
	}
	return ws, nil
}
