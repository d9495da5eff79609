package discordtest_test

import (
	"slices"
	"strings"
	"testing"

	"github.com/disgoorg/disgo/discord"
	"github.com/disgoorg/disgo/gateway"
	"github.com/disgoorg/snowflake/v2"

	"github.com/AEmotionStudio/ComfyUI-DiscordSend/bot/internal/discordtest"
)

// The fake works out whom each message notified, as Discord does, and
// names every message that let Discord parse mentions from its text.
func TestMentionsAreResolvedAsDiscordDoes(t *testing.T) {
	srv := discordtest.New(t, discordtest.WithRecordedViolations(), discordtest.WithRateLimits(discordtest.RateLimits{Disabled: true}))
	g := srv.AddGuild("Studio")
	ch := g.AddChannel("general", false)
	alice, bob := srv.AddUser("alice"), srv.AddUser("bob")
	g.AddMember(alice)
	g.AddMember(bob)
	role := g.AddRole("artists", 0)
	content := "hi <@" + alice.ID.String() + "> <@!" + bob.ID.String() + "> <@&" + role.ID.String() + "> @everyone"
	auth := "Bot " + srv.Token()
	url := srv.APIURL() + "/channels/" + ch.ID.String() + "/messages"
	none := map[string]any{"parse": []string{}, "users": []string{}, "roles": []string{}}

	tests := []struct {
		name      string
		body      map[string]any
		status    int
		users     []snowflake.ID
		roles     []snowflake.ID
		everyone  bool
		violation string // part of the MentionViolations line; "" for none
	}{
		{name: "no allowed_mentions parses everything", body: map[string]any{"content": content},
			status: 200, users: []snowflake.ID{alice.ID, bob.ID}, roles: []snowflake.ID{role.ID}, everyone: true, violation: "no allowed_mentions"},
		{name: "empty lists ping nobody", body: map[string]any{"content": content, "allowed_mentions": none}, status: 200},
		{name: "null parse, as disgo sends an empty AllowedMentions", body: map[string]any{"content": content,
			"allowed_mentions": map[string]any{"parse": nil, "users": nil, "roles": nil, "replied_user": false}}, status: 200},
		{name: "a listed user is pinged, nobody else", body: map[string]any{"content": content,
			"allowed_mentions": map[string]any{"parse": []string{}, "users": []string{alice.ID.String()}}}, status: 200, users: []snowflake.ID{alice.ID}},
		{name: "parse everyone", body: map[string]any{"content": content, "allowed_mentions": map[string]any{"parse": []string{"everyone"}}},
			status: 200, everyone: true, violation: "parses [everyone]"},
		{name: "a listed role", body: map[string]any{"content": content, "allowed_mentions": map[string]any{"roles": []string{role.ID.String()}}},
			status: 200, roles: []snowflake.ID{role.ID}, violation: "lets roles"},
		{name: "embeds alone need allowed_mentions too", body: map[string]any{"embeds": []any{map[string]any{"description": content}}},
			status: 200, violation: "no allowed_mentions"},
		{name: "parse users with a users list is refused", body: map[string]any{"content": content,
			"allowed_mentions": map[string]any{"parse": []string{"users"}, "users": []string{alice.ID.String()}}}, status: 400},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			pingsBefore, violationsBefore := len(srv.Pings()), len(srv.MentionViolations())
			rs, out := do(t, "POST", url, auth, tc.body)
			if rs.StatusCode != tc.status {
				t.Fatalf("status %d, want %d: %v", rs.StatusCode, tc.status, out)
			}
			pings := srv.Pings()[pingsBefore:]
			pinged := len(tc.users) > 0 || len(tc.roles) > 0 || tc.everyone
			switch {
			case !pinged && len(pings) != 0:
				t.Errorf("pinged %v, want nobody", pings)
			case pinged && (len(pings) != 1 || !slices.Equal(pings[0].Users, tc.users) || !slices.Equal(pings[0].Roles, tc.roles) || pings[0].Everyone != tc.everyone):
				t.Errorf("pings %v, want users %v roles %v everyone %v", pings, tc.users, tc.roles, tc.everyone)
			}
			violations := srv.MentionViolations()[violationsBefore:]
			switch {
			case tc.violation == "" && len(violations) != 0:
				t.Errorf("violations %q, want none", violations)
			case tc.violation != "" && (len(violations) != 1 || !strings.Contains(violations[0], tc.violation)):
				t.Errorf("violations %q, want one naming %q", violations, tc.violation)
			}
		})
	}

	// An edit is parsed again with the edit's own allowed_mentions.
	rs, out := do(t, "POST", url, auth, map[string]any{"content": "quiet", "allowed_mentions": none})
	if rs.StatusCode != 200 {
		t.Fatalf("create: %v", out)
	}
	before := len(srv.MentionViolations())
	rs, out = do(t, "PATCH", url+"/"+out["id"].(string), auth, map[string]any{"content": content})
	if rs.StatusCode != 200 {
		t.Fatalf("edit: %v", out)
	}
	if v := srv.MentionViolations()[before:]; len(v) != 1 || !strings.HasPrefix(v[0], "edit of message") {
		t.Errorf("an edit without allowed_mentions: violations %q", v)
	}
	// Changing only the buttons shows no new text: nothing to parse.
	before = len(srv.MentionViolations())
	if rs, out = do(t, "PATCH", url+"/"+out["id"].(string), auth, map[string]any{"components": []any{}}); rs.StatusCode != 200 {
		t.Fatalf("edit: %v", out)
	}
	if v := srv.MentionViolations()[before:]; len(v) != 0 {
		t.Errorf("an edit of components only: violations %q", v)
	}
}

