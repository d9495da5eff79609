package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"math"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/AEmotionStudio/ComfyUI-DiscordSend/bot/internal/model"
)

// JobFilter selects jobs; zero fields select everything.
type JobFilter struct {
	UserID   string
	GuildID  string
	Statuses []model.JobStatus
	Limit    int // 0 means no limit
	Offset   int
}

// JobChange carries what a transition records besides the new status. Zero
// fields leave the stored value alone.
type JobChange struct {
	// From, when set, narrows the statuses the job may be in for the
	// transition to apply (it is always limited to model.CanTransition).
	From         []model.JobStatus
	PromptID     string // the new submission attempt's prompt id
	Backend      string
	Progress     *float64
	ProgressText *string
	ErrorCode    string
	ErrorMessage string
	Images       []model.ImageRef
	// Ran, when set, replaces the values the job's graph runs with.
	Ran *model.Params
}

const jobSelect = `
	SELECT j.id, j.prompt_id, u.discord_id, u.username, s.discord_id, j.channel_id, j.status,
		j.positive_prompt, j.negative_prompt, j.parameters, j.ran_parameters, j.seed, j.workflow_name, j.backend,
		j.attempts, j.progress, j.progress_text, j.delivery_type, j.status_channel_id, j.message_id,
		j.output_images, j.error_code, j.error_message, j.queued_at, j.submitted_at, j.started_at,
		j.finished_at, j.created_at, j.updated_at
	FROM jobs j
	JOIN users u ON u.id = j.user_id
	LEFT JOIN servers s ON s.id = j.server_id`

// jobReturning is jobSelect's column list for a RETURNING clause, which
// names the changed row as jobs and cannot join: the user's and server's
// Discord ids come from subqueries.
const jobReturning = `
	RETURNING id, prompt_id,
		(SELECT discord_id FROM users WHERE users.id = jobs.user_id),
		(SELECT username FROM users WHERE users.id = jobs.user_id),
		(SELECT discord_id FROM servers WHERE servers.id = jobs.server_id),
		channel_id, status, positive_prompt, negative_prompt, parameters, ran_parameters, seed, workflow_name, backend,
		attempts, progress, progress_text, delivery_type, status_channel_id, message_id,
		output_images, error_code, error_message, queued_at, submitted_at, started_at,
		finished_at, created_at, updated_at`

// EnqueueJob inserts job as queued, unless its user already has limit or
// more active jobs (queued, submitted or running): then it returns a
// *model.QueueFullError. The count and the insert happen in one transaction,
// so concurrent requests cannot overshoot the limit. A limit of 0 or less
// means no limit. The user and server rows, and the job's input images,
// are recorded too. The job's ID,
// status, attempts, progress and timestamps are set by the store.
func (s *Store) EnqueueJob(ctx context.Context, job model.Job, limit int) (model.Job, error) {
	if job.Delivery == "" {
		job.Delivery = model.DeliveryChannel
	}
	if !job.Delivery.Valid() {
		return model.Job{}, model.Errorf(model.CodeInvalid, "unknown delivery %q: use channel or dm", job.Delivery)
	}
	var out model.Job
	err := s.write(ctx, func(tx *tx) error {
		userRow, err := upsertUser(ctx, tx, job.UserID, job.UserName)
		if err != nil {
			return err
		}
		serverRow, err := optionalServer(ctx, tx, job.GuildID)
		if err != nil {
			return err
		}
		if limit > 0 {
			active, err := countJobs(ctx, tx, `j.user_id = ? AND j.status IN (`+placeholders(3)+`)`,
				userRow, model.StatusQueued, model.StatusSubmitted, model.StatusRunning)
			if err != nil {
				return err
			}
			if active >= limit {
				return &model.QueueFullError{Limit: limit, Active: active}
			}
		}
		if out, err = insertJob(ctx, tx, job, userRow, serverRow); err != nil {
			return err
		}
		return insertInputs(ctx, tx, out.ID, job.Inputs)
	})
	return out, err
}

