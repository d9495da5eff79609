package sandbox_test

import (
	"bufio"
	"bytes"
	"encoding/json"
	"errors"
	"image"
	"image/png"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/AEmotionStudio/ComfyUI-DiscordSend/bot/internal/model"
	"github.com/AEmotionStudio/ComfyUI-DiscordSend/bot/internal/sandbox"
	"github.com/AEmotionStudio/ComfyUI-DiscordSend/bot/internal/store"
)

// event is one line of the --json output.
type event struct {
	TMS       int64  `json:"t_ms"`
	Event     string `json:"event"`
	User      string `json:"user"`
	Ephemeral bool   `json:"ephemeral"`
	Channel   string `json:"channel"`
	MessageID string `json:"message_id"`
	Content   string `json:"content"`
	Embeds    []struct {
		Title       string `json:"title"`
		Description string `json:"description"`
	} `json:"embeds"`
	Buttons []string `json:"buttons"`
	Files   []struct {
		Name   string `json:"name"`
		Bytes  int    `json:"bytes"`
		Width  int    `json:"width"`
		Height int    `json:"height"`
	} `json:"files"`
}

func (e event) text() string {
	s := e.Content
	for _, em := range e.Embeds {
		s += "\n" + em.Title + "\n" + em.Description
	}
	return s
}

type lockedBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (l *lockedBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *lockedBuffer) Bytes() []byte {
	l.mu.Lock()
	defer l.mu.Unlock()
	return bytes.Clone(l.b.Bytes())
}

// run is a sandbox session with the real bot (this test binary, see
// TestMain) and the fakes.
type run struct {
	t      *testing.T
	sess   *sandbox.Session
	out    *lockedBuffer
	errOut *lockedBuffer
	db     string
}

func start(t *testing.T) *run {
	t.Helper()
	return startWith(t, func(*sandbox.Options) {})
}

// startWith starts a session with options changed by set.
func startWith(t *testing.T, set func(*sandbox.Options)) *run {
	t.Helper()
	exe, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	r := &run{t: t, out: &lockedBuffer{}, errOut: &lockedBuffer{}, db: filepath.Join(t.TempDir(), "bot.db")}
	opts := sandbox.Options{
		Exe: exe, Env: append(os.Environ(), childMode+"=bot"), DBPath: r.db,
		JSON: true, Stdout: r.out, Stderr: r.errOut, TempDir: t.TempDir(),
	}
	set(&opts)
	r.sess, err = sandbox.New(opts)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if t.Failed() {
			log, _ := os.ReadFile(r.sess.LogPath())
			t.Logf("bot log:\n%s", log)
		}
		r.sess.Close()
	})
	if err := r.sess.Start(t.Context()); err != nil {
		t.Fatalf("start: %v", err)
	}
	return r
}

// play runs a script and returns the events it printed.
func (r *run) play(script string) ([]event, error) {
	r.t.Helper()
	steps, err := sandbox.Parse(strings.NewReader(script))
	if err != nil {
		r.t.Fatal(err)
	}
	err = r.sess.Run(r.t.Context(), steps)
	return r.events(), err
}

func (r *run) events() []event {
	r.t.Helper()
	var evs []event
	sc := bufio.NewScanner(bytes.NewReader(r.out.Bytes()))
	sc.Buffer(nil, 1<<20)
	for sc.Scan() {
		var e event
		if err := json.Unmarshal(sc.Bytes(), &e); err != nil {
			r.t.Fatalf("stdout holds something else than JSON events: %q", sc.Text())
		}
		evs = append(evs, e)
	}
	return evs
}

// job reads a job from the bot's database.
func (r *run) job(id int64) model.Job {
	r.t.Helper()
	st, err := store.Open(r.t.Context(), "sqlite:"+r.db)
	if err != nil {
		r.t.Fatal(err)
	}
	defer st.Close()
	j, err := st.Job(r.t.Context(), id)
	if err != nil {
		r.t.Fatal(err)
	}
	return j
}

