package discordtest_test

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/json"
	"errors"
	"fmt"
	"image"
	"image/png"
	"io"
	"log/slog"
	"net/http"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/disgoorg/disgo"
	"github.com/disgoorg/disgo/bot"
	"github.com/disgoorg/disgo/cache"
	"github.com/disgoorg/disgo/discord"
	"github.com/disgoorg/disgo/events"
	"github.com/disgoorg/disgo/gateway"
	"github.com/disgoorg/disgo/handler"
	"github.com/disgoorg/disgo/rest"
	"github.com/disgoorg/omit"
	"github.com/disgoorg/snowflake/v2"
	"github.com/gorilla/websocket"

	"github.com/AEmotionStudio/ComfyUI-DiscordSend/bot/internal/discordtest"
)

// world is a fake Discord with a guild, two users and a connected disgo
// bot whose handlers report what they met on errs.
type world struct {
	srv     *discordtest.Server
	client  *bot.Client
	guild   *discordtest.Guild
	general *discordtest.Channel
	alice   *discordtest.User
	bob     *discordtest.User
	admin   *discordtest.Role

	errs       chan error
	limits     chan int // attachment_size_limit of /noop interactions
	resumed    chan struct{}
	ready      chan struct{}
	guildReady chan struct{}
	// release and entered let a test hold the /slow handler.
	entered chan struct{}
	release chan struct{}
}

var commands = []discord.ApplicationCommandCreate{
	discord.SlashCommandCreate{
		Name:        "generate",
		Description: "Generate an image",
		Options: []discord.ApplicationCommandOption{
			discord.ApplicationCommandOptionString{Name: "prompt", Description: "What to draw", Required: true},
			discord.ApplicationCommandOptionInt{Name: "steps", Description: "Sampling steps", MinValue: ptr(1), MaxValue: ptr(100)},
			discord.ApplicationCommandOptionString{Name: "template", Description: "Template", Autocomplete: true},
		},
	},
	discord.SlashCommandCreate{
		Name:        "queue",
		Description: "The queue",
		Options: []discord.ApplicationCommandOption{
			discord.ApplicationCommandOptionSubCommand{
				Name:        "view",
				Description: "Show the queue",
				Options: []discord.ApplicationCommandOption{
					discord.ApplicationCommandOptionUser{Name: "user", Description: "Whose jobs", Required: true},
					discord.ApplicationCommandOptionInt{Name: "page", Description: "Page"},
				},
			},
		},
	},
	discord.SlashCommandCreate{Name: "prompt", Description: "Edit a prompt in a modal"},
	discord.SlashCommandCreate{Name: "buttons", Description: "Reply with a button"},
	discord.SlashCommandCreate{Name: "twice", Description: "Answer twice"},
	discord.SlashCommandCreate{Name: "slow", Description: "Answer when released"},
	discord.SlashCommandCreate{Name: "dm", Description: "DM the caller"},
	discord.SlashCommandCreate{Name: "noop", Description: "Leave the answer to the test"},
	discord.SlashCommandCreate{Name: "upload", Description: "Read an attached file", Options: []discord.ApplicationCommandOption{
		discord.ApplicationCommandOptionAttachment{Name: "file", Description: "The file", Required: true},
	}},
	discord.SlashCommandCreate{Name: "admin", Description: "Admin only", DefaultMemberPermissions: omit.NewPtr(discord.PermissionManageGuild)},
	discord.MessageCommandCreate{Name: "Generate from this image"},
	discord.UserCommandCreate{Name: "Show Jobs"},
}

var globalCommands = []discord.ApplicationCommandCreate{
	discord.SlashCommandCreate{Name: "ping", Description: "Pong", Contexts: []discord.InteractionContextType{discord.InteractionContextTypeGuild, discord.InteractionContextTypeBotDM}},
}

func ptr[T any](v T) *T { return &v }

// report hands a handler's result to the test and returns it.
func (w *world) report(err error) error {
	w.errs <- err
	return err
}

func (w *world) mux() *handler.Mux {
	r := handler.New()
	r.SlashCommand("/generate", func(d discord.SlashCommandInteractionData, e *handler.CommandEvent) error {
		if err := e.DeferCreateMessage(false); err != nil {
			return w.report(err)
		}
		content := fmt.Sprintf("done: %s (%d steps)", d.String("prompt"), d.Int("steps"))
		embeds := []discord.Embed{{Title: "Result", Image: &discord.EmbedResource{URL: "attachment://out.png"}}}
		_, err := e.UpdateInteractionResponse(discord.MessageUpdate{
			Content: &content,
			Embeds:  &embeds,
			Files:   []*discord.File{discord.NewFile("out.png", "the image", bytes.NewReader(pngOf(64, 32)))},
		})
		return w.report(err)
	})
	r.Autocomplete("/generate", func(e *handler.AutocompleteEvent) error {
		typed := e.Data.String("template")
		return w.report(e.AutocompleteResult([]discord.AutocompleteChoice{
			discord.AutocompleteChoiceString{Name: "portrait " + typed, Value: "portrait"},
			discord.AutocompleteChoiceString{Name: "landscape " + typed, Value: "landscape"},
		}))
	})
	r.SlashCommand("/queue/view", func(d discord.SlashCommandInteractionData, e *handler.CommandEvent) error {
		content := fmt.Sprintf("queue of %s, page %d, asked by %s", d.User("user").Username, d.Int("page"), e.User().Username)
		return w.report(e.CreateMessage(discord.MessageCreate{Content: content, Flags: discord.MessageFlagEphemeral}))
	})
	r.Command("/prompt", func(e *handler.CommandEvent) error {
		return w.report(e.Modal(discord.ModalCreate{
			CustomID: "/modal/prompt",
			Title:    "Edit prompt",
			Components: []discord.LayoutComponent{
				discord.NewLabel("Prompt", discord.NewParagraphTextInput("text").WithRequired(true).WithMaxLength(500)),
			},
		}))
	})
	r.Modal("/modal/prompt", func(e *handler.ModalEvent) error {
		return w.report(e.CreateMessage(discord.MessageCreate{Content: "new prompt: " + e.Data.Text("text")}))
	})
	r.Command("/buttons", func(e *handler.CommandEvent) error {
		return w.report(e.CreateMessage(discord.MessageCreate{
			Content:    "pick one",
			Components: []discord.LayoutComponent{discord.NewActionRow(discord.NewPrimaryButton("OK", "/btn/ok"), discord.NewSecondaryButton("Later", "/btn/later"))},
		}))
	})
	r.ButtonComponent("/btn/{name}", func(_ discord.ButtonInteractionData, e *handler.ComponentEvent) error {
		return w.report(e.UpdateMessage(discord.MessageUpdate{Content: ptr("clicked " + e.Vars["name"]), Components: &[]discord.LayoutComponent{}}))
	})
	r.Command("/twice", func(e *handler.CommandEvent) error {
		if err := e.CreateMessage(discord.MessageCreate{Content: "first"}); err != nil {
			return w.report(err)
		}
		return w.report(e.CreateMessage(discord.MessageCreate{Content: "second"}))
	})
	r.Command("/slow", func(e *handler.CommandEvent) error {
		w.entered <- struct{}{}
		<-w.release
		return w.report(e.DeferCreateMessage(true))
	})
	r.Command("/dm", func(e *handler.CommandEvent) error {
		if err := e.DeferCreateMessage(true); err != nil {
			return w.report(err)
		}
		ch, err := e.Client().Rest.CreateDMChannel(e.User().ID)
		if err == nil {
			_, err = e.Client().Rest.CreateMessage(ch.ID(), discord.MessageCreate{Content: "your image"})
		}
		note := "sent"
		if err != nil {
			note = "could not DM you"
		}
		if _, uerr := e.UpdateInteractionResponse(discord.MessageUpdate{Content: &note}); uerr != nil {
			return w.report(uerr)
		}
		return w.report(err)
	})
	r.SlashCommand("/upload", func(d discord.SlashCommandInteractionData, e *handler.CommandEvent) error {
		a, ok := d.OptAttachment("file")
		if !ok {
			return w.report(errors.New("no resolved attachment"))
		}
		content, err := fetch(a)
		if err != nil {
			return w.report(err)
		}
		return w.report(e.CreateMessage(discord.MessageCreate{Content: content, Flags: discord.MessageFlagEphemeral}))
	})
	r.MessageCommand("/Generate from this image", func(d discord.MessageCommandInteractionData, e *handler.CommandEvent) error {
		m := d.TargetMessage()
		if m.ID != d.TargetID() || len(m.Attachments) != 1 {
			return w.report(fmt.Errorf("target %d (of %d) has %d attachments", m.ID, d.TargetID(), len(m.Attachments)))
		}
		got, err := fetch(m.Attachments[0])
		if err != nil {
			return w.report(err)
		}
		content := fmt.Sprintf("%q by %s: %s", m.Content, m.Author.Username, got)
		return w.report(e.CreateMessage(discord.MessageCreate{Content: content, Flags: discord.MessageFlagEphemeral}))
	})
	r.UserCommand("/Show Jobs", func(d discord.UserCommandInteractionData, e *handler.CommandEvent) error {
		u := d.TargetUser()
		member := "not a member"
		if m, ok := d.Resolved.Members[u.ID]; ok && !m.JoinedAt.IsZero() {
			member = "a member"
		}
		content := fmt.Sprintf("jobs of %s (%s), asked by %s", u.Username, member, e.User().Username)
		return w.report(e.CreateMessage(discord.MessageCreate{Content: content, Flags: discord.MessageFlagEphemeral}))
	})
	r.Command("/noop", func(e *handler.CommandEvent) error {
		w.limits <- e.AttachmentSizeLimit()
		return w.report(nil)
	})
	r.Command("/ping", func(e *handler.CommandEvent) error {
		return w.report(e.CreateMessage(discord.MessageCreate{Content: "pong"}))
	})
	r.Command("/admin", func(e *handler.CommandEvent) error {
		return w.report(e.CreateMessage(discord.MessageCreate{Content: "admin ok"}))
	})
	return r
}

