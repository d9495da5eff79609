package config

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
)

// DefaultFile is read when no file is named and it exists.
const DefaultFile = "config.yaml"

// Source says where configuration comes from.
type Source struct {
	Path string // --config; empty: DISCORDBOT_CONFIG, then config.yaml if present
	// Env is the process environment. A variable present with an empty
	// value is set: it clears a text or list setting (DISCORDBOT_HTTP_LISTEN=
	// disables the listener), where an absent one leaves the default.
	Env    map[string]string
	DotEnv string // .env file; its variables only fill unset ones
}

// lookupFunc reads one variable; ok is false when it is not set at all.
type lookupFunc func(string) (string, bool)

// Load builds the configuration: defaults, YAML file, .env, environment.
// Problems in the file or the environment come back as *Problems together
// with the configuration as far as it could be read. Load does not Validate.
func Load(src Source) (Config, string, error) {
	cfg := Default()
	lookup, err := withDotEnv(src)
	if err != nil {
		return cfg, "", err
	}
	path, explicit := src.Path, src.Path != ""
	if path == "" {
		path, _ = lookup(ConfigEnv)
		explicit = path != ""
	}
	if path == "" {
		path = DefaultFile
	}
	ps := &Problems{File: path}
	data, err := os.ReadFile(path)
	switch {
	case errors.Is(err, fs.ErrNotExist) && !explicit:
		path = ""
	case err != nil:
		return cfg, path, fmt.Errorf("read configuration file: %w", err)
	default:
		decodeYAML(data, &cfg, ps)
	}
	applyEnv(&cfg, lookup, ps)
	return cfg, path, ps.err()
}

func withDotEnv(src Source) (lookupFunc, error) {
	env := func(k string) (string, bool) {
		v, ok := src.Env[k]
		return v, ok
	}
	if src.DotEnv == "" {
		return env, nil
	}
	vars, err := readDotEnv(src.DotEnv)
	if err != nil || len(vars) == 0 {
		return env, err
	}
	return func(k string) (string, bool) {
		if v, ok := env(k); ok {
			return v, true
		}
		v, ok := vars[k]
		return v, ok
	}, nil
}