// results are the messages that deliver images.
func results(evs []event) []event {
	var out []event
	for _, e := range evs {
		if e.Event == "message" && len(e.Files) > 0 {
			out = append(out, e)
		}
	}
	return out
}

func TestGenerateWaitIdleAndClick(t *testing.T) {
	r := start(t)
	evs, err := r.play(`
user alice roles=generator
comfy jobtime=1s images=2 size=512x384
alice: /generate prompt:"a red fox"
wait idle
alice: click "Info"
`)
	if err != nil {
		t.Fatal(err)
	}
	res := results(evs)
	if len(res) != 1 || len(res[0].Files) != 2 || res[0].Files[0].Width != 512 || res[0].Files[0].Height != 384 || res[0].Files[0].Bytes == 0 {
		t.Fatalf("want one result with two 512x384 images, got %+v", res)
	}
	if !strings.Contains(strings.Join(res[0].Buttons, ","), "Reroll") || res[0].Channel != "#general" || res[0].MessageID == "" {
		t.Errorf("result: %+v", res[0])
	}
	last := evs[len(evs)-1]
	if last.User != "alice" || !last.Ephemeral || !strings.Contains(last.text(), "Job #1") {
		t.Errorf("clicking Info should show alice the job privately, got %+v", last)
	}
	if j := r.job(1); j.Status != model.StatusCompleted {
		t.Errorf("job 1 is %s", j.Status)
	}

	// Lines the sandbox cannot do name their line and stop nothing else.
	for _, tc := range []struct{ line, want string }{
		{"bob: /help", "who is bob?"},
		{`alice: /generate colour:red`, `no option "colour"`},
		{`alice: click "Launch"`, `alice sees no message with a "Launch" button`},
		{`alice: modal prompt:x`, "no modal is open for alice"},
	} {
		steps, err := sandbox.Parse(strings.NewReader("\n\n" + tc.line))
		if err != nil {
			t.Fatal(err)
		}
		err = r.sess.Exec(t.Context(), steps[0])
		var se *sandbox.ScriptError
		if !errors.As(err, &se) || se.Line != 3 || !strings.Contains(se.Msg, tc.want) {
			t.Errorf("%s: want a script error on line 3 saying %q, got %v", tc.line, tc.want, err)
		}
	}

	// Typed line by line, a wrong line is reported and the next one runs.
	var prompt lockedBuffer
	before := len(r.events())
	if err := r.sess.Interactive(t.Context(), strings.NewReader("alice: dance\nalice: /help\n"), &prompt); err != nil {
		t.Fatal(err)
	}
	if n := strings.Count(string(prompt.Bytes()), "> "); n != 3 {
		t.Errorf("want a prompt per line and one at the end, got %d: %q", n, prompt.Bytes())
	}
	if !strings.Contains(string(r.errOut.Bytes()), `script line 1: unknown action "dance"`) {
		t.Errorf("the wrong line was not reported: %s", r.errOut.Bytes())
	}
	if evs := r.events()[before:]; len(evs) == 0 || evs[len(evs)-1].User != "alice" {
		t.Errorf("/help after the wrong line got no answer: %+v", evs)
	}
}

func TestJobsEndOnceThroughCrashesAndRestarts(t *testing.T) {
	cases := []struct {
		name, disruption string
	}{
		{"the bot crashes", "crash"},
		{"ComfyUI restarts", "comfy restart"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			r := start(t)
			evs, err := r.play(`
user alice roles=generator
comfy jobtime=3s
alice: /generate prompt:"a fox that survives"
wait until /Generating/
` + tc.disruption + `
wait idle 60s
`)
			if err != nil {
				t.Fatal(err)
			}
			res := results(evs)
			switch j := r.job(1); j.Status {
			case model.StatusCompleted:
				if len(res) != 1 {
					t.Fatalf("a completed job is delivered exactly once, got %d results", len(res))
				}
			case model.StatusFailed:
				if len(res) != 0 || !strings.Contains(evs[len(evs)-1].text(), "Failed") {
					t.Fatalf("a failed job shows its failure and no result: %+v", evs[len(evs)-1])
				}
			default:
				t.Fatalf("job 1 is still %s", j.Status)
			}
		})
	}
}

