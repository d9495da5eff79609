// Package permission decides who may do what: a member's level in a server
// (from role mappings, the server owner, Discord's Administrator and Manage
// Server permissions and the configured bot owners), what DMs allow, and the
// level every command and button needs. It is pure: handlers gather the facts
// from the interaction and the store, and ask.
package permission
