package app

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// migrate status only looks: on a missing SQLite file it says there is
// none and what would create it, and leaves no file behind.
func TestMigrateStatusCreatesNoDatabase(t *testing.T) {
	dir := inTempDir(t)
	path := filepath.Join(dir, "sub", "bot.db")
	r := runApp(t, t.Context(), map[string]string{"DISCORDBOT_DATABASE_URL": "sqlite:" + path}, "migrate", "status")
	if r.code != ExitOK {
		t.Fatalf("exit %d\n%s%s", r.code, r.stdout, r.stderr)
	}
	for _, want := range []string{"none yet, no file " + path, "'migrate up' or 'run' creates it", "pending  0001"} {
		if !strings.Contains(r.stdout, want) {
			t.Errorf("stdout lacks %q:\n%s", want, r.stdout)
		}
	}
	for _, p := range []string{path, filepath.Dir(path)} {
		if _, err := os.Stat(p); !os.IsNotExist(err) {
			t.Errorf("migrate status left %s behind (%v)", p, err)
		}
	}
}
