//go:build !race

package devtools

import (
	"encoding/json"
	"github.com/AEmotionStudio/ComfyUI-DiscordSend/bot/internal/app"
	"path/filepath"
	"strings"
	"testing"

	"github.com/AEmotionStudio/ComfyUI-DiscordSend/bot/internal/model"
	"github.com/AEmotionStudio/ComfyUI-DiscordSend/bot/internal/store"
	"github.com/AEmotionStudio/ComfyUI-DiscordSend/bot/internal/store/storetest"
)

// The bench runs the real bot, whose disgo v0.19.6 gateway races on close
// (see internal/discordtest); like the other end-to-end tests these run
// without the race detector.

func TestBenchJSONReportsEveryField(t *testing.T) {
	r := runBenchCommand(t, "--users", "3", "--jobs", "12", "--backends", "2", "--job-time", "20ms", "--image-kb", "10", "--ramp", "0", "--json",
		"--db", storetest.URL(t))
	if r.code != app.ExitOK {
		t.Fatalf("exit %d; stderr:\n%s", r.code, r.stderr)
	}
	var got map[string]any
	if err := json.Unmarshal([]byte(r.stdout), &got); err != nil {
		t.Fatalf("--json must print one object: %v\n%s", err, r.stdout)
	}
	fields := []string{
		"users", "jobs", "backends", "job_time", "image_kb", "per_user", "channels", "ramp", "rate_limits", "wall_s", "jobs_per_s",
		"database", "sent", "unacknowledged", "accepted", "refused", "delivered", "lost", "duplicated",
		"ack_ms", "finish_to_delivered_ms", "backend_utilization", "jain_fairness", "jain_jobs",
		"status_messages", "status_edits", "max_edits_per_2s", "min_edit_gap_ms",
		"rate_limited_429", "violations", "rest_calls_per_job",
		"peak_rss_mb", "peak_heap_mb", "cpu_s_per_job", "peer_cpu_s_per_job", "stalled", "checks", "checks_failed",
	}
	for _, f := range fields {
		if _, ok := got[f]; !ok {
			t.Errorf("field %q missing from %s", f, r.stdout)
		}
	}
	for _, f := range []string{"ack_ms", "finish_to_delivered_ms"} {
		lat, _ := got[f].(map[string]any)
		for _, k := range []string{"p50", "p99", "max", "n"} {
			if _, ok := lat[k]; !ok {
				t.Errorf("%s has no %s: %v", f, k, got[f])
			}
		}
		if lat["n"] != float64(12) {
			t.Errorf("%s should cover all 12 jobs: %v", f, got[f])
		}
	}
	counts := []struct {
		field string
		want  float64
	}{
		{"sent", 12}, {"accepted", 12}, {"delivered", 12}, {"lost", 0}, {"duplicated", 0},
		{"unacknowledged", 0}, {"violations", 0}, {"status_messages", 12},
	}
	for _, c := range counts {
		if got[c.field] != c.want {
			t.Errorf("%s = %v, want %v", c.field, got[c.field], c.want)
		}
	}
	if got["database"] != storetest.Dialect() {
		t.Errorf("database = %v, want %s", got["database"], storetest.Dialect())
	}
	for _, f := range []string{"peak_rss_mb", "cpu_s_per_job", "rest_calls_per_job", "backend_utilization"} {
		if v, _ := got[f].(float64); v <= 0 {
			t.Errorf("%s = %v, want a measurement above 0", f, got[f])
		}
	}
}

func TestBenchTableNamesEveryTarget(t *testing.T) {
	r := runBenchCommand(t, "--users", "2", "--jobs", "4", "--backends", "1", "--job-time", "0", "--image-kb", "1")
	if r.code != app.ExitOK {
		t.Fatalf("exit %d; stderr:\n%s", r.code, r.stderr)
	}
	for _, want := range []string{"ack p99", "finish → delivered", "backend utilization", "Jain fairness",
		"edits per status message per 2 s", "429s", "peak RSS", "jobs lost", "jobs delivered twice", "throughput"} {
		if !strings.Contains(r.stdout, want) {
			t.Errorf("the table has no %q row:\n%s", want, r.stdout)
		}
	}
	if !strings.Contains(r.stdout, "4 delivered, 0 lost, 0 delivered twice") {
		t.Errorf("every job should be delivered once:\n%s", r.stdout)
	}
}

// A SQLite file is used as given, so it must be empty; a PostgreSQL
// database gets a schema of the run's own (TestBenchJSONReportsEveryField).
func TestBenchRefusesASQLiteFileWithJobs(t *testing.T) {
	dbURL := "sqlite:" + filepath.Join(t.TempDir(), "used.db")
	st, err := store.Open(t.Context(), dbURL)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := st.Migrate(t.Context()); err != nil {
		t.Fatal(err)
	}
	if _, err := st.EnqueueJob(t.Context(), model.Job{UserID: "1", UserName: "ann", GuildID: "2", ChannelID: "3",
		Params: model.Params{Prompt: "a robot"}}, 0); err != nil {
		t.Fatal(err)
	}
	st.Close()
	r := runBenchCommand(t, "--users", "1", "--jobs", "1", "--db", dbURL)
	if r.code == app.ExitOK || !strings.Contains(r.stderr, "holds 1 job(s)") || !strings.Contains(r.stderr, "empty database") {
		t.Fatalf("exit %d, want a refusal naming the job and what to do; stderr:\n%s", r.code, r.stderr)
	}
}