// fetch downloads an attachment from its URL and describes it, as
// describe does for the file a test sent.
func fetch(a discord.Attachment) (string, error) {
	resp, err := http.Get(a.URL)
	if err != nil {
		return "", err
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		return "", err
	}
	var ct string
	if a.ContentType != nil {
		ct = *a.ContentType
	}
	size := "-"
	if a.Width != nil && a.Height != nil {
		size = fmt.Sprintf("%dx%d", *a.Width, *a.Height)
	}
	return fmt.Sprintf("%s %dB %s %s, served %d %s %s", a.Filename, a.Size, ct, size, resp.StatusCode, resp.Header.Get("Content-Type"), digest(body)), nil
}

// describe is what fetch says of an attachment with these properties.
func describe(name string, data []byte, contentType, size string) string {
	return fmt.Sprintf("%s %dB %s %s, served 200 %s %s", name, len(data), contentType, size, contentType, digest(data))
}

func digest(b []byte) string {
	sum := sha256.Sum256(b)
	return fmt.Sprintf("sha256:%x", sum[:8])
}

func pngOf(w, h int) []byte {
	var b bytes.Buffer
	if err := png.Encode(&b, image.NewRGBA(image.Rect(0, 0, w, h))); err != nil {
		panic(err)
	}
	return b.Bytes()
}

// gateways lists the gateway clients the bot tests run with: disgo's own,
// and GatewayClient, the race-free stand-in. disgo's is left out of race
// builds because its heartbeat goroutine races (see GatewayClient).
func gateways() []string {
	if raceEnabled {
		return []string{"discordtest"}
	}
	return []string{"disgo", "discordtest"}
}

// newWorld starts the fake, sets up the guild and connects a bot using the
// named gateway client.
func newWorld(t *testing.T, gw string, compression gateway.CompressionType, opts ...discordtest.Option) *world {
	t.Helper()
	srv := discordtest.New(t, opts...)
	w := &world{
		srv:        srv,
		errs:       make(chan error, 100),
		limits:     make(chan int, 100),
		resumed:    make(chan struct{}, 10),
		ready:      make(chan struct{}, 10),
		guildReady: make(chan struct{}, 10),
		entered:    make(chan struct{}, 1),
		release:    make(chan struct{}),
	}
	w.guild = srv.AddGuild("Studio")
	w.general = w.guild.AddChannel("general", false)
	w.admin = w.guild.AddRole("Admins", discordtest.PermManageGuild)
	w.alice = srv.AddUser("alice")
	w.bob = srv.AddUser("bob")
	w.guild.AddMember(w.alice)
	w.guild.AddMember(w.bob, w.admin)

	client, err := newBot(srv, srv.Token(), gw, compression,
		bot.WithEventManagerConfigOpts(bot.WithAsyncEventsEnabled()),
		bot.WithCacheConfigOpts(cache.WithCaches(cache.FlagGuilds, cache.FlagChannels, cache.FlagRoles, cache.FlagMembers)),
		bot.WithEventListeners(w.mux()),
		bot.WithEventListenerFunc(func(*events.Resumed) { w.resumed <- struct{}{} }),
		bot.WithEventListenerFunc(func(*events.Ready) { w.ready <- struct{}{} }),
		bot.WithEventListenerFunc(func(*events.GuildReady) { w.guildReady <- struct{}{} }),
	)
	if err != nil {
		t.Fatalf("disgo.New: %v", err)
	}
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		client.Close(ctx)
	})
	if err := client.OpenGateway(t.Context()); err != nil {
		t.Fatalf("open gateway: %v", err)
	}
	w.await(t, w.ready, "READY")
	w.await(t, w.guildReady, "GUILD_CREATE")
	if err := handler.SyncCommands(client, commands, []snowflake.ID{w.guild.ID}); err != nil {
		t.Fatalf("sync guild commands: %v", err)
	}
	if err := handler.SyncCommands(client, globalCommands, nil); err != nil {
		t.Fatalf("sync global commands: %v", err)
	}
	w.client = client
	return w
}

