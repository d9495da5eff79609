package app

import (
	"bytes"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"testing"

	"github.com/AEmotionStudio/ComfyUI-DiscordSend/bot/internal/store"
	"github.com/AEmotionStudio/ComfyUI-DiscordSend/bot/internal/store/storetest"
)

// nobody is the user a root test runs the bot as where file modes must
// apply: root passes every permission check, other users do not.
const nobody = 65534

// runEnv is what `run` needs to get as far as the database: a token (the
// fake Discord is never reached) and a ComfyUI URL.
func runEnv(t *testing.T, dbURL string) map[string]string {
	return map[string]string{
		"DISCORDBOT_DISCORD_TOKEN": testToken,
		"DISCORDBOT_DATABASE_URL":  dbURL,
		"DISCORDBOT_COMFYUI_URL":   closedPort(t),
		"DISCORDBOT_HTTP_LISTEN":   "127.0.0.1:0",
	}
}

// sharedDir is a new directory every user may enter, as a deployment's
// data directory's parents are.
func sharedDir(t *testing.T) string {
	t.Helper()
	dir := t.TempDir()
	for _, d := range []string{filepath.Dir(dir), dir} {
		if err := os.Chmod(d, 0o755); err != nil {
			t.Fatal(err)
		}
	}
	return dir
}

// runUnprivileged runs `discordsend-bot run` with env as a user that file
// modes bind: this process unless it is root; as root, this test binary
// again (TestMain runs the bot for sandboxChild) as user nobody.
func runUnprivileged(t *testing.T, env map[string]string) result {
	t.Helper()
	if os.Geteuid() != 0 {
		return runApp(t, t.Context(), env, "run")
	}
	self, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	// The test binary sits in a directory only root may enter: nobody
	// runs a copy.
	bin := filepath.Join(sharedDir(t), "discordsend-bot")
	src, err := os.Open(self)
	if err != nil {
		t.Fatal(err)
	}
	defer src.Close()
	dst, err := os.OpenFile(bin, os.O_CREATE|os.O_WRONLY, 0o755)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := io.Copy(dst, src); err != nil {
		t.Fatal(err)
	}
	if err := dst.Close(); err != nil {
		t.Fatal(err)
	}
	cmd := exec.CommandContext(t.Context(), bin, "run")
	cmd.Dir = filepath.Dir(bin)
	cmd.Env = []string{"PATH=" + os.Getenv("PATH"), "HOME=" + cmd.Dir, sandboxChild + "=bot"}
	for k, v := range env {
		cmd.Env = append(cmd.Env, k+"="+v)
	}
	cmd.SysProcAttr = &syscall.SysProcAttr{Credential: &syscall.Credential{Uid: nobody, Gid: nobody}}
	var out, errOut bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errOut
	err = cmd.Run()
	code := 0
	if ee, ok := err.(*exec.ExitError); ok {
		code = ee.ExitCode()
	} else if err != nil {
		t.Fatalf("run the bot as nobody: %v", err)
	}
	return result{code: code, stdout: out.String(), stderr: errOut.String()}
}

// filesIn reads every file of dir, to tell that a run changed none.
func filesIn(t *testing.T, dir string) map[string]string {
	t.Helper()
	entries, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	out := map[string]string{}
	for _, e := range entries {
		b, err := os.ReadFile(filepath.Join(dir, e.Name()))
		if err != nil {
			t.Fatal(err)
		}
		out[e.Name()] = string(b)
	}
	return out
}

// migratedDB makes a migrated SQLite database at path, closed again.
func migratedDB(t *testing.T, path string) {
	t.Helper()
	st, err := store.Open(t.Context(), "sqlite:"+path)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := st.Migrate(t.Context()); err != nil {
		t.Fatal(err)
	}
	if err := st.Close(); err != nil {
		t.Fatal(err)
	}
}

