package store

import (
	"context"
	"database/sql"
	"fmt"

	"github.com/AEmotionStudio/ComfyUI-DiscordSend/bot/internal/model"
)

// RecordDelivery records that part of a job's results was posted as a
// message. It is idempotent: recorded is false, and nothing changes, when
// that part was recorded before, so a caller that learns this knows not to
// post it again.
func (s *Store) RecordDelivery(ctx context.Context, jobID int64, part int, channelID, messageID string, urls []string) (recorded bool, err error) {
	if urls == nil {
		urls = []string{}
	}
	encoded, err := jsonText(urls)
	if err != nil {
		return false, err
	}
	// One statement, atomic by itself; only when it inserts nothing is it
	// worth asking whether the job exists at all.
	err = s.writeOne(ctx, func(tx *tx) error {
		res, err := tx.exec(ctx, `
			INSERT INTO deliveries (job_id, part, channel_id, message_id, attachment_urls, delivered_at)
			SELECT ?, ?, ?, ?, ?, ? WHERE EXISTS (SELECT 1 FROM jobs WHERE id = ?)
			ON CONFLICT (job_id, part) DO NOTHING`,
			jobID, part, channelID, messageID, encoded, tx.now.UnixMilli(), jobID)
		if err != nil {
			return fmt.Errorf("record delivery of job %d: %w", jobID, err)
		}
		n, err := res.RowsAffected()
		if err != nil {
			return fmt.Errorf("record delivery of job %d: %w", jobID, err)
		}
		recorded = n > 0
		if !recorded {
			return jobExists(ctx, tx, jobID)
		}
		return nil
	})
	return recorded, err
}

// Deliveries returns the recorded parts of a job's delivery, in order.
func (s *Store) Deliveries(ctx context.Context, jobID int64) ([]model.DeliveryRecord, error) {
	var ds []model.DeliveryRecord
	err := s.read(ctx, func(tx *tx) error {
		rows, err := tx.query(ctx, `
			SELECT job_id, part, channel_id, message_id, attachment_urls, delivered_at
			FROM deliveries WHERE job_id = ? ORDER BY part`, jobID)
		if err != nil {
			return fmt.Errorf("read deliveries of job %d: %w", jobID, err)
		}
		defer rows.Close()
		for rows.Next() {
			var (
				d    model.DeliveryRecord
				urls sql.NullString
				at   sql.NullInt64
			)
			if err := rows.Scan(&d.JobID, &d.Part, &d.ChannelID, &d.MessageID, &urls, &at); err != nil {
				return fmt.Errorf("read deliveries of job %d: %w", jobID, err)
			}
			if err := scanJSON(urls, &d.AttachmentURLs); err != nil {
				return fmt.Errorf("read deliveries of job %d: %w", jobID, err)
			}
			d.DeliveredAt = fromMillis(at)
			ds = append(ds, d)
		}
		if err := rows.Err(); err != nil {
			return fmt.Errorf("read deliveries of job %d: %w", jobID, err)
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return ds, nil
}
