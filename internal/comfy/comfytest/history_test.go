package comfytest

import (
	"maps"
	"math/rand/v2"
	"testing"
)

// TestHistoryLookupMatchesScan adds, deletes and clears entries with reused prompt ids, past the
// history cap, and checks every lookup against a scan from the oldest entry.
func TestHistoryLookupMatchesScan(t *testing.T) {
	s, err := newServer()
	if err != nil {
		t.Fatal(err)
	}
	ids := []string{"a", "b", "c", "d"}
	scan := func(id string) *historyEntry {
		for _, h := range s.st.history {
			if h.j.id == id {
				return h
			}
		}
		return nil
	}
	check := func(step int) {
		t.Helper()
		counts := map[string]int{}
		for _, h := range s.st.history {
			counts[h.j.id]++
		}
		if !maps.Equal(counts, s.st.historyIDs) {
			t.Fatalf("step %d: ids counted %v, history holds %v", step, s.st.historyIDs, counts)
		}
		for _, id := range append(ids, "never") {
			if got, want := s.historyLocked(id), scan(id); got != want {
				t.Fatalf("step %d: history of %s is %p, want %p", step, id, got, want)
			}
		}
	}
	r := rand.New(rand.NewPCG(3, 4))
	for step := range 3000 {
		switch op := r.IntN(100); {
		case op < 80:
			s.addHistoryLocked(&historyEntry{j: &job{id: ids[r.IntN(len(ids))]}})
		case op < 98:
			s.deleteHistoryLocked(ids[r.IntN(len(ids))])
		default:
			s.clearHistoryLocked()
		}
		check(step)
	}
	for i := range maxHistory + 5 {
		s.addHistoryLocked(&historyEntry{j: &job{id: ids[i%len(ids)]}})
	}
	check(-1)
	if n := len(s.st.history); n != maxHistory {
		t.Fatalf("%d entries kept, want %d", n, maxHistory)
	}
}