// newBot builds a disgo bot on the fake with disgo's gateway ("disgo") or
// GatewayClient ("discordtest").
func newBot(srv *discordtest.Server, token, gw string, compression gateway.CompressionType, opts ...bot.ConfigOpt) (*bot.Client, error) {
	discard := slog.New(slog.DiscardHandler)
	opts = append([]bot.ConfigOpt{
		bot.WithLogger(discard),
		bot.WithRestClientConfigOpts(rest.WithURL(srv.APIURL()), rest.WithDefaultRateLimiterConfigOpts(rest.WithRateLimiterLogger(discard))),
	}, opts...)
	if gw == "disgo" {
		opts = append(opts, bot.WithGatewayConfigOpts(gateway.WithIntents(gateway.IntentGuilds), gateway.WithCompression(compression)))
		return disgo.New(token, opts...)
	}
	var client *bot.Client
	forward := func(g gateway.Gateway, t gateway.EventType, seq int, e gateway.EventData) {
		client.EventManager.HandleGatewayEvent(g, t, seq, e)
	}
	gwc := discordtest.NewGatewayClient(srv.GatewayURL(), token, forward, discordtest.GatewayClientOptions{Intents: gateway.IntentGuilds, Compression: compression})
	client, err := disgo.New(token, append(opts, bot.WithGateway(gwc))...)
	return client, err
}

// await waits for a gateway event the bot saw.
func (w *world) await(t *testing.T, ch <-chan struct{}, what string) {
	t.Helper()
	select {
	case <-ch:
	case <-waitCtx(t).Done():
		t.Fatalf("bot saw no %s", what)
	}
}

// nextErr returns what the next handler reported.
func (w *world) nextErr(t *testing.T) error {
	t.Helper()
	select {
	case err := <-w.errs:
		return err
	case <-t.Context().Done():
		t.Fatal("no handler result")
		return nil
	}
}

func waitCtx(t *testing.T) context.Context {
	ctx, cancel := context.WithTimeout(t.Context(), 20*time.Second)
	t.Cleanup(cancel)
	return ctx
}

func restCode(err error) rest.JSONErrorCode {
	var rerr *rest.Error
	if errors.As(err, &rerr) {
		return rerr.Code
	}
	return -1
}

func TestBotAgainstFake(t *testing.T) {
	for _, gw := range gateways() {
		t.Run(gw, func(t *testing.T) { testBotAgainstFake(t, gw) })
	}
}

// checkAnswers validates the fake's answers against the spec too, except
// under the race detector, where compiling the answer schemas takes most of
// a minute and shapes do not depend on timing.
func checkAnswers() []discordtest.Option {
	if raceEnabled {
		return nil
	}
	return []discordtest.Option{discordtest.WithResponseValidation()}
}

