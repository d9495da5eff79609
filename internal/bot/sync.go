package bot

import (
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"reflect"

	"github.com/disgoorg/disgo/discord"
	"github.com/disgoorg/disgo/rest"
	"github.com/disgoorg/snowflake/v2"
)

// commandShape is the part of a command that matters for deciding whether
// Discord already has it; Discord adds ids, versions and defaults we ignore.
type commandShape struct {
	Type        int           `json:"type"`
	Name        string        `json:"name"`
	Description string        `json:"description"`
	Options     []optionShape `json:"options"`
	Contexts    []int         `json:"contexts"`
}

type optionShape struct {
	Type         int           `json:"type"`
	Name         string        `json:"name"`
	Description  string        `json:"description"`
	Required     bool          `json:"required"`
	Autocomplete bool          `json:"autocomplete"`
	Choices      []choiceShape `json:"choices"`
	MinValue     *float64      `json:"min_value"`
	MaxValue     *float64      `json:"max_value"`
	MinLength    *int          `json:"min_length"`
	MaxLength    *int          `json:"max_length"`
	ChannelTypes []int         `json:"channel_types"`
	Options      []optionShape `json:"options"`
}

type choiceShape struct {
	Name  string `json:"name"`
	Value any    `json:"value"`
}

func shapesOf(v any) ([]commandShape, error) {
	b, err := json.Marshal(v)
	if err != nil {
		return nil, err
	}
	var shapes []commandShape
	if err := json.Unmarshal(b, &shapes); err != nil {
		return nil, err
	}
	for i := range shapes {
		if shapes[i].Type == 0 {
			shapes[i].Type = int(discord.ApplicationCommandTypeSlash)
		}
	}
	return shapes, nil
}

// syncCommands registers the command tree globally, or in each of guildIDs,
// but only where Discord's copy differs: registering costs a daily quota.
func syncCommands(ctx context.Context, r rest.Applications, appID snowflake.ID, cmds []discord.ApplicationCommandCreate, guildIDs []snowflake.ID, log *slog.Logger) (changed int, err error) {
	want, err := shapesOf(cmds)
	if err != nil {
		return 0, fmt.Errorf("encode commands: %w", err)
	}
	scopes := guildIDs
	if len(scopes) == 0 {
		scopes = []snowflake.ID{0}
	}
	for _, g := range scopes {
		var have []discord.ApplicationCommand
		if g == 0 {
			have, err = r.GetGlobalCommands(appID, false, rest.WithCtx(ctx))
		} else {
			have, err = r.GetGuildCommands(appID, g, false, rest.WithCtx(ctx))
		}
		if err != nil {
			return changed, fmt.Errorf("read registered commands: %w", err)
		}
		haveShapes, err := shapesOf(have)
		if err != nil {
			return changed, fmt.Errorf("decode registered commands: %w", err)
		}
		want := want
		if g != 0 {
			// Contexts apply to global commands only; Discord returns none
			// for guild commands.
			want, haveShapes = withoutContexts(want), withoutContexts(haveShapes)
		}
		if reflect.DeepEqual(haveShapes, want) {
			continue
		}
		if log != nil {
			names, detail := changedCommands(haveShapes, want)
			log.Info("command tree changed; registering", "guild_id", g.String(), "commands", names)
			log.Debug("registered commands differ", "guild_id", g.String(), "diff", detail)
		}
		if g == 0 {
			_, err = r.SetGlobalCommands(appID, cmds, rest.WithCtx(ctx))
		} else {
			_, err = r.SetGuildCommands(appID, g, cmds, rest.WithCtx(ctx))
		}
		if err != nil {
			return changed, fmt.Errorf("register commands: %w", err)
		}
		changed++
	}
	return changed, nil
}

// changedCommands names the commands that differ, "generate" or "generate
// (new)", and says how, for the log: each one's registered and wanted shape
// as JSON, several kilobytes for a whole tree.
func changedCommands(have, want []commandShape) (names, detail []string) {
	byName := map[string]commandShape{}
	for _, c := range have {
		byName[c.Name] = c
	}
	for _, c := range want {
		h, ok := byName[c.Name]
		if ok && reflect.DeepEqual(h, c) {
			continue
		}
		if !ok {
			names = append(names, c.Name+" (new)")
		} else {
			names = append(names, c.Name)
		}
		hj, _ := json.Marshal(h)
		cj, _ := json.Marshal(c)
		detail = append(detail, c.Name+": have "+string(hj)+" want "+string(cj))
	}
	wanted := map[string]bool{}
	for _, c := range want {
		wanted[c.Name] = true
	}
	for _, c := range have {
		if !wanted[c.Name] {
			names = append(names, c.Name+" (removed)")
		}
	}
	return names, detail
}

func withoutContexts(shapes []commandShape) []commandShape {
	out := make([]commandShape, len(shapes))
	for i, s := range shapes {
		s.Contexts = nil
		out[i] = s
	}
	return out
}
