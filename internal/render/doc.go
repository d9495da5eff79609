// Package render turns model values into the Discord payloads users see:
// status and result messages, queue and history views, templates, admin
// pages, help, modals and error replies. It is pure: the bot passes in the
// time and whatever it looked up, and sends what comes back as it is.
//
// Every payload respects Discord's limits whatever the input (a 4000
// character prompt, a hundred images, a 10 kB error): text is cut with "…"
// by Fit and its siblings, never rejected by Discord.
package render
