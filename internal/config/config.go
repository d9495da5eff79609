// Package config holds the bot's one typed configuration: defaults, then a
// YAML file, then a .env file, then DISCORDBOT_* environment variables.
package config

import "time"

// Config is the whole configuration of the bot. Every leaf field's YAML key
// section.key is also settable as DISCORDBOT_<SECTION>_<KEY>.
type Config struct {
	Discord   Discord   `yaml:"discord"`
	ComfyUI   ComfyUI   `yaml:"comfyui"`
	Database  Database  `yaml:"database"`
	Defaults  Defaults  `yaml:"defaults"`
	Workflows Workflows `yaml:"workflows"`
	Limits    Limits    `yaml:"limits"`
	Jobs      Jobs      `yaml:"jobs"`
	Log       Log       `yaml:"log"`
	HTTP      HTTP      `yaml:"http"`
}

// Discord configures the connection to Discord and who owns the bot.
type Discord struct {
	Token      Secret   `yaml:"token" doc:"bot token from the Discord developer portal"`
	OwnerIDs   []string `yaml:"owner_ids" doc:"user IDs that are admins everywhere, comma-separated in env"`
	GuildIDs   []string `yaml:"guild_ids" doc:"register commands in these guilds only (instant); empty: global"`
	APIURL     string   `yaml:"api_url" doc:"REST base URL; point at a fake Discord for testing"`
	GatewayURL string   `yaml:"gateway_url" doc:"gateway WebSocket URL; empty: ask the REST API"`
	DMPolicy   string   `yaml:"dm_policy" doc:"who may use the bot in DMs: owners, admins, generators (of a shared server), everyone or nobody"`
}

// ComfyUI lists the ComfyUI servers jobs run on.
type ComfyUI struct {
	URL      string    `yaml:"url" doc:"one ComfyUI server (short form of backends)"`
	Backends []Backend `yaml:"backends" doc:"several servers: in YAML a list of objects (name, url, headers); in env name=url pairs, comma-separated"`
	Timeout  Duration  `yaml:"timeout" doc:"timeout of one HTTP request to ComfyUI"`
	Window   int       `yaml:"window" doc:"jobs in flight per backend (one running, the rest waiting inside ComfyUI)"`
}

// Backend is one ComfyUI server: an entry of comfyui.backends, settable in
// YAML only (the environment's name=url pairs carry no headers).
type Backend struct {
	Name    string            `yaml:"name" doc:"a short name, unique among the backends, that logs and /admin status show"`
	URL     string            `yaml:"url" doc:"the server's http:// or https:// URL"`
	Headers map[string]Secret `yaml:"headers" doc:"HTTP headers sent with every request to that server; the values are secrets"`
}

// Database names the store.
type Database struct {
	URL string `yaml:"url" doc:"sqlite:PATH, or postgres://USER:PASSWORD@HOST:5432/DB for a PostgreSQL database"`
	// LeaseTTL bounds a takeover by a standby process; see internal/leader.
	LeaseTTL Duration `yaml:"lease_ttl" doc:"a standby bot process takes over when the active one has not renewed its lease for this long"`
}

// Defaults are the PRD's per-server defaults.
type Defaults struct {
	MaxQueuePerUser        int      `yaml:"max_queue_per_user" doc:"queued plus running jobs one user may have"`
	ProgressUpdateInterval Duration `yaml:"progress_update_interval" doc:"least time between two edits of a status message (seconds or 2s)"`
	WorkflowPath           string   `yaml:"workflow_path" doc:"API-format workflow used by /generate; empty: the built-in one"`
	Delivery               string   `yaml:"delivery" doc:"where results go unless the user says: channel or dm"`
}

// Workflows configures the library of selectable workflows.
type Workflows struct {
	Dir     string `yaml:"dir" doc:"folder of NAME.json (+ optional NAME.yaml) workflows selectable by name"`
	Upscale string `yaml:"upscale" doc:"workflow (taking an input image) the Upscale button runs; empty: no Upscale button"`
	Img2Img string `yaml:"img2img" doc:"workflow (taking an input image) for Vary, Use as input and Generate from this image when the job's own takes none"`
}

// Limits bound what one request may ask for.
type Limits struct {
	MaxPromptLength int     `yaml:"max_prompt_length" doc:"longest prompt accepted, in characters"`
	MaxSteps        int     `yaml:"max_steps" doc:"most sampler steps one job may ask for"`
	MaxWidth        int     `yaml:"max_width" doc:"widest image in pixels"`
	MaxHeight       int     `yaml:"max_height" doc:"tallest image in pixels"`
	MaxBatch        int     `yaml:"max_batch" doc:"most images per job"`
	MaxCFG          float64 `yaml:"max_cfg" doc:"highest CFG scale"`
	MaxInputMB      int     `yaml:"max_input_mb" doc:"largest input image a user may attach, in MiB"`
	MaxInputMP      int     `yaml:"max_input_megapixels" doc:"most pixels an input image may have, in millions"`
}

// Jobs tunes the queue.
type Jobs struct {
	Timeout     Duration `yaml:"timeout" doc:"a job running longer is interrupted and failed"`
	MaxRequeues int      `yaml:"max_requeues" doc:"times a job lost by a restarted ComfyUI is queued again before it fails"`
}

// Log configures logging.
type Log struct {
	Level  string `yaml:"level" doc:"debug, info, warn or error"`
	Format string `yaml:"format" doc:"text or json"`
}

// HTTP configures the health and metrics listener.
type HTTP struct {
	Listen string `yaml:"listen" doc:"address of /healthz and /metrics; empty disables"`
}

// Default values, also documented in config.example.yaml.
const (
	DefaultAPIURL     = "https://discord.com/api/v10"
	DefaultComfyURL   = "http://127.0.0.1:8188"
	DefaultDatabase   = "sqlite:discordsend.db"
	DefaultHTTPListen = "127.0.0.1:9750"
)

// Default returns the configuration used when nothing else is set.
func Default() Config {
	return Config{
		Discord:  Discord{APIURL: DefaultAPIURL, DMPolicy: "owners"},
		ComfyUI:  ComfyUI{URL: DefaultComfyURL, Timeout: Duration(30 * time.Second), Window: 2},
		Database: Database{URL: DefaultDatabase, LeaseTTL: Duration(6 * time.Second)},
		Defaults: Defaults{
			MaxQueuePerUser:        3,
			ProgressUpdateInterval: Duration(2 * time.Second),
			Delivery:               "channel",
		},
		Workflows: Workflows{Dir: "workflows"},
		Limits: Limits{
			MaxPromptLength: 2000,
			MaxSteps:        150,
			MaxWidth:        2048,
			MaxHeight:       2048,
			MaxBatch:        4,
			MaxCFG:          30,
			MaxInputMB:      20,
			MaxInputMP:      40,
		},
		Jobs: Jobs{Timeout: Duration(15 * time.Minute), MaxRequeues: 1},
		Log:  Log{Level: "info", Format: "text"},
		HTTP: HTTP{Listen: DefaultHTTPListen},
	}
}

// EffectiveBackends returns comfyui.backends, or the one backend comfyui.url names.
func (c Config) EffectiveBackends() []Backend {
	if len(c.ComfyUI.Backends) > 0 {
		return c.ComfyUI.Backends
	}
	return []Backend{{Name: "default", URL: c.ComfyUI.URL}}
}
