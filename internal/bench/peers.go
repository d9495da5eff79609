package bench

import (
	"context"
	"fmt"
	"log/slog"
	"strings"
	"time"

	"github.com/AEmotionStudio/ComfyUI-DiscordSend/bot/internal/comfy/comfytest"
	"github.com/AEmotionStudio/ComfyUI-DiscordSend/bot/internal/discordtest"
)

// Endpoints tell the bot where its peers are.
type Endpoints struct {
	Token    string   `json:"token"`
	APIURL   string   `json:"api_url"`
	GuildID  string   `json:"guild_id"`
	Backends []string `json:"backends"` // base URLs, one per fake ComfyUI
}

// Peers are the fake Discord, the fake ComfyUIs and the users of one run.
type Peers struct {
	cfg      Config
	log      *slog.Logger
	discord  *discordtest.Server
	comfy    []*comfytest.Server
	guild    *discordtest.Guild
	channels []*discordtest.Channel
	role     *discordtest.Role
	users    []*discordtest.User
}

// rateLimits are the fake Discord's buckets for a run. Relaxed ones are
// far above what the load needs: at Discord's own limits (5 messages per
// 5 s per channel, 50 requests per second) one channel could not take more
// than half a job per second, and the bench measures the bot, not that
// budget. Their headers still go out, so disgo's rate-limit handling runs
// as it does against Discord, and any 429 is counted.
func rateLimits(mode string) discordtest.RateLimits {
	switch mode {
	case LimitsDiscord:
		return discordtest.RateLimits{}
	case LimitsOff:
		return discordtest.RateLimits{Disabled: true}
	}
	l := discordtest.Limit{Requests: 100000, Per: time.Second}
	return discordtest.RateLimits{Global: l, Messages: l, Webhooks: l, Default: l}
}

// defaultCheckpoint is the model the default workflow asks for; the fake
// backends have it, as a set-up server would.
const defaultCheckpoint = "v1-5-pruned-emaonly-fp16.safetensors"

// imageSide is the width and height of the fake's images; smallPNG about
// the bytes such a PNG takes before padding.
const (
	imageSide = 64
	smallPNG  = 200
)

// StartPeers starts the fakes on loopback: one guild with a #bench channel,
// a generator role and cfg.Users members holding it. OpenAPI validation is
// off: it costs more CPU than the bot under test.
func StartPeers(cfg Config, log *slog.Logger) (*Peers, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	d, err := discordtest.Start("127.0.0.1:0", discordtest.Options{
		DisableValidation: true,
		RecordViolations:  true,
		RateLimits:        rateLimits(cfg.Limits),
	})
	if err != nil {
		return nil, fmt.Errorf("start fake Discord: %w", err)
	}
	p := &Peers{cfg: cfg, log: log, discord: d}
	for range cfg.Backends {
		f, err := comfytest.Start("127.0.0.1:0", comfytest.WithJobDuration(cfg.JobTime),
			comfytest.WithModels("checkpoints", defaultCheckpoint))
		if err != nil {
			p.Close()
			return nil, fmt.Errorf("start fake ComfyUI: %w", err)
		}
		// Small pixels, padded to the size asked for: the bot moves an
		// image's bytes and reads its header, never its pixels, while the
		// fake renders the PNG anew for every download.
		f.SetImageSize(imageSide, imageSide)
		f.SetExtraBytes(max(0, cfg.ImageKB*1024-smallPNG))
		p.comfy = append(p.comfy, f)
	}
	p.guild = d.AddGuild("Bench")
	for i := range cfg.Channels {
		p.channels = append(p.channels, p.guild.AddChannel(fmt.Sprintf("bench-%d", i+1), false))
	}
	p.role = p.guild.AddRole("generator", 0)
	for i := range cfg.Users {
		u := d.AddUser(fmt.Sprintf("user%03d", i))
		p.guild.AddMember(u, p.role)
		p.users = append(p.users, u)
	}
	return p, nil
}

// Endpoints are the addresses and credentials the bot needs.
func (p *Peers) Endpoints() Endpoints {
	e := Endpoints{Token: p.discord.Token(), APIURL: p.discord.APIURL(), GuildID: p.guild.ID.String()}
	for _, f := range p.comfy {
		e.Backends = append(e.Backends, f.URL())
	}
	return e
}

// Close stops every fake.
func (p *Peers) Close() {
	for _, f := range p.comfy {
		f.Close()
	}
	p.discord.Close()
}

// WaitBot waits until the bot registered its commands in the guild and
// holds a WebSocket to every backend, then maps the generator role as the
// server owner would.
func (p *Peers) WaitBot(ctx context.Context) error {
	tick := time.NewTicker(20 * time.Millisecond)
	defer tick.Stop()
	for !p.botConnected() {
		select {
		case <-ctx.Done():
			return fmt.Errorf("wait for the bot to connect: %w", context.Cause(ctx))
		case <-tick.C:
		}
	}
	ia := p.discord.SlashCommand(ctx, p.guild.Owner(), p.channels[0], "admin setroles", discordtest.RoleArg("generator", p.role))
	if _, err := ia.Wait(ctx); err != nil {
		return fmt.Errorf("map the generator role: %w", err)
	}
	ev, err := p.discord.WaitFor(ctx, func(e discordtest.Event) bool {
		return e.InteractionID == ia.ID() && e.Kind == discordtest.KindEdit
	})
	if err != nil {
		return fmt.Errorf("map the generator role: %w", err)
	}
	if len(ev.Embeds) > 0 && strings.HasPrefix(ev.Embeds[0].Title, "❌") {
		return fmt.Errorf("map the generator role: %s: %s", ev.Embeds[0].Title, ev.Embeds[0].Description)
	}
	return nil
}

func (p *Peers) botConnected() bool {
	if len(p.discord.Commands(p.guild.ID)) == 0 {
		return false
	}
	for _, f := range p.comfy {
		if f.Connected() == 0 {
			return false
		}
	}
	return true
}