func testBotAgainstFake(t *testing.T, gw string) {
	w := newWorld(t, gw, gateway.CompressionZstdStream, checkAnswers()...)
	srv := w.srv

	t.Run("connects and caches the guild", func(t *testing.T) {
		g, ok := w.client.Caches.Guild(w.guild.ID)
		if !ok || g.Name != "Studio" || g.OwnerID != w.guild.Owner().ID {
			t.Fatalf("cached guild = %+v, %v", g, ok)
		}
		if ch, ok := w.client.Caches.Channel(w.general.ID); !ok || ch.Name() != "general" {
			t.Fatalf("cached channel = %v, %v", ch, ok)
		}
		if r, ok := w.client.Caches.Role(w.guild.ID, w.admin.ID); !ok || r.Name != "Admins" || r.Permissions != discord.PermissionManageGuild {
			t.Fatalf("cached role = %+v, %v", r, ok)
		}
		if m, ok := w.client.Caches.Member(w.guild.ID, w.srv.BotUser().ID); !ok || !m.User.Bot {
			t.Fatalf("cached bot member = %+v, %v", m, ok)
		}
		if st := srv.Stats(); st.Sessions != 1 || st.Identifies != 1 || st.Connections != 1 {
			t.Fatalf("stats = %+v", st)
		}
	})

	t.Run("registers commands once", func(t *testing.T) {
		st := srv.Stats()
		if st.GuildCommandOverwrites != 1 || st.GlobalCommandOverwrites != 1 {
			t.Fatalf("overwrites = %d guild, %d global", st.GuildCommandOverwrites, st.GlobalCommandOverwrites)
		}
		var names []string
		for _, c := range srv.Commands(w.guild.ID) {
			names = append(names, c.Name)
		}
		if got := strings.Join(names, ","); got != "generate,queue,prompt,buttons,twice,slow,dm,noop,upload,admin,Generate from this image,Show Jobs" {
			t.Fatalf("guild commands = %s", got)
		}
	})

	t.Run("deferred reply edited with a PNG", func(t *testing.T) {
		ia := srv.SlashCommand(waitCtx(t), w.alice, w.general, "generate", discordtest.StringArg("prompt", "a cat"), discordtest.IntArg("steps", 20))
		resp, err := ia.Wait(waitCtx(t))
		if err != nil || resp.Type != discordtest.ResponseDeferredMessage || !resp.Message.Loading {
			t.Fatalf("response = %+v, %v", resp, err)
		}
		if err := w.nextErr(t); err != nil {
			t.Fatalf("bot edit: %v", err)
		}
		e, err := srv.WaitFor(waitCtx(t), func(e discordtest.Event) bool {
			return e.InteractionID == ia.ID() && e.Kind == discordtest.KindEdit
		})
		if err != nil {
			t.Fatal(err)
		}
		if e.User != "alice" || e.Content != "done: a cat (20 steps)" || e.Deferred {
			t.Fatalf("edit event = %v", e)
		}
		if len(e.Files) != 1 || e.Files[0].Name != "out.png" || e.Files[0].Width != 64 || e.Files[0].Height != 32 || e.Files[0].ContentType != "image/png" || e.Files[0].Description != "the image" {
			t.Fatalf("files = %+v", e.Files)
		}
		if len(e.Embeds) != 1 || e.Embeds[0].Image != e.Files[0].URL {
			t.Fatalf("embed image %q, want the attachment URL %q", e.Embeds[0].Image, e.Files[0].URL)
		}
		m, ok := srv.Message(w.general.ID, e.MessageID)
		if !ok || m.Edits != 1 || m.Loading {
			t.Fatalf("stored message = %+v", m)
		}
	})

	t.Run("subcommand with a user option, ephemeral reply", func(t *testing.T) {
		ia := srv.SlashCommand(waitCtx(t), w.bob, w.general, "queue view", discordtest.UserArg("user", w.alice), discordtest.IntArg("page", 2))
		resp, err := ia.Wait(waitCtx(t))
		if err != nil {
			t.Fatal(err)
		}
		if !resp.Ephemeral || resp.Message.Content != "queue of alice, page 2, asked by bob" || resp.Message.VisibleTo != "bob" {
			t.Fatalf("response = %+v, message %+v", resp, resp.Message)
		}
		if last, _ := srv.LastMessageVisibleTo(w.alice); last.ID == resp.Message.ID {
			t.Fatal("alice sees bob's ephemeral reply")
		}
		if err := w.nextErr(t); err != nil {
			t.Fatal(err)
		}
	})

	t.Run("autocomplete", func(t *testing.T) {
		ia := srv.Autocomplete(waitCtx(t), w.alice, w.general, "generate", discordtest.StringArg("template", "po"), discordtest.StringArg("prompt", "x"))
		resp, err := ia.Wait(waitCtx(t))
		if err != nil || resp.Type != discordtest.ResponseAutocomplete {
			t.Fatalf("response = %+v, %v", resp, err)
		}
		if len(resp.Choices) != 2 || resp.Choices[0].Name != "portrait po" || resp.Choices[0].Value != "portrait" {
			t.Fatalf("choices = %+v", resp.Choices)
		}
		if err := w.nextErr(t); err != nil {
			t.Fatal(err)
		}
	})

	t.Run("message command on a PNG a user posted", func(t *testing.T) {
		img := pngOf(48, 24)
		posted, err := srv.PostUserMessage(w.alice, w.general, "look at this", discordtest.File{Name: "cat.png", Data: img})
		if err != nil {
			t.Fatal(err)
		}
		if f := posted.Files; posted.Author != "alice" || len(f) != 1 || f[0].ContentType != "image/png" || f[0].Width != 48 || f[0].Height != 24 || f[0].Size != len(img) {
			t.Fatalf("posted = %+v", posted)
		}
		if e, err := srv.WaitFor(waitCtx(t), func(e discordtest.Event) bool { return e.MessageID == posted.ID }); err != nil || e.Kind != discordtest.KindPost || e.User != "alice" || e.Content != "look at this" {
			t.Fatalf("timeline = %v, %v", e, err)
		}
		ia := srv.MessageCommand(waitCtx(t), w.bob, "Generate from this image", posted)
		resp, err := ia.Wait(waitCtx(t))
		if err != nil {
			t.Fatal(err)
		}
		if err := w.nextErr(t); err != nil {
			t.Fatal(err)
		}
		want := `"look at this" by alice: ` + describe("cat.png", img, "image/png", "48x24")
		if !resp.Ephemeral || resp.Message.VisibleTo != "bob" || resp.Message.Content != want {
			t.Fatalf("reply = %+v\nwant content %s", resp.Message, want)
		}
		reply, err := w.client.Rest.GetInteractionResponse(srv.AppID(), ia.Token())
		if err != nil {
			t.Fatal(err)
		}
		md := reply.InteractionMetadata
		if reply.Type != discord.MessageTypeContextMenuCommand || md == nil || md.TargetMessageID == nil || *md.TargetMessageID != posted.ID || md.User.ID != w.bob.ID {
			t.Fatalf("reply type %d, metadata %+v", reply.Type, md)
		}
	})

	t.Run("user command", func(t *testing.T) {
		ia := srv.UserCommand(waitCtx(t), w.bob, w.general, "Show Jobs", w.alice)
		resp, err := ia.Wait(waitCtx(t))
		if err != nil {
			t.Fatal(err)
		}
		if err := w.nextErr(t); err != nil {
			t.Fatal(err)
		}
		if want := "jobs of alice (a member), asked by bob"; resp.Message.Content != want {
			t.Fatalf("reply %q, want %q", resp.Message.Content, want)
		}
		reply, err := w.client.Rest.GetInteractionResponse(srv.AppID(), ia.Token())
		if err != nil {
			t.Fatal(err)
		}
		if md := reply.InteractionMetadata; md == nil || md.TargetUser == nil || md.TargetUser.ID != w.alice.ID || md.TargetMessageID != nil {
			t.Fatalf("metadata %+v", md)
		}
	})

	t.Run("modal opened and submitted", func(t *testing.T) {
		ia := srv.SlashCommand(waitCtx(t), w.alice, w.general, "prompt")
		resp, err := ia.Wait(waitCtx(t))
		if err != nil || resp.Modal == nil || resp.Modal.Title != "Edit prompt" || len(resp.Modal.Fields) != 1 || resp.Modal.Fields[0].Label != "Prompt" {
			t.Fatalf("modal response = %+v, %v", resp, err)
		}
		if err := w.nextErr(t); err != nil {
			t.Fatal(err)
		}
		sub := srv.SubmitModal(waitCtx(t), w.alice, w.general, "/modal/prompt", map[string]string{"text": "a dog"})
		resp, err = sub.Wait(waitCtx(t))
		if err != nil || resp.Message == nil || resp.Message.Content != "new prompt: a dog" {
			t.Fatalf("submit response = %+v, %v", resp, err)
		}
		if err := w.nextErr(t); err != nil {
			t.Fatal(err)
		}
	})

	t.Run("button click updates the message", func(t *testing.T) {
		ia := srv.SlashCommand(waitCtx(t), w.alice, w.general, "buttons")
		if _, err := ia.Wait(waitCtx(t)); err != nil {
			t.Fatal(err)
		}
		if err := w.nextErr(t); err != nil {
			t.Fatal(err)
		}
		msg, ok := srv.LastMessageVisibleTo(w.bob)
		if !ok || len(msg.Buttons) != 2 || msg.Buttons[1].CustomID != "/btn/later" {
			t.Fatalf("last message = %+v", msg)
		}
		click := srv.ClickButton(waitCtx(t), w.bob, msg, "/btn/later")
		resp, err := click.Wait(waitCtx(t))
		if err != nil || resp.Type != discordtest.ResponseUpdate || resp.Message.ID != msg.ID || resp.Message.Content != "clicked later" || len(resp.Message.Buttons) != 0 {
			t.Fatalf("click response = %+v, %v", resp, err)
		}
		if err := w.nextErr(t); err != nil {
			t.Fatal(err)
		}
	})

	t.Run("second callback is rejected with 40060", func(t *testing.T) {
		ia := srv.SlashCommand(waitCtx(t), w.alice, w.general, "twice")
		if _, err := ia.Wait(waitCtx(t)); err != nil {
			t.Fatal(err)
		}
		if code := restCode(w.nextErr(t)); code != rest.JSONErrorCodeInteractionAlreadyAcknowledged {
			t.Fatalf("second callback code = %d", code)
		}
	})

	t.Run("command hidden by default_member_permissions", func(t *testing.T) {
		ia := srv.SlashCommand(waitCtx(t), w.bob, w.general, "admin")
		if _, err := ia.Wait(waitCtx(t)); err != nil {
			t.Fatalf("bob has Manage Server: %v", err)
		}
		if err := w.nextErr(t); err != nil {
			t.Fatal(err)
		}
	})

	t.Run("global command in a DM, then closed DMs answer 50007", func(t *testing.T) {
		ia := srv.SlashCommand(waitCtx(t), w.alice, srv.DM(w.alice), "ping")
		resp, err := ia.Wait(waitCtx(t))
		if err != nil || resp.Message.Content != "pong" || resp.Message.Channel != "dm:alice" {
			t.Fatalf("DM ping = %+v, %v", resp, err)
		}
		if err := w.nextErr(t); err != nil {
			t.Fatal(err)
		}
		srv.CloseDMs(w.alice)
		defer srv.OpenDMs(w.alice)
		ia = srv.SlashCommand(waitCtx(t), w.alice, w.general, "dm")
		if _, err := ia.Wait(waitCtx(t)); err != nil {
			t.Fatal(err)
		}
		if code := restCode(w.nextErr(t)); code != rest.JSONErrorCodeCannotSendMessagesToThisUser {
			t.Fatalf("DM code = %d, want 50007", code)
		}
		if orig, _ := ia.Original(); orig.Content != "could not DM you" {
			t.Fatalf("original = %+v", orig)
		}
	})

	t.Run("editing a message a user deleted gets 10008", func(t *testing.T) {
		m, err := w.client.Rest.CreateMessage(w.general.ID, discord.MessageCreate{Content: "progress 10%"})
		if err != nil {
			t.Fatal(err)
		}
		if err := srv.DeleteMessage(w.general.ID, m.ID); err != nil {
			t.Fatal(err)
		}
		_, err = w.client.Rest.UpdateMessage(w.general.ID, m.ID, discord.MessageUpdate{Content: ptr("progress 20%")})
		if code := restCode(err); code != rest.JSONErrorCodeUnknownMessage {
			t.Fatalf("edit after delete: %v", err)
		}
	})

	t.Run("followups after an ephemeral defer", func(t *testing.T) {
		ctx, cancel := context.WithCancel(waitCtx(t))
		defer cancel()
		timeline := srv.Subscribe(ctx)
		ia := srv.SlashCommand(waitCtx(t), w.alice, w.general, "noop")
		if err := w.nextErr(t); err != nil {
			t.Fatal(err)
		}
		api, app, token := w.client.Rest, srv.AppID(), ia.Token()
		cb, err := api.CreateInteractionResponseWithCallback(ia.ID(), token, discord.InteractionResponse{
			Type: discord.InteractionResponseTypeDeferredCreateMessage,
			Data: discord.MessageCreate{Flags: discord.MessageFlagEphemeral},
		})
		if err != nil || cb.Resource == nil || cb.Resource.Message == nil || !cb.Interaction.ResponseMessageLoading || !cb.Interaction.ResponseMessageEphemeral {
			t.Fatalf("callback = %+v, %v", cb, err)
		}
		original := cb.Resource.Message.ID
		filled, err := api.CreateFollowupMessage(app, token, discord.MessageCreate{Content: "filled in"})
		if err != nil || filled.ID != original || filled.Flags&discord.MessageFlagEphemeral == 0 {
			t.Fatalf("first followup = %+v, %v (want the loading message %d filled in)", filled, err, original)
		}
		second, err := api.CreateFollowupMessage(app, token, discord.MessageCreate{Content: "second"})
		if err != nil || second.ID == original || second.InteractionMetadata == nil || *second.InteractionMetadata.OriginalResponseMessageID != original {
			t.Fatalf("second followup = %+v, %v", second, err)
		}
		if _, err := api.UpdateFollowupMessage(app, token, second.ID, discord.MessageUpdate{Content: ptr("second, edited")}); err != nil {
			t.Fatal(err)
		}
		if got, err := api.GetFollowupMessage(app, token, second.ID); err != nil || got.Content != "second, edited" {
			t.Fatalf("get followup = %+v, %v", got, err)
		}
		if err := api.DeleteFollowupMessage(app, token, second.ID); err != nil {
			t.Fatal(err)
		}
		if got, err := api.GetInteractionResponse(app, token); err != nil || got.Content != "filled in" {
			t.Fatalf("@original = %+v, %v", got, err)
		}
		if err := api.DeleteInteractionResponse(app, token); err != nil {
			t.Fatal(err)
		}
		if _, err := api.GetInteractionResponse(app, token); restCode(err) != rest.JSONErrorCodeUnknownMessage {
			t.Fatalf("@original after delete: %v", err)
		}
		if f := ia.Followups(); len(f) != 1 || !f[0].Deleted {
			t.Fatalf("followups = %+v", f)
		}
		var kinds []string
		for e := range timeline {
			if e.InteractionID != ia.ID() {
				continue
			}
			kinds = append(kinds, string(e.Kind))
			if e.Kind == discordtest.KindDelete && e.MessageID == original {
				break
			}
		}
		if got := strings.Join(kinds, " "); got != "reply edit followup edit delete delete" {
			t.Fatalf("timeline = %s", got)
		}
	})

	t.Run("429 storm is survived", func(t *testing.T) {
		before := srv.Stats().RateLimited
		srv.Storm429("POST /channels", 1)
		if _, err := w.client.Rest.CreateMessage(w.general.ID, discord.MessageCreate{Content: "after the storm"}); err != nil {
			t.Fatal(err)
		}
		if got := srv.Stats().RateLimited - before; got != 1 {
			t.Fatalf("429s = %d, want 1", got)
		}
	})

	t.Run("gateway drop resumes the session", func(t *testing.T) {
		before := srv.Stats()
		srv.DropGateway()
		w.await(t, w.resumed, "RESUMED")
		after := srv.Stats()
		if after.Resumes != before.Resumes+1 || after.Identifies != before.Identifies || after.Sessions != before.Sessions {
			t.Fatalf("stats before %+v after %+v", before, after)
		}
		ia := srv.SlashCommand(waitCtx(t), w.alice, w.general, "ping")
		if _, err := ia.Wait(waitCtx(t)); err != nil {
			t.Fatal(err)
		}
		if err := w.nextErr(t); err != nil {
			t.Fatal(err)
		}
	})

	t.Run("gateway outage refuses connections until it ends", func(t *testing.T) {
		before := srv.Stats()
		srv.GatewayDown()
		rs, err := http.Get("http" + strings.TrimPrefix(srv.GatewayURL(), "ws"))
		if err != nil {
			t.Fatal(err)
		}
		rs.Body.Close()
		if rs.StatusCode != http.StatusServiceUnavailable {
			t.Fatalf("GET /gw during the outage: %d, want 503", rs.StatusCode)
		}
		srv.GatewayUp()
		w.await(t, w.resumed, "RESUMED after the outage")
		if after := srv.Stats(); after.Resumes != before.Resumes+1 || after.Sessions != before.Sessions {
			t.Fatalf("stats before %+v after %+v", before, after)
		}
	})

	t.Run("opcode 7 makes the bot resume", func(t *testing.T) {
		before := srv.Stats()
		srv.ReconnectGateway()
		w.await(t, w.resumed, "RESUMED after opcode 7")
		if after := srv.Stats(); after.Resumes != before.Resumes+1 || after.Sessions != before.Sessions {
			t.Fatalf("stats before %+v after %+v", before, after)
		}
	})

	t.Run("invalidated session identifies again", func(t *testing.T) {
		before := srv.Stats()
		srv.InvalidateSessions()
		w.await(t, w.ready, "READY after opcode 9")
		w.await(t, w.guildReady, "GUILD_CREATE after opcode 9")
		if after := srv.Stats(); after.Sessions != before.Sessions+1 || after.Identifies != before.Identifies+1 {
			t.Fatalf("stats before %+v after %+v", before, after)
		}
	})

	if v := srv.Violations(); len(v) > 0 {
		t.Errorf("violations: %q", v)
	}
}

