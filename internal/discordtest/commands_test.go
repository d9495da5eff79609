package discordtest

import (
	"errors"
	"fmt"
	"strings"
	"testing"
)

func TestCheckCommands(t *testing.T) {
	opt := func(typ int, name string, extra string) string {
		return fmt.Sprintf(`{"type":%d,"name":%q,"description":"d"%s}`, typ, name, extra)
	}
	cmd := func(name string, opts ...string) string {
		return fmt.Sprintf(`{"name":%q,"description":"d","options":[%s]}`, name, strings.Join(opts, ","))
	}
	repeat := func(n int, format string) string {
		var cs []string
		for i := range n {
			cs = append(cs, fmt.Sprintf(format, i))
		}
		return strings.Join(cs, ",")
	}
	choices := func(n int) string {
		var cs []string
		for i := range n {
			cs = append(cs, fmt.Sprintf(`{"name":"c%d","value":"v%d"}`, i, i))
		}
		return `,"choices":[` + strings.Join(cs, ",") + `]`
	}
	tests := []struct {
		name string
		json string
		want string // an error line, "" for valid
	}{
		{"valid tree", `[` + cmd("generate", opt(3, "prompt", `,"required":true`), opt(4, "steps", "")) + `]`, ""},
		{"subcommands and groups", `[` + cmd("admin", opt(2, "roles", `,"options":[`+opt(1, "set", `,"options":[`+opt(8, "role", `,"required":true`)+`]`)+`]`), opt(1, "status", "")) + `]`, ""},
		{"user and message commands", `[{"type":2,"name":"Show Jobs"},{"type":3,"name":"Reroll This"}]`, ""},
		{"upper-case name", `[` + cmd("Generate") + `]`, "0.name: Command name is invalid"},
		{"name with a space", `[` + cmd("my cmd") + `]`, "0.name: Command name is invalid"},
		{"name over 32", `[` + cmd(strings.Repeat("a", 33)) + `]`, "0.name: Command name is invalid"},
		{"empty description", `[{"name":"x","description":""}]`, "0.description: Must be between 1 and 100"},
		{"description over 100", fmt.Sprintf(`[{"name":"x","description":%q}]`, strings.Repeat("d", 101)), "0.description"},
		{"required after optional", `[` + cmd("x", opt(3, "a", ""), opt(3, "b", `,"required":true`)) + `]`, "0.options.1.required"},
		{"26 options", `[` + cmd("x", strings.TrimSuffix(strings.Repeat(opt(3, "o", "")+",", 26), ",")) + `]`, "0.options: Must be 25"},
		{"26 choices", `[` + cmd("x", opt(3, "o", choices(26))) + `]`, "0.options.0.choices: Must be 25"},
		{"duplicate option names", `[` + cmd("x", opt(3, "o", ""), opt(4, "o", "")) + `]`, "Option names must be unique"},
		{"subcommand mixed with options", `[` + cmd("x", opt(1, "sub", ""), opt(3, "o", "")) + `]`, "cannot be mixed"},
		{"group inside a subcommand", `[` + cmd("x", opt(1, "sub", `,"options":[`+opt(2, "g", "")+`]`)) + `]`, "nested this deep"},
		{"option inside a group", `[` + cmd("x", opt(2, "g", `,"options":[`+opt(3, "o", "")+`]`)) + `]`, "may only contain subcommands"},
		{"autocomplete with choices", `[` + cmd("x", opt(3, "o", `,"autocomplete":true`+choices(2))) + `]`, "0.options.0.autocomplete"},
		{"choices on a boolean", `[` + cmd("x", opt(5, "o", choices(1))) + `]`, "0.options.0.choices"},
		{"duplicate command names", `[` + cmd("x") + `,` + cmd("x") + `]`, "1.name: Application command names must be unique"},
		{"description on a user command", `[{"type":2,"name":"X","description":"no"}]`, "0.description: Context menu commands cannot have description"},
		{"empty description on a message command", `[{"type":3,"name":"Generate from this image","description":""}]`, ""},
		{"options on a message command", `[{"type":3,"name":"X","options":[` + opt(3, "o", "") + `]}]`, "0.options: Context menu commands cannot have options"},
		{"message command name over 32", `[{"type":3,"name":"` + strings.Repeat("x", 33) + `"}]`, "0.name: Must be between 1 and 32"},
		{"full house", `[` + repeat(100, `{"name":"c%d","description":"d"}`) + `,` + repeat(15, `{"type":2,"name":"U %d"}`) + `,` + repeat(15, `{"type":3,"name":"M %d"}`) + `]`, ""},
		{"101 slash commands", `[` + repeat(101, `{"name":"c%d","description":"d"}`) + `]`, "Maximum number of application commands reached (100)"},
		{"16 user commands", `[` + repeat(16, `{"type":2,"name":"U %d"}`) + `]`, "Maximum number of application commands reached (15)"},
		{"16 message commands", `[` + repeat(16, `{"type":3,"name":"M %d"}`) + `]`, "Maximum number of application commands reached (15)"},
		{"bad default_member_permissions", `[{"name":"x","description":"d","default_member_permissions":"admin"}]`, "0.default_member_permissions"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, aerr := decodeCommands([]byte(tc.json))
			var got string
			if aerr != nil {
				got = strings.Join(append(aerr.errors.lines(""), aerr.message), "\n")
			}
			if (tc.want == "") != (aerr == nil) || !strings.Contains(got, tc.want) {
				t.Fatalf("errors %q, want %q", got, tc.want)
			}
		})
	}
}

