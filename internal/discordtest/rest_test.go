package discordtest_test

import (
	"bytes"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/disgoorg/disgo/discord"
	"github.com/disgoorg/disgo/rest"

	"github.com/AEmotionStudio/ComfyUI-DiscordSend/bot/internal/discordtest"
)

// newREST is a disgo REST client for the fake, without a gateway.
func newREST(srv *discordtest.Server) rest.Rest {
	discard := slog.New(slog.DiscardHandler)
	return rest.New(rest.NewClient(srv.Token(), rest.WithURL(srv.APIURL()), rest.WithLogger(discard),
		rest.WithDefaultRateLimiterConfigOpts(rest.WithRateLimiterLogger(discard))))
}

// do sends a raw request to the fake and decodes the JSON answer.
func do(t *testing.T, method, url, auth string, body any) (*http.Response, map[string]any) {
	t.Helper()
	var rd io.Reader
	if body != nil {
		b, err := json.Marshal(body)
		if err != nil {
			t.Fatal(err)
		}
		rd = bytes.NewReader(b)
	}
	rq, err := http.NewRequestWithContext(t.Context(), method, url, rd)
	if err != nil {
		t.Fatal(err)
	}
	if auth != "" {
		rq.Header.Set("Authorization", auth)
	}
	if body != nil {
		rq.Header.Set("Content-Type", "application/json")
	}
	rs, err := http.DefaultClient.Do(rq)
	if err != nil {
		t.Fatal(err)
	}
	defer rs.Body.Close()
	var out map[string]any
	raw, _ := io.ReadAll(rs.Body)
	if len(raw) > 0 {
		if err := json.Unmarshal(raw, &out); err != nil {
			t.Fatalf("decode %s: %v", raw, err)
		}
	}
	return rs, out
}

func files(n, size int) []*discord.File {
	out := make([]*discord.File, n)
	for i := range out {
		out[i] = discord.NewFile("f"+strconv.Itoa(i)+".bin", "", bytes.NewReader(make([]byte, size)))
	}
	return out
}

func TestMessageLimits(t *testing.T) {
	srv := discordtest.New(t, discordtest.WithRecordedViolations(), discordtest.WithAttachmentSizeLimit(64<<10),
		discordtest.WithRateLimits(discordtest.RateLimits{Disabled: true}))
	g := srv.AddGuild("Studio")
	ch := g.AddChannel("general", false)
	api := newREST(srv)
	field := discord.EmbedField{Name: "n", Value: strings.Repeat("v", 1000)}
	fields := make([]discord.EmbedField, 7)
	for i := range fields {
		fields[i] = field
	}
	row := discord.NewActionRow(discord.NewPrimaryButton("a", "/a"))
	tests := []struct {
		name   string
		msg    discord.MessageCreate
		status int
		code   rest.JSONErrorCode
		path   string
	}{
		{"content over 2000", discord.MessageCreate{Content: strings.Repeat("x", 2001)}, 400, 50035, "content"},
		{"11 embeds", discord.MessageCreate{Embeds: make([]discord.Embed, 11)}, 400, 50035, "embeds"},
		{"embed title over 256", discord.MessageCreate{Embeds: []discord.Embed{{Title: strings.Repeat("t", 257)}}}, 400, 50035, "embeds -> 0 -> title"},
		{"embeds over 6000 in total", discord.MessageCreate{Embeds: []discord.Embed{{Fields: fields}}}, 400, 50035, "MAX_EMBED_SIZE_EXCEEDED"},
		{"6 action rows", discord.MessageCreate{Content: "x", Components: []discord.LayoutComponent{row, row, row, row, row, row}}, 400, 50035, "components"},
		{"duplicate custom ids", discord.MessageCreate{Content: "x", Components: []discord.LayoutComponent{discord.NewActionRow(discord.NewPrimaryButton("a", "/a"), discord.NewPrimaryButton("b", "/a"))}}, 400, 50035, "COMPONENT_CUSTOM_ID_DUPLICATED"},
		{"custom id over 100", discord.MessageCreate{Content: "x", Components: []discord.LayoutComponent{discord.NewActionRow(discord.NewPrimaryButton("a", "/"+strings.Repeat("a", 100)))}}, 400, 50035, "custom_id"},
		{"attachment without its file", discord.MessageCreate{Content: "x", Attachments: []discord.AttachmentCreate{{ID: 3, Description: "d"}}}, 400, 50035, "attachments -> 0 -> id"},
		{"empty message", discord.MessageCreate{}, 400, 50006, ""},
		{"11 files", discord.MessageCreate{Files: files(11, 10)}, 400, 30015, ""},
		{"file over the size limit", discord.MessageCreate{Files: files(1, 64<<10+1)}, 413, 40005, ""},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			n := len(srv.Violations())
			_, err := api.CreateMessage(ch.ID, tc.msg)
			var rerr *rest.Error
			if !asRestError(err, &rerr) || rerr.Code != tc.code || rerr.Response.StatusCode != tc.status {
				t.Fatalf("err = %v, want %d %d", err, tc.status, tc.code)
			}
			if !strings.Contains(rerr.Error(), tc.path) {
				t.Fatalf("error %q does not name %q", rerr.Error(), tc.path)
			}
			if v := srv.Violations(); len(v) <= n {
				t.Fatal("no violation recorded")
			}
		})
	}
	if msgs := srv.Messages(ch.ID); len(msgs) != 0 {
		t.Fatalf("rejected messages were stored: %+v", msgs)
	}
}