func TestUnknownCommandIsATestError(t *testing.T) {
	w := newWorld(t, "discordtest", gateway.CompressionZstdStream, discordtest.WithRecordedViolations())
	tests := []struct {
		name string
		user *discordtest.User
		path string
		args []discordtest.Arg
		want string
	}{
		{"unknown command", w.alice, "nope", nil, "unknown command /nope"},
		{"missing required option", w.alice, "generate", nil, `required option "prompt" missing`},
		{"out of range", w.alice, "generate", []discordtest.Arg{discordtest.StringArg("prompt", "x"), discordtest.IntArg("steps", 500)}, "out of range"},
		{"wrong type", w.alice, "generate", []discordtest.Arg{discordtest.IntArg("prompt", 1)}, "has type 3"},
		{"needs subcommand", w.alice, "queue", nil, "needs a subcommand"},
		{"hidden by permissions", w.alice, "admin", nil, "default_member_permissions"},
		{"guild command in DM", w.alice, "generate", []discordtest.Arg{discordtest.StringArg("prompt", "x")}, "unknown command"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			ch := w.general
			if tc.name == "guild command in DM" {
				ch = w.srv.DM(tc.user)
			}
			n := len(w.srv.Violations())
			_, err := w.srv.SlashCommand(waitCtx(t), tc.user, ch, tc.path, tc.args...).Wait(waitCtx(t))
			if !errors.Is(err, discordtest.ErrInvalidInteraction) || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("err = %v, want %q", err, tc.want)
			}
			if v := w.srv.Violations(); len(v) != n+1 {
				t.Fatalf("violations = %q", v[n:])
			}
		})
	}
}

