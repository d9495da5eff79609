package devtools

import (
	"bytes"
	"strings"
	"testing"

	"github.com/AEmotionStudio/ComfyUI-DiscordSend/bot/internal/app"
)

func TestTheDevelopmentBuildIsTheBotWithItsTools(t *testing.T) {
	t.Chdir(t.TempDir())
	run := func(args ...string) result {
		var out, errOut bytes.Buffer
		code := Program().Run(t.Context(), args, nil, strings.NewReader(""), &out, &errOut)
		return result{code: code, stdout: out.String(), stderr: errOut.String()}
	}
	top := run("--help")
	for _, name := range []string{"run", "check", "migrate", "generate", "workflow", "bench", "sandbox", "version", "help"} {
		if !strings.Contains(top.stdout, "\n  "+name+" ") {
			t.Errorf("help lists no %s:\n%s", name, top.stdout)
		}
		if r := run(name, "--help"); r.code != app.ExitOK || !strings.Contains(r.stdout, "Usage: discordsend-dev "+name) {
			t.Errorf("%s --help: exit %d\n%s%s", name, r.code, r.stdout, r.stderr)
		}
	}
}