// A database `run` cannot create or write stops it at once with exit 1
// and one line naming the path, what is wrong and what to do, and leaves
// an existing database as it was.
func TestRunRefusesADatabaseItCannotWrite(t *testing.T) {
	t.Run("under a regular file", func(t *testing.T) {
		inTempDir(t)
		blocker := filepath.Join(t.TempDir(), "data")
		if err := os.WriteFile(blocker, []byte("not a directory"), 0o600); err != nil {
			t.Fatal(err)
		}
		path := filepath.Join(blocker, "bot.db")
		r := runApp(t, t.Context(), runEnv(t, "sqlite:"+path), "run")
		checkDatabaseRefusal(t, r, path, "not a directory")
		if b, err := os.ReadFile(blocker); err != nil || string(b) != "not a directory" {
			t.Errorf("the file in the way changed: %q, %v", b, err)
		}
	})
	t.Run("a directory where the file should be", func(t *testing.T) {
		inTempDir(t)
		path := filepath.Join(t.TempDir(), "bot.db")
		if err := os.Mkdir(path, 0o755); err != nil {
			t.Fatal(err)
		}
		r := runApp(t, t.Context(), runEnv(t, "sqlite:"+path), "run")
		checkDatabaseRefusal(t, r, path, "is a directory")
		if files := filesIn(t, path); len(files) != 0 {
			t.Errorf("the directory got files: %v", keys(files))
		}
	})
	t.Run("new, in a read-only directory", func(t *testing.T) {
		inTempDir(t)
		dir := filepath.Join(sharedDir(t), "data")
		if err := os.Mkdir(dir, 0o555); err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { os.Chmod(dir, 0o755) }) // for the temporary directory's removal
		path := filepath.Join(dir, "bot.db")
		r := runUnprivileged(t, runEnv(t, "sqlite:"+path))
		checkDatabaseRefusal(t, r, path, "permission denied")
		if files := filesIn(t, dir); len(files) != 0 {
			t.Errorf("the read-only directory got files: %v", keys(files))
		}
	})
	t.Run("existing, in a read-only directory", func(t *testing.T) {
		inTempDir(t)
		dir := filepath.Join(sharedDir(t), "data")
		if err := os.Mkdir(dir, 0o755); err != nil {
			t.Fatal(err)
		}
		path := filepath.Join(dir, "bot.db")
		migratedDB(t, path)
		if err := os.Chmod(dir, 0o555); err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { os.Chmod(dir, 0o755) })
		before := filesIn(t, dir)
		r := runUnprivileged(t, runEnv(t, "sqlite:"+path))
		checkDatabaseRefusal(t, r, path, "permission denied")
		if after := filesIn(t, dir); !mapsEqual(before, after) {
			t.Errorf("the database changed: files %v, then %v", keys(before), keys(after))
		}
	})
}

func checkDatabaseRefusal(t *testing.T, r result, path, cause string) {
	t.Helper()
	if r.code != ExitFailure {
		t.Fatalf("exit %d, want 1; stderr:\n%s", r.code, r.stderr)
	}
	line := lastLine(r.stderr)
	for _, want := range []string{path, cause, "database.url (DISCORDBOT_DATABASE_URL)"} {
		if !strings.Contains(line, want) {
			t.Errorf("the error should name %q: %s", want, line)
		}
	}
	if strings.Contains(r.stderr, "ready: serving") || strings.Contains(r.stderr, "goroutine ") {
		t.Errorf("the bot went on, or crashed: %s", r.stderr)
	}
}

func lastLine(s string) string {
	lines := strings.Split(strings.TrimSpace(s), "\n")
	return lines[len(lines)-1]
}

// A database a newer bot migrated stops `run` with both versions and what
// to do, and is not changed at all: not a row, not a byte.
func TestRunRefusesANewerDatabaseAndLeavesItAlone(t *testing.T) {
	inTempDir(t)
	dbURL := storetest.URL(t)
	st, err := store.Open(t.Context(), dbURL)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := st.Migrate(t.Context()); err != nil {
		t.Fatal(err)
	}
	latest, err := st.MigrationStatus(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	st.Close()
	storetest.Exec(t, dbURL, `INSERT INTO schema_migrations (version, name, applied_at) VALUES (999, 'future', 0)`)
	snapshot := func() (string, map[string]string) {
		t.Helper()
		var files map[string]string
		if path, ok := strings.CutPrefix(dbURL, "sqlite:"); ok {
			files = filesIn(t, filepath.Dir(path))
		}
		st, err := store.Open(t.Context(), dbURL)
		if err != nil {
			t.Fatal(err)
		}
		status, err := st.MigrationStatus(t.Context())
		st.Close()
		if err != nil {
			t.Fatal(err)
		}
		var rows strings.Builder
		for _, a := range status.Applied {
			rows.WriteString(a.Name + "@" + a.AppliedAt.String() + "\n")
		}
		return rows.String(), files
	}
	rowsBefore, filesBefore := snapshot()
	if strings.HasPrefix(dbURL, "sqlite:") && filesBefore["bot.db"] == "" {
		t.Fatalf("no database file to compare in %s", dbURL)
	}

	r := runApp(t, t.Context(), runEnv(t, dbURL), "run")
	if r.code != ExitFailure {
		t.Fatalf("exit %d, want 1; stderr:\n%s", r.code, r.stderr)
	}
	line := lastLine(r.stderr)
	for _, want := range []string{"database schema version 999 is newer than this binary supports (" + strconv.Itoa(latest.Latest) + ")", "upgrade discordsend-bot", "database.url"} {
		if !strings.Contains(line, want) {
			t.Errorf("the error should say %q: %s", want, line)
		}
	}
	rowsAfter, filesAfter := snapshot()
	if rowsAfter != rowsBefore {
		t.Errorf("schema_migrations changed:\n%s\nthen\n%s", rowsBefore, rowsAfter)
	}
	if !mapsEqual(filesBefore, filesAfter) {
		t.Errorf("the database files changed: %v, then %v", keys(filesBefore), keys(filesAfter))
	}
}

func mapsEqual(a, b map[string]string) bool {
	if len(a) != len(b) {
		return false
	}
	for k, v := range a {
		if bv, ok := b[k]; !ok || bv != v {
			return false
		}
	}
	return true
}

func keys(m map[string]string) []string {
	var out []string
	for k := range m {
		out = append(out, k)
	}
	slices.Sort(out)
	return out
}