func asRestError(err error, target **rest.Error) bool {
	e, ok := err.(*rest.Error)
	if ok {
		*target = e
	}
	return ok
}

func TestRESTRoutesAnswerLikeDiscord(t *testing.T) {
	srv := discordtest.New(t, append(checkAnswers(), discordtest.WithRateLimits(discordtest.RateLimits{Disabled: true}))...)
	g := srv.AddGuild("Studio")
	ch := g.AddChannel("general", false)
	mod := g.AddRole("Mods", discordtest.PermManageMessages)
	alice := srv.AddUser("alice")
	g.AddMember(alice, mod)
	api := newREST(srv)

	guild, err := api.GetGuild(g.ID, true)
	if err != nil || guild.Name != "Studio" || guild.OwnerID != g.Owner().ID || len(guild.Roles) != 3 {
		t.Fatalf("guild = %+v, %v", guild, err)
	}
	roles, err := api.GetRoles(g.ID)
	if err != nil || len(roles) != 3 || roles[2].Name != "Mods" || roles[2].Permissions != discord.PermissionManageMessages {
		t.Fatalf("roles = %+v, %v", roles, err)
	}
	member, err := api.GetMember(g.ID, alice.ID)
	if err != nil || member.User.Username != "alice" || len(member.RoleIDs) != 1 || member.RoleIDs[0] != mod.ID {
		t.Fatalf("member = %+v, %v", member, err)
	}
	if _, err := api.GetMember(g.ID, srv.AddUser("stranger").ID); restCodeOf(err) != rest.JSONErrorCodeUnknownMember {
		t.Fatalf("stranger: %v", err)
	}
	if u, err := api.GetUser(alice.ID); err != nil || u.Username != "alice" {
		t.Fatalf("user = %+v, %v", u, err)
	}
	if chans, err := api.GetGuildChannels(g.ID); err != nil || len(chans) != 1 || chans[0].ID() != ch.ID {
		t.Fatalf("guild channels = %v, %v", chans, err)
	}
	got, err := api.GetChannel(ch.ID)
	if err != nil || got.Name() != "general" {
		t.Fatalf("channel = %v, %v", got, err)
	}
	dm, err := api.CreateDMChannel(alice.ID)
	if err != nil || dm.ID() != srv.DM(alice).ID || len(dm.Recipients) != 1 {
		t.Fatalf("DM = %+v, %v", dm, err)
	}
	if _, err := api.GetChannel(dm.ID()); err != nil {
		t.Fatalf("get DM channel: %v", err)
	}
	bot, err := api.GetGatewayBot()
	if err != nil || bot.URL != srv.GatewayURL() || bot.Shards != 1 {
		t.Fatalf("gateway bot = %+v, %v", bot, err)
	}
	app, err := api.GetCurrentApplication()
	if err != nil || app.ID != srv.AppID() {
		t.Fatalf("application = %+v, %v", app, err)
	}
	if rs, me := do(t, "GET", srv.APIURL()+"/users/@me", "Bot "+srv.Token(), nil); rs.StatusCode != 200 || me["id"] != srv.AppID().String() || me["bot"] != true {
		t.Fatalf("users/@me = %d %v", rs.StatusCode, me)
	}

	cmds, err := api.SetGuildCommands(srv.AppID(), g.ID, []discord.ApplicationCommandCreate{
		discord.SlashCommandCreate{Name: "generate", Description: "Generate", Options: []discord.ApplicationCommandOption{
			discord.ApplicationCommandOptionString{Name: "size", Description: "Size", Choices: []discord.ApplicationCommandOptionChoiceString{{Name: "Small", Value: "512"}}},
		}},
	})
	if err != nil || len(cmds) != 1 || cmds[0].Name() != "generate" {
		t.Fatalf("set commands = %v, %v", cmds, err)
	}
	again, err := api.SetGuildCommands(srv.AppID(), g.ID, []discord.ApplicationCommandCreate{discord.SlashCommandCreate{Name: "generate", Description: "Generate v2"}})
	if err != nil || again[0].ID() != cmds[0].ID() {
		t.Fatalf("overwrite kept id? %v vs %v, %v", again, cmds, err)
	}
	listed, err := api.GetGuildCommands(srv.AppID(), g.ID, false)
	if err != nil || len(listed) != 1 || listed[0].(discord.SlashCommand).Description != "Generate v2" {
		t.Fatalf("listed = %+v, %v", listed, err)
	}
	if global, err := api.GetGlobalCommands(srv.AppID(), false); err != nil || len(global) != 0 {
		t.Fatalf("global = %+v, %v", global, err)
	}

	first, err := api.CreateMessage(ch.ID, discord.MessageCreate{Content: "with files", Files: []*discord.File{
		discord.NewFile("a.png", "first", bytes.NewReader(pngOf(8, 8))),
		discord.NewFile("b.txt", "", strings.NewReader("hello")),
	}})
	if err != nil || len(first.Attachments) != 2 || *first.Attachments[0].Width != 8 || *first.Attachments[0].ContentType != "image/png" {
		t.Fatalf("created = %+v, %v", first, err)
	}
	keep := []discord.AttachmentUpdate{discord.AttachmentKeep{ID: first.Attachments[1].ID}}
	edited, err := api.UpdateMessage(ch.ID, first.ID, discord.MessageUpdate{Attachments: &keep, Files: []*discord.File{discord.NewFile("c.png", "", bytes.NewReader(pngOf(4, 2)))}})
	if err != nil || len(edited.Attachments) != 2 || edited.Attachments[0].Filename != "b.txt" || edited.Attachments[1].Filename != "c.png" || edited.EditedTimestamp == nil {
		t.Fatalf("edited = %+v, %v", edited, err)
	}
	rs, err := http.Get(edited.Attachments[1].URL)
	if err != nil || rs.StatusCode != 200 || rs.Header.Get("Content-Type") != "image/png" {
		t.Fatalf("attachment URL: %v %v", rs, err)
	}
	rs.Body.Close()
	fetched, err := api.GetMessage(ch.ID, first.ID)
	if err != nil || fetched.Content != "with files" || len(fetched.Attachments) != 2 {
		t.Fatalf("fetched = %+v, %v", fetched, err)
	}
	second, err := api.CreateMessage(ch.ID, discord.MessageCreate{Content: "second"})
	if err != nil {
		t.Fatal(err)
	}
	list, err := api.GetMessages(ch.ID, 0, 0, 0, 10)
	if err != nil || len(list) != 2 || list[0].ID != second.ID {
		t.Fatalf("list = %+v, %v", list, err)
	}
	if err := api.DeleteMessage(ch.ID, second.ID); err != nil {
		t.Fatal(err)
	}
	if _, err := api.GetMessage(ch.ID, second.ID); restCodeOf(err) != rest.JSONErrorCodeUnknownMessage {
		t.Fatalf("deleted message: %v", err)
	}
	m, ok := srv.Message(ch.ID, first.ID)
	if !ok || m.Edits != 1 || len(m.EditTimes) != 1 || len(m.Files) != 2 {
		t.Fatalf("stored = %+v", m)
	}
	e, err := srv.WaitFor(t.Context(), func(e discordtest.Event) bool { return e.Kind == discordtest.KindDelete && e.MessageID == second.ID })
	if err != nil || e.Channel != "#general" {
		t.Fatalf("delete event = %v, %v", e, err)
	}
}

