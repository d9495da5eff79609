package bot

import (
	"testing"

	"github.com/AEmotionStudio/ComfyUI-DiscordSend/bot/internal/discordtest"
	"github.com/AEmotionStudio/ComfyUI-DiscordSend/bot/internal/model"
)

// /preferences saves where the caller's results go by default, for any
// member, privately; the DM policy (bot owners only) keeps others out of
// it in DMs. /generate then follows the saved choice unless told
// otherwise. The steps run in order on one store.
func TestPreferences(t *testing.T) {
	h := newHarness(t)
	h.comfy.Hold() // the jobs below only need to be queued
	alice, carol := h.generator("alice"), h.member("carol")
	const (
		toDMs     = "Saved: your results now go to your DMs unless you choose otherwise with `delivery:`."
		toChannel = "Saved: your results now go in the channel you generate in unless you choose otherwise with `delivery:`."
	)

	for _, tt := range []struct {
		name     string
		who      *discordtest.User
		where    *discordtest.Channel
		delivery string
		want     string // the whole reply
		refusal  string // or the refusal's reason
		stored   model.Delivery
	}{
		{"a plain member chooses DMs", carol, h.general, "dm", toDMs, "", model.DeliveryDM},
		{"and the channel again", carol, h.general, "channel", toChannel, "", model.DeliveryChannel},
		{"not in DMs, where only bot owners may use the bot", carol, h.discord.DM(carol), "dm", "",
			"In DMs the bot is limited to its owners. Use it in a server instead.", model.DeliveryChannel},
		{"a generator chooses DMs", alice, h.general, "dm", toDMs, "", model.DeliveryDM},
	} {
		t.Run(tt.name, func(t *testing.T) {
			h := h.on(t)
			a := h.slash(tt.who, tt.where, "preferences", discordtest.StringArg("delivery", tt.delivery))
			wantPrivate(t, a)
			m := a.Message
			if tt.refusal != "" {
				if len(m.Embeds) != 1 || m.Embeds[0].Title != "❌ Not allowed" || m.Embeds[0].Description != tt.refusal || m.Content != "" {
					t.Errorf("/preferences in %s answered:\n%s\nwant the refusal %q", tt.where.Label(), text(m), tt.refusal)
				}
			} else if m.Content != tt.want || len(m.Embeds) != 0 {
				t.Errorf("/preferences delivery:%s answered:\n%s\nwant %q", tt.delivery, text(m), tt.want)
			}
			if len(m.Buttons) != 0 {
				t.Errorf("/preferences answered with buttons %v", buttonIDs(m))
			}
			u, err := h.store.User(t.Context(), tt.who.ID.String())
			if err != nil {
				t.Fatal(err)
			}
			if u.DefaultDelivery != tt.stored {
				t.Errorf("%s's stored delivery is %q, want %q", tt.who.Name, u.DefaultDelivery, tt.stored)
			}
		})
	}

	// alice chose DMs: her job's status goes there, unless she asks for
	// the channel.
	dm := h.discord.DM(alice)
	for _, tt := range []struct {
		name    string
		args    []discordtest.Arg
		want    model.Delivery
		channel *discordtest.Channel
	}{
		{"saved choice", nil, model.DeliveryDM, dm},
		{"delivery:channel", []discordtest.Arg{discordtest.StringArg("delivery", "channel")}, model.DeliveryChannel, h.general},
	} {
		t.Run("generate with the "+tt.name, func(t *testing.T) {
			h := h.on(t)
			j := h.job(h.generate(alice, "a quiet fox", tt.args...))
			if j.Delivery != tt.want || j.StatusChannelID != tt.channel.ID.String() {
				t.Errorf("job %d: delivery %q, status message in %s; want %q in %s", j.ID, j.Delivery, j.StatusChannelID, tt.want, tt.channel.Label())
			}
		})
	}
	h.noViolations()
}
