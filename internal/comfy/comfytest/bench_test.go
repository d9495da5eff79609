package comfytest

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"strings"
	"testing"
)

// benchServer is a server without listener or worker, with one socket for client "bench" whose
// frames the benchmark drains itself.
func benchServer(b *testing.B) (*Server, *socket) {
	b.Helper()
	s, err := newServer()
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(s.cancel)
	sock := &socket{sid: "bench", out: make(chan wsFrame, socketQueue)}
	s.mu.Lock()
	s.sockets[sock.sid] = sock
	s.conns[sock] = struct{}{}
	s.mu.Unlock()
	return s, sock
}

// drain empties a socket's queue and returns how many bytes it held.
func drain(sock *socket) int {
	n := 0
	for {
		select {
		case f := <-sock.out:
			n += len(f.data)
		default:
			return n
		}
	}
}

// serve answers one request the way the HTTP server would, without a network.
func serve(b *testing.B, s *Server, method, target, body string) []byte {
	b.Helper()
	rec := httptest.NewRecorder()
	s.handler.ServeHTTP(rec, httptest.NewRequest(method, target, strings.NewReader(body)))
	if rec.Code != http.StatusOK {
		b.Fatalf("%s %s: %d %s", method, target, rec.Code, rec.Body)
	}
	return rec.Body.Bytes()
}

// benchJobs runs jobs the way `discordsend-dev bench` does: the default workflow (7 nodes, 20
// sampler steps) with a new seed each time, 64×64 images padded to 10 KB.
type benchJobs struct {
	s        *Server
	sock     *socket
	workflow string
	seed     int
}

func newBenchJobs(b *testing.B) *benchJobs {
	workflow, err := os.ReadFile("../../workflow/default.json")
	if err != nil {
		b.Fatal(err)
	}
	s, sock := benchServer(b)
	s.SetImageSize(64, 64)
	s.SetExtraBytes(10*1024 - 200)
	s.SetModels("checkpoints", "v1-5-pruned-emaonly-fp16.safetensors")
	return &benchJobs{s: s, sock: sock, workflow: string(workflow)}
}

// run posts and runs one job; it returns the prompt id, the image name and the bytes sent.
func (bj *benchJobs) run(b *testing.B) (id, image string, wire int) {
	id = bj.post(b)
	return id, fmt.Sprintf("discordsend_%05d_.png", bj.seed), bj.work(b)
}

func (bj *benchJobs) post(b *testing.B) string {
	bj.seed++
	prompt := strings.Replace(bj.workflow, `"seed": 0`, fmt.Sprintf(`"seed": %d`, bj.seed), 1)
	var resp struct {
		ID string `json:"prompt_id"`
	}
	if err := json.Unmarshal(serve(b, bj.s, http.MethodPost, "/prompt", `{"client_id": "bench", "prompt": `+prompt+`}`), &resp); err != nil {
		b.Fatal(err)
	}
	return resp.ID
}

// work runs the queued job and returns the bytes its messages took.
func (bj *benchJobs) work(b *testing.B) int {
	j, ctx, ok := bj.s.take()
	if !ok {
		b.Fatal("no job taken")
	}
	bj.s.run(ctx, j)
	return drain(bj.sock)
}

// BenchmarkJob is one job of the load benchmark as the fake sees it: posted, run and reported
// over the socket, then its history and its image fetched.
func BenchmarkJob(b *testing.B) {
	bj := newBenchJobs(b)
	wire := 0
	b.ReportAllocs()
	for b.Loop() {
		id, image, n := bj.run(b)
		wire += n
		serve(b, bj.s, http.MethodGet, "/history/"+id, "")
		serve(b, bj.s, http.MethodGet, "/view?type=output&filename="+image, "")
	}
	b.ReportMetric(float64(wire)/float64(b.N), "wsbytes/op")
}

// BenchmarkJobMessages is the worker's part of a job alone: running it and queueing its
// WebSocket messages (status, execution_*, executing, progress_state, progress, executed).
func BenchmarkJobMessages(b *testing.B) {
	bj := newBenchJobs(b)
	b.ReportAllocs()
	for b.Loop() {
		b.StopTimer()
		bj.post(b)
		b.StartTimer()
		bj.work(b)
	}
}

// BenchmarkView is one download of a job's image.
func BenchmarkView(b *testing.B) {
	bj := newBenchJobs(b)
	_, image, _ := bj.run(b)
	b.ReportAllocs()
	for b.Loop() {
		serve(b, bj.s, http.MethodGet, "/view?type=output&filename="+image, "")
	}
}

// BenchmarkProgressStep is one sampler step of the default workflow: progress_state with the five
// nodes started so far, then progress.
func BenchmarkProgressStep(b *testing.B) {
	s, sock := benchServer(b)
	j := &job{id: "2f6bd4a2-3e0c-4a53-a4a6-0f0e1c1d3b51", clientID: "bench"}
	s.st.running = j
	ex := &execution{s: s, j: j, states: object{}}
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, id := range []string{"4", "5", "6", "7"} {
		ex.setStateLocked(id, "finished", 1, 1)
	}
	step := 0
	b.ReportAllocs()
	for b.Loop() {
		step = step%20 + 1
		ex.setStateLocked("3", "running", float64(step), 20)
		s.emitLocked(j.clientID, toClientOrAll, "progress", object{{"value", step}, {"max", 20}, {"prompt_id", j.id}, {"node", "3"}})
		drain(sock)
	}
}

// BenchmarkEncode encodes values shaped like the server's messages and responses.
func BenchmarkEncode(b *testing.B) {
	for _, bc := range encodeCases() {
		b.Run(bc.name, func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				if _, err := json.Marshal(bc.v); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

type encodeCase struct {
	name string
	v    any
}

func encodeCases() []encodeCase {
	const id = "2f6bd4a2-3e0c-4a53-a4a6-0f0e1c1d3b51"
	states := object{}
	for i, n := range []string{"4", "5", "6", "7", "3"} {
		states = append(states, member{n, object{{"value", float64(i)}, {"max", 20.0}, {"state", "running"}, {"node_id", n},
			{"prompt_id", id}, {"display_node_id", n}, {"parent_node_id", nil}, {"real_node_id", n}}})
	}
	prompt, err := decodeOrdered([]byte(`{"3": {"inputs": {"seed": 12345, "steps": 20, "cfg": 7.0, "sampler_name": "euler",
		"scheduler": "normal", "denoise": 1.0, "model": ["4", 0], "positive": ["6", 0], "negative": ["7", 0],
		"latent_image": ["5", 0]}, "class_type": "KSampler", "_meta": {"title": "KSampler"}},
		"6": {"inputs": {"text": "a beautiful landscape, <detailed> & high quality", "clip": ["4", 1]},
		"class_type": "CLIPTextEncode", "_meta": {"title": "Positive Prompt"}}}`))
	if err != nil {
		panic(err)
	}
	return []encodeCase{
		{"progress", object{{"type", "progress"}, {"data", object{{"value", 7}, {"max", 20}, {"prompt_id", id}, {"node", "3"}}}}},
		{"progress_state", object{{"type", "progress_state"}, {"data", object{{"prompt_id", id}, {"nodes", states}}}}},
		{"prompt", prompt},
	}
}