func TestResolvePath(t *testing.T) {
	cmds, aerr := decodeCommands([]byte(`[
		{"name":"generate","description":"d","options":[{"type":3,"name":"prompt","description":"d"}]},
		{"name":"admin","description":"d","options":[
			{"type":2,"name":"roles","description":"d","options":[{"type":1,"name":"set","description":"d","options":[{"type":8,"name":"role","description":"d"}]}]},
			{"type":1,"name":"status","description":"d"}]}]`))
	if aerr != nil {
		t.Fatal(aerr)
	}
	byName := map[string]*command{"generate": {def: cmds[0]}, "admin": {def: cmds[1]}}
	tests := []struct {
		path    string
		leaf    string // first leaf option, "" for none
		options string // nesting of the rendered options
		err     string
	}{
		{"generate", "prompt", "[map[name:x]]", ""},
		{"admin status", "", "[map[name:status options:[map[name:x]] type:1]]", ""},
		{"admin roles set", "role", "[map[name:roles options:[map[name:set options:[map[name:x]] type:1]] type:2]]", ""},
		{"generate extra", "", "", "has no subcommand"},
		{"admin", "", "", "needs a subcommand"},
		{"admin roles", "", "", "needs a subcommand"},
		{"admin nope", "", "", "has no subcommand"},
		{"admin roles nope", "", "", "has no subcommand"},
	}
	for _, tc := range tests {
		t.Run(tc.path, func(t *testing.T) {
			segs := strings.Fields(tc.path)
			leaf, wrap, err := resolvePath(byName[segs[0]], segs)
			if tc.err != "" {
				if !errors.Is(err, ErrInvalidInteraction) || !strings.Contains(err.Error(), tc.err) {
					t.Fatalf("err = %v, want %q", err, tc.err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if first := ""; len(leaf) > 0 {
				first = leaf[0].Name
				if first != tc.leaf {
					t.Fatalf("leaf %q, want %q", first, tc.leaf)
				}
			} else if tc.leaf != "" {
				t.Fatalf("no leaf options, want %q", tc.leaf)
			}
			if got := fmt.Sprint(wrap([]obj{{"name": "x"}})); got != tc.options {
				t.Fatalf("options %s, want %s", got, tc.options)
			}
		})
	}
}

func TestCheckArgs(t *testing.T) {
	min1, max10 := 1.0, 10.0
	minLen := 2
	opts := []optionJSON{
		{Type: optString, Name: "prompt", Required: true, MinLength: &minLen},
		{Type: optInteger, Name: "steps", MinValue: &min1, MaxValue: &max10},
		{Type: optString, Name: "size", Choices: []choiceJSON{{Name: "Small", Value: "512"}}},
		{Type: optNumber, Name: "cfg"},
		{Type: optMentionable, Name: "who"},
		{Type: optChannel, Name: "where", ChannelTypes: []int{channelTypeGuildText}},
		{Type: optString, Name: "template", Autocomplete: true},
	}
	u := &User{Name: "alice"}
	r := &Role{Name: "mods"}
	dm := &Channel{Recipient: u}
	text := &Channel{Name: "general"}
	focused := StringArg("template", "po")
	tests := []struct {
		name    string
		args    []Arg
		focused *Arg
		err     string
	}{
		{"minimal", []Arg{StringArg("prompt", "cat")}, nil, ""},
		{"everything", []Arg{StringArg("prompt", "cat"), IntArg("steps", 5), StringArg("size", "512"), IntArg("cfg", 7), RoleArg("who", r), ChannelArg("where", text)}, nil, ""},
		{"user is mentionable", []Arg{StringArg("prompt", "cat"), UserArg("who", u)}, nil, ""},
		{"missing required", []Arg{IntArg("steps", 5)}, nil, "required option"},
		{"unknown option", []Arg{StringArg("prompt", "cat"), StringArg("nope", "x")}, nil, "no option"},
		{"twice", []Arg{StringArg("prompt", "cat"), StringArg("prompt", "dog")}, nil, "given twice"},
		{"too short", []Arg{StringArg("prompt", "c")}, nil, "wrong length"},
		{"out of range", []Arg{StringArg("prompt", "cat"), IntArg("steps", 11)}, nil, "out of range"},
		{"not a choice", []Arg{StringArg("prompt", "cat"), StringArg("size", "640")}, nil, "not a choice"},
		{"wrong type", []Arg{StringArg("prompt", "cat"), BoolArg("steps", true)}, nil, "has type 4"},
		{"channel type not allowed", []Arg{StringArg("prompt", "cat"), ChannelArg("where", dm)}, nil, "channel type 1"},
		{"autocomplete needs no required options", nil, &focused, ""},
		{"autocomplete on a plain option", nil, &Arg{name: "prompt", typ: optString, value: "c"}, "no autocomplete"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			err := checkArgs(opts, tc.args, tc.focused)
			if tc.err == "" && err != nil || tc.err != "" && (!errors.Is(err, ErrInvalidInteraction) || !strings.Contains(err.Error(), tc.err)) {
				t.Fatalf("err = %v, want %q", err, tc.err)
			}
		})
	}
}
