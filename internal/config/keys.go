package config

import (
	"fmt"
	"maps"
	"reflect"
	"slices"
	"strings"
)

// EnvPrefix starts every environment variable the bot reads.
const EnvPrefix = "DISCORDBOT_"

// Key describes one configuration setting.
type Key struct {
	Path  string // YAML path, e.g. defaults.max_queue_per_user
	Env   string // environment variable, e.g. DISCORDBOT_DEFAULTS_MAX_QUEUE_PER_USER
	Doc   string
	field []int
}

// EnvName returns the environment variable of a YAML path.
func EnvName(path string) string {
	return EnvPrefix + strings.ToUpper(strings.ReplaceAll(path, ".", "_"))
}

// Keys lists every setting, in declaration order.
func Keys() []Key {
	var keys []Key
	top := reflect.TypeFor[Config]()
	for i := range top.NumField() {
		sec := top.Field(i)
		for j := range sec.Type.NumField() {
			f := sec.Type.Field(j)
			path := yamlName(sec) + "." + yamlName(f)
			keys = append(keys, Key{Path: path, Env: EnvName(path), Doc: f.Tag.Get("doc"), field: []int{i, j}})
		}
	}
	return keys
}

// KeyFor returns the setting of a YAML path, for messages.
func KeyFor(path string) (Key, bool) {
	for _, k := range Keys() {
		if k.Path == path {
			return k, true
		}
	}
	return Key{}, false
}

// Name returns "path (ENV)", the way every message names a setting.
func (k Key) Name() string { return fmt.Sprintf("%s (%s)", k.Path, k.Env) }

func yamlName(f reflect.StructField) string {
	name, _, _ := strings.Cut(f.Tag.Get("yaml"), ",")
	if name == "" {
		return strings.ToLower(f.Name)
	}
	return name
}

// ConfigEnv names the configuration file when --config does not.
const ConfigEnv = EnvPrefix + "CONFIG"

// UnknownVariable is a DISCORDBOT_* variable that names no setting, most
// likely a misspelled one.
type UnknownVariable struct {
	Name   string // as set, e.g. DISCORDBOT_DISCORD_TOKNE
	Guess  string // the closest known variable, "" when none is close
	DotEnv bool   // set in the .env file rather than the environment
}

// otherVariables are DISCORDBOT_* variables read by something other than a
// setting: the file selector, and the test suites' database switches (see
// docs/TESTING.md), which a developer's shell may well have set.
func otherVariables() []string {
	return []string{ConfigEnv, EnvPrefix + "TEST_POSTGRES", EnvPrefix + "TEST_DIALECT"}
}

// UnknownVariables lists the DISCORDBOT_* variables of src's environment
// and .env file that name no setting, in name order, each with the known
// variable it is closest to. A .env file that cannot be read adds nothing
// here; Load reports it.
func UnknownVariables(src Source) []UnknownVariable {
	known := otherVariables()
	for _, k := range Keys() {
		known = append(known, k.Env)
	}
	dotenv := map[string]string{}
	if src.DotEnv != "" {
		dotenv, _ = readDotEnv(src.DotEnv)
	}
	seen := map[string]bool{}
	var out []UnknownVariable
	add := func(name string, fromDotEnv bool) {
		if !strings.HasPrefix(name, EnvPrefix) || seen[name] || slices.Contains(known, name) {
			return
		}
		seen[name] = true
		out = append(out, UnknownVariable{Name: name, Guess: closestEnv(name, known), DotEnv: fromDotEnv})
	}
	for _, name := range slices.Sorted(maps.Keys(src.Env)) {
		add(name, false)
	}
	for _, name := range slices.Sorted(maps.Keys(dotenv)) {
		add(name, true)
	}
	return out
}

// closestEnv is the known variable within edit distance 2 of name, if any;
// case does not count.
func closestEnv(name string, known []string) string {
	lower := make([]string, len(known))
	for i, k := range known {
		lower[i] = strings.ToLower(k)
	}
	guess := closest(name, lower)
	if i := slices.Index(lower, guess); guess != "" && i >= 0 {
		return known[i]
	}
	return ""
}
