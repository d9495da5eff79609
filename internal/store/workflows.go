package store

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"

	"github.com/AEmotionStudio/ComfyUI-DiscordSend/bot/internal/model"
)

const workflowSelect = `SELECT id, name, description, workflow, sidecar, created_at, updated_at FROM workflows`

// SaveWorkflow stores a workflow under its name, replacing one of the same
// name, and returns it as stored. The graph must be JSON; the caller
// sanitizes it first.
func (s *Store) SaveWorkflow(ctx context.Context, w model.Workflow) (model.Workflow, error) {
	switch {
	case w.Name == "":
		return model.Workflow{}, model.Errorf(model.CodeInvalid, "workflow name is empty")
	case !json.Valid(w.Graph):
		return model.Workflow{}, model.Errorf(model.CodeInvalid, "workflow %q is not valid JSON", w.Name)
	}
	var out model.Workflow
	err := s.write(ctx, func(tx *tx) error {
		var sidecar any
		if w.Sidecar != nil {
			sidecar = string(w.Sidecar)
		}
		now := tx.now.UnixMilli()
		_, err := tx.exec(ctx, `
			INSERT INTO workflows (name, description, workflow, sidecar, created_at, updated_at)
			VALUES (?, ?, ?, ?, ?, ?)
			ON CONFLICT (name) DO UPDATE SET description = excluded.description,
				workflow = excluded.workflow, sidecar = excluded.sidecar, updated_at = excluded.updated_at`,
			w.Name, w.Description, string(w.Graph), sidecar, now, now)
		if err != nil {
			return fmt.Errorf("save workflow %q: %w", w.Name, err)
		}
		out, err = findWorkflow(ctx, tx, w.Name)
		return err
	})
	return out, err
}

// Workflow returns the workflow with the given name, or a not-found error.
func (s *Store) Workflow(ctx context.Context, name string) (model.Workflow, error) {
	var w model.Workflow
	err := s.read(ctx, func(tx *tx) error {
		var err error
		w, err = findWorkflow(ctx, tx, name)
		return err
	})
	return w, err
}

// ListWorkflows returns every stored workflow, by name.
func (s *Store) ListWorkflows(ctx context.Context) ([]model.Workflow, error) {
	var ws []model.Workflow
	err := s.read(ctx, func(tx *tx) error {
		rows, err := tx.query(ctx, workflowSelect+` ORDER BY name`)
		if err != nil {
			return fmt.Errorf("list workflows: %w", err)
		}
		ws, err = scanWorkflows(rows)
		return err
	})
	return ws, err
}

// DeleteWorkflow deletes the workflow with the given name, or returns a
// not-found error.
func (s *Store) DeleteWorkflow(ctx context.Context, name string) error {
	return s.write(ctx, func(tx *tx) error {
		res, err := tx.exec(ctx, `DELETE FROM workflows WHERE name = ?`, name)
		if err != nil {
			return fmt.Errorf("delete workflow %q: %w", name, err)
		}
		n, err := res.RowsAffected()
		if err != nil {
			return fmt.Errorf("delete workflow %q: %w", name, err)
		}
		if n == 0 {
			return workflowNotFound(name)
		}
		return nil
	})
}

func workflowNotFound(name string) error {
	return model.Errorf(model.CodeNotFound, "No workflow named %q.", name)
}

func findWorkflow(ctx context.Context, tx *tx, name string) (model.Workflow, error) {
	rows, err := tx.query(ctx, workflowSelect+` WHERE name = ?`, name)
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
		if err := rows.Scan(&w.ID, &w.Name, &w.Description, &graph, &sidecar, &created, &updated); err != nil {
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
