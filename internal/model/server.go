package model

import "time"

// Server holds one Discord server's (guild's) settings. Empty strings and nil
// mean "not set here": the configured default applies.
type Server struct {
	GuildID          string
	Name             string
	DefaultChannelID string
	MaxQueuePerUser  *int
	DefaultDelivery  Delivery
	DefaultWorkflow  string
	DMPolicy         DMPolicy
	CreatedAt        time.Time
	UpdatedAt        time.Time
}

// RoleMapping grants the members of a Discord role a permission level.
type RoleMapping struct {
	RoleID string
	Level  Level
}

// User holds one Discord user's preferences.
type User struct {
	ID   string // Discord user snowflake
	Name string
	// DefaultDelivery is the user's preferred target; empty means the
	// server's or the configured default applies.
	DefaultDelivery Delivery
	CreatedAt       time.Time
}

// Workflow is a stored ComfyUI workflow that /generate can run by name in
// the Discord server that added it.
type Workflow struct {
	ID          int64
	GuildID     string // the Discord server it belongs to
	Name        string
	Description string
	// Graph is the API-format workflow JSON, sanitized before it is saved.
	Graph []byte
	// Sidecar describes how the workflow's inputs map to Params; it is kept
	// as given and read by the workflow package.
	Sidecar   []byte
	CreatedAt time.Time
	UpdatedAt time.Time
}
