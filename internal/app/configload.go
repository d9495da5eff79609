package app

import (
	"errors"
	"fmt"

	"github.com/AEmotionStudio/ComfyUI-DiscordSend/bot/internal/config"
)

// dotEnvFile is read from the working directory.
const dotEnvFile = ".env"

func (c *CLI) configSource() config.Source {
	return config.Source{Path: c.configPath, Env: c.Vars, DotEnv: dotEnvFile}
}

// loadConfig loads and validates the configuration. Every problem, in the
// file, the environment or the values, comes back together as one
// *configError so a person can fix them in one go. What is suspicious but
// no error (a DISCORDBOT_* variable that names no setting) is kept in
// c.warnings for the command to show.
func (c *CLI) loadConfig() (config.Config, error) {
	src := c.configSource()
	c.warnings = unknownVariableWarnings(config.UnknownVariables(src))
	cfg, path, err := config.Load(src)
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

func unknownVariableWarnings(vars []config.UnknownVariable) []string {
	var out []string
	for _, v := range vars {
		msg := "unknown variable " + v.Name
		if v.DotEnv {
			msg += " in " + dotEnvFile
		}
		if v.Guess != "" {
			msg += fmt.Sprintf("; did you mean %s?", v.Guess)
		} else {
			msg += "; no setting has that name (see config.example.yaml for every key)"
		}
		out = append(out, msg)
	}
	return out
}