// A file attached to a command option arrives as Discord sends it: its id
// in the options, the attachment in resolved.attachments (with the size of
// an image), the bytes at its CDN URL. A file over the upload limit cannot
// be attached at all.
func TestAttachmentOption(t *testing.T) {
	w := newWorld(t, "discordtest", gateway.CompressionZstdStream, discordtest.WithRecordedViolations(), discordtest.WithAttachmentSizeLimit(1<<10))
	img := pngOf(20, 10)
	for _, tc := range []struct {
		name, contentType, size string
		data                    []byte
	}{
		{"flow.json", "application/json", "-", []byte(`{"3": {}}`)},
		{"cat.png", "image/png", "20x10", img},
	} {
		ia := w.srv.SlashCommand(waitCtx(t), w.alice, w.general, "upload", discordtest.AttachmentArg("file", tc.name, tc.data))
		if err := w.nextErr(t); err != nil {
			t.Fatal(err)
		}
		resp, err := ia.Wait(waitCtx(t))
		if err != nil {
			t.Fatal(err)
		}
		if want := describe(tc.name, tc.data, tc.contentType, tc.size); resp.Message == nil || resp.Message.Content != want {
			t.Fatalf("the handler saw %+v, want %q", resp.Message, want)
		}
	}
	_, err := w.srv.SlashCommand(waitCtx(t), w.alice, w.general, "upload", discordtest.AttachmentArg("file", "big.json", make([]byte, 1<<10+1))).Wait(waitCtx(t))
	if !errors.Is(err, discordtest.ErrInvalidInteraction) || !strings.Contains(err.Error(), "over the upload limit") {
		t.Fatalf("an oversize file = %v", err)
	}
	_, err = w.srv.SlashCommand(waitCtx(t), w.alice, w.general, "upload", discordtest.StringArg("file", "x")).Wait(waitCtx(t))
	if !errors.Is(err, discordtest.ErrInvalidInteraction) || !strings.Contains(err.Error(), "has type 11") {
		t.Fatalf("a string for an attachment option = %v", err)
	}
}

// Context menu commands are registered and refused by Discord's rules:
// mixed case and spaces in names, no description, no options, 15 of each
// type. A refused overwrite changes nothing.
func TestContextMenuRegistration(t *testing.T) {
	w := newWorld(t, "discordtest", gateway.CompressionZstdStream, discordtest.WithRecordedViolations())
	registered := w.srv.Commands(w.guild.ID)
	kinds := map[string]int{}
	for _, c := range registered {
		kinds[c.Name] = c.Type
		if c.Type != 1 && (c.Description != "" || len(c.Options) > 0) {
			t.Errorf("%q came back with a description or options: %+v", c.Name, c)
		}
	}
	if kinds["Generate from this image"] != 3 || kinds["Show Jobs"] != 2 || kinds["generate"] != 1 {
		t.Fatalf("registered kinds = %v", kinds)
	}
	many := func(n int) string {
		var cs []string
		for i := range n {
			cs = append(cs, fmt.Sprintf(`{"type":3,"name":"Action %d"}`, i))
		}
		return "[" + strings.Join(cs, ",") + "]"
	}
	tests := []struct {
		name, body string
		code       rest.JSONErrorCode
		want       string // in the error's "errors" or message
	}{
		{"description set", `[{"type":3,"name":"Generate from this image","description":"Make art"}]`, 50035, "APPLICATION_COMMAND_CONTEXT_MENU_DESCRIPTION_INVALID"},
		{"options set", `[{"type":3,"name":"Generate from this image","options":[{"type":3,"name":"prompt","description":"What"}]}]`, 50035, "APPLICATION_COMMAND_CONTEXT_MENU_OPTIONS_INVALID"},
		{"description on a user command", `[{"type":2,"name":"Show Jobs","description":"x"}]`, 50035, `"0":{"description"`},
		{"name over 32", `[{"type":3,"name":"` + strings.Repeat("n", 33) + `"}]`, 50035, `"0":{"name"`},
		{"16 message commands", many(16), 30032, "Maximum number of application commands reached (15)"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			n := len(w.srv.Violations())
			endpoint := rest.SetGuildCommands.Compile(nil, w.srv.AppID(), w.guild.ID)
			err := w.client.Rest.Do(endpoint, json.RawMessage(tc.body), nil)
			var rerr *rest.Error
			if !errors.As(err, &rerr) || rerr.Response.StatusCode != http.StatusBadRequest || rerr.Code != tc.code ||
				!strings.Contains(string(rerr.Errors)+rerr.Message, tc.want) {
				t.Fatalf("err = %v, want %d with %s", err, tc.code, tc.want)
			}
			if v := w.srv.Violations(); len(v) != n+1 {
				t.Errorf("violations = %q, want one more", v[n:])
			}
			if after := w.srv.Commands(w.guild.ID); len(after) != len(registered) {
				t.Errorf("a refused overwrite left %d commands, want the %d before", len(after), len(registered))
			}
		})
	}
	if _, err := w.client.Rest.SetGuildCommands(w.srv.AppID(), w.guild.ID, append(slices.Clone(commands), discord.UserCommandCreate{Name: "Generate from this image"})); err != nil {
		t.Errorf("a user and a message command may share a name: %v", err)
	}
	if err := w.client.Rest.Do(rest.SetGuildCommands.Compile(nil, w.srv.AppID(), w.guild.ID), json.RawMessage(many(15)), nil); err != nil {
		t.Errorf("15 message commands: %v", err)
	}
}

