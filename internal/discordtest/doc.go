// Package discordtest is a fake Discord for tests, the sandbox and benchmarks.
//
// A [Server] speaks Discord's REST API under /api/v10 and its gateway over a
// WebSocket at /gw, on real loopback networking, so a bot built on
// github.com/disgoorg/disgo talks to it exactly as it talks to Discord: point
// rest.WithURL at [Server.APIURL], and disgo learns the gateway URL from
// GET /gateway.
//
// Tests set up guilds, channels, roles, members and users, then act as those
// users would: [Server.SlashCommand], [Server.Autocomplete],
// [Server.MessageCommand], [Server.UserCommand], [Server.ClickButton] and
// [Server.SubmitModal] dispatch INTERACTION_CREATE over the gateway and
// return an [Interaction] to wait on; [Server.PostUserMessage] posts a
// message, files and all, for a message command to target. What users would
// see is recorded on a timeline ([Server.Events], [Server.WaitFor]) and in a
// message store ([Server.Message]).
//
// The fake enforces what Discord enforces and a bot can get wrong: the 3 s
// callback deadline, 15-minute interaction tokens, double acknowledgements,
// message, embed, component, modal, file and command-schema limits, per-route
// and global rate limits with real headers, closed DMs and deleted messages.
// Every request is also validated against Discord's own OpenAPI description
// (openapi.json, MIT licensed, see openapi.LICENSE); a request that Discord
// would reject fails the test.
//
// disgo v0.19.6's gateway client has data races in its heartbeat goroutine
// that the race detector reports on Close and on every reconnect;
// [GatewayClient] is a race-free stand-in to plug into a bot under test with
// bot.WithGateway.
package discordtest