// Interaction responses, followups and their edits are checked like
// channel messages.
func TestMentionsInInteractionResponses(t *testing.T) {
	w := newWorld(t, "discordtest", gateway.CompressionZstdStream, discordtest.WithRecordedViolations())
	ia := w.srv.SlashCommand(waitCtx(t), w.alice, w.general, "noop")
	if err := w.nextErr(t); err != nil {
		t.Fatal(err)
	}
	<-w.limits
	api, app := w.client.Rest, w.srv.AppID()
	ping := "<@" + w.bob.ID.String() + "> @here"
	// disgo fills in its default (parse everything, unless the client was
	// configured otherwise) wherever the caller left allowed_mentions out.
	everyone := &discord.AllowedMentions{Parse: []discord.AllowedMentionType{discord.AllowedMentionTypeEveryone}}
	if err := api.CreateInteractionResponse(ia.ID(), ia.Token(), discord.InteractionResponse{
		Type: discord.InteractionResponseTypeCreateMessage, Data: discord.MessageCreate{Content: ping},
	}); err != nil {
		t.Fatal(err)
	}
	if _, err := api.CreateFollowupMessage(app, ia.Token(), discord.MessageCreate{Content: ping, AllowedMentions: everyone}); err != nil {
		t.Fatal(err)
	}
	if _, err := api.UpdateInteractionResponse(app, ia.Token(), discord.MessageUpdate{Content: &ping, AllowedMentions: everyone}); err != nil {
		t.Fatal(err)
	}
	v := w.srv.MentionViolations()
	if len(v) != 3 || !strings.Contains(v[0], "parses [users roles everyone]") || !strings.Contains(v[1], "parses [everyone]") || !strings.HasPrefix(v[2], "edit of message") {
		t.Fatalf("violations %q, want the response, the followup and the edit", v)
	}
	p := w.srv.Pings()
	if len(p) != 3 || !slices.Equal(p[0].Users, []snowflake.ID{w.bob.ID}) || !p[0].Everyone {
		t.Fatalf("pings %v, want bob and @here first", p)
	}
	if len(p[1].Users) != 0 || !p[1].Everyone || !p[2].Edit || len(p[2].Users) != 0 || !p[2].Everyone {
		t.Fatalf("pings %v, want @here alone in the followup and the edit", p)
	}
}