// A message command reaches the bot only as a user could send it.
func TestMessageCommandRefusals(t *testing.T) {
	w := newWorld(t, "discordtest", gateway.CompressionZstdStream, discordtest.WithRecordedViolations())
	posted, err := w.srv.PostUserMessage(w.alice, w.general, "", discordtest.File{Name: "cat.png", Data: pngOf(4, 4)})
	if err != nil {
		t.Fatal(err)
	}
	hiddenReply := w.srv.SlashCommand(waitCtx(t), w.bob, w.general, "queue view", discordtest.UserArg("user", w.alice))
	if err := w.nextErr(t); err != nil {
		t.Fatal(err)
	}
	resp, err := hiddenReply.Wait(waitCtx(t))
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name   string
		target discordtest.Message
		cmd    string
		want   string
	}{
		{"unknown name", posted, "Upscale", `unknown message command "Upscale" (registered: "Generate from this image")`},
		{"a slash command's name", posted, "generate", `unknown message command "generate"`},
		{"a user command's name", posted, "Show Jobs", `unknown message command "Show Jobs"`},
		{"someone else's ephemeral reply", *resp.Message, "Generate from this image", "cannot see message"},
		{"no such message", discordtest.Message{ID: 42}, "Generate from this image", "unknown message 42"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			n := len(w.srv.Violations())
			_, err := w.srv.MessageCommand(waitCtx(t), w.alice, tc.cmd, tc.target).Wait(waitCtx(t))
			if !errors.Is(err, discordtest.ErrInvalidInteraction) || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("err = %v, want %q", err, tc.want)
			}
			if v := w.srv.Violations(); len(v) != n+1 {
				t.Fatalf("violations = %q", v[n:])
			}
		})
	}
	_, err = w.srv.SlashCommand(waitCtx(t), w.alice, w.general, "Generate from this image").Wait(waitCtx(t))
	if !errors.Is(err, discordtest.ErrInvalidInteraction) || !strings.Contains(err.Error(), "unknown command /Generate") {
		t.Fatalf("a message command typed as a slash command = %v", err)
	}
	_, err = w.srv.UserCommand(waitCtx(t), w.alice, w.general, "Generate from this image", w.bob).Wait(waitCtx(t))
	if !errors.Is(err, discordtest.ErrInvalidInteraction) || !strings.Contains(err.Error(), `unknown user command "Generate from this image" (registered: "Show Jobs")`) {
		t.Fatalf("a message command as a user command = %v", err)
	}
}

// Users post only what Discord's client lets them post.
func TestPostUserMessageRefusals(t *testing.T) {
	srv := discordtest.New(t, discordtest.WithAttachmentSizeLimit(100))
	g := srv.AddGuild("Studio")
	general := g.AddChannel("general", false)
	alice, carol, dave := srv.AddUser("alice"), srv.AddUser("carol"), srv.AddUser("dave")
	g.AddMember(alice)
	g.AddMember(carol)
	png := []discordtest.File{{Name: "a.png", Data: pngOf(2, 2)}}
	view, send := discordtest.PermViewChannel, discordtest.PermSendMessages
	tests := []struct {
		name     string
		everyone discordtest.Permissions
		user     *discordtest.User
		ch       *discordtest.Channel
		content  string
		files    []discordtest.File
		want     string
	}{
		{"someone else's DM", discordtest.PermEveryoneDefault, carol, srv.DM(alice), "hi", nil, "carol cannot see dm:alice"},
		{"not in the guild", discordtest.PermEveryoneDefault, dave, general, "hi", nil, "dave cannot see #general"},
		{"without Send Messages", view, alice, general, "hi", nil, "lacks Send Messages"},
		{"without Attach Files", view | send, alice, general, "", png, "lacks Attach Files"},
		{"empty", discordtest.PermEveryoneDefault, alice, general, "", nil, "an empty message"},
		{"too long", discordtest.PermEveryoneDefault, alice, general, strings.Repeat("x", 2001), nil, "over 2000"},
		{"over the upload limit", discordtest.PermEveryoneDefault, alice, general, "", []discordtest.File{{Name: "big.bin", Data: make([]byte, 101)}}, "over the upload limit of 100"},
		{"11 files", discordtest.PermEveryoneDefault, alice, general, "", slices.Repeat(png, 11), "11 files, over 10"},
		{"a file without a name", discordtest.PermEveryoneDefault, alice, general, "", []discordtest.File{{Data: []byte("a")}}, "without a name"},
		{"the bot", discordtest.PermEveryoneDefault, srv.BotUser(), general, "hi", nil, "is a bot"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			g.Everyone().SetPermissions(tc.everyone)
			_, err := srv.PostUserMessage(tc.user, tc.ch, tc.content, tc.files...)
			if !errors.Is(err, discordtest.ErrInvalidInteraction) || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("err = %v, want %q", err, tc.want)
			}
		})
	}
	if n := len(srv.Messages(general.ID)) + len(srv.Messages(srv.DM(alice).ID)); n != 0 {
		t.Errorf("refused posts left %d messages", n)
	}
	g.Everyone().SetPermissions(view | send)
	if _, err := srv.PostUserMessage(alice, general, "words need no Attach Files"); err != nil {
		t.Error(err)
	}
	if _, err := srv.PostUserMessage(alice, srv.DM(alice), "", png...); err != nil {
		t.Errorf("a DM with the bot needs no guild permission: %v", err)
	}
}

func TestInteractionUploadLimit(t *testing.T) {
	w := newWorld(t, "discordtest", gateway.CompressionZstdStream, discordtest.WithRecordedViolations(), discordtest.WithAttachmentSizeLimit(1<<10))
	ia := w.srv.SlashCommand(waitCtx(t), w.alice, w.general, "noop")
	if err := w.nextErr(t); err != nil {
		t.Fatal(err)
	}
	if got := <-w.limits; got != 1<<10 {
		t.Fatalf("attachment_size_limit = %d", got)
	}
	api, app := w.client.Rest, w.srv.AppID()
	if err := api.CreateInteractionResponse(ia.ID(), ia.Token(), discord.InteractionResponse{Type: discord.InteractionResponseTypeDeferredCreateMessage}); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name  string
		files []*discord.File
		code  rest.JSONErrorCode
	}{
		{"over the interaction's limit", files(1, 1<<10+1), rest.JSONErrorCodeRequestEntityTooLarge},
		{"eleven files", files(11, 1), rest.JSONErrorCodeMaximumAttachmentsInMessageReached},
		{"at the limit", files(1, 1<<10), 0},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, err := api.UpdateInteractionResponse(app, ia.Token(), discord.MessageUpdate{Files: tc.files})
			if tc.code == 0 && err != nil || tc.code != 0 && restCode(err) != tc.code {
				t.Fatalf("err = %v, want code %d", err, tc.code)
			}
		})
	}
	if orig, ok := ia.Original(); !ok || len(orig.Files) != 1 || orig.Files[0].Size != 1<<10 {
		t.Fatalf("original = %+v", orig)
	}
}

// clock is a test clock the fake reads; Advance jumps it.
type clock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *clock) Advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = c.t.Add(d)
}

