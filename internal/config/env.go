package config

import (
	"bufio"
	"fmt"
	"os"
	"reflect"
	"strconv"
	"strings"
)

// applyEnv overrides settings from DISCORDBOT_<SECTION>_<KEY> variables.
// A variable set to "" clears a text or list setting; on a number or a
// duration, which have no empty value, it is ignored like an unset one.
func applyEnv(cfg *Config, lookup lookupFunc, ps *Problems) {
	root := reflect.ValueOf(cfg).Elem()
	for _, k := range Keys() {
		raw, ok := lookup(k.Env)
		if !ok {
			continue
		}
		field := root.FieldByIndex(k.field)
		if strings.TrimSpace(raw) == "" {
			clearSetting(field)
			continue
		}
		if err := setFromString(field, raw); err != nil {
			ps.add(Problem{Key: k.Path, Message: fmt.Sprintf("%s from the environment: %v", quoteValue(k, raw), err)})
		}
	}
}

// clearSetting empties a text or list setting; numbers and durations keep their value.
func clearSetting(v reflect.Value) {
	switch v.Kind() {
	case reflect.String, reflect.Slice:
		v.SetZero()
	}
}

func quoteValue(k Key, raw string) string {
	if k.Path == "discord.token" {
		return "value"
	}
	return strconv.Quote(raw)
}

func setFromString(v reflect.Value, raw string) error {
	switch v.Addr().Interface().(type) {
	case *Duration:
		d, err := parseDuration(raw)
		if err != nil {
			return err
		}
		v.SetInt(int64(d))
		return nil
	case *[]Backend:
		b, err := parseBackends(raw)
		if err != nil {
			return err
		}
		v.Set(reflect.ValueOf(b))
		return nil
	}
	switch v.Kind() {
	case reflect.String:
		v.SetString(raw)
	case reflect.Int:
		n, err := strconv.Atoi(strings.TrimSpace(raw))
		if err != nil {
			return fmt.Errorf("not a whole number")
		}
		v.SetInt(int64(n))
	case reflect.Float64:
		f, err := strconv.ParseFloat(strings.TrimSpace(raw), 64)
		if err != nil {
			return fmt.Errorf("not a number")
		}
		v.SetFloat(f)
	case reflect.Slice:
		v.Set(reflect.ValueOf(splitList(raw)))
	default:
		return fmt.Errorf("cannot be set from the environment")
	}
	return nil
}

func splitList(raw string) []string {
	var out []string
	for _, s := range strings.Split(raw, ",") {
		if s = strings.TrimSpace(s); s != "" {
			out = append(out, s)
		}
	}
	return out
}

// parseBackends reads "name=url,name2=url2"; a bare URL is named after its position.
func parseBackends(raw string) ([]Backend, error) {
	var out []Backend
	for i, item := range splitList(raw) {
		name, url, ok := strings.Cut(item, "=")
		if !ok {
			name, url = fmt.Sprintf("comfy%d", i+1), item
		}
		if strings.TrimSpace(url) == "" {
			return nil, fmt.Errorf("backend %q has no URL; write name=http://host:8188", name)
		}
		out = append(out, Backend{Name: strings.TrimSpace(name), URL: strings.TrimSpace(url)})
	}
	return out, nil
}

// readDotEnv reads KEY=VALUE lines of a .env file. A missing file is no error.
func readDotEnv(path string) (map[string]string, error) {
	f, err := os.Open(path)
	if os.IsNotExist(err) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("read %s: %w", path, err)
	}
	defer f.Close()
	vars := map[string]string{}
	sc := bufio.NewScanner(f)
	for n := 1; sc.Scan(); n++ {
		line := strings.TrimSpace(sc.Text())
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		key, val, ok := strings.Cut(strings.TrimPrefix(line, "export "), "=")
		if !ok {
			return nil, fmt.Errorf("%s line %d: expected KEY=VALUE", path, n)
		}
		vars[strings.TrimSpace(key)] = unquote(strings.TrimSpace(val))
	}
	return vars, sc.Err()
}

func unquote(s string) string {
	if len(s) >= 2 && (s[0] == '"' || s[0] == '\'') && s[len(s)-1] == s[0] {
		return s[1 : len(s)-1]
	}
	if i := strings.Index(s, " #"); i >= 0 {
		return strings.TrimSpace(s[:i])
	}
	return s
}
