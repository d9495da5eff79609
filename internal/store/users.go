package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"

	"github.com/AEmotionStudio/ComfyUI-DiscordSend/bot/internal/model"
)

// UpsertUser records a Discord user, updating the name of a known one (an
// empty name keeps the stored one).
func (s *Store) UpsertUser(ctx context.Context, id, name string) (model.User, error) {
	var u model.User
	err := s.write(ctx, func(tx *tx) error {
		if _, err := upsertUser(ctx, tx, id, name); err != nil {
			return err
		}
		var err error
		u, err = findUser(ctx, tx, id)
		return err
	})
	return u, err
}

// User returns a user's stored record, or a not-found error.
func (s *Store) User(ctx context.Context, id string) (model.User, error) {
	var u model.User
	err := s.read(ctx, func(tx *tx) error {
		var err error
		u, err = findUser(ctx, tx, id)
		return err
	})
	return u, err
}

// SetDefaultDelivery stores a user's preferred delivery, recording the user if
// new. The empty Delivery clears the preference so the server's applies.
func (s *Store) SetDefaultDelivery(ctx context.Context, id string, d model.Delivery) error {
	if d != "" && !d.Valid() {
		return model.Errorf(model.CodeInvalid, "unknown delivery %q: use channel or dm", d)
	}
	return s.write(ctx, func(tx *tx) error {
		userID, err := upsertUser(ctx, tx, id, "")
		if err != nil {
			return err
		}
		if _, err := tx.exec(ctx, `UPDATE users SET default_delivery = ? WHERE id = ?`, nullString(string(d)), userID); err != nil {
			return fmt.Errorf("set default delivery: %w", err)
		}
		return nil
	})
}

// upsertUser makes sure a users row exists for the Discord id and returns its
// row id. A new user has no delivery preference (NULL, not the column's
// PRD default), so the server's default applies until they choose one.
func upsertUser(ctx context.Context, tx *tx, id, name string) (int64, error) {
	if id == "" {
		return 0, model.Errorf(model.CodeInvalid, "user id is empty")
	}
	var rowID int64
	err := tx.queryRow(ctx, `
		INSERT INTO users (discord_id, username, default_delivery, created_at) VALUES (?, ?, NULL, ?)
		ON CONFLICT (discord_id) DO UPDATE SET username =
			CASE WHEN excluded.username <> '' THEN excluded.username ELSE users.username END
		RETURNING id`,
		id, stripNUL(name), tx.now.UnixMilli()).Scan(&rowID)
	if err != nil {
		return 0, fmt.Errorf("upsert user: %w", err)
	}
	return rowID, nil
}

func findUser(ctx context.Context, tx *tx, id string) (model.User, error) {
	var (
		u        model.User
		delivery sql.NullString
		created  sql.NullInt64
	)
	err := tx.queryRow(ctx, `SELECT discord_id, username, default_delivery, created_at FROM users WHERE discord_id = ?`, id).
		Scan(&u.ID, &u.Name, &delivery, &created)
	if errors.Is(err, sql.ErrNoRows) {
		return model.User{}, model.Errorf(model.CodeNotFound, "user %s is not known", id)
	}
	if err != nil {
		return model.User{}, fmt.Errorf("find user: %w", err)
	}
	u.DefaultDelivery = model.Delivery(delivery.String)
	u.CreatedAt = fromMillis(created)
	return u, nil
}
