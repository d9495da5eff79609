// Package bench measures the bot under load. A peer process runs the fake
// Discord and the fake ComfyUIs and plays the users; the bot runs in the
// measuring process, so its memory and CPU are its own. The peer reports
// what users saw (Observations); the bot's side adds its database and
// process figures; Compute turns both into a Report.
package bench

import (
	"errors"
	"fmt"
	"time"
)

// Config is one bench run.
type Config struct {
	Users    int           `json:"users"`
	Jobs     int           `json:"jobs"`
	Backends int           `json:"backends"`
	JobTime  time.Duration `json:"job_time"`
	ImageKB  int           `json:"image_kb"`
	// PerUser is how many active jobs a user keeps: the bot's
	// defaults.max_queue_per_user. Users refill up to it as results arrive.
	PerUser int `json:"per_user"`
	// Limits is how the fake Discord rate-limits: LimitsRelaxed,
	// LimitsDiscord or LimitsOff.
	Limits string `json:"rate_limits"`
	// Channels is how many channels the users share, user i posting in
	// channel i mod Channels. A channel's messages are one rate-limit
	// bucket, which disgo sends one request at a time: one channel is a
	// line every status message and result waits in.
	Channels int `json:"channels"`
	// Ramp spreads the users' first bursts evenly over this time, as users
	// who do not all click in the same millisecond; 0 starts everyone at once.
	Ramp time.Duration `json:"ramp"`
}

// Rate limits of the fake Discord.
const (
	// LimitsRelaxed keeps buckets and their headers, far above the load.
	LimitsRelaxed = "relaxed"
	// LimitsDiscord applies Discord's own limits.
	LimitsDiscord = "discord"
	// LimitsOff has no buckets and sends no rate-limit headers.
	LimitsOff = "off"
)

// Defaults are the reference load.
func Defaults() Config {
	return Config{Users: 50, Jobs: 500, Backends: 4, JobTime: 200 * time.Millisecond, ImageKB: 1500, PerUser: 3, Channels: 1, Ramp: time.Second, Limits: LimitsRelaxed}
}

// Validate names every value out of range.
func (c Config) Validate() error {
	var errs []error
	check := func(name string, v, lo, hi int) {
		if v < lo || v > hi {
			errs = append(errs, fmt.Errorf("--%s must be from %d to %d (got %d)", name, lo, hi, v))
		}
	}
	check("users", c.Users, 1, 1000)
	check("jobs", c.Jobs, 1, 100000)
	check("backends", c.Backends, 1, 64)
	check("image-kb", c.ImageKB, 0, 9*1024)
	check("channels", c.Channels, 1, max(1, c.Users))
	if c.Jobs < c.Users {
		errs = append(errs, fmt.Errorf("--jobs (%d) must be at least --users (%d): every user sends work", c.Jobs, c.Users))
	}
	if c.JobTime < 0 || c.JobTime > 10*time.Minute {
		errs = append(errs, fmt.Errorf("--job-time must be from 0 to 10m (got %s)", c.JobTime))
	}
	if c.Ramp < 0 || c.Ramp > time.Minute {
		errs = append(errs, fmt.Errorf("--ramp must be from 0 to 1m (got %s)", c.Ramp))
	}
	if c.Limits != LimitsRelaxed && c.Limits != LimitsDiscord && c.Limits != LimitsOff {
		errs = append(errs, fmt.Errorf("--rate-limits must be %s, %s or %s (got %q)", LimitsRelaxed, LimitsDiscord, LimitsOff, c.Limits))
	}
	if c.PerUser < 1 {
		errs = append(errs, errors.New("the per-user queue limit must be at least 1"))
	}
	return errors.Join(errs...)
}

// jobsOf is how many jobs user i sends: an even share, the remainder to
// the first users.
func (c Config) jobsOf(i int) int {
	n := c.Jobs / c.Users
	if i < c.Jobs%c.Users {
		n++
	}
	return n
}

// startOf is when user i sends their first burst, after the run starts.
func (c Config) startOf(i int) time.Duration {
	return c.Ramp * time.Duration(i) / time.Duration(c.Users)
}
