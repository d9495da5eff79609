package sandbox

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

func TestParseScript(t *testing.T) {
	script := `# the issue's example
user alice roles=generator            # a guild member
user bob roles=user,generator dm=closed
user olivia owner
alice: /generate prompt:"a red fox" steps:20 delivery:dm
alice: /admin setroles generator:@generator
alice: autocomplete /template load name:"por"
alice: click "Reroll"
alice: modal prompt:"a \"blue\" fox # not a comment"
comfy jobtime=2s images=2 size=512x512
comfy restart
wait idle
wait idle 10s
wait 2s
wait until /Completed|Failed/ 45s
restart
crash
`
	steps, err := Parse(strings.NewReader(script))
	if err != nil {
		t.Fatal(err)
	}
	if len(steps) != 16 {
		t.Fatalf("want 16 steps, got %d", len(steps))
	}
	checks := []struct {
		name      string
		got, want any
	}{
		{"user line number", steps[0].Line, 2},
		{"roles", strings.Join(steps[1].Roles, ","), "user,generator"},
		{"dm closed", steps[1].DMClosed, true},
		{"owner", steps[2].Owner, true},
		{"command", steps[3].Command, "generate"},
		{"quoted option", steps[3].Options[0].Value, "a red fox"},
		{"third option", steps[3].Options[2], Option{"delivery", "dm"}},
		{"subcommand", steps[4].Command, "admin setroles"},
		{"role option", steps[4].Options[0].Value, "@generator"},
		{"autocomplete", steps[5].Kind + " " + steps[5].Command + " " + steps[5].Focused, "autocomplete template load name"},
		{"click", steps[6].Label, "Reroll"},
		{"modal keeps # and quotes in quotes", steps[7].Options[0].Value, `a "blue" fox # not a comment`},
		{"knobs", steps[8].Knobs["size"], "512x512"},
		{"comfy action", steps[9].Action, "restart"},
		{"wait idle default", steps[10].Timeout, 30 * time.Second},
		{"wait idle timeout", steps[11].Timeout, 10 * time.Second},
		{"wait duration", steps[12].WaitFor + " " + steps[12].Timeout.String(), "duration 2s"},
		{"wait until", steps[13].Pattern.MatchString("Failed") && steps[13].Timeout == 45*time.Second, true},
		{"restart", steps[14].Kind, "restart"},
	}
	for _, c := range checks {
		if c.got != c.want {
			t.Errorf("%s: got %#v, want %#v", c.name, c.got, c.want)
		}
	}
}

func TestParseErrorsNameTheLine(t *testing.T) {
	cases := []struct{ line, want string }{
		{"user", "user needs a name"},
		{"user a roles=wizard", `unknown role "wizard"`},
		{"a: /generate prompt:\"open", "unclosed quote"},
		{"a: dance", `unknown action "dance"`},
		{"a: click Reroll now", "click needs one button label"},
		{"comfy jobtime=soon", "jobtime=soon"},
		{"comfy size=big", "size=big"},
		{"comfy colour=red", `unknown comfy knob "colour"`},
		{"wait forever", "wait needs idle"},
		{"wait until fox", "wait until needs a /regex/"},
		{"restart now", "restart takes no arguments"},
		{"hello", "unknown line"},
		{"a: /generate prompt:x steps", `option "steps"`},
		{"a: autocomplete /template load", "autocomplete needs the option"},
	}
	for _, c := range cases {
		t.Run(c.line, func(t *testing.T) {
			_, err := Parse(strings.NewReader("user ok\n\n" + c.line + "\n"))
			var se *ScriptError
			if !errors.As(err, &se) {
				t.Fatalf("want a ScriptError, got %v", err)
			}
			if se.Line != 3 || !strings.Contains(se.Msg, c.want) || !strings.Contains(err.Error(), "line 3") {
				t.Fatalf("got line %d %q", se.Line, se.Msg)
			}
		})
	}
}

func TestParseKeepsTheLineAndThePlace(t *testing.T) {
	cases := []struct {
		line        string
		kind, where string
		command     string
	}{
		{`alice: /queue view   # mine`, "command", "", "queue view"},
		{`alice: in dm /generate prompt:"a fox"`, "command", "dm", "generate"},
		{`alice: in #nsfw autocomplete /generate prompt:x workflow:"de"`, "autocomplete", "#nsfw", "generate"},
		{`alice: in dm click "Reroll"`, "click", "dm", ""},
	}
	for _, c := range cases {
		t.Run(c.line, func(t *testing.T) {
			steps, err := Parse(strings.NewReader("\n" + c.line + "\n"))
			if err != nil {
				t.Fatal(err)
			}
			st := steps[0]
			if st.Line != 2 || st.Text != c.line || st.Kind != c.kind || st.Channel != c.where || st.Command != c.command {
				t.Errorf("got line %d %q kind %s in %q command %q", st.Line, st.Text, st.Kind, st.Channel, st.Command)
			}
		})
	}
	_, err := Parse(strings.NewReader("alice: in /generate prompt:x\n"))
	var se *ScriptError
	if !errors.As(err, &se) || !strings.Contains(se.Msg, "in needs a place") {
		t.Errorf("in without a place: %v", err)
	}
}