func restCodeOf(err error) rest.JSONErrorCode {
	var rerr *rest.Error
	if asRestError(err, &rerr) {
		return rerr.Code
	}
	return -1
}

func TestRequestsDiscordWouldReject(t *testing.T) {
	srv := discordtest.New(t, discordtest.WithRecordedViolations())
	ch := srv.AddGuild("Studio").AddChannel("general", false)
	auth := "Bot " + srv.Token()
	messages := srv.APIURL() + "/channels/" + ch.ID.String() + "/messages"
	tests := []struct {
		name      string
		method    string
		url       string
		auth      string
		body      any
		status    int
		code      float64
		errorPath []string
		violation string
	}{
		{"embed field without value", "POST", messages, auth, map[string]any{"content": "x", "embeds": []any{map[string]any{"title": "t", "fields": []any{map[string]any{"name": "a"}}}}},
			400, 50035, []string{"embeds", "0", "fields", "0", "value"}, "missing property 'value'"},
		{"content of the wrong type", "POST", messages, auth, map[string]any{"content": 5}, 400, 50035, []string{"content"}, "openapi"},
		{"missing Authorization", "POST", messages, "", map[string]any{"content": "x"}, 401, 0, nil, "Authorization"},
		{"wrong token", "POST", messages, "Bot nope", map[string]any{"content": "x"}, 401, 0, nil, "401"},
		{"unknown route", "GET", srv.APIURL() + "/nope", auth, nil, 404, 0, nil, "unknown route GET /api/v10/nope"},
		{"unknown API version", "GET", srv.URL() + "/api/v9/gateway", "", nil, 404, 0, nil, "unknown route"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			n := len(srv.Violations())
			rs, body := do(t, tc.method, tc.url, tc.auth, tc.body)
			if rs.StatusCode != tc.status || body["code"] != tc.code {
				t.Fatalf("answer %d %v, want %d %v", rs.StatusCode, body, tc.status, tc.code)
			}
			var at any = body["errors"]
			for _, k := range tc.errorPath {
				m, _ := at.(map[string]any)
				at = m[k]
			}
			if tc.errorPath != nil {
				if m, _ := at.(map[string]any); m["_errors"] == nil {
					t.Fatalf("errors = %v, nothing at %v", body["errors"], tc.errorPath)
				}
			}
			v := srv.Violations()
			if len(v) <= n || !strings.Contains(strings.Join(v[n:], "\n"), tc.violation) {
				t.Fatalf("violations %q, want one about %q", v[n:], tc.violation)
			}
		})
	}
}

