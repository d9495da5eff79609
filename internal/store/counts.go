package store

import (
	"context"
	"fmt"

	"github.com/AEmotionStudio/ComfyUI-DiscordSend/bot/internal/model"
)

// JobCounts is how many jobs the database holds in each status, and how
// many wait in the queue per Discord server ("" for jobs asked in DMs).
type JobCounts struct {
	ByStatus map[model.JobStatus]int
	Queued   map[string]int
}

// CountJobsByStatus reads JobCounts in one snapshot, for the metrics.
func (s *Store) CountJobsByStatus(ctx context.Context) (JobCounts, error) {
	c := JobCounts{ByStatus: map[model.JobStatus]int{}, Queued: map[string]int{}}
	err := s.read(ctx, func(tx *tx) error {
		if err := groupCounts(ctx, tx, `SELECT status, COUNT(*) FROM jobs GROUP BY status`, func(k string, n int) {
			c.ByStatus[model.JobStatus(k)] = n
		}); err != nil {
			return err
		}
		return groupCounts(ctx, tx, `
			SELECT COALESCE(s.discord_id, ''), COUNT(*) FROM jobs j
			LEFT JOIN servers s ON s.id = j.server_id
			WHERE j.status = ? GROUP BY COALESCE(s.discord_id, '')`, func(k string, n int) {
			c.Queued[k] = n
		}, model.StatusQueued)
	})
	if err != nil {
		return JobCounts{}, fmt.Errorf("count jobs: %w", err)
	}
	return c, nil
}

// groupCounts runs a query of (key, count) rows and hands each to add.
func groupCounts(ctx context.Context, tx *tx, query string, add func(string, int), args ...any) error {
	rows, err := tx.query(ctx, query, args...)
	if err != nil {
		return err
	}
	defer rows.Close()
	for rows.Next() {
		var (
			k string
			n int
		)
		if err := rows.Scan(&k, &n); err != nil {
			return err
		}
		add(k, n)
	}
	return rows.Err()
}