func TestParseAttachmentsPostsAndApps(t *testing.T) {
	steps, err := Parse(strings.NewReader(`alice: /generate prompt:"x" image:@path.png
alice: /generate prompt:"x" image:"@my pics/cat one.png"
alice: post "look" @cat.png @../shared/dog.webp
alice: post "" @/tmp/cat.png
alice: in #nsfw post "just words"
alice: apps "Generate from this image" on last
alice: in dm apps "Show Jobs" on @bob
`))
	if err != nil {
		t.Fatal(err)
	}
	checks := []struct {
		name      string
		got, want any
	}{
		{"attachment option", steps[0].Options[1], Option{"image", "@path.png"}},
		{"quoted path with spaces", steps[1].Options[1].Value, "@my pics/cat one.png"},
		{"post", steps[2].Kind + " " + steps[2].Content, "post look"},
		{"post files", strings.Join(steps[2].Files, ","), "cat.png,../shared/dog.webp"},
		{"files only", steps[3].Content + strings.Join(steps[3].Files, ","), "/tmp/cat.png"},
		{"post in a channel", steps[4].Channel + " " + steps[4].Content + " " + fmt.Sprint(len(steps[4].Files)), "#nsfw just words 0"},
		{"apps", steps[5].Kind + " " + steps[5].Command + " on " + steps[5].Target, "apps Generate from this image on last"},
		{"apps on a user, in dm", steps[6].Channel + " " + steps[6].Command + " on " + steps[6].Target, "dm Show Jobs on @bob"},
		{"from a reader, paths are the current directory's", steps[0].Dir, ""},
	}
	for _, c := range checks {
		if c.got != c.want {
			t.Errorf("%s: got %#v, want %#v", c.name, c.got, c.want)
		}
	}
}

func TestParseFileResolvesAgainstItsDirectory(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "scripts")
	if err := os.Mkdir(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(dir, "try.txt")
	if err := os.WriteFile(path, []byte("user alice\nalice: post \"look\" @cat.png\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	steps, err := Parse(f)
	if err != nil {
		t.Fatal(err)
	}
	for _, st := range steps {
		if st.Dir != dir {
			t.Errorf("line %d: Dir = %q, want %q", st.Line, st.Dir, dir)
		}
	}
}

func TestParsePostAndAppsErrors(t *testing.T) {
	cases := []struct{ line, want string }{
		{"a: post", "post needs the text in quotes first"},
		{"a: post @cat.png", "post needs the text in quotes first"},
		{`a: post "look" cat.png`, `"cat.png" is not a file`},
		{`a: post "look" @`, `"@" is not a file`},
		{`a: post ""`, "post needs text or a file"},
		{`a: apps "Generate from this image"`, "apps needs a command name in quotes"},
		{`a: apps "Generate from this image" on first`, "apps needs a command name in quotes"},
		{`a: apps Generate from this image on last`, "apps needs a command name in quotes"},
		{`a: apps "" on last`, "apps needs a command name in quotes"},
		{`a: apps "Show Jobs" on @`, "apps needs a command name in quotes"},
		{"a: dance", "use /command, autocomplete, click, modal, post or apps"},
	}
	for _, c := range cases {
		t.Run(c.line, func(t *testing.T) {
			_, err := Parse(strings.NewReader("user a\n\n" + c.line + "\n"))
			var se *ScriptError
			if !errors.As(err, &se) || se.Line != 3 || !strings.Contains(se.Msg, c.want) {
				t.Fatalf("want a ScriptError on line 3 saying %q, got %v", c.want, err)
			}
		})
	}
}

func FuzzParseLine(f *testing.F) {
	for _, s := range []string{`a: /generate prompt:"x y" steps:3`, `wait until /a+/ 3s`, `user a roles=admin owner`, `comfy size=2x3`,
		`a: /generate prompt:x image:@cat.png`, `a: post "look" @cat.png`, `a: apps "Generate from this image" on last`} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, line string) {
		_, _ = Parse(strings.NewReader(line))
	})
}

func TestParseDiscordLines(t *testing.T) {
	tests := []struct {
		line, want string // want: the action, or "error"
	}{
		{"discord down", "down"},
		{"discord up", "up"},
		{"discord", "error"},
		{"discord sideways", "error"},
		{"discord down now", "error"},
		{"discord 429 2", "429"},
		{"discord 429", "error"},
		{"discord 429 0", "error"},
	}
	for _, tt := range tests {
		st, err := ParseLine(tt.line)
		got := st.Action
		if err != nil {
			got = "error"
		} else if st.Kind != "discord" {
			got = "kind " + st.Kind
		}
		if got != tt.want {
			t.Errorf("%q: %s, want %s", tt.line, got, tt.want)
		}
	}
}
