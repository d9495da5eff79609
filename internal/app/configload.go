package app

import (
	"errors"

	"github.com/AEmotionStudio/ComfyUI-DiscordSend/bot/internal/config"
)

// loadConfig loads and validates the configuration. Every problem, in the
// file, the environment or the values, comes back together as one
// *configError so a person can fix them in one go.
func (c *CLI) loadConfig() (config.Config, error) {
	cfg, path, err := config.Load(config.Source{Path: c.configPath, Getenv: c.Getenv, DotEnv: ".env"})
	c.secrets = append(c.secrets, cfg.Secrets()...)
	all := &config.Problems{File: path}
	var ps *config.Problems
	switch {
	case errors.As(err, &ps):
		all.List = append(all.List, ps.List...)
	case err != nil:
		return cfg, &configError{err: err}
	}
	if verr := cfg.Validate(); errors.As(verr, &ps) {
		all.List = append(all.List, ps.List...)
	}
	if len(all.List) > 0 {
		return cfg, &configError{err: all}
	}
	return cfg, nil
}
