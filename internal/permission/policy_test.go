package permission

import (
	"fmt"
	"slices"
	"strings"
	"testing"

	"github.com/disgoorg/disgo/discord"

	"github.com/AEmotionStudio/ComfyUI-DiscordSend/bot/internal/model"
)

const (
	guildID      = "100"
	guildOwnerID = "1"
	botOwnerID   = "2"
	roleGen      = "501"
	roleAdmin    = "502"
	roleOther    = "503"
	roleGen2     = "504"
)

var testMappings = []model.RoleMapping{
	{RoleID: roleGen, Level: model.LevelGenerator},
	{RoleID: roleAdmin, Level: model.LevelAdmin},
	{RoleID: roleGen2, Level: model.LevelGenerator},
}

// wantRequirement is written out by hand, apart from the package's table,
// so that a change to the table is a visible change to this test.
var wantRequirement = map[string]model.Level{
	"generate":                 model.LevelGenerator,
	"queue view":               model.LevelUser,
	"queue status":             model.LevelUser,
	"queue cancel":             model.LevelGenerator,
	"queue clear":              model.LevelGenerator,
	"template save":            model.LevelGenerator,
	"template list":            model.LevelGenerator,
	"template load":            model.LevelGenerator,
	"template delete":          model.LevelGenerator,
	"history list":             model.LevelUser,
	"history view":             model.LevelUser,
	"history rerun":            model.LevelGenerator,
	"preferences":              model.LevelUser,
	"help":                     model.LevelUser,
	"admin setroles":           model.LevelAdmin,
	"admin roles":              model.LevelAdmin,
	"admin status":             model.LevelAdmin,
	"admin config":             model.LevelAdmin,
	"admin cancel":             model.LevelAdmin,
	"admin clear":              model.LevelAdmin,
	"admin workflow add":       model.LevelAdmin,
	"admin workflow list":      model.LevelAdmin,
	"admin workflow remove":    model.LevelAdmin,
	"admin workflow default":   model.LevelAdmin,
	"job cancel":               model.LevelGenerator,
	"job reroll":               model.LevelGenerator,
	"job edit":                 model.LevelGenerator,
	"job savetemplate":         model.LevelGenerator,
	"job dm":                   model.LevelUser,
	"job info":                 model.LevelUser,
	"job delete":               model.LevelGenerator,
	"job upscale":              model.LevelGenerator,
	"job vary":                 model.LevelGenerator,
	"job useinput":             model.LevelGenerator,
	"Generate from this image": model.LevelGenerator,
	"history page":             model.LevelUser,
	"template generate":        model.LevelGenerator,
}

func TestRequirementTable(t *testing.T) {
	paths := Paths()
	if len(paths) != len(wantRequirement) {
		t.Errorf("Paths() has %d entries, want %d: %q", len(paths), len(wantRequirement), paths)
	}
	seen := map[string]bool{}
	for _, p := range paths {
		if seen[p] {
			t.Errorf("path %q listed twice", p)
		}
		seen[p] = true
		if _, ok := wantRequirement[p]; !ok {
			t.Errorf("path %q is not expected", p)
		}
	}
	for path, want := range wantRequirement {
		t.Run(path, func(t *testing.T) {
			if got := Requirement(path); got != want {
				t.Errorf("Requirement(%q) = %v, want %v", path, got, want)
			}
			if !Known(path) {
				t.Errorf("Known(%q) = false", path)
			}
		})
	}
	for _, unknown := range []string{"", "admin nuke", "generate extra", "GENERATE"} {
		t.Run("unknown/"+unknown, func(t *testing.T) {
			if got := Requirement(unknown); got != model.LevelAdmin {
				t.Errorf("Requirement(%q) = %v, want admin (fail closed)", unknown, got)
			}
			if Known(unknown) {
				t.Errorf("Known(%q) = true", unknown)
			}
		})
	}
}

type subjectCase struct {
	name    string
	policy  Policy
	subject Subject
	level   model.Level
	here    bool // allowed to use the bot here at all
}