// insertJob inserts job and returns it as stored.
func insertJob(ctx context.Context, tx *tx, job model.Job, userRow int64, serverRow any) (model.Job, error) {
	params, err := paramsJSON(job.Params)
	if err != nil {
		return model.Job{}, err
	}
	ran, err := paramsJSON(job.Ran)
	if err != nil {
		return model.Job{}, err
	}
	images, err := imagesJSON(job.Images)
	if err != nil {
		return model.Job{}, err
	}
	now := tx.now.UnixMilli()
	jobs, err := queryJobs(ctx, tx, `
		INSERT INTO jobs (prompt_id, user_id, server_id, channel_id, status, positive_prompt,
			negative_prompt, parameters, ran_parameters, output_images, delivery_type, status_channel_id,
			message_id, seed, workflow_name, backend, progress_text, queued_at, created_at, updated_at)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`+jobReturning,
		nullString(job.PromptID), userRow, serverRow, nullString(job.ChannelID), model.StatusQueued,
		stripNUL(job.Params.Prompt), stripNUL(job.Params.Negative), params, ran, images, job.Delivery,
		nullString(job.StatusChannelID), nullString(job.StatusMessageID),
		strconv.FormatUint(job.Seed, 10), nullString(job.WorkflowName), nullString(job.Backend),
		nullString(stripNUL(job.ProgressText)), now, now, now)
	if err != nil {
		return model.Job{}, fmt.Errorf("insert job: %w", err)
	}
	if len(jobs) != 1 {
		return model.Job{}, fmt.Errorf("insert job: %d rows came back", len(jobs))
	}
	return jobs[0], nil
}

// Job returns the job with the given id, or a not-found error.
func (s *Store) Job(ctx context.Context, id int64) (model.Job, error) {
	return s.findJob(ctx, "j.id = ?", id)
}

// JobByPromptID returns the job whose current submission has the given
// ComfyUI prompt id, or a not-found error.
func (s *Store) JobByPromptID(ctx context.Context, promptID string) (model.Job, error) {
	return s.findJob(ctx, "j.prompt_id = ?", promptID)
}

func (s *Store) findJob(ctx context.Context, where string, arg any) (model.Job, error) {
	var j model.Job
	err := s.read(ctx, func(tx *tx) error {
		var err error
		j, err = findJob(ctx, tx, where, arg)
		return err
	})
	return j, err
}

// ListJobs returns the jobs f selects, newest first.
func (s *Store) ListJobs(ctx context.Context, f JobFilter) ([]model.Job, error) {
	where, args := f.where()
	return s.listJobs(ctx, where+` ORDER BY j.created_at DESC, j.id DESC`+pageClause(f.Limit, f.Offset), args...)
}

// CountJobs counts the jobs f selects, ignoring its Limit and Offset.
func (s *Store) CountJobs(ctx context.Context, f JobFilter) (int, error) {
	where, args := f.where()
	return s.countJobs(ctx, where, args...)
}

// ActiveJobs returns every job that is not final, oldest first: what
// recovery has to reconcile after a restart.
func (s *Store) ActiveJobs(ctx context.Context) ([]model.Job, error) {
	return s.listJobs(ctx, `j.status NOT IN (`+placeholders(3)+`) ORDER BY j.queued_at, j.id`,
		model.StatusCompleted, model.StatusFailed, model.StatusCancelled)
}

// QueuedJobs returns the queued jobs, oldest first.
func (s *Store) QueuedJobs(ctx context.Context) ([]model.Job, error) {
	return s.listJobs(ctx, `j.status = ? ORDER BY j.queued_at, j.id`, model.StatusQueued)
}

// CountActive counts a user's active jobs (queued, submitted or running).
func (s *Store) CountActive(ctx context.Context, userID string) (int, error) {
	return s.countJobs(ctx, `u.discord_id = ? AND j.status IN (`+placeholders(3)+`)`,
		userID, model.StatusQueued, model.StatusSubmitted, model.StatusRunning)
}

