package sandbox_test

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/AEmotionStudio/ComfyUI-DiscordSend/bot/internal/comfy/comfytest"
	"github.com/AEmotionStudio/ComfyUI-DiscordSend/bot/internal/model"
	"github.com/AEmotionStudio/ComfyUI-DiscordSend/bot/internal/sandbox"
)

// personsFolder makes a bot folder as a person has one: config.yaml with
// a relative workflows.dir holding NAME.json, the built-in workflow saving
// under prefix instead. It returns the folder.
func personsFolder(t *testing.T, name, prefix, extra string) string {
	t.Helper()
	def, err := os.ReadFile(filepath.Join("..", "workflow", "default.json"))
	if err != nil {
		t.Fatal(err)
	}
	mine := strings.Replace(string(def), `"filename_prefix": "discordsend"`, `"filename_prefix": "`+prefix+`"`, 1)
	if mine == string(def) {
		t.Fatal("the built-in workflow no longer saves as \"discordsend\"; update this test")
	}
	dir := t.TempDir()
	if err := os.Mkdir(filepath.Join(dir, "flows"), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "flows", name+".json"), []byte(mine), 0o600); err != nil {
		t.Fatal(err)
	}
	cfg := "workflows:\n  dir: flows\nlimits:\n  max_steps: 40\n" + extra
	if err := os.WriteFile(filepath.Join(dir, "config.yaml"), []byte(cfg), 0o600); err != nil {
		t.Fatal(err)
	}
	return dir
}

func TestTheBotRunsThePersonsWorkflowsFromTheirConfiguration(t *testing.T) {
	const prefix = "sandbox_acceptance_portrait"
	t.Chdir(personsFolder(t, "portrait", prefix, "discord:\n  guild_ids: [\"123456789012345678\"]\n"))
	comfy := comfytest.New(t)
	r := startWith(t, func(o *sandbox.Options) { o.Config, o.ComfyURL = "config.yaml", comfy.URL() })

	evs, err := r.play(`
user alice roles=generator
alice: /generate prompt:"x" workflow:portrait
wait idle
`)
	if err != nil {
		t.Fatal(err)
	}
	if j := r.job(1); j.Status != model.StatusCompleted {
		t.Fatalf("job 1 is %s", j.Status)
	}
	if res := results(evs); len(res) != 1 || len(res[0].Files) == 0 {
		t.Fatalf("want one result with images, got %+v", res)
	}
	sub := comfy.Submitted()
	if len(sub) != 1 {
		t.Fatalf("ComfyUI got %d prompts, want 1", len(sub))
	}
	if p := string(sub[0].Prompt); !strings.Contains(p, `"filename_prefix":"`+prefix+`"`) {
		t.Errorf("ComfyUI did not get the person's workflow (relative workflows.dir read from the working directory):\n%s", p)
	}
	note := "sandbox: using config.yaml; overridden for the sandbox: discord.token, discord.api_url, discord.gateway_url, " +
		"discord.guild_ids, discord.owner_ids, database.url, comfyui.url, comfyui.backends, http.listen\n"
	if got := string(r.errOut.Bytes()); strings.Count(got, "overridden for the sandbox") != 1 || !strings.Contains(got, note) {
		t.Errorf("stderr should say once what was overridden:\n%s", got)
	}
}

func TestThePersonsConfigurationIsCheckedBeforeAnythingStarts(t *testing.T) {
	t.Chdir(personsFolder(t, "portrait", "p", "jobs:\n  max_requeuez: 1\n"))
	_, err := sandbox.New(sandbox.Options{Exe: "/nonexistent", Config: "config.yaml", TempDir: t.TempDir()})
	var ce *sandbox.ConfigError
	if !errors.As(err, &ce) || !strings.Contains(err.Error(), `config.yaml: line 6: unknown key "jobs.max_requeuez"`) {
		t.Fatalf("want a *ConfigError naming the key and its line, got %v", err)
	}
}