func TestRateLimitHeaders(t *testing.T) {
	srv := discordtest.New(t, discordtest.WithRateLimits(discordtest.RateLimits{
		Global:   discordtest.Limit{Requests: 3, Per: time.Minute},
		Messages: discordtest.Limit{Requests: 2, Per: time.Minute},
	}))
	ch := srv.AddGuild("Studio").AddChannel("general", false)
	auth := "Bot " + srv.Token()
	messages := srv.APIURL() + "/channels/" + ch.ID.String() + "/messages"
	var bucket string
	for i, want := range []string{"1", "0"} {
		rs, _ := do(t, "POST", messages, auth, map[string]any{"content": "hi"})
		if rs.StatusCode != 200 || rs.Header.Get("X-RateLimit-Remaining") != want || rs.Header.Get("X-RateLimit-Limit") != "2" || rs.Header.Get("X-RateLimit-Reset-After") == "" || rs.Header.Get("X-RateLimit-Reset") == "" {
			t.Fatalf("request %d: %d %v", i, rs.StatusCode, rs.Header)
		}
		bucket = rs.Header.Get("X-RateLimit-Bucket")
	}
	rs, body := do(t, "POST", messages, auth, map[string]any{"content": "hi"})
	if rs.StatusCode != 429 || rs.Header.Get("Via") == "" || rs.Header.Get("X-RateLimit-Scope") != "user" || rs.Header.Get("X-RateLimit-Bucket") != bucket || body["global"] != false {
		t.Fatalf("per-route 429: %d %v %v", rs.StatusCode, rs.Header, body)
	}
	if ra, err := strconv.Atoi(rs.Header.Get("Retry-After")); err != nil || ra < 1 || ra > 60 || body["retry_after"].(float64) <= 0 {
		t.Fatalf("Retry-After %q, retry_after %v", rs.Header.Get("Retry-After"), body["retry_after"])
	}
	rs, body = do(t, "GET", srv.APIURL()+"/channels/"+ch.ID.String(), auth, nil)
	if rs.StatusCode != 429 || rs.Header.Get("X-RateLimit-Global") != "true" || body["global"] != true {
		t.Fatalf("global 429: %d %v %v", rs.StatusCode, rs.Header, body)
	}
	if rs, _ := do(t, "GET", srv.APIURL()+"/gateway", "", nil); rs.StatusCode != 200 {
		t.Fatalf("GET /gateway is not under the global limit? %d", rs.StatusCode)
	}
	if got := srv.Stats().RateLimited; got != 2 {
		t.Fatalf("RateLimited = %d, want 2", got)
	}
}

