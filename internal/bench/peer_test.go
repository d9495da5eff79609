package bench

import (
	"encoding/json"
	"strings"
	"testing"
)

func TestPeerResultPassesProgressOnAndReturnsTheObservations(t *testing.T) {
	lines := strings.Join([]string{
		`{"progress":{"delivered":1,"total":2}}`,
		`{"progress":{"delivered":2,"total":2}}`,
		`{"result":{"requests":7,"rate_limited":0,"violations":0,"stalled":false,"interactions":null,"results":null,"messages":null,"runs":null,"peer_cpu":0}}`,
	}, "\n")
	p := &Peer{dec: json.NewDecoder(strings.NewReader(lines)), stderr: &syncBuffer{}}
	var seen []Progress
	obs, err := p.Result(func(pr Progress) { seen = append(seen, pr) })
	if err != nil {
		t.Fatal(err)
	}
	if obs.Requests != 7 || len(seen) != 2 || seen[1] != (Progress{Delivered: 2, Total: 2}) {
		t.Fatalf("got %+v after %v", obs, seen)
	}
}

func TestPeerResultReportsThePeersFailure(t *testing.T) {
	cases := []struct {
		name, lines, stderr, want string
	}{
		{"an error line", `{"error":"wait for the bot to connect: context deadline exceeded"}`, "", "peer process: wait for the bot to connect"},
		{"the peer died", `{"progress":{"delivered":1,"total":2}}`, "panic: boom", "panic: boom"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			errs := &syncBuffer{}
			errs.Write([]byte(c.stderr))
			p := &Peer{dec: json.NewDecoder(strings.NewReader(c.lines)), stderr: errs}
			if _, err := p.Result(nil); err == nil || !strings.Contains(err.Error(), c.want) {
				t.Fatalf("got %v, want an error naming %q", err, c.want)
			}
		})
	}
}
