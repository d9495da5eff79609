package config

import (
	"fmt"
	"reflect"
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
