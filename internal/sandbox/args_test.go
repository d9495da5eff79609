package sandbox

import (
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/AEmotionStudio/ComfyUI-DiscordSend/bot/internal/discordtest"
)

// people is a resolver over a fake Discord's objects.
type people struct {
	guild    *discordtest.Guild
	users    map[string]*discordtest.User
	roles    map[string]*discordtest.Role
	channels map[string]*discordtest.Channel
}

func (p *people) userNamed(n string) (*discordtest.User, bool) {
	u, ok := p.users[n]
	return u, ok
}

func (p *people) channelNamed(n string) (*discordtest.Channel, bool) {
	c, ok := p.channels[n]
	return c, ok
}

func (p *people) roleNamed(n string) *discordtest.Role {
	if r, ok := p.roles[n]; ok {
		return r
	}
	p.roles[n] = p.guild.AddRole(n, 0)
	return p.roles[n]
}

// Context menu command types, which Commands returns beside slash
// commands.
const (
	cmdUser    = 2
	cmdMessage = 3
)

// tree is a command tree as Commands returns it.
var tree = []discordtest.Command{
	{Type: cmdMessage, Name: "generate"},
	{Type: cmdChatInput, Name: "generate", Options: []discordtest.CommandOption{
		{Type: optString, Name: "prompt", Required: true},
		{Type: optInteger, Name: "steps"},
		{Type: optNumber, Name: "cfg"},
		{Type: optBoolean, Name: "private"},
		{Type: optString, Name: "delivery", Choices: []discordtest.Choice{{Name: "In the channel", Value: "channel"}, {Name: "dm", Value: "dm"}}},
		{Type: optInteger, Name: "size", Choices: []discordtest.Choice{{Name: "small", Value: float64(512)}}},
		{Type: optString, Name: "workflow", Autocomplete: true},
		{Type: optAttachment, Name: "image"},
	}},
	{Type: cmdChatInput, Name: "admin", Options: []discordtest.CommandOption{
		{Type: optSubCommand, Name: "setroles", Options: []discordtest.CommandOption{{Type: optRole, Name: "generator"}}},
		{Type: optSubCommandGroup, Name: "config", Options: []discordtest.CommandOption{
			{Type: optSubCommand, Name: "channel", Options: []discordtest.CommandOption{{Type: optChannel, Name: "channel", Required: true}}},
		}},
	}},
	{Type: cmdUser, Name: "Show Jobs"},
	{Type: cmdChatInput, Name: "history", Options: []discordtest.CommandOption{
		{Type: optSubCommand, Name: "list", Options: []discordtest.CommandOption{{Type: optUser, Name: "user"}, {Type: optMentionable, Name: "who"}}},
	}},
}

func newPeople(t *testing.T) *people {
	srv := discordtest.New(t, discordtest.WithoutValidation())
	g := srv.AddGuild("sandbox")
	alice := srv.AddUser("alice")
	g.AddMember(alice)
	return &people{
		guild:    g,
		users:    map[string]*discordtest.User{"alice": alice},
		roles:    map[string]*discordtest.Role{"generator": g.AddRole("generator", 0)},
		channels: map[string]*discordtest.Channel{"general": g.AddChannel("general", false)},
	}
}