func subjectCases() []subjectCase {
	owners := Policy{BotOwners: []string{botOwnerID}, DMPolicy: model.DMOwners}
	member := func(userID string, roles []string, perms discord.Permissions) Subject {
		return Subject{UserID: userID, GuildID: guildID, GuildOwnerID: guildOwnerID, RoleIDs: roles, Permissions: perms}
	}
	dm := func(userID string, dmLevel model.Level) Subject {
		return Subject{UserID: userID, DMLevel: dmLevel}
	}
	withDM := func(p model.DMPolicy) Policy { return Policy{BotOwners: []string{botOwnerID}, DMPolicy: p} }
	return []subjectCase{
		{"user", owners, member("10", nil, discord.PermissionSendMessages), model.LevelUser, true},
		{"user with unmapped role", owners, member("10", []string{roleOther}, 0), model.LevelUser, true},
		{"generator", owners, member("11", []string{roleGen}, 0), model.LevelGenerator, true},
		{"second generator role", owners, member("11", []string{roleOther, roleGen2}, 0), model.LevelGenerator, true},
		{"admin role", owners, member("12", []string{roleAdmin}, 0), model.LevelAdmin, true},
		{"generator and admin roles", owners, member("12", []string{roleGen, roleAdmin}, 0), model.LevelAdmin, true},
		{"guild owner", owners, member(guildOwnerID, nil, 0), model.LevelAdmin, true},
		{"Administrator permission", owners, member("13", nil, discord.PermissionAdministrator), model.LevelAdmin, true},
		{"Manage Server permission", owners, member("14", nil, discord.PermissionManageGuild|discord.PermissionSendMessages), model.LevelAdmin, true},
		{"bot owner in a server", owners, member(botOwnerID, nil, 0), model.LevelAdmin, true},
		{"bot owner in DM, policy owners", owners, dm(botOwnerID, 0), model.LevelAdmin, true},
		{"bot owner in DM, policy nobody", withDM(model.DMNobody), dm(botOwnerID, 0), model.LevelAdmin, true},
		{"DM, policy owners", withDM(model.DMOwners), dm("20", model.LevelAdmin), model.LevelUser, false},
		{"DM, policy unset", withDM(""), dm("20", model.LevelAdmin), model.LevelUser, false},
		{"DM, policy unknown", withDM("sometimes"), dm("20", model.LevelAdmin), model.LevelUser, false},
		{"DM, policy everyone", withDM(model.DMEveryone), dm("20", 0), model.LevelGenerator, true},
		{"DM, policy nobody", withDM(model.DMNobody), dm("20", model.LevelAdmin), model.LevelUser, false},
		{"DM, policy generators, a generator", withDM(model.DMGenerators), dm("20", model.LevelGenerator), model.LevelGenerator, true},
		{"DM, policy generators, a user", withDM(model.DMGenerators), dm("20", model.LevelUser), model.LevelUser, false},
		{"DM, policy admins, an admin", withDM(model.DMAdmins), dm("20", model.LevelAdmin), model.LevelGenerator, true},
		{"DM, policy admins, a generator", withDM(model.DMAdmins), dm("20", model.LevelGenerator), model.LevelUser, false},
		{"no bot owners configured", Policy{}, member("", nil, 0), model.LevelUser, true},
	}
}

func TestLevel(t *testing.T) {
	for _, c := range subjectCases() {
		t.Run(c.name, func(t *testing.T) {
			level, here := c.policy.Level(c.subject, testMappings)
			if level != c.level || here != c.here {
				t.Errorf("Level = (%v, %v), want (%v, %v)", level, here, c.level, c.here)
			}
		})
	}
}

// TestCheckMatrix runs every path against every kind of subject.
func TestCheckMatrix(t *testing.T) {
	for _, c := range subjectCases() {
		for path, need := range wantRequirement {
			t.Run(c.name+"/"+path, func(t *testing.T) {
				d := c.policy.Check(c.subject, testMappings, path)
				want := c.here && c.level >= need
				if d.Allowed != want {
					t.Fatalf("Allowed = %v, want %v (have %v, need %v, here %v)", d.Allowed, want, c.level, need, c.here)
				}
				if d.Have != c.level || d.Need != need || d.Path != path {
					t.Errorf("Have/Need/Path = %v/%v/%q, want %v/%v/%q", d.Have, d.Need, d.Path, c.level, need, path)
				}
				if d.InDM != (c.subject.GuildID == "") {
					t.Errorf("InDM = %v", d.InDM)
				}
				if d.DMBlocked == c.here {
					t.Errorf("DMBlocked = %v, want %v", d.DMBlocked, !c.here)
				}
				if d.Reason == "" {
					t.Error("Reason is empty")
				}
				msg := d.Message()
				if d.Allowed != (msg == "") {
					t.Errorf("Allowed = %v but Message() = %q", d.Allowed, msg)
				}
			})
		}
	}
}

func TestGrantingRoles(t *testing.T) {
	p := Policy{}
	user := Subject{UserID: "10", GuildID: guildID, GuildOwnerID: guildOwnerID}
	mappings := append(slices.Clone(testMappings), model.RoleMapping{RoleID: roleAdmin, Level: model.LevelAdmin})
	tests := []struct {
		path string
		want []string
	}{
		{"generate", []string{roleGen, roleAdmin, roleGen2}},
		{"admin setroles", []string{roleAdmin}},
		{"help", []string{roleGen, roleAdmin, roleGen2}},
	}
	for _, tt := range tests {
		t.Run(tt.path, func(t *testing.T) {
			d := p.Check(user, mappings, tt.path)
			if !slices.Equal(d.GrantingRoles, tt.want) {
				t.Errorf("GrantingRoles = %q, want %q", d.GrantingRoles, tt.want)
			}
		})
	}
	t.Run("none in DMs", func(t *testing.T) {
		d := p.Check(Subject{UserID: "10"}, mappings, "generate")
		if len(d.GrantingRoles) != 0 {
			t.Errorf("GrantingRoles = %q in a DM", d.GrantingRoles)
		}
	})
}