func TestDeadlinesOnTheFakeClock(t *testing.T) {
	clk := &clock{t: time.Date(2026, 11, 25, 12, 0, 0, 0, time.UTC)}
	w := newWorld(t, "discordtest", gateway.CompressionZstdStream, discordtest.WithClock(clk.Now))
	srv := w.srv

	t.Run("late answer gets 10062", func(t *testing.T) {
		ia := srv.SlashCommand(waitCtx(t), w.alice, w.general, "slow")
		<-w.entered
		clk.Advance(discordtest.DefaultCallbackDeadline + time.Millisecond)
		w.release <- struct{}{}
		if code := restCode(w.nextErr(t)); code != rest.JSONErrorCodeUnknownInteraction {
			t.Fatalf("late callback code = %d", code)
		}
		if _, err := ia.Wait(waitCtx(t)); !errors.Is(err, discordtest.ErrNoResponse) {
			t.Fatalf("Wait = %v, want ErrNoResponse", err)
		}
		if _, err := srv.WaitFor(waitCtx(t), func(e discordtest.Event) bool {
			return e.InteractionID == ia.ID() && e.Kind == discordtest.KindError
		}); err != nil {
			t.Fatal(err)
		}
	})

	t.Run("token expires after 15 minutes", func(t *testing.T) {
		ia := srv.SlashCommand(waitCtx(t), w.alice, w.general, "slow")
		<-w.entered
		w.release <- struct{}{}
		if err := w.nextErr(t); err != nil {
			t.Fatal(err)
		}
		upd := discord.MessageUpdate{Content: ptr("still working")}
		if _, err := w.client.Rest.UpdateInteractionResponse(srv.AppID(), ia.Token(), upd); err != nil {
			t.Fatalf("edit within 15 min: %v", err)
		}
		clk.Advance(discordtest.DefaultTokenTTL + time.Second)
		_, err := w.client.Rest.UpdateInteractionResponse(srv.AppID(), ia.Token(), upd)
		if code := restCode(err); code != rest.JSONErrorCodeInvalidWebhookToken {
			t.Fatalf("edit after 15 min: %v", err)
		}
		if _, err := w.client.Rest.CreateFollowupMessage(srv.AppID(), ia.Token(), discord.MessageCreate{Content: "done"}); restCode(err) != rest.JSONErrorCodeInvalidWebhookToken {
			t.Fatalf("followup after 15 min: %v", err)
		}
	})

	if v := srv.Violations(); len(v) > 0 {
		t.Errorf("violations: %q", v)
	}
}

func TestWithoutCompression(t *testing.T) {
	for _, gw := range gateways() {
		t.Run(gw, func(t *testing.T) {
			w := newWorld(t, gw, gateway.CompressionNone)
			ia := w.srv.SlashCommand(waitCtx(t), w.alice, w.general, "ping")
			resp, err := ia.Wait(waitCtx(t))
			if err != nil || resp.Message.Content != "pong" {
				t.Fatalf("response = %+v, %v", resp, err)
			}
			if err := w.nextErr(t); err != nil {
				t.Fatal(err)
			}
		})
	}
}

func TestBadTokenIsRefusedWith4004(t *testing.T) {
	for _, gw := range gateways() {
		t.Run(gw, func(t *testing.T) {
			srv := discordtest.New(t)
			client, err := newBot(srv, discordtest.NewToken(srv.AppID()+1), gw, gateway.CompressionZstdStream)
			if err != nil {
				t.Fatal(err)
			}
			err = client.OpenGateway(waitCtx(t))
			var closeErr *websocket.CloseError
			if !errors.As(err, &closeErr) || closeErr.Code != 4004 {
				t.Fatalf("open gateway: %v, want close code 4004", err)
			}
			if st := srv.Stats(); st.Sessions != 0 || st.Identifies != 1 {
				t.Fatalf("stats = %+v", st)
			}
		})
	}
}

// A user's post reaches bots with the message intents as MESSAGE_CREATE;
// outside DMs, only with Message Content does it carry the content and the
// files.
func TestPostsReachBotsWithTheMessageIntents(t *testing.T) {
	srv := discordtest.New(t)
	g := srv.AddGuild("Studio")
	general := g.AddChannel("general", false)
	alice := srv.AddUser("alice")
	g.AddMember(alice)
	type seen struct {
		t gateway.EventType
		d gateway.EventData
	}
	connect := func(intents gateway.Intents) <-chan seen {
		ch := make(chan seen, 10)
		gwc := discordtest.NewGatewayClient(srv.GatewayURL(), srv.Token(), func(_ gateway.Gateway, et gateway.EventType, _ int, d gateway.EventData) {
			if et == gateway.EventTypeMessageCreate || et == gateway.EventTypeChannelCreate {
				ch <- seen{et, d}
			}
		}, discordtest.GatewayClientOptions{Intents: intents})
		if err := gwc.Open(waitCtx(t)); err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { gwc.Close(context.Background()) })
		return ch
	}
	msgs := gateway.IntentGuilds | gateway.IntentGuildMessages | gateway.IntentDirectMessages
	none, noContent, content := connect(gateway.IntentGuilds), connect(msgs), connect(msgs|gateway.IntentMessageContent)

	img := pngOf(8, 8)
	inGuild, err := srv.PostUserMessage(alice, general, "look", discordtest.File{Name: "cat.png", Data: img})
	if err != nil {
		t.Fatal(err)
	}
	inDM, err := srv.PostUserMessage(alice, srv.DM(alice), "psst")
	if err != nil {
		t.Fatal(err)
	}
	g.AddChannel("after", false) // every bot sees this after the posts

	next := func(ch <-chan seen) seen {
		t.Helper()
		select {
		case s := <-ch:
			return s
		case <-waitCtx(t).Done():
			t.Fatal("no event")
			return seen{}
		}
	}
	message := func(ch <-chan seen) discord.Message {
		t.Helper()
		s := next(ch)
		mc, ok := s.d.(gateway.EventMessageCreate)
		if !ok {
			t.Fatalf("got %s, want MESSAGE_CREATE", s.t)
		}
		return mc.Message
	}
	if s := next(none); s.t != gateway.EventTypeChannelCreate {
		t.Errorf("a bot without message intents got %s", s.t)
	}
	m := message(noContent)
	if m.ID != inGuild.ID || m.Author.ID != alice.ID || m.GuildID == nil || *m.GuildID != g.ID || m.Member == nil || m.Content != "" || len(m.Attachments) != 0 {
		t.Errorf("without Message Content, the guild post = %+v", m)
	}
	if m := message(noContent); m.ID != inDM.ID || m.Content != "psst" || m.GuildID != nil {
		t.Errorf("without Message Content, the DM = %+v", m)
	}
	m = message(content)
	if m.ID != inGuild.ID || m.Content != "look" || len(m.Attachments) != 1 || m.Attachments[0].Filename != "cat.png" || m.Attachments[0].Size != len(img) {
		t.Errorf("with Message Content, the guild post = %+v", m)
	}
	if m := message(content); m.ID != inDM.ID || m.Content != "psst" {
		t.Errorf("with Message Content, the DM = %+v", m)
	}
}
