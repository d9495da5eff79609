package store

import (
	"context"
	"fmt"
	"slices"

	"github.com/AEmotionStudio/ComfyUI-DiscordSend/bot/internal/model"
)

// SetRoles makes roleIDs the roles that grant level in a server, replacing
// that level's previous mapping in one transaction. A role can have only one
// level: mapping it here moves it from any other. An empty roleIDs removes
// the level's mapping.
func (s *Store) SetRoles(ctx context.Context, guildID string, level model.Level, roleIDs []string) error {
	if !level.Valid() {
		return model.Errorf(model.CodeInvalid, "unknown permission level %d", int(level))
	}
	if slices.Contains(roleIDs, "") {
		return model.Errorf(model.CodeInvalid, "role id is empty")
	}
	return s.write(ctx, func(tx *tx) error {
		serverID, err := upsertServer(ctx, tx, guildID, "")
		if err != nil {
			return err
		}
		if _, err := tx.exec(ctx, `DELETE FROM server_roles WHERE server_id = ? AND permission_level = ?`,
			serverID, level.String()); err != nil {
			return fmt.Errorf("set roles: %w", err)
		}
		for _, role := range roleIDs {
			_, err := tx.exec(ctx, `
				INSERT INTO server_roles (server_id, role_discord_id, permission_level) VALUES (?, ?, ?)
				ON CONFLICT (server_id, role_discord_id) DO UPDATE SET permission_level = excluded.permission_level`,
				serverID, role, level.String())
			if err != nil {
				return fmt.Errorf("set roles: %w", err)
			}
		}
		return nil
	})
}

// RoleMappings returns a server's role mappings, lowest level first; a server
// without any has none.
func (s *Store) RoleMappings(ctx context.Context, guildID string) ([]model.RoleMapping, error) {
	var ms []model.RoleMapping
	err := s.read(ctx, func(tx *tx) error {
		rows, err := tx.query(ctx, `
			SELECT r.role_discord_id, r.permission_level
			FROM server_roles r JOIN servers s ON s.id = r.server_id
			WHERE s.discord_id = ?
			ORDER BY r.role_discord_id`, guildID)
		if err != nil {
			return fmt.Errorf("read roles: %w", err)
		}
		defer rows.Close()
		for rows.Next() {
			var (
				m     model.RoleMapping
				level string
			)
			if err := rows.Scan(&m.RoleID, &level); err != nil {
				return fmt.Errorf("read roles: %w", err)
			}
			if m.Level, err = model.ParseLevel(level); err != nil {
				return fmt.Errorf("read roles: role %s has unknown level %q", m.RoleID, level)
			}
			ms = append(ms, m)
		}
		if err := rows.Err(); err != nil {
			return fmt.Errorf("read roles: %w", err)
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	slices.SortStableFunc(ms, func(a, b model.RoleMapping) int { return int(a.Level - b.Level) })
	return ms, nil
}