func TestInjectedFaults(t *testing.T) {
	srv := discordtest.New(t)
	ch := srv.AddGuild("Studio").AddChannel("general", false)
	api := newREST(srv)
	srv.Fail5xx(1)
	if _, err := api.CreateMessage(ch.ID, discord.MessageCreate{Content: "x"}); err == nil || !strings.Contains(err.Error(), "500") {
		t.Fatalf("want a 500, got %v", err)
	}
	srv.Storm429("*", 2)
	if _, err := api.CreateMessage(ch.ID, discord.MessageCreate{Content: "x"}); err != nil {
		t.Fatalf("disgo did not ride out the storm: %v", err)
	}
	if st := srv.Stats(); st.ServerErrors != 1 || st.RateLimited != 2 {
		t.Fatalf("stats = %+v", st)
	}
}

// recorder is a testing.TB that records Errorf instead of failing.
type recorder struct {
	testing.TB
	mu   sync.Mutex
	errs []string
}

func (r *recorder) Errorf(format string, args ...any) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.errs = append(r.errs, format)
}

func TestViolationsFailTheTest(t *testing.T) {
	rec := &recorder{TB: t}
	srv := discordtest.New(rec)
	if rs, _ := do(t, "GET", srv.APIURL()+"/nope", "", nil); rs.StatusCode != 404 {
		t.Fatalf("status %d", rs.StatusCode)
	}
	rec.mu.Lock()
	defer rec.mu.Unlock()
	if len(rec.errs) != 1 {
		t.Fatalf("Errorf calls = %q, want 1", rec.errs)
	}
}

