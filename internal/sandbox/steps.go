package sandbox

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/disgoorg/snowflake/v2"

	"github.com/AEmotionStudio/ComfyUI-DiscordSend/bot/internal/discordtest"
)

// replyTimeout bounds the wait for a deferred reply ("is thinking…") to be
// filled in.
const replyTimeout = 30 * time.Second

func (s *Session) exec(ctx context.Context, st Step) error {
	switch st.Kind {
	case "user":
		return s.declare(st)
	case "command", "autocomplete":
		return s.command(ctx, st)
	case "click":
		return s.click(ctx, st)
	case "modal":
		return s.modal(ctx, st)
	case "post":
		return s.post(st)
	case "apps":
		return s.apps(ctx, st)
	case "comfy":
		return s.comfyStep(st)
	case "discord":
		switch st.Action {
		case "down":
			s.discord.GatewayDown()
		case "up":
			s.discord.GatewayUp()
		case "429":
			s.discord.Storm429("POST /channels", st.Count)
		}
		return nil
	case "wait":
		return s.wait(ctx, st)
	case "restart", "crash":
		return s.restart(ctx, st.Kind == "crash")
	}
	return s.scriptErr(st, "unknown step %q", st.Kind)
}

// declare adds or changes a guild member.
func (s *Session) declare(st Step) error {
	u := s.discord.AddUser(st.User)
	if u.Bot {
		return s.scriptErr(st, "%s is the bot's own name; pick another", st.User)
	}
	var roles []*discordtest.Role
	for _, r := range st.Roles {
		if r != "user" {
			roles = append(roles, s.roles[r])
		}
	}
	s.guild.AddMember(u, roles...)
	if st.Owner {
		s.guild.SetOwner(u)
	}
	if st.DMClosed {
		s.discord.CloseDMs(u)
	} else {
		s.discord.OpenDMs(u)
	}
	s.users[u.Name] = u
	return nil
}

// actor is the declared user a step acts as, and the channel it acts in.
func (s *Session) actor(st Step) (*discordtest.User, *discordtest.Channel, error) {
	u, ok := s.users[st.User]
	if !ok {
		return nil, nil, s.scriptErr(st, "who is %s? declare them first: user %s roles=generator", st.User, st.User)
	}
	switch st.Channel {
	case "":
		return u, s.general, nil
	case "dm":
		return u, s.discord.DM(u), nil
	}
	ch, ok := s.channelNamed(strings.TrimPrefix(st.Channel, "#"))
	if !ok {
		return nil, nil, s.scriptErr(st, "no channel %s: the sandbox has #general and #nsfw", st.Channel)
	}
	return u, ch, nil
}

// command runs a slash command or types into an autocomplete option.
func (s *Session) command(ctx context.Context, st Step) error {
	u, ch, err := s.actor(st)
	if err != nil {
		return err
	}
	cmds := s.discord.Commands(0)
	if ch.GuildID != 0 {
		cmds = append(cmds, s.discord.Commands(ch.GuildID)...)
	}
	defs, err := leafOptions(cmds, st.Command)
	if err != nil {
		return s.scriptErr(st, "%v", err)
	}
	args, focused, err := buildArgs(defs, st.Options, st.Focused, st.Dir, s)
	if err != nil {
		return s.scriptErr(st, "/%s: %v", st.Command, err)
	}
	var ia *discordtest.Interaction
	if st.Kind == "autocomplete" {
		ia = s.discord.Autocomplete(ctx, u, ch, st.Command, *focused, args...)
	} else {
		ia = s.discord.SlashCommand(ctx, u, ch, st.Command, args...)
	}
	return s.answered(ctx, st, ia)
}

// click clicks the button with the label on the newest message the user
// can see that has one.
func (s *Session) click(ctx context.Context, st Step) error {
	u, ok := s.users[st.User]
	if !ok {
		return s.scriptErr(st, "who is %s? declare them first: user %s roles=generator", st.User, st.User)
	}
	m, b, ok := s.findButton(u, st.Label)
	if !ok {
		return s.scriptErr(st, "%s sees no message with a %q button", st.User, st.Label)
	}
	return s.answered(ctx, st, s.discord.ClickButton(ctx, u, m, b.CustomID))
}

func (s *Session) findButton(u *discordtest.User, label string) (discordtest.Message, discordtest.Button, bool) {
	var best discordtest.Message
	var button discordtest.Button
	found := false
	checked := map[snowflake.ID]bool{}
	for _, e := range s.discord.Events() {
		if e.MessageID == 0 || checked[e.MessageID] || s.isHidden(e) {
			continue
		}
		checked[e.MessageID] = true
		m, ok := s.discord.Message(e.ChannelID, e.MessageID)
		if !ok || m.Deleted || (m.VisibleTo != "" && m.VisibleTo != u.Name) {
			continue
		}
		for _, b := range m.Buttons {
			if strings.EqualFold(b.Label, label) && b.CustomID != "" && !b.Disabled && (!found || m.ID > best.ID) {
				best, button, found = m, b, true
			}
		}
	}
	return best, button, found
}

