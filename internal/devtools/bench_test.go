package devtools

import (
	"bytes"
	"github.com/AEmotionStudio/ComfyUI-DiscordSend/bot/internal/app"
	"os"
	"strings"
	"testing"
)

// runBenchCommand runs `discordsend-dev bench args…`; its peer process is
// this test binary, which TestMain turns into the program.
func runBenchCommand(t *testing.T, args ...string) result {
	t.Helper()
	t.Setenv(sandboxChild, "bot")
	t.Chdir(t.TempDir())
	var out, errOut bytes.Buffer
	code := Program().Run(t.Context(), append([]string{"bench"}, args...), os.Environ(), strings.NewReader(""), &out, &errOut)
	return result{code: code, stdout: out.String(), stderr: errOut.String()}
}

func TestBenchRefusesBadFlags(t *testing.T) {
	cases := []struct {
		name string
		args []string
		want string
	}{
		{"fewer jobs than users", []string{"--users", "5", "--jobs", "4"}, "--jobs (4) must be at least --users (5)"},
		{"no backends", []string{"--backends", "0"}, "--backends must be from 1 to 64"},
		{"negative job time", []string{"--job-time", "-1s"}, "--job-time must be from 0 to 10m"},
		{"unknown rate limits", []string{"--rate-limits", "strict"}, "--rate-limits must be relaxed, discord or off"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			r := runBenchCommand(t, c.args...)
			if r.code != app.ExitUsage || !strings.Contains(r.stderr, c.want) {
				t.Fatalf("exit %d, stderr %q; want exit %d naming %q", r.code, r.stderr, app.ExitUsage, c.want)
			}
		})
	}
}
