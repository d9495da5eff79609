package store

import (
	"context"
	"fmt"

	"github.com/AEmotionStudio/ComfyUI-DiscordSend/bot/internal/model"
)

// insertInputs stores a new job's input images, in the transaction that
// queues it: the dispatcher can never see the job without them.
func insertInputs(ctx context.Context, tx *tx, jobID int64, inputs []model.Input) error {
	for _, in := range inputs {
		if _, err := tx.exec(ctx, `
			INSERT INTO job_inputs (job_id, slot, filename, content_type, width, height, data)
			VALUES (?, ?, ?, ?, ?, ?, ?)`,
			jobID, in.Slot, stripNUL(in.Filename), in.MIME, in.Width, in.Height, in.Data); err != nil {
			return fmt.Errorf("store input %s of job %d: %w", in.Slot, jobID, err)
		}
	}
	return nil
}

// JobInputs returns the input images of a job, in slot order (image, then
// image2); none for a job that has none or does not exist.
func (s *Store) JobInputs(ctx context.Context, jobID int64) ([]model.Input, error) {
	var out []model.Input
	err := s.read(ctx, func(tx *tx) error {
		rows, err := tx.query(ctx, `
			SELECT slot, filename, content_type, width, height, data
			FROM job_inputs WHERE job_id = ? ORDER BY slot`, jobID)
		if err != nil {
			return fmt.Errorf("read inputs of job %d: %w", jobID, err)
		}
		defer rows.Close()
		for rows.Next() {
			var in model.Input
			if err := rows.Scan(&in.Slot, &in.Filename, &in.MIME, &in.Width, &in.Height, &in.Data); err != nil {
				return fmt.Errorf("read inputs of job %d: %w", jobID, err)
			}
			out = append(out, in)
		}
		return rows.Err()
	})
	return out, err
}