// QueueDepth counts the jobs waiting in the bot's queue (status queued).
func (s *Store) QueueDepth(ctx context.Context) (int, error) {
	return s.countJobs(ctx, `j.status = ?`, model.StatusQueued)
}

// LastServed returns, per user, when a job of theirs was last submitted to a
// backend; users never served are absent. The scheduler serves the least
// recently served user first.
func (s *Store) LastServed(ctx context.Context) (map[string]time.Time, error) {
	served := make(map[string]time.Time)
	err := s.read(ctx, func(tx *tx) error {
		rows, err := tx.query(ctx, `
			SELECT u.discord_id, MAX(j.submitted_at)
			FROM jobs j JOIN users u ON u.id = j.user_id
			WHERE j.submitted_at IS NOT NULL
			GROUP BY u.discord_id`)
		if err != nil {
			return fmt.Errorf("read last served: %w", err)
		}
		defer rows.Close()
		for rows.Next() {
			var (
				user string
				at   sql.NullInt64
			)
			if err := rows.Scan(&user, &at); err != nil {
				return fmt.Errorf("read last served: %w", err)
			}
			served[user] = fromMillis(at)
		}
		if err := rows.Err(); err != nil {
			return fmt.Errorf("read last served: %w", err)
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return served, nil
}

// Transition moves a job to status to and records change, as a
// compare-and-set: it applies only while the job is in a status from which
// model.CanTransition allows to (narrowed by change.From). When another
// writer got there first the result is a conflict error and nothing changes.
//
// It stamps submitted_at (submitted), started_at (running) and finished_at
// (any final status; completed_at too for completed). Going back to queued
// counts an attempt and clears the previous attempt's submission, start and
// progress; the job keeps its place, as its queued_at is unchanged.
func (s *Store) Transition(ctx context.Context, id int64, to model.JobStatus, change JobChange) (model.Job, error) {
	if !to.Valid() {
		return model.Job{}, model.Errorf(model.CodeInvalid, "unknown job status %q", to)
	}
	from := model.TransitionSources(to)
	if len(change.From) > 0 {
		from = slices.DeleteFunc(from, func(st model.JobStatus) bool { return !slices.Contains(change.From, st) })
	}
	if len(from) == 0 {
		return model.Job{}, model.Errorf(model.CodeInvalid, "a job cannot become %s from %v", to, change.From)
	}
	var out model.Job
	// One statement changes the job and returns it: SQLite makes it atomic
	// without BEGIN and COMMIT, and no second read is needed.
	err := s.writeOne(ctx, func(tx *tx) error {
		sets, args, err := transitionAssignments(to, change, tx.now)
		if err != nil {
			return err
		}
		args = append(args, id)
		for _, st := range from {
			args = append(args, st)
		}
		jobs, err := queryJobs(ctx, tx, `UPDATE jobs SET `+strings.Join(sets, ", ")+
			` WHERE id = ? AND status IN (`+placeholders(len(from))+`)`+jobReturning, args...)
		if err != nil {
			return fmt.Errorf("transition job %d to %s: %w", id, to, err)
		}
		if len(jobs) == 1 {
			out = jobs[0]
			return nil
		}
		current, err := findJob(ctx, tx, "j.id = ?", id)
		if err != nil {
			return err
		}
		return model.Errorf(model.CodeConflict, "Job #%d is %s and cannot become %s.", id, current.Status, to)
	})
	if err != nil {
		return model.Job{}, err
	}
	return out, nil
}

// transitionAssignments returns the SET clauses and arguments of a
// transition to status to.
func transitionAssignments(to model.JobStatus, c JobChange, now time.Time) ([]string, []any, error) {
	ms := now.UnixMilli()
	sets := []string{"status = ?", "updated_at = ?"}
	args := []any{to, ms}
	set := func(clause string, vs ...any) {
		sets = append(sets, clause)
		args = append(args, vs...)
	}
	switch {
	case to == model.StatusQueued:
		set("attempts = attempts + 1")
		set("submitted_at = NULL")
		set("started_at = NULL")
		set("progress = 0")
		set("progress_text = NULL")
	case to == model.StatusSubmitted:
		set("submitted_at = ?", ms)
	case to == model.StatusRunning:
		set("started_at = ?", ms)
	case to == model.StatusCompleted:
		set("finished_at = ?", ms)
		set("completed_at = ?", ms)
	case to.Final():
		set("finished_at = ?", ms)
	}
	if c.PromptID != "" {
		set("prompt_id = ?", c.PromptID)
	}
	if c.Backend != "" {
		set("backend = ?", c.Backend)
	}
	if c.Progress != nil {
		p, err := fraction(*c.Progress)
		if err != nil {
			return nil, nil, err
		}
		set("progress = ?", p)
	}
	if c.ProgressText != nil {
		set("progress_text = ?", nullString(stripNUL(*c.ProgressText)))
	}
	if c.ErrorCode != "" {
		set("error_code = ?", c.ErrorCode)
	}
	if c.ErrorMessage != "" {
		set("error_message = ?", stripNUL(c.ErrorMessage))
	}
	if c.Ran != nil {
		ran, err := paramsJSON(*c.Ran)
		if err != nil {
			return nil, nil, err
		}
		set("ran_parameters = ?", ran)
	}
	if c.Images != nil {
		images, err := imagesJSON(c.Images)
		if err != nil {
			return nil, nil, err
		}
		set("output_images = ?", images)
	}
	return sets, args, nil
}

// UpdateProgress records how far a job got. It is not a transition: on a
// final job it does nothing, and it returns a not-found error only for a job
// that does not exist. The fraction is clamped to 0..1.
func (s *Store) UpdateProgress(ctx context.Context, id int64, progress float64, text string) error {
	p, err := fraction(progress)
	if err != nil {
		return err
	}
	return s.writeOne(ctx, func(tx *tx) error {
		res, err := tx.exec(ctx, `
			UPDATE jobs SET progress = ?, progress_text = ?, updated_at = ?
			WHERE id = ? AND status NOT IN (`+placeholders(3)+`)`,
			p, nullString(stripNUL(text)), tx.now.UnixMilli(), id,
			model.StatusCompleted, model.StatusFailed, model.StatusCancelled)
		if err != nil {
			return fmt.Errorf("update progress of job %d: %w", id, err)
		}
		return requireJob(ctx, tx, res, id)
	})
}

// SetStatusMessage records the message that shows a job's progress.
func (s *Store) SetStatusMessage(ctx context.Context, id int64, channelID, messageID string) error {
	return s.writeOne(ctx, func(tx *tx) error {
		res, err := tx.exec(ctx, `UPDATE jobs SET status_channel_id = ?, message_id = ?, updated_at = ? WHERE id = ?`,
			nullString(channelID), nullString(messageID), tx.now.UnixMilli(), id)
		if err != nil {
			return fmt.Errorf("set status message of job %d: %w", id, err)
		}
		return requireJob(ctx, tx, res, id)
	})
}

// CancelQueued cancels the queued jobs of f's user and server (its Statuses,
// Limit and Offset are not used) and returns them, oldest first. Jobs past
// queued are left alone: cancelling those means interrupting a backend.
func (s *Store) CancelQueued(ctx context.Context, f JobFilter) ([]model.Job, error) {
	f.Statuses, f.Limit, f.Offset = []model.JobStatus{model.StatusQueued}, 0, 0
	where, args := f.where()
	var cancelled []model.Job
	err := s.write(ctx, func(tx *tx) error {
		jobs, err := listJobs(ctx, tx, where+` ORDER BY j.queued_at, j.id`, args...)
		if err != nil {
			return err
		}
		for _, j := range jobs {
			res, err := tx.exec(ctx, `UPDATE jobs SET status = ?, finished_at = ?, updated_at = ? WHERE id = ? AND status = ?`,
				model.StatusCancelled, tx.now.UnixMilli(), tx.now.UnixMilli(), j.ID, model.StatusQueued)
			if err != nil {
				return fmt.Errorf("cancel job %d: %w", j.ID, err)
			}
			if err := requireJob(ctx, tx, res, j.ID); err != nil {
				return err
			}
			j, err = findJob(ctx, tx, "j.id = ?", j.ID)
			if err != nil {
				return err
			}
			cancelled = append(cancelled, j)
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return cancelled, nil
}

// where returns f's WHERE condition (without the keyword) and its arguments.
func (f JobFilter) where() (string, []any) {
	conds := []string{"1 = 1"}
	var args []any
	if f.UserID != "" {
		conds = append(conds, "u.discord_id = ?")
		args = append(args, f.UserID)
	}
	if f.GuildID != "" {
		conds = append(conds, "s.discord_id = ?")
		args = append(args, f.GuildID)
	}
	if len(f.Statuses) > 0 {
		conds = append(conds, "j.status IN ("+placeholders(len(f.Statuses))+")")
		for _, st := range f.Statuses {
			args = append(args, st)
		}
	}
	return strings.Join(conds, " AND "), args
}

// pageClause returns the LIMIT/OFFSET clause of a page; an offset without a
// limit uses the largest limit both SQLite and PostgreSQL accept.
func pageClause(limit, offset int) string {
	switch {
	case limit <= 0 && offset <= 0:
		return ""
	case limit <= 0:
		limit = math.MaxInt64
	}
	return fmt.Sprintf(" LIMIT %d OFFSET %d", limit, max(offset, 0))
}

// requireJob turns an UPDATE that touched no row into a not-found error when
// the job does not exist, and into success when it does.
func requireJob(ctx context.Context, tx *tx, res sql.Result, id int64) error {
	n, err := res.RowsAffected()
	if err != nil {
		return fmt.Errorf("update job %d: %w", id, err)
	}
	if n > 0 {
		return nil
	}
	return jobExists(ctx, tx, id)
}

// jobExists returns a not-found error unless job id exists.
func jobExists(ctx context.Context, tx *tx, id int64) error {
	var one int
	err := tx.queryRow(ctx, `SELECT 1 FROM jobs WHERE id = ?`, id).Scan(&one)
	if errors.Is(err, sql.ErrNoRows) {
		return model.Errorf(model.CodeNotFound, "That job does not exist.")
	}
	if err != nil {
		return fmt.Errorf("find job %d: %w", id, err)
	}
	return nil
}

func fraction(p float64) (float64, error) {
	if math.IsNaN(p) {
		return 0, model.Errorf(model.CodeInvalid, "progress is not a number")
	}
	return min(max(p, 0), 1), nil
}

func imagesJSON(images []model.ImageRef) (any, error) {
	if len(images) == 0 {
		return nil, nil
	}
	return jsonText(images)
}

func (s *Store) listJobs(ctx context.Context, where string, args ...any) ([]model.Job, error) {
	var jobs []model.Job
	err := s.read(ctx, func(tx *tx) error {
		var err error
		jobs, err = listJobs(ctx, tx, where, args...)
		return err
	})
	return jobs, err
}

func (s *Store) countJobs(ctx context.Context, where string, args ...any) (int, error) {
	var n int
	err := s.read(ctx, func(tx *tx) error {
		var err error
		n, err = countJobs(ctx, tx, where, args...)
		return err
	})
	return n, err
}

func countJobs(ctx context.Context, tx *tx, where string, args ...any) (int, error) {
	var n int
	err := tx.queryRow(ctx, `
		SELECT COUNT(*) FROM jobs j
		JOIN users u ON u.id = j.user_id
		LEFT JOIN servers s ON s.id = j.server_id
		WHERE `+where, args...).Scan(&n)
	if err != nil {
		return 0, fmt.Errorf("count jobs: %w", err)
	}
	return n, nil
}

// findJob returns the one job where selects, or a not-found error.
func findJob(ctx context.Context, tx *tx, where string, arg any) (model.Job, error) {
	jobs, err := listJobs(ctx, tx, where, arg)
	if err != nil {
		return model.Job{}, err
	}
	if len(jobs) == 0 {
		return model.Job{}, model.Errorf(model.CodeNotFound, "That job does not exist.")
	}
	return jobs[0], nil
}

func listJobs(ctx context.Context, tx *tx, where string, args ...any) ([]model.Job, error) {
	jobs, err := queryJobs(ctx, tx, jobSelect+` WHERE `+where, args...)
	if err != nil {
		return nil, fmt.Errorf("list jobs: %w", err)
	}
	return jobs, nil
}

// queryJobs runs a statement that yields jobSelect's columns.
func queryJobs(ctx context.Context, tx *tx, query string, args ...any) ([]model.Job, error) {
	rows, err := tx.query(ctx, query, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var jobs []model.Job
	for rows.Next() {
		j, err := scanJob(rows)
		if err != nil {
			return nil, err
		}
		jobs = append(jobs, j)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("read jobs: %w", err)
	}
	return jobs, nil
}

func scanJob(rows *sql.Rows) (model.Job, error) {
	var (
		j                                                  model.Job
		promptID, guild, channel, positive, negative       sql.NullString
		params, ran, workflow, backend, progressText       sql.NullString
		delivery                                           sql.NullString
		statusChannel, statusMessage, images, errCode, msg sql.NullString
		seed                                               string
		queued, submitted, started, finished               sql.NullInt64
		created, updated                                   sql.NullInt64
	)
	err := rows.Scan(&j.ID, &promptID, &j.UserID, &j.UserName, &guild, &channel, &j.Status,
		&positive, &negative, &params, &ran, &seed, &workflow, &backend,
		&j.Attempts, &j.Progress, &progressText, &delivery, &statusChannel, &statusMessage,
		&images, &errCode, &msg, &queued, &submitted, &started,
		&finished, &created, &updated)
	if err != nil {
		return model.Job{}, fmt.Errorf("read job: %w", err)
	}
	if err := scanJSON(params, &j.Params); err != nil {
		return model.Job{}, fmt.Errorf("read job %d parameters: %w", j.ID, err)
	}
	if err := scanJSON(ran, &j.Ran); err != nil {
		return model.Job{}, fmt.Errorf("read job %d values that ran: %w", j.ID, err)
	}
	if err := scanJSON(images, &j.Images); err != nil {
		return model.Job{}, fmt.Errorf("read job %d images: %w", j.ID, err)
	}
	if j.Seed, err = strconv.ParseUint(seed, 10, 64); err != nil {
		return model.Job{}, fmt.Errorf("read job %d seed: %w", j.ID, err)
	}
	j.PromptID, j.GuildID, j.ChannelID = promptID.String, guild.String, channel.String
	j.Params.Prompt, j.Params.Negative = positive.String, negative.String
	j.WorkflowName, j.Backend, j.ProgressText = workflow.String, backend.String, progressText.String
	j.Delivery = model.Delivery(delivery.String)
	j.StatusChannelID, j.StatusMessageID = statusChannel.String, statusMessage.String
	j.ErrorCode, j.ErrorMessage = errCode.String, msg.String
	j.QueuedAt, j.SubmittedAt, j.StartedAt = fromMillis(queued), fromMillis(submitted), fromMillis(started)
	j.FinishedAt, j.CreatedAt, j.UpdatedAt = fromMillis(finished), fromMillis(created), fromMillis(updated)
	return j, nil
}
