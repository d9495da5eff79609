package sandbox

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"

	"go.yaml.in/yaml/v3"

	"github.com/AEmotionStudio/ComfyUI-DiscordSend/bot/internal/config"
)

// The bot's configuration in the sandbox is the person's file (Options.Config),
// or nothing, with the settings that connect it to the fakes replaced. The
// sandbox writes it to the work directory and names it in DISCORDBOT_CONFIG;
// the bot reads no other file, no .env and no other DISCORDBOT_ variable.

// ConfigError is a problem with the person's configuration file; the
// command reports it as run does (exit 2).
type ConfigError struct{ Err error }

func (e *ConfigError) Error() string { return e.Err.Error() }
func (e *ConfigError) Unwrap() error { return e.Err }

// Settings the sandbox always sets: the fake Discord, its own database and
// the ComfyUI it uses (the fake, or Options.ComfyURL).
var alwaysOverridden = []string{
	"discord.token", "discord.api_url", "discord.gateway_url", "discord.guild_ids", "discord.owner_ids",
	"database.url", "comfyui.url", "comfyui.backends",
}

// botConfig is the configuration the bot gets, before the fakes' addresses
// are known.
type botConfig struct {
	doc *yaml.Node // the person's document, or an empty one
	// overridden lists the settings the sandbox replaces, in the order of
	// the note printed at start.
	overridden []string
}

// loadBotConfig reads the person's configuration file as run does, but
// without the environment or .env, and checks it except for the settings
// the sandbox replaces. Relative paths in it resolve against wd, as they
// would for run started there. An empty path gives the sandbox's own
// configuration.
func loadBotConfig(path, wd string) (*botConfig, error) {
	doc := &yaml.Node{Kind: yaml.DocumentNode, Content: []*yaml.Node{{Kind: yaml.MappingNode, Tag: "!!map"}}}
	if path == "" {
		bc := &botConfig{doc: doc, overridden: slices.Concat(alwaysOverridden, []string{"http.listen"})}
		// Status messages change every second rather than every two.
		setKey(doc, "defaults.progress_update_interval", scalar("1s"))
		return bc, nil
	}
	cfg, file, err := config.Load(config.Source{Path: path})
	if file == "" {
		file = path
	}
	var ps *config.Problems
	if err != nil && !errors.As(err, &ps) {
		return nil, &ConfigError{Err: err}
	}
	overridden := slices.Clone(alwaysOverridden)
	if cfg.HTTP.Listen != "" {
		// Another bot, or another sandbox, may listen there already.
		overridden = append(overridden, "http.listen")
	}
	if cfg.Log.Level == "warn" || cfg.Log.Level == "error" {
		// The sandbox learns that the bot is ready from its info lines.
		overridden = append(overridden, "log.level")
	}
	// Paths resolve against wd, for the checks here and for the bot,
	// which runs elsewhere.
	paths := map[string]*string{"workflows.dir": &cfg.Workflows.Dir, "defaults.workflow_path": &cfg.Defaults.WorkflowPath}
	for _, p := range paths {
		if *p != "" && !filepath.IsAbs(*p) {
			*p = filepath.Join(wd, *p)
		}
	}
	all := &config.Problems{File: file}
	if ps != nil {
		all.List = append(all.List, ps.List...)
	}
	if verr := cfg.Validate(); errors.As(verr, &ps) {
		all.List = append(all.List, ps.List...)
	}
	all.List = slices.DeleteFunc(all.List, func(p config.Problem) bool { return slices.Contains(overridden, p.Key) })
	if len(all.List) > 0 {
		return nil, &ConfigError{Err: all}
	}
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, &ConfigError{Err: fmt.Errorf("read configuration file: %w", err)}
	}
	var user yaml.Node
	if err := yaml.Unmarshal(data, &user); err != nil {
		return nil, &ConfigError{Err: fmt.Errorf("%s: not valid YAML: %w", file, err)}
	}
	if len(user.Content) == 1 && user.Content[0].Kind == yaml.MappingNode {
		doc = &user
	}
	for key, p := range paths {
		if *p != "" {
			setKey(doc, key, scalar(*p))
		}
	}
	return &botConfig{doc: doc, overridden: overridden}, nil
}

// write sets the overridden settings to values and writes the file the bot
// reads; values holds a string or a []string for each overridden key.
func (bc *botConfig) write(path string, values map[string]any) error {
	for _, key := range bc.overridden {
		switch v := values[key].(type) {
		case string:
			setKey(bc.doc, key, scalar(v))
		case []string:
			seq := &yaml.Node{Kind: yaml.SequenceNode, Tag: "!!seq", Style: yaml.FlowStyle}
			for _, s := range v {
				seq.Content = append(seq.Content, scalar(s))
			}
			setKey(bc.doc, key, seq)
		default:
			return fmt.Errorf("no sandbox value for %s", key)
		}
	}
	data, err := yaml.Marshal(bc.doc)
	if err != nil {
		return fmt.Errorf("encode the bot's configuration: %w", err)
	}
	if err := os.WriteFile(path, data, 0o600); err != nil {
		return fmt.Errorf("write the bot's configuration: %w", err)
	}
	return nil
}

// note is the line that tells the person what the sandbox changed in their file.
func (bc *botConfig) note(path string) string {
	return fmt.Sprintf("sandbox: using %s; overridden for the sandbox: %s", path, strings.Join(bc.overridden, ", "))
}

func scalar(s string) *yaml.Node { return &yaml.Node{Kind: yaml.ScalarNode, Tag: "!!str", Value: s} }

// setKey sets section.key in the document's top mapping, adding the
// section or the key when missing.
func setKey(doc *yaml.Node, path string, value *yaml.Node) {
	section, key, _ := strings.Cut(path, ".")
	top := doc.Content[0]
	sec := mappingValue(top, section)
	if sec == nil || sec.Kind != yaml.MappingNode {
		// Missing, empty (null) or an alias: a mapping of its own.
		m := &yaml.Node{Kind: yaml.MappingNode, Tag: "!!map"}
		if sec != nil && sec.Kind == yaml.AliasNode && sec.Alias != nil && sec.Alias.Kind == yaml.MappingNode {
			m.Content = slices.Clone(sec.Alias.Content)
		}
		putValue(top, section, m)
		sec = m
	}
	putValue(sec, key, value)
}

// mappingValue is the value of key in mapping m, or nil.
func mappingValue(m *yaml.Node, key string) *yaml.Node {
	for i := 0; i+1 < len(m.Content); i += 2 {
		if m.Content[i].Value == key {
			return m.Content[i+1]
		}
	}
	return nil
}

func putValue(m *yaml.Node, key string, value *yaml.Node) {
	for i := 0; i+1 < len(m.Content); i += 2 {
		if m.Content[i].Value == key {
			m.Content[i+1] = value
			return
		}
	}
	m.Content = append(m.Content, scalar(key), value)
}