func TestTheBotDyingEndsTheRun(t *testing.T) {
	r := start(t)
	if err := os.WriteFile(filepath.Join(r.sess.Dir(), dieFile), nil, 0o600); err != nil {
		t.Fatal(err)
	}
	_, err := r.play("wait 30s\n")
	var se *sandbox.ScriptError
	if err == nil || errors.As(err, &se) || !strings.Contains(err.Error(), "exited unexpectedly (exit status 3)") ||
		!strings.Contains(err.Error(), "line 1 (wait 30s)") || !strings.Contains(err.Error(), "dying as asked") {
		t.Fatalf("want a failure naming the line, the exit and the bot's last words, got %v", err)
	}
	if !r.sess.Kept() {
		t.Error("the log of a failed run must be kept")
	}
}

// A user posts a file from beside the script, and the lines that attach
// files or pick a context menu command name their line when they cannot
// be done.
func TestPostsAndAttachedFiles(t *testing.T) {
	dir := t.TempDir()
	var img bytes.Buffer
	if err := png.Encode(&img, image.NewRGBA(image.Rect(0, 0, 16, 8))); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "cat.png"), img.Bytes(), 0o600); err != nil {
		t.Fatal(err)
	}
	script := filepath.Join(dir, "script.txt")
	lines := strings.Join([]string{
		"user alice roles=generator",
		`alice: post "look" @cat.png`,
		`alice: /generate prompt:"a cat" image:@cat.png`,
		`alice: apps "Nope" on last`,
		`alice: post "x" @missing.png`,
		`alice: /generate prompt:"x" image:@missing.png`,
		`alice: apps "Nope" on @carol`,
	}, "\n")
	if err := os.WriteFile(script, []byte(lines), 0o600); err != nil {
		t.Fatal(err)
	}
	f, err := os.Open(script)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	steps, err := sandbox.Parse(f)
	if err != nil {
		t.Fatal(err)
	}
	r := start(t)
	if err := r.sess.Run(t.Context(), steps[:3]); err != nil {
		t.Fatalf("the post and the command with a file must reach the bot: %v", err)
	}
	var posts []event
	for _, e := range r.events() {
		if e.Event == "post" {
			posts = append(posts, e)
		}
	}
	if len(posts) != 1 || posts[0].User != "alice" || posts[0].Channel != "#general" || posts[0].Content != "look" ||
		len(posts[0].Files) != 1 || posts[0].Files[0].Name != "cat.png" || posts[0].Files[0].Bytes != img.Len() || posts[0].Files[0].Width != 16 {
		t.Fatalf("want alice's post with cat.png (16x8), got %+v", posts)
	}
	if evs := r.events(); evs[len(evs)-1].User != "alice" || evs[len(evs)-1].Event == "error" {
		t.Errorf("/generate with an image got no answer for alice: %+v", evs[len(evs)-1])
	}
	missing := filepath.Join(dir, "missing.png")
	for i, want := range []string{
		`unknown message command "Nope"`,
		"no file @missing.png (looked for " + missing + ")",
		"option image: no file @missing.png (looked for " + missing + ")",
		"who is carol?",
	} {
		st := steps[3+i]
		err := r.sess.Exec(t.Context(), st)
		var se *sandbox.ScriptError
		if !errors.As(err, &se) || se.Line != st.Line || !strings.Contains(se.Msg, want) {
			t.Errorf("%s: want a script error on line %d saying %q, got %v", st.Text, st.Line, want, err)
		}
	}
}
