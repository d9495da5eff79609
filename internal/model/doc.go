// Package model is the bot's domain vocabulary: jobs and their states,
// generation parameters, templates, servers, users, permission levels and the
// error type every layer uses to tell a user what went wrong. It does no I/O.
package model