func TestDecisionMessage(t *testing.T) {
	user := Subject{UserID: "10", GuildID: guildID, GuildOwnerID: guildOwnerID}
	generator := Subject{UserID: "11", GuildID: guildID, GuildOwnerID: guildOwnerID, RoleIDs: []string{roleGen}}
	tests := []struct {
		name     string
		policy   Policy
		subject  Subject
		mappings []model.RoleMapping
		path     string
		want     []string
		notWant  []string
	}{
		{
			name: "roles mapped", subject: user, mappings: testMappings, path: "generate",
			want:    []string{"**generator**", "`/generate`", "you are **user**", "<@&501>, <@&502> or <@&504>", "Administrator / Manage Server"},
			notWant: []string{"/admin setroles"},
		},
		{
			name: "admin only roles", subject: generator, mappings: testMappings, path: "admin setroles",
			want:    []string{"**admin**", "`/admin setroles`", "It comes with <@&502>, or with Administrator / Manage Server."},
			notWant: []string{"<@&501>"},
		},
		{
			name: "no roles mapped", subject: user, path: "template save",
			want: []string{"**generator**", "`/template save`", "No role grants it yet", "`/admin setroles`", "Administrator / Manage Server"},
		},
		{
			name: "button", subject: user, mappings: testMappings, path: "job reroll",
			want: []string{"use this button", "<@&501>"},
		},
		{
			name: "DM owners", policy: Policy{DMPolicy: model.DMOwners}, subject: Subject{UserID: "10"}, path: "help",
			want: []string{"limited to its owners", "in a server"},
		},
		{
			name: "DM nobody", policy: Policy{DMPolicy: model.DMNobody}, subject: Subject{UserID: "10"}, path: "generate",
			want: []string{"disabled in DMs", "in a server"},
		},
		{
			name: "DM generators", policy: Policy{DMPolicy: model.DMGenerators}, subject: Subject{UserID: "10"}, path: "generate",
			want: []string{"limited to people who are generators", "in a server"},
		},
		{
			name: "DM everyone, admin command", policy: Policy{DMPolicy: model.DMEveryone}, subject: Subject{UserID: "10"}, path: "admin status",
			want:    []string{"**admin**", "`/admin status`", "in DMs", "**generator**", "in a server"},
			notWant: []string{"<@&", "/admin setroles"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			d := tt.policy.Check(tt.subject, tt.mappings, tt.path)
			if d.Allowed {
				t.Fatalf("Check allowed %s", tt.path)
			}
			msg := d.Message()
			for _, w := range tt.want {
				if !strings.Contains(msg, w) {
					t.Errorf("Message() = %q, want it to contain %q", msg, w)
				}
			}
			for _, w := range tt.notWant {
				if strings.Contains(msg, w) {
					t.Errorf("Message() = %q, want no %q", msg, w)
				}
			}
			if msg != strings.TrimSpace(msg) {
				t.Errorf("Message() = %q has surrounding space", msg)
			}
		})
	}
}

func TestCanManageJob(t *testing.T) {
	owner := Subject{UserID: "10", GuildID: guildID}
	tests := []struct {
		name    string
		subject Subject
		level   model.Level
		jobUser string
		want    bool
	}{
		{"owner, user level", owner, model.LevelUser, "10", true},
		{"owner, generator", owner, model.LevelGenerator, "10", true},
		{"other user", owner, model.LevelUser, "11", false},
		{"other generator", owner, model.LevelGenerator, "11", false},
		{"admin", owner, model.LevelAdmin, "11", true},
		{"empty ids never match", Subject{}, model.LevelGenerator, "", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := CanManageJob(tt.subject, tt.level, tt.jobUser); got != tt.want {
				t.Errorf("CanManageJob = %v, want %v", got, tt.want)
			}
		})
	}
}

func TestIsButton(t *testing.T) {
	for _, p := range Paths() {
		t.Run(p, func(t *testing.T) {
			want := strings.HasPrefix(p, "job ") || p == "history page" || p == "template generate" || p == "Generate from this image"
			if got := IsButton(p); got != want {
				t.Errorf("IsButton(%q) = %v, want %v", p, got, want)
			}
		})
	}
}

func ExampleDecision_Message() {
	p := Policy{BotOwners: []string{"2"}}
	s := Subject{UserID: "10", GuildID: "100", GuildOwnerID: "1"}
	mappings := []model.RoleMapping{{RoleID: "501", Level: model.LevelGenerator}}
	fmt.Println(p.Check(s, mappings, PathGenerate).Message())
	// Output: You need the **generator** level to use `/generate` (you are **user** here). It comes with <@&501>, or with Administrator / Manage Server.
}
