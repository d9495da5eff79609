package render

import (
	"bytes"
	"encoding/json"
	"flag"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/AEmotionStudio/ComfyUI-DiscordSend/bot/internal/model"
	"github.com/AEmotionStudio/ComfyUI-DiscordSend/bot/internal/permission"
)

var update = flag.Bool("update", false, "rewrite testdata/*.golden from the current output")

// goldenCases are representative payloads, each kept as JSON in
// testdata/NAME.golden.
func goldenCases() []struct {
	name    string
	payload any
} {
	queued := testJob(model.StatusQueued)
	running := testJob(model.StatusRunning)
	running.ID, running.Progress = 40, 0.42
	completed := testJob(model.StatusCompleted)
	failed := testJob(model.StatusFailed)
	failed.ID = 39
	cancelled := testJob(model.StatusCancelled)
	cancelled.ID = 38
	other := testJob(model.StatusQueued)
	other.ID, other.UserID = 43, otherID
	private := dmJob(model.StatusQueued)
	private.ID, private.UserID = 44, otherID
	tmplPrivate := model.Template{ID: 7, OwnerID: ownerID, GuildID: guildID, Name: "portrait-style", Prompt: "cinematic lighting, 8k", Negative: "blurry", Params: model.Params{Steps: model.Ptr(25), CFG: model.Ptr(6.0)}}
	tmplShared := model.Template{ID: 8, OwnerID: otherID, GuildID: guildID, Shared: true, Name: "Anime", Prompt: "anime style, vibrant"}
	mappings := []model.RoleMapping{{RoleID: "501", Level: model.LevelGenerator}, {RoleID: "502", Level: model.LevelAdmin}, {RoleID: "503", Level: model.LevelGenerator}}
	limits := Limits{QueuePerUser: 3, MaxPromptLength: 2000, MinSteps: 1, MaxSteps: 150, MinCFG: 1, MaxCFG: 30, MinSize: 256, MaxSize: 2048, MaxBatch: 4}
	denied := permission.Policy{}.Check(permission.Subject{UserID: otherID, GuildID: guildID}, mappings, permission.PathGenerate)

	return []struct {
		name    string
		payload any
	}{
		{"status_queued", Status(queued, StatusView{Now: testNow, Position: 3, QueueLength: 7, ETA: 90 * time.Second, Backend: "gpu1"}).Create()},
		{"status_submitted", Status(testJob(model.StatusSubmitted), StatusView{Now: testNow}).Update()},
		{"status_running", Status(running, StatusView{Now: testNow, Node: "KSampler", Step: 12, MaxSteps: 30, Fraction: 0.42, PreviewFile: "preview.jpg", Backend: "gpu1"}).Update()},
		{"status_delivering", Status(testJob(model.StatusDelivering), StatusView{Now: testNow}).Update()},
		{"status_completed", Status(completed, StatusView{Now: testNow, ResultURL: "https://discord.com/channels/333/444/555"}).Update()},
		{"status_failed", Status(failed, StatusView{Now: testNow}).Update()},
		{"status_cancelled", Status(cancelled, StatusView{Now: testNow, CancelledBy: otherID}).Update()},
		{"status_dm_job_in_channel", Status(dmJob(model.StatusQueued), StatusView{Now: testNow, Position: 1, QueueLength: 1}).Create()},
		{"result", ResultMessage(Result{Job: completed, Now: testNow, Files: []string{"ComfyUI_00001_.png"}}).Create()},
		{"result_part", ResultMessage(Result{Job: completed, Now: testNow, Files: []string{"img_04.jpg", "img_05.jpg", "img_06.jpg"}, First: 3, Total: 12, Reencoded: 2, Downscaled: 1, Notes: []string{"Your DMs are closed, so the images are posted here."}}).Create()},
		{"result_dm", ResultMessage(Result{Job: dmJob(model.StatusCompleted), Now: testNow, Files: []string{"a.png", "b.png"}}).Create()},
		{"job_info", JobInfo(failed, ownerID, testNow).Create()},
		{"job_info_private", JobInfo(dmJob(model.StatusCompleted), otherID, testNow).Create()},
		{"queue", Queue(QueueView{Viewer: ownerID, Limit: 3, Now: testNow, Entries: []QueueEntry{
			{Job: running, Fraction: 0.42},
			{Job: queued, Position: 1},
			{Job: other, Position: 2},
			{Job: private, Position: 3},
		}}).Create()},
		{"queue_empty", Queue(QueueView{Viewer: ownerID, Now: testNow}).Create()},
		{"history", History(HistoryPage{Ref: HistoryRef{Owner: ownerID, Status: model.StatusCompleted, Page: 2}, Total: 25, Jobs: []model.Job{completed, failed, cancelled}}).Update()},
		{"history_other_member", History(HistoryPage{Ref: HistoryRef{Owner: ownerID, FilterUser: otherID, Page: 1}, Total: 1, Jobs: []model.Job{private}}).Create()},
		{"history_empty", History(HistoryPage{Ref: HistoryRef{Owner: ownerID, Page: 1}}).Create()},
		{"template_list", TemplateList([]model.Template{tmplShared, tmplPrivate}, ownerID).Create()},
		{"template_view", TemplateView(tmplPrivate, ownerID).Create()},
		{"template_choices", TemplateChoices([]model.Template{tmplPrivate, tmplShared})},
		{"modal_edit_job", EditJobModal(completed)},
		{"modal_save_template", SaveTemplateModal(completed)},
		{"modal_template_generate", TemplateGenerateModal(tmplPrivate)},
		{"admin_status", AdminStatus(SystemStatus{Version: "v0.3.0", Uptime: 26*time.Hour + 3*time.Minute, Queued: 4, Running: 1, Backends: []BackendStatus{
			{Name: "gpu1", Up: true, QueueDepth: 2},
			{Name: "gpu2", Error: "dial tcp 10.0.0.2:8188: connect: connection refused"},
		}, Process: ProcessStatus{Name: "gpu-box (pid 4242)", Term: 3}}).Create()},
		{"admin_roles", AdminRoles(mappings).Create()},
		{"admin_roles_none", AdminRoles(nil).Create()},
		{"server_settings", ServerSettings(model.Server{GuildID: guildID, Name: "Art Club", DefaultChannelID: "444444444444444444", MaxQueuePerUser: model.Ptr(5)}, ServerDefaults{MaxQueuePerUser: 3, Delivery: model.DeliveryChannel, Workflow: "default", DMPolicy: model.DMOwners}).Create()},
		{"admin_clear_confirm", AdminClearConfirm(guildID, 6).Create()},
		{"help_user", Help(model.LevelUser, limits).Create()},
		{"help_admin", Help(model.LevelAdmin, limits).Create()},
		{"error_user", UserError("Template not found", "No template is called **x**.", "See `/template list`.").Create()},
		{"error_queue_full", QueueFull(3, 3).Create()},
		{"error_comfy_offline", ComfyOffline("gpu1").Create()},
		{"error_generation_failed", GenerationFailed("KSampler", failed.ErrorMessage).Create()},
		{"error_invalid_option", InvalidOption("steps", "500", "1–150").Create()},
		{"error_refusal", Refusal(denied).Create()},
		{"error_internal", FromError(os.ErrPermission).Create()},
	}
}

func TestGolden(t *testing.T) {
	for _, c := range goldenCases() {
		t.Run(c.name, func(t *testing.T) {
			checkLimits(t, c.payload)
			got := marshal(t, c.payload)
			path := filepath.Join("testdata", c.name+".golden")
			if *update {
				if err := os.WriteFile(path, got, 0o644); err != nil {
					t.Fatal(err)
				}
				return
			}
			want, err := os.ReadFile(path)
			if err != nil {
				t.Fatalf("%v (run go test -update to create it)", err)
			}
			if !bytes.Equal(got, want) {
				t.Errorf("%s differs from the golden file (go test -update rewrites it)\ngot:\n%s", path, got)
			}
		})
	}
}

// marshal is json.MarshalIndent without HTML escaping, so mentions read as
// <@id> in the golden files.
func marshal(t *testing.T, payload any) []byte {
	t.Helper()
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	enc.SetIndent("", "  ")
	if err := enc.Encode(payload); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}
