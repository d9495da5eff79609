package bench

import (
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"
)

// historyJSON is the shape of ComfyUI's GET /history, trimmed to what the
// bench reads: one prompt that succeeded and one that failed.
const historyJSON = `{
 "p-ok": {"prompt": [1, "p-ok", {}, {}, ["9"]], "outputs": {},
  "status": {"status_str": "success", "completed": true, "messages": [
   ["execution_start", {"prompt_id": "p-ok", "timestamp": 1767323045000}],
   ["execution_cached", {"nodes": [], "prompt_id": "p-ok", "timestamp": 1767323045001}],
   ["execution_success", {"prompt_id": "p-ok", "timestamp": 1767323045200}]]}},
 "p-err": {"prompt": [2, "p-err", {}, {}, ["9"]], "outputs": {},
  "status": {"status_str": "error", "completed": false, "messages": [
   ["execution_start", {"prompt_id": "p-err", "timestamp": 1767323045200}],
   ["execution_error", {"prompt_id": "p-err", "timestamp": 1767323045250}]]}}
}`

func TestReadHistoryTakesComfyUIsTimestamps(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path != "/history" {
			http.NotFound(w, r)
			return
		}
		w.Write([]byte(historyJSON))
	}))
	defer srv.Close()
	runs, err := readHistory(t.Context(), srv.URL)
	if err != nil {
		t.Fatal(err)
	}
	got := map[string]Run{}
	for _, r := range runs {
		got[r.PromptID] = r
	}
	want := map[string]Run{
		"p-ok":  {PromptID: "p-ok", Start: time.UnixMilli(1767323045000), Success: time.UnixMilli(1767323045200)},
		"p-err": {PromptID: "p-err", Start: time.UnixMilli(1767323045200)},
	}
	for id, w := range want {
		g := got[id]
		if g.PromptID != w.PromptID || !g.Start.Equal(w.Start) || !g.Success.Equal(w.Success) {
			t.Errorf("%s: got %+v, want %+v", id, g, w)
		}
	}
	if len(runs) != len(want) {
		t.Errorf("got %d runs, want %d", len(runs), len(want))
	}
}

func TestReadHistoryRefusesWhatIsNotAHistory(t *testing.T) {
	cases := []struct {
		name   string
		status int
		body   string
		want   string
	}{
		{"server error", http.StatusInternalServerError, "", "500"},
		{"not JSON", http.StatusOK, "<html>", "read history"},
		{"bad status message", http.StatusOK, `{"p": {"status": {"messages": [["only a type"]]}}}`, "not a [type, data] pair"},
		{"bad timestamp", http.StatusOK, `{"p": {"status": {"messages": [["execution_start", {"timestamp": "soon"}]]}}}`, "status message data"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
				w.WriteHeader(c.status)
				w.Write([]byte(c.body))
			}))
			defer srv.Close()
			if _, err := readHistory(t.Context(), srv.URL); err == nil || !strings.Contains(err.Error(), c.want) {
				t.Fatalf("got %v, want an error naming %q", err, c.want)
			}
		})
	}
}
