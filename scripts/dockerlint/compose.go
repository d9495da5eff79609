package main

import (
	"context"
	"fmt"
	"maps"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"

	"github.com/compose-spec/compose-go/v2/cli"
	"github.com/compose-spec/compose-go/v2/types"
)

// tokenVar is the one variable the Compose file must be given.
const tokenVar = "DISCORDBOT_DISCORD_TOKEN"

// comfyURL is where the bot's container reaches ComfyUI's.
const comfyURL = "http://comfyui:8188"

var settingVar = regexp.MustCompile(`DISCORDBOT_[A-Z0-9_]+`)

// lintCompose loads the Compose file as docker compose does (schema,
// interpolation, normalization), with nothing from the environment or a
// .env file but a stand-in token, and checks what the bot needs of it.
func lintCompose(ctx context.Context, path string) ([]string, error) {
	readme, err := os.ReadFile(filepath.Join(filepath.Dir(path), "..", "README.md"))
	if err != nil {
		return nil, err
	}
	var problems []string
	if _, err := loadCompose(ctx, path, nil); err == nil {
		problems = append(problems, fmt.Sprintf("loads without %s: the token must be required (${%s:?…})", tokenVar, tokenVar))
	} else if !strings.Contains(err.Error(), tokenVar) {
		return nil, err
	}
	p, err := loadCompose(ctx, path, []string{tokenVar + "=stand-in"})
	if err != nil {
		return nil, err
	}
	comfy, ok := p.Services["comfyui"]
	if !ok {
		problems = append(problems, "no comfyui service")
	}
	bot, ok := p.Services["bot"]
	if !ok {
		return append(problems, "no bot service"), nil
	}
	for _, s := range []types.ServiceConfig{comfy, bot} {
		if s.Name != "" && s.Restart != types.RestartPolicyUnlessStopped {
			problems = append(problems, fmt.Sprintf("service %s: restart is %q, want unless-stopped", s.Name, s.Restart))
		}
	}
	if comfy.Name != "" && !reservesNvidiaGPU(comfy) {
		problems = append(problems, "service comfyui reserves no NVIDIA GPU (deploy.resources.reservations.devices)")
	}

	env := map[string]string{}
	for k, v := range bot.Environment {
		if v != nil {
			env[k] = *v
		}
	}
	documented := settingVar.FindAllString(string(readme), -1)
	for _, k := range slices.Sorted(maps.Keys(env)) {
		if strings.HasPrefix(k, "DISCORDBOT_") && !slices.Contains(documented, k) {
			problems = append(problems, fmt.Sprintf("service bot: %s is no setting in the README's configuration reference", k))
		}
	}
	if env[tokenVar] != "stand-in" {
		problems = append(problems, fmt.Sprintf("service bot: %s does not come from the variable %s", tokenVar, tokenVar))
	}
	if env["DISCORDBOT_COMFYUI_URL"] != comfyURL && !strings.Contains(","+env["DISCORDBOT_COMFYUI_BACKENDS"]+",", "="+comfyURL+",") {
		problems = append(problems, fmt.Sprintf("service bot: DISCORDBOT_COMFYUI_URL (or a DISCORDBOT_COMFYUI_BACKENDS entry) must be %s", comfyURL))
	}
	if _, ok := bot.DependsOn["comfyui"]; !ok {
		problems = append(problems, "service bot does not depend on comfyui")
	}
	data := slices.IndexFunc(bot.Volumes, func(v types.ServiceVolumeConfig) bool {
		return v.Target == "/data" && v.Type == types.VolumeTypeVolume
	})
	if data < 0 {
		problems = append(problems, "service bot: no named volume on /data (the database)")
	}
	if bot.StopGracePeriod == nil || bot.StopGracePeriod.String() == "" {
		problems = append(problems, "service bot: no stop_grace_period; the default 10 s is the bot's whole shutdown")
	}
	return problems, nil
}

func loadCompose(ctx context.Context, path string, env []string) (*types.Project, error) {
	opts, err := cli.NewProjectOptions([]string{path}, cli.WithEnv(env), cli.WithInterpolation(true), cli.WithNormalization(true))
	if err != nil {
		return nil, err
	}
	return opts.LoadProject(ctx)
}

func reservesNvidiaGPU(s types.ServiceConfig) bool {
	if s.Deploy == nil || s.Deploy.Resources.Reservations == nil {
		return false
	}
	for _, d := range s.Deploy.Resources.Reservations.Devices {
		if d.Driver == "nvidia" && slices.Contains(d.Capabilities, "gpu") {
			return true
		}
	}
	return false
}