// modal submits the last modal the bot showed the user, with the step's
// values by text input custom id or label.
func (s *Session) modal(ctx context.Context, st Step) error {
	u, ok := s.users[st.User]
	if !ok {
		return s.scriptErr(st, "who is %s? declare them first: user %s roles=generator", st.User, st.User)
	}
	var shown *discordtest.Event
	for _, e := range s.discord.Events() {
		if e.Kind == discordtest.KindModal && e.User == u.Name {
			shown = &e
		}
	}
	if shown == nil || s.submitted[shown.InteractionID] {
		return s.scriptErr(st, "no modal is open for %s", st.User)
	}
	values := map[string]string{}
	for _, o := range st.Options {
		id, ok := modalField(shown.Modal, o.Name)
		if !ok {
			return s.scriptErr(st, "the modal %q has no field %q", shown.Modal.Title, o.Name)
		}
		values[id] = o.Value
	}
	ch, ok := s.channelByID(u, shown.ChannelID)
	if !ok {
		return s.scriptErr(st, "the modal was opened in %s, which the sandbox does not know", shown.Channel)
	}
	s.submitted[shown.InteractionID] = true
	return s.answered(ctx, st, s.discord.SubmitModal(ctx, u, ch, shown.Modal.CustomID, values))
}

func modalField(m *discordtest.Modal, name string) (string, bool) {
	for _, f := range m.Fields {
		if f.CustomID == name || strings.EqualFold(f.Label, name) {
			return f.CustomID, true
		}
	}
	return "", false
}

// post posts the user's message, with its files, where the step acts.
func (s *Session) post(st Step) error {
	u, ch, err := s.actor(st)
	if err != nil {
		return err
	}
	files := make([]discordtest.File, 0, len(st.Files))
	for _, path := range st.Files {
		f, err := readFile(st.Dir, path)
		if err != nil {
			return s.scriptErr(st, "%v", err)
		}
		files = append(files, f)
	}
	if _, err := s.discord.PostUserMessage(u, ch, st.Content, files...); err != nil {
		return s.scriptErr(st, "%s", strings.TrimPrefix(err.Error(), discordtest.ErrInvalidInteraction.Error()+": "))
	}
	return nil
}

// apps picks a context menu command: a message command on the newest
// message where the step acts that is not ephemeral (so "last" after
// a post is the post, not the bot's private answer to a later command),
// or a user command on a declared user.
func (s *Session) apps(ctx context.Context, st Step) error {
	u, ch, err := s.actor(st)
	if err != nil {
		return err
	}
	if st.Target != "last" {
		name := strings.TrimPrefix(st.Target, "@")
		target, ok := s.users[name]
		if !ok {
			return s.scriptErr(st, "who is %s? declare them first: user %s", name, name)
		}
		return s.answered(ctx, st, s.discord.UserCommand(ctx, u, ch, st.Command, target))
	}
	msgs := s.discord.Messages(ch.ID)
	for _, m := range slices.Backward(msgs) {
		if !m.Ephemeral {
			return s.answered(ctx, st, s.discord.MessageCommand(ctx, u, st.Command, m))
		}
	}
	return s.scriptErr(st, "no message in %s to pick %q on", ch.Label(), st.Command)
}

// answered waits for the bot to acknowledge the interaction and, when it
// deferred, to fill in its reply, so that the next line sees the answer.
// An interaction the bot never answered is on the timeline for everyone
// to see and not the script's failure.
func (s *Session) answered(ctx context.Context, st Step, ia *discordtest.Interaction) error {
	err := s.settle(ctx, ia)
	switch {
	case errors.Is(err, discordtest.ErrNoResponse):
		return nil
	case errors.Is(err, discordtest.ErrInvalidInteraction):
		return s.scriptErr(st, "%v", strings.TrimPrefix(err.Error(), "discordtest: "))
	}
	return err
}

func (s *Session) settle(ctx context.Context, ia *discordtest.Interaction) error {
	resp, err := ia.Wait(ctx)
	if err != nil || resp.Type != discordtest.ResponseDeferredMessage {
		return err
	}
	if m, ok := ia.Original(); ok && !m.Loading {
		return nil
	}
	wctx, cancel := context.WithTimeoutCause(ctx, replyTimeout, fmt.Errorf("the bot did not fill in its deferred reply within %s", replyTimeout))
	defer cancel()
	_, err = s.discord.WaitFor(wctx, func(e discordtest.Event) bool {
		return e.InteractionID == ia.ID() && !e.Deferred && (e.Kind == discordtest.KindEdit || e.Kind == discordtest.KindDelete)
	})
	if err != nil {
		return fmt.Errorf("wait for the reply: %w", context.Cause(wctx))
	}
	return nil
}

// comfyStep turns the fake ComfyUI's knobs.
func (s *Session) comfyStep(st Step) error {
	if s.comfy == nil {
		return s.scriptErr(st, "comfy lines drive the fake ComfyUI; this sandbox uses %s", s.opts.ComfyURL)
	}
	switch st.Action {
	case "restart":
		s.comfy.Restart()
		return nil
	case "down":
		s.comfy.Down()
		s.down = true
		return nil
	case "up":
		if err := s.comfy.Up(); err != nil {
			return fmt.Errorf("bring the fake ComfyUI up: %w", err)
		}
		s.down = false
		return nil
	}
	// Parse checked every value already.
	for k, v := range st.Knobs {
		switch k {
		case "jobtime":
			d, _ := time.ParseDuration(v)
			s.comfy.SetJobDuration(d)
		case "images":
			n, _ := strconv.Atoi(v)
			s.comfy.SetImagesPerOutput(n)
		case "size":
			w, h, _ := ParseSize(v)
			s.comfy.SetImageSize(w, h)
		case "fail":
			s.comfy.FailNextJob()
		}
	}
	return nil
}

// restart stops the bot (SIGTERM, or SIGKILL for a crash) and starts it
// again on the same database.
func (s *Session) restart(ctx context.Context, crash bool) error {
	status := s.bot.stop(crash)
	if !crash && status != "exit status 0" {
		fmt.Fprintf(s.opts.Stderr, "sandbox: the bot ended with %s on SIGTERM (see %s)\n", status, s.logPath)
	}
	return s.startBot(ctx)
}