func TestStartRecordsViolations(t *testing.T) {
	srv, err := discordtest.Start("127.0.0.1:0", discordtest.Options{DisableValidation: true})
	if err != nil {
		t.Fatal(err)
	}
	defer srv.Close()
	if !strings.HasPrefix(srv.URL(), "http://127.0.0.1:") || srv.APIURL() != srv.URL()+"/api/v10" || !strings.HasPrefix(srv.GatewayURL(), "ws://127.0.0.1:") {
		t.Fatalf("URLs %s %s %s", srv.URL(), srv.APIURL(), srv.GatewayURL())
	}
	if rs, body := do(t, "DELETE", srv.APIURL()+"/gateway", "", nil); rs.StatusCode != 404 || body["message"] != "404: Not Found" {
		t.Fatalf("answer %d %v", rs.StatusCode, body)
	}
	if v := srv.Violations(); len(v) != 1 {
		t.Fatalf("violations = %q", v)
	}
	e, err := srv.WaitFor(t.Context(), func(e discordtest.Event) bool { return e.Kind == discordtest.KindError && e.Violation })
	if err != nil || !strings.Contains(e.String(), "unknown route") {
		t.Fatalf("event %v, %v", e, err)
	}
}

func TestConcurrentRequests(t *testing.T) {
	srv := discordtest.New(t, discordtest.WithRateLimits(discordtest.RateLimits{Disabled: true}))
	g := srv.AddGuild("Studio")
	api := newREST(srv)
	const workers, each = 4, 3
	chans := make([]*discordtest.Channel, workers)
	for i := range chans {
		chans[i] = g.AddChannel("c"+strconv.Itoa(i), false)
	}
	var wg sync.WaitGroup
	errs := make(chan error, workers*each*3)
	for i := range workers {
		wg.Go(func() {
			for j := range each {
				m, err := api.CreateMessage(chans[i].ID, discord.MessageCreate{Content: "m" + strconv.Itoa(j), Files: files(1, 16)})
				if err == nil {
					_, err = api.UpdateMessage(chans[i].ID, m.ID, discord.MessageUpdate{Content: ptr("edited")})
				}
				errs <- err
				_, err = api.GetGuild(g.ID, false)
				errs <- err
				_, err = api.GetRoles(g.ID)
				errs <- err
			}
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		if err != nil {
			t.Fatal(err)
		}
	}
	for _, ch := range chans {
		if msgs := srv.Messages(ch.ID); len(msgs) != each || msgs[0].Edits != 1 {
			t.Fatalf("%s has %d messages: %+v", ch.Label(), len(msgs), msgs)
		}
	}
}

// A create repeated with the same enforced nonce returns the first message,
// as Discord does: the bot relies on it to deliver a result exactly once.
func TestEnforcedNonceDeduplicates(t *testing.T) {
	srv := discordtest.New(t)
	g := srv.AddGuild("g")
	ch := g.AddChannel("general", false)
	r := newREST(srv)
	post := func(nonce string, enforce bool) *discord.Message {
		t.Helper()
		m, err := r.CreateMessage(ch.ID, discord.MessageCreate{Content: "result", Nonce: nonce, EnforceNonce: enforce})
		if err != nil {
			t.Fatal(err)
		}
		return m
	}
	first := post("job1p0", true)
	if again := post("job1p0", true); again.ID != first.ID {
		t.Fatalf("same enforced nonce posted a second message: %s then %s", first.ID, again.ID)
	}
	if other := post("job1p1", true); other.ID == first.ID {
		t.Fatal("a different nonce must post a new message")
	}
	if loose := post("job1p0", false); loose.ID == first.ID {
		t.Fatal("without enforce_nonce Discord posts again")
	}
	if n := len(srv.Messages(ch.ID)); n != 3 {
		t.Fatalf("want 3 messages in the channel, got %d", n)
	}
}
