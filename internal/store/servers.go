package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"

	"github.com/AEmotionStudio/ComfyUI-DiscordSend/bot/internal/model"
)

// ServerSettingsUpdate changes some of a server's settings: a nil field is
// left as it is; an empty string, or 0 for MaxQueuePerUser, resets the
// setting so the configured default applies.
type ServerSettingsUpdate struct {
	DefaultChannelID *string
	MaxQueuePerUser  *int
	DefaultDelivery  *model.Delivery
	DefaultWorkflow  *string
	DMPolicy         *model.DMPolicy
}

// UpsertServer records a Discord server, updating the name of a known one (an
// empty name keeps the stored one).
func (s *Store) UpsertServer(ctx context.Context, guildID, name string) (model.Server, error) {
	var srv model.Server
	err := s.write(ctx, func(tx *tx) error {
		if _, err := upsertServer(ctx, tx, guildID, name); err != nil {
			return err
		}
		var err error
		srv, err = findServer(ctx, tx, guildID)
		return err
	})
	return srv, err
}

// Server returns a server's settings, or a not-found error.
func (s *Store) Server(ctx context.Context, guildID string) (model.Server, error) {
	var srv model.Server
	err := s.read(ctx, func(tx *tx) error {
		var err error
		srv, err = findServer(ctx, tx, guildID)
		return err
	})
	return srv, err
}

// UpdateServerSettings applies u to a server's settings, recording the server
// if new, and returns the result.
func (s *Store) UpdateServerSettings(ctx context.Context, guildID string, u ServerSettingsUpdate) (model.Server, error) {
	sets, args, err := u.assignments()
	if err != nil {
		return model.Server{}, err
	}
	var srv model.Server
	err = s.write(ctx, func(tx *tx) error {
		rowID, err := upsertServer(ctx, tx, guildID, "")
		if err != nil {
			return err
		}
		sets = append(sets, "updated_at = ?")
		args = append(args, tx.now.UnixMilli(), rowID)
		if _, err := tx.exec(ctx, `UPDATE servers SET `+strings.Join(sets, ", ")+` WHERE id = ?`, args...); err != nil {
			return fmt.Errorf("update server settings: %w", err)
		}
		srv, err = findServer(ctx, tx, guildID)
		return err
	})
	return srv, err
}

// assignments validates u and returns its SET clauses with their arguments.
func (u ServerSettingsUpdate) assignments() ([]string, []any, error) {
	var (
		sets []string
		args []any
	)
	set := func(column string, v any) {
		sets = append(sets, column+" = ?")
		args = append(args, v)
	}
	if u.DefaultChannelID != nil {
		set("default_channel_id", nullString(*u.DefaultChannelID))
	}
	if u.MaxQueuePerUser != nil {
		n := *u.MaxQueuePerUser
		switch {
		case n < 0:
			return nil, nil, model.Errorf(model.CodeInvalid, "max queue per user must not be negative")
		case n == 0:
			set("max_queue_per_user", nil)
		default:
			set("max_queue_per_user", n)
		}
	}
	if u.DefaultDelivery != nil {
		d := *u.DefaultDelivery
		if d != "" && !d.Valid() {
			return nil, nil, model.Errorf(model.CodeInvalid, "unknown delivery %q: use channel or dm", d)
		}
		set("default_delivery", nullString(string(d)))
	}
	if u.DefaultWorkflow != nil {
		if hasNUL(*u.DefaultWorkflow) {
			return nil, nil, model.Errorf(model.CodeInvalid, "a workflow name cannot contain a NUL character")
		}
		set("default_workflow", nullString(*u.DefaultWorkflow))
	}
	if u.DMPolicy != nil {
		p := *u.DMPolicy
		if p != "" && !p.Valid() {
			return nil, nil, model.Errorf(model.CodeInvalid, "unknown DM policy %q", p)
		}
		set("dm_policy", nullString(string(p)))
	}
	return sets, args, nil
}

// upsertServer makes sure a servers row exists for the guild and returns its
// row id.
func upsertServer(ctx context.Context, tx *tx, guildID, name string) (int64, error) {
	if guildID == "" {
		return 0, model.Errorf(model.CodeInvalid, "server id is empty")
	}
	var rowID int64
	err := tx.queryRow(ctx, `
		INSERT INTO servers (discord_id, name, created_at, updated_at) VALUES (?, ?, ?, ?)
		ON CONFLICT (discord_id) DO UPDATE SET name =
			CASE WHEN excluded.name <> '' THEN excluded.name ELSE servers.name END
		RETURNING id`,
		guildID, stripNUL(name), tx.now.UnixMilli(), tx.now.UnixMilli()).Scan(&rowID)
	if err != nil {
		return 0, fmt.Errorf("upsert server: %w", err)
	}
	return rowID, nil
}

func findServer(ctx context.Context, tx *tx, guildID string) (model.Server, error) {
	var (
		srv                             model.Server
		channel, delivery, workflow, dm sql.NullString
		maxQueue, created, updated      sql.NullInt64
	)
	err := tx.queryRow(ctx, `
		SELECT discord_id, name, default_channel_id, max_queue_per_user, default_delivery,
			default_workflow, dm_policy, created_at, updated_at
		FROM servers WHERE discord_id = ?`, guildID).
		Scan(&srv.GuildID, &srv.Name, &channel, &maxQueue, &delivery, &workflow, &dm, &created, &updated)
	if errors.Is(err, sql.ErrNoRows) {
		return model.Server{}, model.Errorf(model.CodeNotFound, "this server has no settings yet")
	}
	if err != nil {
		return model.Server{}, fmt.Errorf("find server: %w", err)
	}
	srv.DefaultChannelID = channel.String
	if maxQueue.Valid {
		n := int(maxQueue.Int64)
		srv.MaxQueuePerUser = &n
	}
	srv.DefaultDelivery = model.Delivery(delivery.String)
	srv.DefaultWorkflow = workflow.String
	srv.DMPolicy = model.DMPolicy(dm.String)
	srv.CreatedAt = fromMillis(created)
	srv.UpdatedAt = fromMillis(updated)
	return srv, nil
}