func TestBuildArgsTypesOptionsFromTheTree(t *testing.T) {
	p := newPeople(t)
	dir := t.TempDir()
	img := []byte("\x89PNG\r\n\x1a\n not really")
	if err := os.Mkdir(filepath.Join(dir, "in"), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "in", "cat.png"), img, 0o600); err != nil {
		t.Fatal(err)
	}
	elsewhere := filepath.Join(t.TempDir(), "dog.png")
	if err := os.WriteFile(elsewhere, []byte("woof"), 0o600); err != nil {
		t.Fatal(err)
	}
	type args = []discordtest.Arg
	str, num, integer, boolean := discordtest.StringArg, discordtest.NumberArg, discordtest.IntArg, discordtest.BoolArg
	cases := []struct {
		path    string
		opts    []Option
		focused string
		want    func() args // built after the call: roles may be created by it
		wantErr string
	}{
		{path: "generate", opts: []Option{{"prompt", "a fox"}, {"steps", "20"}, {"cfg", "7.5"}, {"private", "true"}},
			want: func() args {
				return args{str("prompt", "a fox"), integer("steps", 20), num("cfg", 7.5), boolean("private", true)}
			}},
		{path: "generate", opts: []Option{{"prompt", "x"}, {"delivery", "In the channel"}, {"size", "small"}},
			want: func() args { return args{str("prompt", "x"), str("delivery", "channel"), integer("size", 512)} }},
		{path: "generate", opts: []Option{{"prompt", "x"}, {"delivery", "dm"}},
			want: func() args { return args{str("prompt", "x"), str("delivery", "dm")} }},
		{path: "admin setroles", opts: []Option{{"generator", "@generator"}},
			want: func() args { return args{discordtest.RoleArg("generator", p.roles["generator"])} }},
		{path: "admin setroles", opts: []Option{{"generator", "@gen"}},
			want: func() args { return args{discordtest.RoleArg("generator", p.roles["gen"])} }},
		{path: "admin config channel", opts: []Option{{"channel", "#general"}},
			want: func() args { return args{discordtest.ChannelArg("channel", p.channels["general"])} }},
		{path: "history list", opts: []Option{{"user", "@alice"}, {"who", "generator"}},
			want: func() args {
				return args{discordtest.UserArg("user", p.users["alice"]), discordtest.RoleArg("who", p.roles["generator"])}
			}},
		{path: "history list", opts: []Option{{"who", "alice"}},
			want: func() args { return args{discordtest.UserArg("who", p.users["alice"])} }},
		{path: "generate", opts: []Option{{"prompt", "x"}, {"workflow", "de"}}, focused: "workflow",
			want: func() args { return args{str("prompt", "x"), str("workflow", "de")} }},
		{path: "generate", opts: []Option{{"workflow", "de"}}, focused: "workflow",
			want: func() args { return args{str("workflow", "de")} }},
		{path: "generate", opts: []Option{{"prompt", "x"}, {"image", "@in/cat.png"}},
			want: func() args { return args{str("prompt", "x"), discordtest.AttachmentArg("image", "cat.png", img)} }},
		{path: "generate", opts: []Option{{"prompt", "x"}, {"image", "@" + elsewhere}},
			want: func() args {
				return args{str("prompt", "x"), discordtest.AttachmentArg("image", "dog.png", []byte("woof"))}
			}},

		{path: "generate", opts: []Option{{"steps", "20"}}, wantErr: "option prompt is required"},
		{path: "generate", opts: []Option{{"prompt", "x"}, {"steps", "many"}}, wantErr: `option steps: "many" is not a whole number`},
		{path: "generate", opts: []Option{{"prompt", "x"}, {"cfg", "high"}}, wantErr: `"high" is not a number`},
		{path: "generate", opts: []Option{{"prompt", "x"}, {"private", "maybe"}}, wantErr: `"maybe" is not true or false`},
		{path: "generate", opts: []Option{{"prompt", "x"}, {"delivery", "pigeon"}}, wantErr: `"pigeon" is not one of channel, dm`},
		{path: "generate", opts: []Option{{"prompt", "x"}, {"colour", "red"}}, wantErr: `no option "colour"; options: prompt, steps`},
		{path: "generate", opts: []Option{{"prompt", "x"}}, focused: "prompt", wantErr: `option "prompt" has no autocomplete`},
		{path: "history list", opts: []Option{{"user", "@bob"}}, wantErr: "no user @bob"},
		{path: "admin config channel", opts: []Option{{"channel", "#random"}}, wantErr: "no channel #random"},
		{path: "admin", wantErr: "/admin needs a subcommand: setroles, config"},
		{path: "admin config", wantErr: "/admin config needs a subcommand: channel"},
		{path: "admin dance", wantErr: `/admin has no subcommand "dance"`},
		{path: "imagine", wantErr: "the bot has no /imagine; it has /generate /admin /history"},
		{path: "generate", opts: []Option{{"prompt", "x"}, {"image", "@in/dog.png"}},
			wantErr: "option image: no file @in/dog.png (looked for " + filepath.Join(dir, "in", "dog.png") + ")"},
		{path: "generate", opts: []Option{{"prompt", "x"}, {"image", "@in"}}, wantErr: "cannot read @in"},
		{path: "generate", opts: []Option{{"prompt", "x"}, {"image", "in/cat.png"}}, wantErr: "attach a file as @path, e.g. image:@cat.png"},
	}
	for _, tc := range cases {
		t.Run(tc.path+" "+fmt.Sprint(tc.opts), func(t *testing.T) {
			defs, err := leafOptions(tree, tc.path)
			var got args
			var focused *discordtest.Arg
			if err == nil {
				got, focused, err = buildArgs(defs, tc.opts, tc.focused, dir, p)
			}
			if tc.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tc.wantErr) {
					t.Fatalf("want error %q, got %v", tc.wantErr, err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if focused != nil {
				got = append(got, *focused)
			}
			want := tc.want()
			if len(got) != len(want) {
				t.Fatalf("got %d args, want %d", len(got), len(want))
			}
			for i := range want {
				if !sameArg(got[i], want[i]) {
					t.Errorf("arg %d (%s) differs from what the script said", i, want[i].Name())
				}
			}
			if (focused != nil) != (tc.focused != "") || (focused != nil && focused.Name() != tc.focused) {
				t.Errorf("focused: %v, want %q", focused, tc.focused)
			}
		})
	}
}

// sameArg compares arguments; those that attach a file by its name and
// bytes.
func sameArg(a, b discordtest.Arg) bool {
	fa, okA := a.File()
	fb, okB := b.File()
	if okA || okB {
		return okA && okB && a.Name() == b.Name() && fa.Name == fb.Name && bytes.Equal(fa.Data, fb.Data)
	}
	return a == b
}
