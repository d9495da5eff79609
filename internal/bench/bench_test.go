package bench

import (
	"strings"
	"testing"
	"time"
)

func TestConfigValidate(t *testing.T) {
	cases := []struct {
		name   string
		change func(*Config)
		want   string // "" for valid
	}{
		{"defaults", func(*Config) {}, ""},
		{"no job time", func(c *Config) { c.JobTime = 0 }, ""},
		{"everyone at once", func(c *Config) { c.Ramp = 0 }, ""},
		{"no users", func(c *Config) { c.Users = 0 }, "--users must be from 1 to 1000"},
		{"fewer jobs than users", func(c *Config) { c.Jobs = 10 }, "--jobs (10) must be at least --users (50)"},
		{"too many backends", func(c *Config) { c.Backends = 65 }, "--backends must be from 1 to 64"},
		{"images over the upload limit", func(c *Config) { c.ImageKB = 10 * 1024 }, "--image-kb must be from 0 to 9216"},
		{"negative job time", func(c *Config) { c.JobTime = -time.Second }, "--job-time must be from 0 to 10m"},
		{"long ramp", func(c *Config) { c.Ramp = time.Hour }, "--ramp must be from 0 to 1m"},
		{"unknown limits", func(c *Config) { c.Limits = "strict" }, `--rate-limits must be relaxed, discord or off (got "strict")`},
		{"no per-user queue", func(c *Config) { c.PerUser = 0 }, "per-user queue limit must be at least 1"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			cfg := Defaults()
			c.change(&cfg)
			err := cfg.Validate()
			switch {
			case c.want == "" && err != nil:
				t.Fatalf("want valid, got %v", err)
			case c.want != "" && (err == nil || !strings.Contains(err.Error(), c.want)):
				t.Fatalf("want an error naming %q, got %v", c.want, err)
			}
		})
	}
}

func TestJobsOfSharesEveryJobEvenly(t *testing.T) {
	cases := []struct{ users, jobs int }{{50, 500}, {3, 12}, {7, 100}, {1, 1}, {50, 2000}}
	for _, c := range cases {
		cfg := Config{Users: c.users, Jobs: c.jobs}
		total, lo, hi := 0, c.jobs, 0
		for i := range c.users {
			n := cfg.jobsOf(i)
			total += n
			lo, hi = min(lo, n), max(hi, n)
		}
		if total != c.jobs || hi-lo > 1 {
			t.Errorf("%d users, %d jobs: shares add up to %d, from %d to %d", c.users, c.jobs, total, lo, hi)
		}
	}
}

func TestStartOfSpreadsUsersOverTheRamp(t *testing.T) {
	cfg := Config{Users: 4, Ramp: time.Second}
	want := []time.Duration{0, 250 * time.Millisecond, 500 * time.Millisecond, 750 * time.Millisecond}
	for i, w := range want {
		if got := cfg.startOf(i); got != w {
			t.Errorf("user %d starts at %v, want %v", i, got, w)
		}
	}
	if got := (Config{Users: 4}).startOf(3); got != 0 {
		t.Errorf("without a ramp everyone starts at once, got %v", got)
	}
}

func TestChannelsAreBetweenOneAndTheUsers(t *testing.T) {
	for _, c := range []struct {
		users, channels int
		ok              bool
	}{{4, 1, true}, {4, 4, true}, {4, 0, false}, {4, 5, false}} {
		cfg := Config{Users: c.users, Jobs: 4, Backends: 1, PerUser: 1, Limits: LimitsOff, Channels: c.channels}
		if err := cfg.Validate(); (err == nil) != c.ok {
			t.Errorf("%d users, --channels %d: error %v, want ok=%v", c.users, c.channels, err, c.ok)
		}
	}
}
