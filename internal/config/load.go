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
	Path   string              // --config; empty: DISCORDBOT_CONFIG, then config.yaml if present
	Getenv func(string) string // the process environment
	DotEnv string              // .env file; its variables only fill unset ones
}

// Load builds the configuration: defaults, YAML file, .env, environment.
// Problems in the file or the environment come back as *Problems together
// with the configuration as far as it could be read. Load does not Validate.
func Load(src Source) (Config, string, error) {
	cfg := Default()
	getenv, err := withDotEnv(src)
	if err != nil {
		return cfg, "", err
	}
	path, explicit := src.Path, src.Path != ""
	if path == "" {
		path = getenv("DISCORDBOT_CONFIG")
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
	applyEnv(&cfg, getenv, ps)
	return cfg, path, ps.err()
}

func withDotEnv(src Source) (func(string) string, error) {
	getenv := src.Getenv
	if getenv == nil {
		getenv = func(string) string { return "" }
	}
	if src.DotEnv == "" {
		return getenv, nil
	}
	vars, err := readDotEnv(src.DotEnv)
	if err != nil || len(vars) == 0 {
		return getenv, err
	}
	return func(k string) string {
		if v := getenv(k); v != "" {
			return v
		}
		return vars[k]
	}, nil
}
